"""Referrals: reading, screening and decisions. Intake (``referral add`` and CSV import) is in
``referrals.intake``.

Every function takes the command's Core ``Connection``. Reads are portable SQL (``text()``)
and never import the models, so ``referral list`` and ``referral show`` start without the ORM;
writes are Core ``update()`` over the table, each recorded in the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from ivcli import stored_settings as settings_service
from ivcli.enums import ADDITIONAL_CRITERIA, CORE_CRITERIA, CRITERIA_LABELS, ReferralStatus
from ivcli.errors import InvalidInput, NotFound, Refused
from ivcli.parsing import age_on
from ivcli.specs import REFERRAL, YOUNG_PERSON, clean_values

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row
    from sqlalchemy.sql.elements import TextClause
    from sqlalchemy.sql.selectable import TextualSelect

# ---------------------------------------------------------------------------------------------
# Reading

CRITERIA = CORE_CRITERIA + ADDITIONAL_CRITERIA
# The columns of each table, from the record specs (ivcli/specs.py).
YOUNG_PERSON_COLUMNS = YOUNG_PERSON.columns
REFERRAL_COLUMNS = REFERRAL.columns
# Read through text(), SQLite gives dates as 'YYYY-MM-DD' and yes/no as 0/1: these columns are
# typed (``typed``) so that rows carry ``date`` and ``bool``, as the ORM objects did.
_BOTH = YOUNG_PERSON.fields + REFERRAL.fields
DATE_COLUMNS = tuple(dict.fromkeys(f.name for f in _BOTH if f.kind == "date"))
FLAG_COLUMNS = tuple(dict.fromkeys(f.name for f in _BOTH if f.kind == "bool"))


def typed(sql: str, columns: tuple[str, ...]) -> TextualSelect | TextClause:
    """``text(sql)`` with those of ``columns`` (the names it selects) that are dates or yes/no
    typed, so that their values come back as ``date`` and ``bool`` (None when NULL)."""
    from sqlalchemy import Boolean, Date, text

    types: dict[str, Any] = {c: Date for c in columns if c in DATE_COLUMNS}
    types.update({c: Boolean for c in columns if c in FLAG_COLUMNS})
    clause = text(sql)
    return clause.columns(**types) if types else clause


# ``referral list``: the referral's listed fields, then its young person's (the specs' order).
_YP_LISTED = tuple(c for c in YOUNG_PERSON.listed if c != "id")
LIST_COLUMNS = REFERRAL.listed + _YP_LISTED


def _source(name: str) -> str:
    if name == "young_person_id":
        return "yp.id"
    return f"yp.{name}" if name in _YP_LISTED or name not in REFERRAL_COLUMNS else f"r.{name}"


# Every field of ``referral show``, in its order: output name and the column it comes from:
# the listed fields, then the young person's other shown fields, then the referral's.
SHOW_FIELDS: tuple[tuple[str, str], ...] = (
    *((c, _source(c)) for c in LIST_COLUMNS),
    *((f.out, f"yp.{f.name}") for f in YOUNG_PERSON.fields if f.shown and not f.listed),
    *((f.out, f"r.{f.name}") for f in REFERRAL.fields if f.shown and not f.listed),
)
_FROM = "FROM referrals r JOIN young_people yp ON yp.id = r.young_person_id"
_ORDER = " ORDER BY r.referral_date, r.id"
STREAM_BATCH = 2_000


def _status_filter(status: str | None) -> tuple[str, dict[str, object]]:
    return (" WHERE r.status = :status", {"status": status}) if status else ("", {})


def iter_referrals(conn: Connection, status: str | None = None) -> Iterator[Row[Any]]:
    """The rows of ``referral list`` (``LIST_COLUMNS``, in that order), oldest first, as rows
    (tuples) fetched ``STREAM_BATCH`` at a time: memory stays flat however many there are.
    Dates are 'YYYY-MM-DD' text."""
    from sqlalchemy import text

    where, params = _status_filter(status)
    cols = ", ".join(src for name, src in SHOW_FIELDS if name in LIST_COLUMNS)
    result = conn.execute(text(f"SELECT {cols} {_FROM}{where}{_ORDER}"), params)
    for part in result.yield_per(STREAM_BATCH).partitions():
        yield from part


def _shown(conn: Connection, where: str, params: dict[str, object]) -> list[dict[str, object]]:
    names = tuple(name for name, _ in SHOW_FIELDS)
    cols = ", ".join(f"{src} AS {name}" for name, src in SHOW_FIELDS)
    rows = conn.execute(typed(f"SELECT {cols} {_FROM}{where}", names), params)
    return [dict(r._mapping) for r in rows]


def list_referrals(conn: Connection, status: str | None = None) -> list[dict[str, object]]:
    """Every referral with its young person (the fields of ``show``), oldest first."""
    where, params = _status_filter(status)
    return _shown(conn, where + _ORDER, params)


def count(conn: Connection) -> int:
    from sqlalchemy import text

    return int(conn.execute(text("SELECT count(*) FROM referrals")).scalar_one())


def _not_found(referral_id: int) -> NotFound:
    return NotFound(
        f"there is no referral {referral_id}", hint="'ivcli referral list' shows their ids"
    )


def get(conn: Connection, referral_id: int) -> tuple[Row[Any], Row[Any]]:
    """The referral and its young person, as rows with the attributes of their columns."""
    ref = conn.execute(
        typed(f"SELECT {', '.join(REFERRAL_COLUMNS)} FROM referrals WHERE id = :id",
              REFERRAL_COLUMNS), {"id": referral_id}).first()
    if ref is None:
        raise _not_found(referral_id)
    yp = conn.execute(
        typed(f"SELECT {', '.join(YOUNG_PERSON_COLUMNS)} FROM young_people WHERE id = :id",
              YOUNG_PERSON_COLUMNS), {"id": ref.young_person_id}).first()
    assert yp is not None
    return ref, yp


def show(conn: Connection, referral_id: int) -> dict[str, object]:
    found = _shown(conn, " WHERE r.id = :id", {"id": referral_id})
    if not found:
        raise _not_found(referral_id)
    return found[0]


# ---------------------------------------------------------------------------------------------
# Decisions


def age_limits(conn: Connection, yp: Any) -> tuple[int, int, str, str]:
    """The young person's age limits by their status: (minimum age, the age they are eligible
    until, the setting of that age, who they are in words)."""
    if yp.care_leaver:
        if yp.disability:
            key, who = "eligibility.additional_needs_max_age", "a care leaver with additional needs"
        else:
            key, who = "eligibility.care_leaver_max_age", "a care leaver"
    else:
        key, who = "eligibility.looked_after_max_age", "a looked-after child"
    return (settings_service.get_int(conn, "eligibility.min_age"),
            settings_service.get_int(conn, key), key, who)


def eligibility_problem(conn: Connection, yp: Any, on: date, when: str = "the referral date"
                        ) -> str | None:
    """Why the young person is not eligible by age on ``on`` (``when``, in words), or None."""
    age = age_on(yp.date_of_birth, on)
    minimum, maximum, key, who = age_limits(conn, yp)
    if age < minimum:
        return f"aged {age} on {when}, under the minimum of {minimum} (setting " \
               "eligibility.min_age)"
    if age >= maximum:
        return f"aged {age} on {when}; {who} is eligible until {maximum} (setting {key})"
    return None


def write_changes(conn: Connection, ref: Row[Any], values: dict[str, object]) -> list[str]:
    """Set those of ``values`` that differ from the referral ``ref`` as read, with
    ``updated_at`` now when any does, and record the change in the audit trail. Returns the
    names of the fields that changed (``updated_at`` apart), in the table's column order."""
    from sqlalchemy import update

    from ivcli.db import now
    from ivcli.models import Referral
    from ivcli.safety import audit

    changed = {k: values[k] for k in sorted(values, key=REFERRAL_COLUMNS.index)
               if getattr(ref, k) != values[k]}
    if changed:
        table = Referral.__table__  # type: ignore[attr-defined]
        conn.execute(update(table).where(table.c.id == ref.id)
                     .values(**changed, updated_at=now()))
        audit.record(conn, [("referrals", str(ref.id), "update", [*changed, "updated_at"])])
    return list(changed)


def _set_status(conn: Connection, ref: Row[Any], status: ReferralStatus, on: date,
                reason: str | None) -> None:
    write_changes(conn, ref, {"status": status.value, "decision_date": on,
                              "decision_reason": reason})


def accept(conn: Connection, referral_id: int, on: date) -> list[str]:
    """Accept onto the waiting list. Returns warnings; raises Refused naming what is missing."""
    ref, yp = get(conn, referral_id)
    if ref.status != ReferralStatus.received:
        raise Refused(f"referral {referral_id} is {ref.status}; only a received referral can be "
                      "accepted")
    missing = [k for k in CORE_CRITERIA if getattr(ref, k) is not True]
    if missing:
        flags = " ".join(f"--{k.replace('_', '-')} yes" for k in missing)
        raise Refused(
            f"referral {referral_id} cannot be accepted: not recorded as yes: "
            + "; ".join(f"{CRITERIA_LABELS[k]} ({k})" for k in missing),
            hint=f"when they hold, record them with 'ivcli referral update {referral_id} {flags}';"
            " otherwise decline it with a reason",
        )
    problem = eligibility_problem(conn, yp, ref.referral_date)
    if problem:
        raise Refused(
            f"referral {referral_id} cannot be accepted: young person {yp.id} is {problem}",
            hint="decline it with a reason, or change the age limits with 'ivcli settings set'",
        )
    warnings = []
    if not any(getattr(ref, k) is True for k in ADDITIONAL_CRITERIA):
        warnings.append(
            f"referral {referral_id} meets no additional best-interest criterion "
            "(isolation, placement instability, no family contact, single carer, relationships)"
        )
    _set_status(conn, ref, ReferralStatus.accepted, on, None)
    return warnings


def decline(conn: Connection, referral_id: int, reason: str, on: date) -> None:
    ref, _ = get(conn, referral_id)
    if ref.status != ReferralStatus.received:
        raise Refused(f"referral {referral_id} is {ref.status}; only a received referral can be "
                      "declined")
    _require_reason(reason)
    _set_status(conn, ref, ReferralStatus.declined, on, reason.strip())


def withdraw(conn: Connection, referral_id: int, reason: str, on: date) -> None:
    ref, _ = get(conn, referral_id)
    if ref.status not in (ReferralStatus.received, ReferralStatus.accepted):
        hint = "end the match first with 'ivcli match end'" if ref.status == "matched" else None
        raise Refused(
            f"referral {referral_id} is {ref.status}; only a received or waiting referral can be "
            "withdrawn",
            hint=hint,
        )
    _require_reason(reason)
    _set_status(conn, ref, ReferralStatus.withdrawn, on, reason.strip())


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required", hint="give it with --reason")


UPDATABLE = REFERRAL.names(lambda f: f.updatable)


def update(conn: Connection, referral_id: int, changes: dict[str, str],
           today: date | None = None) -> list[str]:
    """Correct any field of a referral; returns the fields that changed. Each value is
    checked by the same rule as in ``referral add`` and a CSV import
    (``referral_rows.FIELD_RULES``); a referral date must not be in the future, before the date
    of birth, or the date of another referral of the same young person."""
    from ivcli.referrals.rows import FIELD_RULES

    ref, yp = get(conn, referral_id)
    values, problems = clean_values(changes, {k: FIELD_RULES[k] for k in UPDATABLE})
    on = values.get("referral_date")
    if isinstance(on, date):
        if on > (today or date.today()):
            problems.append("referral_date: is in the future")
        if on < yp.date_of_birth:
            problems.append("referral_date: is before the date of birth")
    if problems:
        raise InvalidInput(f"referral {referral_id} was not changed", details=problems)
    if isinstance(on, date) and on != ref.referral_date:
        from sqlalchemy import text

        other = conn.execute(text(
            "SELECT id FROM referrals WHERE young_person_id = :yp AND referral_date = :d "
            "AND id <> :id"), {"yp": yp.id, "d": on.isoformat(), "id": referral_id}).scalar()
        if other is not None:
            raise Refused(f"young person {yp.id} already has referral {other} on that date; "
                          f"referral {referral_id} was not changed")
    return write_changes(conn, ref, values)
