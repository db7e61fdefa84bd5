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
from ivcli.enums import (
    ADDITIONAL_CRITERIA,
    CORE_CRITERIA,
    CRITERIA_LABELS,
    REASON_LABELS,
    Consent,
    DeclineReason,
    LegalStatus,
    ReferralStatus,
    WithdrawReason,
)
from ivcli.errors import InvalidInput, NotFound, Refused
from ivcli.specs import REFERRAL, YOUNG_PERSON, clean_values

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Row
    from sqlalchemy.sql.elements import TextClause
    from sqlalchemy.sql.selectable import TextualSelect

# ---------------------------------------------------------------------------------------------
# Reading

CRITERIA = CORE_CRITERIA + ("pathway_plan",) + ADDITIONAL_CRITERIA
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


def eligibility_problem(conn: Connection, yp: Any, on: date) -> str | None:
    """Why the young person is not eligible by age and legal status on ``on``, or None
    (``referrals.eligibility``, the one rule)."""
    from ivcli.referrals import eligibility

    return eligibility.problem(conn, yp, on)


# The consent answers that let a referral be accepted (s23ZB(6)-(8)).
ACCEPTING_CONSENT = (Consent.yes.value, Consent.best_interest.value)


def core_criteria(conn: Connection, legal_status: str | None) -> tuple[str, ...]:
    """The core criteria a referral needs as yes: a looked-after child's, or a care leaver's
    (the setting screening.care_leaver_core)."""
    if legal_status == LegalStatus.care_leaver:
        return tuple(str(settings_service.get(conn, "screening.care_leaver_core")).split(","))
    return CORE_CRITERIA


def _met(ref: Row[Any], key: str) -> bool:
    value = getattr(ref, key)
    return value in ACCEPTING_CONSENT if key == "consent" else value is True


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
                reason: str | None, code: str | None = None) -> None:
    write_changes(conn, ref, {"status": status.value, "decision_date": on,
                              "decision_reason": reason, "reason_code": code})


# ---------------------------------------------------------------------------------------------
# Coded reasons: the standard codes (ivcli.enums) and the scheme's own (settings
# reasons.decline_extra, reasons.withdraw_extra). The code is counted; the note is free text.

REASON_KINDS = {"decline": (DeclineReason, "reasons.decline_extra"),
                "withdraw": (WithdrawReason, "reasons.withdraw_extra")}


def reason_codes(conn: Connection, kind: str) -> dict[str, str]:
    """The codes a referral may be declined or withdrawn with (``kind``: decline, withdraw),
    each with its label: the standard ones, then the scheme's own, before ``other``."""
    from ivcli.settings import SETTINGS, CodeListSettingDef

    codes, key = REASON_KINDS[kind]
    setting = SETTINGS[key]
    assert isinstance(setting, CodeListSettingDef)
    extra = setting.items(settings_service.get(conn, key))
    standard = [c.value for c in codes if c.value != "other"]
    return {c: REASON_LABELS.get(c, c.replace("_", " ").capitalize())
            for c in [*standard, *extra, "other"]}


def reason_code(conn: Connection, kind: str, raw: str | None) -> str:
    """The code ``raw`` names (case, spaces and hyphens forgiven), or InvalidInput listing
    the codes, with the nearest first when it looks mistyped."""
    import difflib

    codes = reason_codes(conn, kind)
    code = "_".join((raw or "").replace("-", " ").lower().split())
    if code in codes:
        return code
    near = difflib.get_close_matches(code, list(codes), n=1, cutoff=0.75) if code else []
    setting = REASON_KINDS[kind][1]
    raise InvalidInput(
        f"{'no reason code given' if not code else 'unknown reason code'} to {kind} a "
        "referral; nothing was changed"
        + (f": did you mean {near[0]}?" if near else ""),
        details=[f"{c}: {label}" for c, label in codes.items()],
        hint=f"give one of these with --reason (and any free text with --note); the scheme "
        f"can add its own codes with 'ivcli settings set {setting} CODE,...'")


def _note(note: str | None) -> str | None:
    from ivcli.specs import one_line

    try:
        return one_line(note or "", 2_000) or None
    except ValueError as exc:
        raise InvalidInput(f"the note is {exc}") from None


def accept(conn: Connection, referral_id: int, on: date) -> list[str]:
    """Accept onto the waiting list. Returns warnings; raises Refused naming what is missing."""
    ref, yp = get(conn, referral_id)
    if ref.status == ReferralStatus.deferred:
        raise Refused(
            f"referral {referral_id} is deferred: the young person's consent is not_now, to be "
            f"offered again from {ref.reoffer_date}",
            hint=f"record their answer then: 'ivcli referral update {referral_id} --consent "
            "yes'")
    if ref.status != ReferralStatus.received:
        raise Refused(f"referral {referral_id} is {ref.status}; only a received referral can be "
                      "accepted")
    if ref.consent in (Consent.no, Consent.not_now):
        raise Refused(
            f"referral {referral_id} cannot be accepted: the young person's consent is "
            f"{ref.consent}; accepting takes consent yes, or best_interest for a young person "
            "without sufficient understanding",
            hint="decline or withdraw it with a reason (if their answer was recorded wrongly: "
            f"'ivcli referral update {referral_id} --consent yes')" if ref.consent == Consent.no
            else
            f"record their answer when it is offered again: 'ivcli referral update "
            f"{referral_id} --consent yes'",
        )
    core = core_criteria(conn, yp.legal_status)
    missing = [k for k in core if not _met(ref, k)]
    if missing:
        flags = " ".join(f"--{k.replace('_', '-')} yes" for k in missing)
        who = "a care leaver's" if yp.legal_status == LegalStatus.care_leaver else "the"
        raise Refused(
            f"referral {referral_id} cannot be accepted: {who} core criteria not recorded as "
            "yes: " + "; ".join(f"{CRITERIA_LABELS[k]} ({k})" for k in missing),
            hint=f"when they hold, record them with 'ivcli referral update {referral_id} {flags}';"
            " otherwise decline it with a reason",
        )
    from ivcli.referrals import eligibility

    problem = eligibility.problem(conn, yp, on)
    if problem:
        raise Refused(
            f"referral {referral_id} cannot be accepted: young person {yp.id} is {problem}",
            hint="decline it with a reason, or " + eligibility.hint(yp.id, yp.legal_status),
        )
    warnings = []
    if not any(getattr(ref, k) is True for k in ADDITIONAL_CRITERIA):
        warnings.append(
            f"referral {referral_id} meets no additional best-interest criterion "
            "(isolation, placement instability, no family contact, single carer, relationships)"
        )
    _set_status(conn, ref, ReferralStatus.accepted, on, None)
    return warnings


def decline(conn: Connection, referral_id: int, reason: str, on: date,
            note: str | None = None) -> None:
    """Decline a received referral with a reason code (``reason_codes``) and a note."""
    ref, _ = get(conn, referral_id)
    if ref.status != ReferralStatus.received:
        raise Refused(f"referral {referral_id} is {ref.status}; only a received referral can be "
                      "declined")
    code = reason_code(conn, "decline", reason)
    _set_status(conn, ref, ReferralStatus.declined, on, _note(note), code)


def withdraw(conn: Connection, referral_id: int, reason: str, on: date,
             note: str | None = None) -> None:
    """Withdraw a received, deferred or waiting referral with a reason code and a note."""
    ref, _ = get(conn, referral_id)
    if ref.status not in (ReferralStatus.received, ReferralStatus.accepted,
                          ReferralStatus.deferred):
        hint = "end the match first with 'ivcli match end'" if ref.status == "matched" else None
        raise Refused(
            f"referral {referral_id} is {ref.status}; only a received or waiting referral can be "
            "withdrawn",
            hint=hint,
        )
    code = reason_code(conn, "withdraw", reason)
    _set_status(conn, ref, ReferralStatus.withdrawn, on, _note(note), code)


UPDATABLE = REFERRAL.names(lambda f: f.updatable)


def update(conn: Connection, referral_id: int, changes: dict[str, str],
           today: date | None = None) -> list[str]:
    """Correct any field of a referral; returns the fields that changed. Each value is
    checked by the same rule as in ``referral add`` and a CSV import
    (``referral_rows.FIELD_RULES``); a referral date must not be in the future, before the date
    of birth, or the date of another referral of the same young person; the consent answers
    must agree with each other (``consent_problems``)."""
    from ivcli.referrals.rows import FIELD_RULES, consent_problems

    ref, yp = get(conn, referral_id)
    values, problems = clean_values(changes, {k: FIELD_RULES[k] for k in UPDATABLE})
    on = values.get("referral_date")
    if isinstance(on, date):
        if on > (today or date.today()):
            problems.append("referral_date: is in the future")
        if on < yp.date_of_birth:
            problems.append("referral_date: is before the date of birth")
    if "consent" in values and values["consent"] != Consent.not_now \
            and "reoffer_date" not in values:
        values["reoffer_date"] = None  # a re-offer date belongs to a "not now" only
    merged = {k: values.get(k, getattr(ref, k)) for k in CONSENT_FIELDS}
    text_of = {k: None if merged[k] is None else str(merged[k]) for k in CONSENT_FIELDS[:4]}
    problems += [f"{k}: {p}" for k, p in consent_problems(
        text_of["consent"], text_of["understanding"], text_of["decided_by"],
        text_of["consent_note"], merged["reoffer_date"])]
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
    # "Not now" defers a referral not yet decided; another answer brings it back.
    if merged["consent"] == Consent.not_now and ref.status == ReferralStatus.received:
        values["status"] = ReferralStatus.deferred.value
    elif merged["consent"] != Consent.not_now and ref.status == ReferralStatus.deferred:
        values["status"] = ReferralStatus.received.value
    return write_changes(conn, ref, values)


CONSENT_FIELDS = ("consent", "understanding", "decided_by", "consent_note", "reoffer_date")


def acknowledge(conn: Connection, referral_id: int, on: date, today: date) -> None:
    """Record that the referral was acknowledged to the referrer on ``on``."""
    ref, _ = get(conn, referral_id)
    if ref.acknowledged_date is not None:
        raise Refused(f"referral {referral_id} was acknowledged on "
                      f"{ref.acknowledged_date.isoformat()} already")
    if on > today:
        raise InvalidInput("the date of the acknowledgement is after today",
                           hint="give the day it was sent with --date")
    if on < ref.referral_date:
        raise InvalidInput(f"the date is before referral {referral_id} was received on "
                           f"{ref.referral_date.isoformat()}")
    write_changes(conn, ref, {"acknowledged_date": on})
