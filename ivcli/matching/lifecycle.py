"""The match life cycle: propose, the young person's decision, start, pause, resume and end.

Each step is one command with a date and leaves a ``match_events`` row. A proposal must keep
every hard rule of ``matching.rules``; the referral's status follows the match (matched while
a match is live, back to accepted, i.e. waiting, when it is declined or ended, closed at the end
when asked).

Reads are plain SQL (``match list`` and ``match show`` start without the ORM or the models);
writes are Core statements over the tables, each recorded in the audit trail as it is made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import text

from ivcli.enums import EndReason, MatchStatus, ReferralStatus, WithdrawReason
from ivcli.errors import InvalidInput, NotFound, Refused
from ivcli.specs import MATCH

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Connection, RowMapping

# ``match list`` and ``match show``: the match's record spec (ivcli/specs.py).
MATCH_COLUMNS = MATCH.listed
SHOW_COLUMNS = MATCH_COLUMNS + tuple(f.out for f in MATCH.fields if f.shown and not f.listed)
EVENT_COLUMNS = ("date", "event", "note")


def _day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


@dataclass(frozen=True)
class MatchRecord:
    """One row of ``matches`` as read, dates as dates (the ORM object's attribute names)."""

    id: int
    young_person_id: int
    volunteer_id: int
    referral_id: int | None
    status: str
    proposed_date: date
    decision_date: date | None
    decision_reason: str | None
    start_date: date | None
    end_date: date | None
    end_reason: str | None
    note: str | None
    created_at: str
    updated_at: str


_DATES = ("proposed_date", "decision_date", "start_date", "end_date")
_MATCH_SQL = f"SELECT {', '.join(f.name for f in fields(MatchRecord))} FROM matches"


def _match(row: RowMapping) -> MatchRecord:
    values = dict(row)
    for key in _DATES:
        values[key] = _day(values[key])
    return MatchRecord(**values)


def as_row(m: MatchRecord, columns: Sequence[str] = SHOW_COLUMNS) -> dict[str, object]:
    return {c: getattr(m, c) for c in columns}


def get(conn: Connection, match_id: int) -> MatchRecord:
    row = conn.execute(text(_MATCH_SQL + " WHERE id = :id"), {"id": match_id}).mappings().first()
    if row is None:
        raise NotFound(f"there is no match {match_id}", hint="'ivcli match list' shows their ids")
    return _match(row)


def events(conn: Connection, match_id: int) -> list[dict[str, object]]:
    get(conn, match_id)
    rows = conn.execute(text(
        "SELECT date, event, note FROM match_events WHERE match_id = :m ORDER BY date, id"
    ), {"m": match_id})
    return [{"date": _day(d), "event": e, "note": n} for d, e, n in rows]


def list_matches(conn: Connection, status: str | None = None) -> list[dict[str, object]]:
    sql = f"SELECT {', '.join(MATCH_COLUMNS)} FROM matches"
    if status:
        sql += " WHERE status = :status"
    rows = conn.execute(text(sql + " ORDER BY id"), {"status": status}).mappings()
    return [dict(r) for r in rows]


# ---------------------------------------------------------------------------------------------
# Writing


def _stored(value: object) -> object:
    """A value as SQL stores it: dates as ISO text, booleans as 0/1."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def update_changed(conn: Connection, table: str, record_id: int,
                   values: Mapping[str, object]) -> list[str]:
    """Set ``values`` (column names written by ivcli, never user text) on one record of
    ``table`` and record the update in the audit trail, naming the fields whose value changed;
    when none changed, nothing is written. Returns the changed fields."""
    from ivcli.safety import audit

    wanted = {k: _stored(v) for k, v in values.items()}
    current = conn.execute(text(f"SELECT {', '.join(wanted)} FROM {table} WHERE id = :id"),
                           {"id": record_id}).one()
    changed = {k: v for (k, v), old in zip(wanted.items(), current, strict=True) if old != v}
    if changed:
        sets = ", ".join(f"{k} = :{k}" for k in changed)
        conn.execute(text(f"UPDATE {table} SET {sets} WHERE id = :id"),
                     {**changed, "id": record_id})
        audit.record(conn, [(table, str(record_id), "update", list(changed))])
    return list(changed)


def insert_row(conn: Connection, table: Table, values: Mapping[str, object]) -> int:
    """Insert one record into ``table``, recorded in the audit trail; returns its id."""
    from sqlalchemy import insert

    from ivcli.safety import audit

    key = conn.execute(insert(table).values(**values)).inserted_primary_key
    assert key is not None
    new_id = int(key[0])
    audit.record(conn, [(table.name, str(new_id), "insert", ())])
    return new_id


def table_of(model: type) -> Table:
    """The Core table of a SQLModel class (for ``insert()`` over it)."""
    return model.__table__  # type: ignore[attr-defined, no-any-return]


def _tables() -> tuple[Table, Table]:
    from ivcli.models import Match, MatchEvent

    return table_of(Match), table_of(MatchEvent)


def _change(conn: Connection, m: MatchRecord, on: date, event: str,
            event_note: str | None = None, /, **values: object) -> MatchRecord:
    """Set ``values`` on the match, leave its event (with ``event_note``), and return the
    match as it now is."""
    from ivcli.db import now

    _, match_events = _tables()
    stamp = now()
    update_changed(conn, "matches", m.id, {**values, "updated_at": stamp})
    insert_row(conn, match_events, {"match_id": m.id, "date": on, "event": event,
                                    "note": event_note, "created_at": stamp})
    return get(conn, m.id)


def record_event(conn: Connection, match_id: int, on: date, event: str, note: str | None
                 ) -> None:
    """Leave an event on a match that changes nothing else (e.g. ``hold_kept``: its volunteer
    was put on hold and the match kept active, with why)."""
    from ivcli.db import now

    get(conn, match_id)
    _, match_events = _tables()
    insert_row(conn, match_events, {"match_id": match_id, "date": on, "event": event,
                                    "note": note, "created_at": now()})


def _last_date(conn: Connection, m: MatchRecord) -> date:
    dates = [e["date"] for e in events(conn, m.id)]
    return max([m.proposed_date, *[d for d in dates if isinstance(d, date)]])


def not_after_today(on: date, today: date | None, what: str) -> None:
    """No step of a match is dated after today."""
    today = today or date.today()
    if on > today:
        raise InvalidInput(f"the date of {what} is after today ({today.isoformat()}); nothing "
                           "was changed", hint="give the day it happened with --date")


def _step(conn: Connection, match_id: int, allowed: Sequence[str], action: str, on: date,
          today: date | None = None) -> MatchRecord:
    m = get(conn, match_id)
    if m.status not in allowed:
        hint = None
        if action == "start" and m.status == MatchStatus.proposed:
            hint = f"record the young person's decision first with 'ivcli match accept {m.id}'"
        done = {"accept": "accepted", "decline": "declined", "start": "started",
                "pause": "paused", "resume": "resumed", "end": "ended"}[action]
        raise Refused(
            f"match {match_id} is {m.status}; only a {' or '.join(allowed)} match can be {done}",
            hint=hint,
        )
    last = _last_date(conn, m)
    if on < last:
        raise InvalidInput(f"the date is before match {match_id}'s last step on "
                           f"{last.isoformat()}", hint="give a later --date")
    not_after_today(on, today, f"match {match_id}'s step")
    return m


def _eligible(conn: Connection, young_person_id: int, on: date, action: str) -> None:
    """The age rule of the young person's legal status, on the day of the step."""
    from ivcli.referrals import eligibility

    yp = eligibility.young_person(conn, young_person_id)
    problem = eligibility.problem(conn, yp, on)
    if problem:
        raise Refused(f"young person {young_person_id} cannot be {action}: {problem}",
                      hint=eligibility.hint(young_person_id, yp.legal_status))


def accepted_on(conn: Connection, referral_id: int | None) -> date | None:
    """The day the referral was accepted onto the waiting list (its decision date)."""
    if not referral_id:
        return None
    found = conn.execute(text("SELECT decision_date FROM referrals WHERE id = :id"),
                         {"id": referral_id}).scalar()
    return _day(found)


def referral_status(conn: Connection, m: MatchRecord) -> str | None:
    if not m.referral_id:
        return None
    found = conn.execute(text("SELECT status FROM referrals WHERE id = :id"),
                         {"id": m.referral_id}).scalar()
    return None if found is None else str(found)


def _update_referral(conn: Connection, m: MatchRecord, **values: object) -> None:
    from ivcli.db import now

    if m.referral_id:
        update_changed(conn, "referrals", m.referral_id, {**values, "updated_at": now()})


def _back_to_waiting(conn: Connection, m: MatchRecord) -> None:
    if referral_status(conn, m) == ReferralStatus.matched:
        _update_referral(conn, m, status=ReferralStatus.accepted.value)


def propose(conn: Connection, young_person_id: int, volunteer_id: int, on: date,
            note: str | None = None, today: date | None = None) -> MatchRecord:
    """Propose a match; refused when any hard rule is broken, when the young person is not
    eligible on ``on`` (age and legal status), or when ``on`` is before the referral's
    acceptance or after today."""
    from ivcli.db import now
    from ivcli.matching.candidates import load_volunteers
    from ivcli.matching.rules import rule_breaks
    from ivcli.matching.suggestions import waiting_young_person
    from ivcli.volunteers import compliance

    not_after_today(on, today, "the proposal")
    y = waiting_young_person(conn, young_person_id, on)
    accepted = accepted_on(conn, y.referral_id)
    if accepted is not None and on < accepted:
        raise InvalidInput(
            f"the proposal date is before referral {y.referral_id} was accepted on "
            f"{accepted.isoformat()}; nothing was changed",
            hint="a match is proposed on or after the referral's acceptance: give a later --date")
    _eligible(conn, young_person_id, on, "proposed")
    vol = conn.execute(text("SELECT status FROM volunteers WHERE id = :id"),
                       {"id": volunteer_id}).first()
    if vol is None:
        raise NotFound(f"there is no volunteer {volunteer_id}",
                       hint="'ivcli volunteer list' shows their ids")
    if vol.status != "approved":
        raise Refused(f"volunteer {volunteer_id} is not approved (status {vol.status}); only "
                      "approved volunteers with every check current can be matched")
    if volunteer_id not in compliance.matchable_ids(conn, on, among=[volunteer_id]):
        gaps = [f"{s.label} {'missing' if s.status == 'missing' else 'lapsed'}"
                + (f" on {s.expires.isoformat()}" if s.expires and s.status == "lapsed" else "")
                for s in compliance.problems(compliance.volunteer_states(conn, volunteer_id,
                                                                         on), approved=True)]
        raise Refused(f"volunteer {volunteer_id} cannot be matched: {'; '.join(gaps)}",
                      hint="record the renewed check, then propose again")
    (v,) = load_volunteers(conn, on, [volunteer_id])
    if v.free <= 0:
        raise Refused(f"volunteer {volunteer_id} has no free place (capacity {v.capacity}, "
                      f"{v.live} live match(es))",
                      hint="end or decline one of their matches, or raise their capacity")
    breaks = rule_breaks(y, v)
    if breaks:
        raise Refused(f"young person {young_person_id} and volunteer {volunteer_id} cannot be "
                      "matched: " + "; ".join(breaks),
                      hint="if a profile is out of date, update it and propose again")
    matches, match_events = _tables()
    stamp = now()
    match_id = insert_row(conn, matches, {
        "young_person_id": young_person_id, "volunteer_id": volunteer_id,
        "referral_id": y.referral_id, "status": MatchStatus.proposed.value,
        "proposed_date": on, "note": note, "created_at": stamp, "updated_at": stamp})
    insert_row(conn, match_events, {"match_id": match_id, "date": on, "event": "proposed",
                                    "note": note, "created_at": stamp})
    m = get(conn, match_id)
    _update_referral(conn, m, status=ReferralStatus.matched.value)
    return m


def accept(conn: Connection, match_id: int, on: date, today: date | None = None
           ) -> MatchRecord:
    m = _step(conn, match_id, [MatchStatus.proposed.value], "accept", on, today)
    return _change(conn, m, on, "accepted", status=MatchStatus.accepted.value, decision_date=on)


def decline(conn: Connection, match_id: int, reason: str, on: date, today: date | None = None
            ) -> MatchRecord:
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required", hint="give it with --reason")
    m = _step(conn, match_id, [MatchStatus.proposed.value, MatchStatus.accepted.value],
              "decline", on, today)
    m = _change(conn, m, on, "declined", reason.strip(), status=MatchStatus.declined.value,
                decision_date=on, decision_reason=reason.strip())
    _back_to_waiting(conn, m)
    return m


def start(conn: Connection, match_id: int, on: date, today: date | None = None
          ) -> MatchRecord:
    m = _step(conn, match_id, [MatchStatus.accepted.value], "start", on, today)
    _eligible(conn, m.young_person_id, on, "matched (the match started)")
    m = _change(conn, m, on, "started", status=MatchStatus.active.value, start_date=on)
    _update_referral(conn, m, matched_date=on)
    return m


def pause(conn: Connection, match_id: int, on: date, note: str | None = None,
          today: date | None = None) -> MatchRecord:
    m = _step(conn, match_id, [MatchStatus.active.value], "pause", on, today)
    return _change(conn, m, on, "paused", note, status=MatchStatus.paused.value)


def resume(conn: Connection, match_id: int, on: date, note: str | None = None,
           today: date | None = None) -> MatchRecord:
    m = _step(conn, match_id, [MatchStatus.paused.value], "resume", on, today)
    return _change(conn, m, on, "resumed", note, status=MatchStatus.active.value)


WANTS_ANOTHER = "--wants-another yes|no"


def closing_code(end_reason: str) -> str:
    """The reason code (``referrals.reason_code``) of a referral closed when its match ends
    for ``end_reason``: the young person's choice (they want no other visitor) and leaving
    care keep their names, any other end is ``other``."""
    kept = (WithdrawReason.young_person_choice.value, WithdrawReason.left_care.value)
    return end_reason if end_reason in kept else WithdrawReason.other.value


def end(conn: Connection, match_id: int, reason: str, on: date, note: str | None = None,
        close: bool = False, wants_another: bool | None = None, today: date | None = None
        ) -> MatchRecord:
    """End an active or paused match. The young person returns to the waiting list, unless
    ``close``: then their referral is closed. Ending for the young person's choice needs
    ``wants_another``: False (they object to any visitor) closes the referral, True puts them
    back on the waiting list."""
    codes = [e.value for e in EndReason]
    if reason not in codes:
        raise InvalidInput(f"unknown end reason; use one of {', '.join(codes)}")
    if reason == EndReason.young_person_choice:
        if wants_another is None:
            raise InvalidInput(
                "ending for the young person's choice needs to know whether they want another "
                f"visitor: give {WANTS_ANOTHER} (no closes the referral, yes puts them back on "
                "the waiting list); nothing was changed")
        if wants_another and close:
            raise InvalidInput("--wants-another yes puts the young person back on the waiting "
                               "list; --close closes the referral: give one of them")
        close = close or not wants_another
    elif wants_another is not None:
        raise InvalidInput("--wants-another is only for --reason young_person_choice")
    m = _step(conn, match_id, list(MatchStatus.running()), "end", on, today)
    values: dict[str, object] = {"status": MatchStatus.ended.value, "end_date": on,
                                 "end_reason": reason}
    if note:
        values["note"] = note.strip()
    m = _change(conn, m, on, "ended", f"{reason}: {note.strip()}" if note else reason, **values)
    if close and m.referral_id:
        _update_referral(conn, m, status=ReferralStatus.closed.value, closed_date=on,
                         reason_code=closing_code(reason))
    else:
        _back_to_waiting(conn, m)
    return m


# ---------------------------------------------------------------------------------------------
# Correcting a date

# The steps a date can be corrected for: the match's column and the event it left.
STEPS = {"proposed": ("proposed_date", "proposed"), "accepted": ("decision_date", "accepted"),
         "started": ("start_date", "started"), "ended": ("end_date", "ended")}


def correct(conn: Connection, match_id: int, step: str, on: date, today: date | None = None
            ) -> tuple[MatchRecord, list[str]]:
    """Correct the date of one step of a match, within the rules every step keeps: in order
    with the steps before and after it, the proposal on or after the referral's acceptance,
    the start on or before the first visit and the end on or after the last, none after
    today. Returns the match and the fields that changed (audited)."""
    from ivcli.db import now

    if step not in STEPS:
        raise InvalidInput(f"unknown step; use one of {', '.join(STEPS)}")
    column, event = STEPS[step]
    m = get(conn, match_id)
    rows = conn.execute(text(
        "SELECT id, date, event FROM match_events WHERE match_id = :m ORDER BY id"),
        {"m": match_id}).all()
    at = [i for i, r in enumerate(rows) if r.event == event]
    if not at or getattr(m, column) is None:
        raise Refused(f"match {match_id} has no {step} step to correct",
                      hint=f"'ivcli match show {match_id}' shows its history")
    i = at[-1]
    not_after_today(on, today, f"match {match_id}'s {step} step")
    before = [_day(r.date) for r in rows[:i]]
    after = [_day(r.date) for r in rows[i + 1:]]
    if before and on < max(d for d in before if d):
        raise InvalidInput(f"match {match_id}'s {step} step cannot be before its step on "
                           f"{max(d for d in before if d).isoformat()}; nothing was changed")
    if after and on > min(d for d in after if d):
        raise InvalidInput(f"match {match_id}'s {step} step cannot be after its step on "
                           f"{min(d for d in after if d).isoformat()}; nothing was changed")
    if step == "proposed":
        accepted = accepted_on(conn, m.referral_id)
        if accepted is not None and on < accepted:
            raise InvalidInput(f"the proposal cannot be before referral {m.referral_id} was "
                               f"accepted on {accepted.isoformat()}; nothing was changed")
    visits = conn.execute(text("SELECT min(date), max(date) FROM visits WHERE match_id = :m"),
                          {"m": match_id}).one()
    if step == "started" and visits[0] and on > _day(visits[0]):  # type: ignore[operator]
        raise InvalidInput(f"match {match_id} has a visit on {visits[0]}, before that start "
                           "date; nothing was changed")
    if step == "ended" and visits[1] and on < _day(visits[1]):  # type: ignore[operator]
        raise InvalidInput(f"match {match_id} has a visit on {visits[1]}, after that end "
                           "date; nothing was changed")
    if step == "started":
        _eligible(conn, m.young_person_id, on, "matched (the match started)")
    stamp = now()
    changed = []
    if not (step == "accepted" and m.status == MatchStatus.declined):  # declined later
        changed = update_changed(conn, "matches", match_id, {column: on})
    changed += update_changed(conn, "match_events", int(rows[i].id), {"date": on})
    if changed:
        update_changed(conn, "matches", match_id, {"updated_at": stamp})
    if step == "started" and m.referral_id:
        update_changed(conn, "referrals", m.referral_id, {"matched_date": on,
                                                          "updated_at": stamp})
    if step == "ended" and m.referral_id:
        closed = conn.execute(text("SELECT closed_date FROM referrals WHERE id = :id"),
                              {"id": m.referral_id}).scalar()
        if closed == m.end_date.isoformat():  # type: ignore[union-attr]
            update_changed(conn, "referrals", m.referral_id, {"closed_date": on})
    return get(conn, match_id), changed
