"""Young people over time: find them (``young-person list``), show them with their network,
and correct their record (``young-person update``).

Every correction is checked by the same rules as ``referral add`` and a CSV import
(``referrals.rows.FIELD_RULES``, from the record spec) and recorded in the audit trail with the
names of the fields it changed, never their values. A correction of a name or date of birth
looks again for possible duplicates (``referrals.duplicates``). A correction that makes a child
in an open match ineligible by age is applied, warned about, and shown by ``ivcli today``
(kind ``eligibility``).

Reads are portable SQL through ``text()`` (no ORM, no models); names are found through their
folded keys (``parsing.name_key``), stored when a record is written.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from ivcli.enums import NO_OPEN_REFERRAL, MatchStatus, ReferralStatus, person_statuses, sql_list
from ivcli.errors import InvalidInput, Refused
from ivcli.parsing import name_key
from ivcli.specs import YOUNG_PERSON, clean_values

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

LIST_COLUMNS = ("id", "first_name", "last_name", "date_of_birth", "legal_status", "status")
UPDATABLE = YOUNG_PERSON.names(lambda f: f.updatable)
NAMES = ("first_name", "last_name")

# The status of the young person's latest open referral (NULL when none is open).
_STATUS = (
    "(SELECT r.status FROM referrals r WHERE r.young_person_id = yp.id "
    f"AND r.status IN ({sql_list(ReferralStatus.open())}) "
    "ORDER BY r.referral_date DESC, r.id DESC LIMIT 1)"
)


def list_people(conn: Connection, status: str | None = None, name: str | None = None
                ) -> list[dict[str, object]]:
    """Young people (``LIST_COLUMNS``), by id: those whose open referral has ``status`` (or
    with none open: ``none``), and whose name holds every word of ``name`` (case, accents and
    punctuation ignored). No contact details."""
    where: list[str] = []
    params: dict[str, object] = {}
    if name is not None:
        where.append(_name_condition(name, "yp.name_key", params))
    sql = (f"SELECT yp.id, yp.first_name, yp.last_name, yp.date_of_birth, yp.legal_status, "
           f"{_STATUS} AS status FROM young_people yp"
           + (" WHERE " + " AND ".join(where) if where else ""))
    if status is not None:
        if status not in person_statuses():
            raise InvalidInput(f"--status must be one of {', '.join(person_statuses())}")
        sql = f"SELECT * FROM ({sql}) t WHERE " + (
            "t.status IS NULL" if status == NO_OPEN_REFERRAL else "t.status = :status")
        params["status"] = status
    rows = conn.execute(text(sql + " ORDER BY id"), params)
    return [dict(zip(LIST_COLUMNS, r, strict=True)) for r in rows]


def _name_condition(name: str, column: str, params: dict[str, object]) -> str:
    from ivcli.names import name_filter

    try:
        cond, found = name_filter(name, column)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    params.update(found)
    return cond


def open_status(conn: Connection, young_person_id: int) -> str | None:
    found = conn.execute(text(f"SELECT {_STATUS} FROM young_people yp WHERE yp.id = :id"),
                         {"id": young_person_id}).scalar()
    return None if found is None else str(found)


def legal_status_history(conn: Connection, young_person_id: int) -> list[dict[str, object]]:
    """``[{status, date, reason}]``, oldest first (``legal_status.history``)."""
    from ivcli.referrals import legal_status

    return legal_status.history(conn, young_person_id)


def show(conn: Connection, young_person_id: int, as_of: date) -> dict[str, Any]:
    """The record of ``young-person show``: the young person, their referrals and profile
    (``matching.profiles.show_young_person``), legal status, and the current network."""
    from ivcli.matching.profiles import show_young_person
    from ivcli.referrals import contacts

    record = show_young_person(conn, young_person_id, as_of)
    yp = conn.execute(text(
        "SELECT legal_status, placement_type, out_of_area, uasc, interpreter_language "
        "FROM young_people "
        "WHERE id = :id"), {"id": young_person_id}).one()
    out: dict[str, Any] = {}
    for key, value in record.items():
        out[key] = value
        if key == "date_of_birth":
            out["legal_status"] = yp.legal_status
            out["status"] = open_status(conn, young_person_id)
        elif key == "local_authority":
            out["placement_type"] = yp.placement_type
            out["out_of_area"] = None if yp.out_of_area is None else bool(yp.out_of_area)
            out["uasc"] = None if yp.uasc is None else bool(yp.uasc)
            out["interpreter_language"] = yp.interpreter_language
    out["legal_status_history"] = legal_status_history(conn, young_person_id)
    out["contacts"] = contacts.current(conn, young_person_id)
    return out


# ---------------------------------------------------------------------------------------------
# Correcting the record


def _current(conn: Connection, young_person_id: int) -> Any:
    from ivcli.matching.profiles import get_young_person

    return get_young_person(conn, young_person_id)


def clean_changes(changes: dict[str, str]) -> tuple[dict[str, object], list[str]]:
    """Each raw value checked by its field's rule (``rows.FIELD_RULES``, those of ``referral
    add`` and a CSV import): the clean values and the problems."""
    from ivcli.referrals.rows import FIELD_RULES

    return clean_values(changes, {k: FIELD_RULES[k] for k in UPDATABLE})


def update(conn: Connection, young_person_id: int, changes: dict[str, str], today: date
           ) -> tuple[list[str], list[str]]:
    """Correct the young person's record. Returns the fields that changed and warnings (an
    open match now outside the age limits). Nothing is written when any value is refused."""
    from ivcli import stored_settings
    from ivcli.matching.lifecycle import update_changed
    from ivcli.referrals import duplicates
    from ivcli.referrals.rows import PATTERN_SETTING, compile_pattern, reference_problem

    yp = _current(conn, young_person_id)
    values, problems = clean_changes(changes)
    what = f"young person {young_person_id}"
    dob = values.get("date_of_birth")
    if isinstance(dob, date):
        if dob > today:
            problems.append("date_of_birth: is in the future")
        first = conn.execute(text(
            "SELECT min(referral_date) FROM referrals WHERE young_person_id = :id"),
            {"id": young_person_id}).scalar()
        if first is not None and dob.isoformat() > str(first):
            problems.append(f"date_of_birth: is after their referral of {first}")
    reference = values.get("reference")
    if isinstance(reference, str):
        pattern = compile_pattern(str(stored_settings.get(conn, PATTERN_SETTING)))
        wrong = reference_problem(reference, pattern)
        if wrong:
            problems.append(f"reference: {wrong}")
    if problems:
        raise InvalidInput(f"{what} was not changed", details=problems)
    if reference is not None:
        other = conn.execute(text(
            "SELECT id FROM young_people WHERE reference = :r AND id <> :id"),
            {"r": reference, "id": young_person_id}).scalar()
        if other is not None:
            raise Refused(f"the reference is already held for young person {other}; {what} "
                          "was not changed",
                          hint="one reference is one child: if they are the same child, merge "
                          f"them with 'ivcli young-person merge {other} {young_person_id}'")
    for key in NAMES:
        if key in values:
            values[key.replace("name", "key")] = name_key(str(values[key]))
    if "first_key" in values or "last_key" in values:
        first_key = values.get("first_key", name_key(yp.first_name))
        last_key = values.get("last_key", name_key(yp.last_name))
        values["name_key"] = f"{first_key}|{last_key}"
    shown = [k for k, v in values.items() if not k.endswith("key") and getattr(yp, k) != v]
    if not shown:
        return [], []
    from ivcli.db import now

    update_changed(conn, "young_people", young_person_id, {**values, "updated_at": now()})
    if {"first_name", "last_name", "date_of_birth"} & set(shown):
        duplicates.redetect(conn, young_person_id)
    return shown, eligibility_warnings(conn, young_person_id, today)


def eligibility_warnings(conn: Connection, young_person_id: int, on: date) -> list[str]:
    """The young person's open matches that their age no longer allows, in words."""
    from ivcli.referrals.screening import eligibility_problem

    matches = [m for (m,) in conn.execute(text(
        "SELECT id FROM matches WHERE young_person_id = :id "
        f"AND status IN ({sql_list(MatchStatus.open())}) ORDER BY id"), {"id": young_person_id})]
    if not matches:
        return []
    problem = eligibility_problem(conn, _current(conn, young_person_id), on)
    if problem is None:
        return []
    listed = ", ".join(str(m) for m in matches)
    return [f"young person {young_person_id} is {problem}, and in open match {listed}: "
            "'ivcli today' lists it (kind eligibility) until it is resolved"]

