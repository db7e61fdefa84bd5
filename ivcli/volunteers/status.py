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
    """Bring a pipeline status (applicant, in checks, ready for panel) up to date. A decision
    that stops the pipeline (``vetting``: an unsatisfactory reference or interview, a panel or
    risk assessment that declined) makes a volunteer who has not left or withdrawn
    ``not_approved``, with the reason; once it no longer stands (corrected), the recorded steps
    decide again."""
    from ivcli.volunteers import vetting
    from ivcli.volunteers.intake import HAND_SET, pipeline_status

    if v.status in ENDED:
        return v.status
    stop = vetting.vet_one(conn, v.id, as_of).stop
    not_approved = VolunteerStatus.not_approved.value
    if stop is not None:
        update(conn, v, status=not_approved, status_reason=stop.reason, status_date=stop.date)
    elif v.status == not_approved:
        update(conn, v, status=pipeline_status(compliance.volunteer_states(conn, v.id, as_of)),
               status_reason=None, status_date=as_of, approved_date=None)
    elif v.status not in HAND_SET:
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


def leave(conn: Connection, volunteer_id: int, reason: str, on: date, today: date,
          note: str | None = None, exit_interview: date | None = None) -> None:
    """Record that a volunteer has left the scheme: why (``LeaveReason``), a note and the date of
    their exit interview. Refused while they have an open match (each named)."""
    from ivcli.enums import LeaveReason
    from ivcli.specs import VOLUNTEER, one_line

    v = load(conn, volunteer_id)
    reasons = [r.value for r in LeaveReason]
    if reason not in reasons:
        raise InvalidInput(f"there is no leaving reason {reason!r}",
                           hint="reasons: " + ", ".join(reasons))
    if on > today:
        raise InvalidInput("the date is in the future")
    if exit_interview is not None and exit_interview > today:
        raise InvalidInput("the exit interview date is in the future; record it once it has "
                           "happened")
    if v.status == VolunteerStatus.left.value:
        raise Refused(f"volunteer {volunteer_id} has already left; nothing was changed")
    matches = open_matches(conn, volunteer_id)
    if matches:
        listed = ", ".join(str(m) for m in matches)
        raise Refused(
            f"volunteer {volunteer_id} still has open match(es): {listed}; nothing was changed",
            hint=f"end each first ('ivcli match end {matches[0]} --reason volunteer_left'; "
            "a proposal not yet started: 'ivcli match decline ID --reason ...'), then leave again",
        )
    try:
        clean = one_line(note or "", VOLUNTEER["leave_note"].limit) or None
    except ValueError as exc:
        raise InvalidInput(f"--note is {exc}") from None
    update(conn, v, status=VolunteerStatus.left.value, status_reason=reason, status_date=on,
           leave_reason=reason, leave_note=clean, exit_interview_date=exit_interview)


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
