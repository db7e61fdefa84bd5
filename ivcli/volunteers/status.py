"""A volunteer's status: the one that follows the recorded steps (``refresh_status``), and the
ones set by hand with a reason and a date: on hold, withdrawn, left (``set_status``), and back
(``resume``). ``update`` writes a volunteer's row with its audit trail record.

Status follows the recorded steps (``intake.pipeline_status``): an applicant has only an
application; in checks once any other step is recorded; ready for panel when every step before
the panel is recorded and current. Approval is a decision, in ``approval``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from ivcli.db import now
from ivcli.enums import MatchStatus, VolunteerStatus, sql_list
from ivcli.errors import InvalidInput, Refused
from ivcli.volunteers import compliance
from ivcli.volunteers.records import ENDED, VolunteerRecord, load

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def update(conn: Connection, v: VolunteerRecord, **values: Any) -> list[str]:
    """Write the ``values`` that differ from ``v`` (and updated_at), record them in the audit
    trail, and bring ``v`` up to date. Returns the changed field names."""
    from sqlalchemy import update

    from ivcli.models import Volunteer
    from ivcli.safety import audit

    changed = {k: x for k, x in values.items() if getattr(v, k) != x}
    if not changed:
        return []
    changed["updated_at"] = now()
    t = Volunteer.__table__  # type: ignore[attr-defined]
    conn.execute(update(t).where(t.c.id == v.id).values(**changed))
    names = sorted(changed)
    audit.record(conn, [("volunteers", str(v.id), "update", names)])
    for k, x in changed.items():
        setattr(v, k, x)
    return names


def refresh_status(conn: Connection, v: VolunteerRecord, as_of: date) -> str:
    """Bring a pipeline status (applicant, in checks, ready for panel) up to date."""
    from ivcli.volunteers.intake import HAND_SET, pipeline_status

    if v.status not in HAND_SET:
        update(conn, v, status=pipeline_status(compliance.volunteer_states(conn, v.id, as_of)))
    return v.status


def open_matches(conn: Connection, volunteer_id: int) -> list[int]:
    from sqlalchemy import text

    return [int(m) for (m,) in conn.execute(text(
        "SELECT id FROM matches WHERE volunteer_id = :v "
        f"AND status IN ({sql_list(MatchStatus.open())}) ORDER BY id"), {"v": volunteer_id})]


def set_status(conn: Connection, volunteer_id: int, status: VolunteerStatus, reason: str,
               on: date, today: date) -> list[int]:
    """Put on hold, withdraw or record as left. Returns the volunteer's open match ids (the
    coordinator must deal with them)."""
    v = load(conn, volunteer_id)
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required", hint="give it with --reason")
    if on > today:
        raise InvalidInput("the date is in the future")
    if v.status == status.value:
        raise Refused(f"volunteer {volunteer_id} is already {status.value}")
    if v.status in ENDED and status != VolunteerStatus.left:
        raise Refused(f"volunteer {volunteer_id} is {v.status}; nothing was changed",
                      hint=f"'ivcli volunteer resume {volunteer_id}' if they are coming back")
    if status == VolunteerStatus.withdrawn and v.approved_date is not None:
        raise Refused(
            f"volunteer {volunteer_id} was approved; an approved volunteer who stops has left",
            hint=f"use 'ivcli volunteer leave {volunteer_id} --reason ...'",
        )
    update(conn, v, status=status.value, status_reason=" ".join(reason.split()),
            status_date=on)
    return open_matches(conn, volunteer_id)


def resume(conn: Connection, volunteer_id: int, on: date, today: date) -> str:
    """Back from on hold (approved again if they were approved), or back into the pipeline after
    withdrawing or leaving (a returning volunteer is approved again by `approve`)."""
    v = load(conn, volunteer_id)
    if v.status not in (VolunteerStatus.on_hold.value, *ENDED):
        raise Refused(f"volunteer {volunteer_id} is {v.status}, not on hold, withdrawn or left")
    was_hold = v.status == VolunteerStatus.on_hold.value
    approved: date | None
    if was_hold and v.approved_date is not None:
        status, approved = VolunteerStatus.approved.value, v.approved_date
    else:
        # Back into the pipeline: the status the recorded steps give (``refresh_status``).
        from ivcli.volunteers.intake import pipeline_status

        status = pipeline_status(compliance.volunteer_states(conn, volunteer_id, today))
        approved = v.approved_date if was_hold else None
    update(conn, v, status=status, approved_date=approved, status_reason=None, status_date=on)
    return v.status
