"""A young person's life events: their legal status (looked_after, care_leaver, left_care) and
their area and placement type, each with dated history (docs/legal-status.md).

- ``care_leaver`` needs age 16 or over on the date (``rows.CARE_LEAVER_RULE``).
- ``left_care`` (with a reason: returned_home, adoption, sgo, other) ends the appointment
  (s23ZB(4)(a)): each open match ends, or is declined if it had not started, with reason
  ``left_care`` on that date, and each open referral is closed.

Writes are Core statements over the tables, each recorded in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ivcli.enums import (
    EndReason,
    LeftCareReason,
    LegalStatus,
    MatchStatus,
    ReferralStatus,
    WithdrawReason,
    sql_list,
)
from ivcli.errors import InvalidInput, Refused
from ivcli.referrals.eligibility import young_person

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

HISTORY_COLUMNS = ("status", "date", "reason")
PLACEMENT_FIELDS = ("area", "placement_type")


@dataclass
class Change:
    young_person_id: int
    status: str
    date: date
    ended_matches: list[int] = field(default_factory=list)
    declined_matches: list[int] = field(default_factory=list)
    closed_referrals: list[int] = field(default_factory=list)


def record_status(conn: Connection, yp_id: int, status: str, on: date,
                  reason: str | None) -> None:
    """Set the legal status from ``on`` and keep it in the history (no checks: see
    ``change_legal_status``). ``care_leaver``, the yes/no the reports break down by, follows."""
    from ivcli.db import now
    from ivcli.matching.lifecycle import insert_row, table_of, update_changed
    from ivcli.models import LegalStatusHistory

    stamp = now()
    insert_row(conn, table_of(LegalStatusHistory), {
        "young_person_id": yp_id, "status": status, "date": on, "reason": reason,
        "created_at": stamp})
    update_changed(conn, "young_people", yp_id, {
        "legal_status": status, "care_leaver": status == LegalStatus.care_leaver,
        "updated_at": stamp})


def current(conn: Connection, yp_id: int) -> str:
    """The young person's legal status now."""
    return str(young_person(conn, yp_id).legal_status)


def set_pathway_plan(conn: Connection, yp_id: int, value: bool) -> int:
    """Record whether a care leaver has a pathway plan, on their open referral; returns its
    id."""
    from sqlalchemy import text

    from ivcli.referrals import screening

    young_person(conn, yp_id)
    ref_id = conn.execute(text(
        f"SELECT max(id) FROM referrals WHERE young_person_id = :yp "
        f"AND status IN ({sql_list(ReferralStatus.open())})"), {"yp": yp_id}).scalar()
    if ref_id is None:
        raise Refused(f"young person {yp_id} has no open referral to record a pathway plan on",
                      hint="add a referral with 'ivcli referral add ... --pathway-plan yes'")
    screening.update(conn, int(ref_id), {"pathway_plan": "yes" if value else "no"})
    return int(ref_id)


def last_change(conn: Connection, yp_id: int) -> date | None:
    from sqlalchemy import text

    found = conn.execute(text("SELECT max(date) FROM legal_status_history "
                              "WHERE young_person_id = :yp"), {"yp": yp_id}).scalar()
    return date.fromisoformat(found) if found else None


def change_legal_status(conn: Connection, yp_id: int, status: str, on: date,
                        reason: str | None, today: date | None = None) -> Change:
    """Record young person ``yp_id``'s legal status ``status`` from ``on``. Raises
    InvalidInput or Refused, naming the rule, when it cannot be; the caller's transaction
    then writes nothing."""
    from ivcli.referrals.rows import care_leaver_problem

    today = today or date.today()
    yp = young_person(conn, yp_id)
    codes = [s.value for s in LegalStatus]
    if status not in codes:
        raise InvalidInput(f"unknown legal status; use one of {', '.join(codes)}")
    if on > today:
        raise InvalidInput("the date of a legal status is after today",
                           hint="give the date it changed with --date")
    if on < yp.date_of_birth:
        raise InvalidInput(f"the date is before young person {yp_id}'s date of birth")
    last = last_change(conn, yp_id)
    if last is not None and on < last:
        raise InvalidInput(f"young person {yp_id}'s legal status last changed on "
                           f"{last.isoformat()}; the date cannot be before it",
                           hint="give a later --date")
    if status == yp.legal_status:
        raise Refused(f"young person {yp_id} is already recorded as {status}")
    if status == LegalStatus.care_leaver:
        problem = care_leaver_problem(yp.date_of_birth, on)
        if problem:
            raise Refused(f"young person {yp_id} cannot be recorded as a care leaver: {problem}")
    reasons = [r.value for r in LeftCareReason]
    if status == LegalStatus.left_care:
        if reason not in reasons:
            raise InvalidInput("leaving care needs a reason: --reason "
                               + "|".join(reasons))
    elif reason is not None and reason in reasons:
        raise InvalidInput(f"--reason {reason} is a reason for leaving care; give it with "
                           "--legal-status left_care")
    change = Change(yp_id, status, on)
    if status == LegalStatus.left_care:
        _end_appointment(conn, change, today)
    record_status(conn, yp_id, status, on, reason)
    return change


def _end_appointment(conn: Connection, change: Change, today: date) -> None:
    """s23ZB(4)(a): the young person is no longer looked after, so the appointment ends:
    each open match ends (declined if it had not started) and each open referral closes."""
    from sqlalchemy import text

    from ivcli.matching import lifecycle

    yp_id, on = change.young_person_id, change.date
    open_matches = conn.execute(text(
        f"SELECT id, status FROM matches WHERE young_person_id = :yp "
        f"AND status IN ({sql_list(MatchStatus.open())}) ORDER BY id"), {"yp": yp_id}).all()
    for match_id, status in open_matches:
        if status in MatchStatus.running():
            lifecycle.end(conn, match_id, EndReason.left_care.value, on, close=True,
                          today=today)
            change.ended_matches.append(match_id)
        else:
            lifecycle.decline(conn, match_id, EndReason.left_care.value, on, today=today)
            change.declined_matches.append(match_id)
    from ivcli.db import now
    from ivcli.matching.lifecycle import update_changed

    for (ref_id,) in conn.execute(text(
        f"SELECT id FROM referrals WHERE young_person_id = :yp "
        f"AND status IN ({sql_list(ReferralStatus.open())}) ORDER BY id"), {"yp": yp_id}).all():
        update_changed(conn, "referrals", ref_id, {
            "status": ReferralStatus.closed.value, "closed_date": on,
            "reason_code": WithdrawReason.left_care.value, "updated_at": now()})
        change.closed_referrals.append(ref_id)
    closed_by_end = conn.execute(text(
        "SELECT DISTINCT referral_id FROM matches WHERE young_person_id = :yp "
        "AND end_reason = 'left_care' AND end_date = :on AND referral_id IS NOT NULL"),
        {"yp": yp_id, "on": on.isoformat()}).scalars().all()
    change.closed_referrals = sorted({*change.closed_referrals, *closed_by_end})


def history(conn: Connection, yp_id: int) -> list[dict[str, object]]:
    """The young person's legal status changes, oldest first: ``{status, date, reason}``."""
    from sqlalchemy import text

    rows = conn.execute(text(
        "SELECT status, date, reason FROM legal_status_history WHERE young_person_id = :yp "
        "ORDER BY date, id"), {"yp": yp_id})
    return [{"status": s, "date": date.fromisoformat(d), "reason": r} for s, d, r in rows]


def record_placement(conn: Connection, yp_id: int, changes: dict[str, str | None],
                     on: date) -> list[str]:
    """Set the young person's area and placement type (``changes``: those of
    ``PLACEMENT_FIELDS`` given) from ``on``, keeping each change in ``placement_history``.
    Returns the fields that changed. The other developer's ``young-person update`` calls this
    for --area and --placement-type."""
    from sqlalchemy import text

    from ivcli.db import now
    from ivcli.matching.lifecycle import insert_row, table_of, update_changed
    from ivcli.models import PlacementHistory

    young_person(conn, yp_id)
    unknown = [k for k in changes if k not in PLACEMENT_FIELDS]
    if unknown:
        raise InvalidInput(f"{', '.join(unknown)} has no placement history")
    current = conn.execute(text("SELECT area, placement_type FROM young_people WHERE id = :id"),
                           {"id": yp_id}).mappings().one()
    stamp = now()
    changed = [k for k, v in changes.items() if (v or None) != current[k]]
    for key in changed:
        insert_row(conn, table_of(PlacementHistory), {
            "young_person_id": yp_id, "field": key, "value": changes[key] or None, "date": on,
            "created_at": stamp})
    if changed:
        update_changed(conn, "young_people", yp_id,
                       {**{k: changes[k] or None for k in changed}, "updated_at": stamp})
    return changed


def placement_history(conn: Connection, yp_id: int) -> list[dict[str, object]]:
    from sqlalchemy import text

    rows = conn.execute(text(
        "SELECT field, value, date FROM placement_history WHERE young_person_id = :yp "
        "ORDER BY date, id"), {"yp": yp_id})
    return [{"field": f, "value": v, "date": date.fromisoformat(d)} for f, v, d in rows]
