"""Approving a volunteer: a decision, refused while any step is missing or lapsed (the rules are
in ``compliance``) or a recorded decision does not allow it (``vetting``)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ivcli.enums import VolunteerStatus
from ivcli.errors import InvalidInput, Refused
from ivcli.volunteers.records import ENDED, load, outstanding
from ivcli.volunteers.status import update

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def approve(conn: Connection, volunteer_id: int, on: date, today: date) -> bool:
    """Approve. Returns False when already approved. Refused listing every missing or lapsed
    step on ``on``."""
    v = load(conn, volunteer_id)
    if on > today:
        raise InvalidInput("the approval date is in the future")
    if v.status in ENDED:
        raise Refused(
            f"volunteer {volunteer_id} has {'left' if v.status == 'left' else 'withdrawn'}; "
            "nothing was changed",
            hint=f"if they are coming back, 'ivcli volunteer resume {volunteer_id}' first",
        )
    if v.status == VolunteerStatus.approved.value:
        return False
    if v.status == VolunteerStatus.not_approved.value:
        raise Refused(
            f"volunteer {volunteer_id} was not approved: {v.status_reason}; nothing was changed",
            hint="if that record was wrong, record the step again with its right outcome "
            f"(see 'ivcli volunteer show {volunteer_id}')",
        )
    missing = outstanding(conn, volunteer_id, on)
    if missing:
        raise Refused(
            f"volunteer {volunteer_id} cannot be approved: "
            f"{len(missing)} requirement(s) not met",
            hint=f"record each step with 'ivcli volunteer check {volunteer_id} STEP --date DATE' "
            "and its outcome or decision, each training course with 'ivcli volunteer training "
            f"{volunteer_id} --course NAME --date DATE' (setting training.required), the "
            f"independence declaration with 'ivcli volunteer declare {volunteer_id}' "
            "(docs/volunteers.md)",
            details=missing,
        )
    update(conn, v, status=VolunteerStatus.approved.value, approved_date=on, status_date=on,
            status_reason=None)
    return True
