"""Eligibility by age and legal status: the one rule, checked when a referral is accepted, a
match proposed and a match started, and every day by ``ivcli today`` (kind ``eligibility``).

A looked-after child is eligible from ``eligibility.min_age`` until the birthday
``eligibility.looked_after_max_age``; a care leaver until ``eligibility.care_leaver_max_age``
(``eligibility.additional_needs_max_age`` with a disability or additional needs); a young
person who has left care (``left_care``) is not (s23ZB(4)(a)). docs/legal-status.md.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from ivcli import stored_settings as settings_service
from ivcli.enums import LegalStatus
from ivcli.errors import NotFound
from ivcli.parsing import age_on

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def age_limit(legal_status: str | None, disability: bool | None) -> tuple[str, str]:
    """The setting that holds the age limit of a legal status, and who it is for."""
    if legal_status == LegalStatus.care_leaver:
        if disability:
            return "eligibility.additional_needs_max_age", "a care leaver with additional needs"
        return "eligibility.care_leaver_max_age", "a care leaver"
    return "eligibility.looked_after_max_age", "a looked-after child"


def problem(conn: Connection, yp: Any, on: date) -> str | None:
    """Why the young person ``yp`` (with ``date_of_birth``, ``legal_status``, ``disability``)
    is not eligible on ``on``, naming the rule and its setting; None when they are."""
    status = getattr(yp, "legal_status", None) or LegalStatus.looked_after.value
    if status == LegalStatus.left_care:
        return ("recorded as having left care (legal status left_care): an independent "
                "visitor is for a looked-after child or a care leaver (s23ZB(4)(a))")
    dob = yp.date_of_birth
    if isinstance(dob, str):
        dob = date.fromisoformat(dob)
    age = age_on(dob, on)
    minimum = settings_service.get_int(conn, "eligibility.min_age")
    if age < minimum:
        return (f"aged {age} on {on.isoformat()}, under the minimum of {minimum} (setting "
                "eligibility.min_age)")
    key, who = age_limit(status, yp.disability)
    maximum = settings_service.get_int(conn, key)
    if age >= maximum:
        return (f"aged {age} on {on.isoformat()}; {who} is eligible until {maximum} (age rule, "
                f"setting {key})")
    return None


def hint(yp_id: int, legal_status: str | None) -> str:
    """What a coordinator can do about an eligibility refusal."""
    if (legal_status or LegalStatus.looked_after) == LegalStatus.looked_after:
        return (f"if young person {yp_id} is now a care leaver, record it first: 'ivcli "
                f"young-person update {yp_id} --legal-status care_leaver --date DATE'")
    return "change the age limits with 'ivcli settings set' if the scheme's own limits differ"


def young_person(conn: Connection, yp_id: int) -> Any:
    """The fields eligibility reads, of young person ``yp_id`` (NotFound when there is none)."""
    from sqlalchemy import Boolean, Date, text

    row = conn.execute(text(
        "SELECT id, date_of_birth, legal_status, disability FROM young_people WHERE id = :id"
    ).columns(date_of_birth=Date, disability=Boolean), {"id": yp_id}).first()
    if row is None:
        raise NotFound(f"there is no young person {yp_id}",
                       hint="'ivcli referral list' shows young people's ids")
    return row
