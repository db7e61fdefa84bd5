"""The match life cycle: propose, the young person's decision, start, pause, resume and end.

Each step is one command with a date and leaves a ``match_events`` row. A proposal must keep
every hard rule of ``services.matching``; the referral's status follows the match (matched while
a match is live, back to accepted, i.e. waiting, when it is declined or ended, closed at the end
when asked).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from ivcli.enums import EndReason, MatchStatus, ReferralStatus
from ivcli.errors import InvalidInput, NotFound, Refused
from ivcli.models import Match, MatchEvent, Referral, Volunteer
from ivcli.services import compliance
from ivcli.services.matching import load_volunteers, rule_breaks, waiting_young_person

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MATCH_COLUMNS = ("id", "young_person_id", "volunteer_id", "status", "proposed_date",
                 "start_date", "end_date", "end_reason")
SHOW_COLUMNS = MATCH_COLUMNS + ("referral_id", "decision_date", "decision_reason", "note")
EVENT_COLUMNS = ("date", "event", "note")


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def as_row(m: Match, columns: Sequence[str] = SHOW_COLUMNS) -> dict[str, object]:
    return {c: getattr(m, c) for c in columns}


def get(session: Session, match_id: int) -> Match:
    m = session.get(Match, match_id)
    if m is None:
        raise NotFound(f"there is no match {match_id}", hint="'ivcli match list' shows their ids")
    return m


def events(session: Session, match_id: int) -> list[dict[str, object]]:
    get(session, match_id)
    rows = session.execute(
        select(MatchEvent).where(MatchEvent.match_id == match_id)
        .order_by(MatchEvent.date, MatchEvent.id)  # type: ignore[arg-type]
    ).scalars()
    return [{"date": e.date, "event": e.event, "note": e.note} for e in rows]


def list_matches(session: Session, status: str | None = None) -> list[dict[str, object]]:
    q = select(Match)
    if status:
        q = q.where(Match.status == status)
    rows = session.execute(q.order_by(Match.id)).scalars()  # type: ignore[arg-type]
    return [as_row(m, MATCH_COLUMNS) for m in rows]


def _record(session: Session, m: Match, on: date, event: str, note: str | None = None) -> None:
    assert m.id is not None
    m.updated_at = _now()
    session.add(MatchEvent(match_id=m.id, date=on, event=event, note=note, created_at=_now()))


def _last_date(session: Session, m: Match) -> date:
    dates = [e["date"] for e in events(session, m.id or 0)]
    return max([m.proposed_date, *[d for d in dates if isinstance(d, date)]])


def _step(session: Session, match_id: int, allowed: Sequence[str], action: str, on: date
          ) -> Match:
    m = get(session, match_id)
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
    last = _last_date(session, m)
    if on < last:
        raise InvalidInput(f"the date is before match {match_id}'s last step on "
                           f"{last.isoformat()}", hint="give a later --date")
    return m


def _referral(session: Session, m: Match) -> Referral | None:
    return session.get(Referral, m.referral_id) if m.referral_id else None


def _back_to_waiting(session: Session, m: Match) -> None:
    ref = _referral(session, m)
    if ref is not None and ref.status == ReferralStatus.matched:
        ref.status = ReferralStatus.accepted.value
        ref.updated_at = _now()


def propose(session: Session, young_person_id: int, volunteer_id: int, on: date,
            note: str | None = None) -> Match:
    """Propose a match; refused when any hard rule is broken."""
    y = waiting_young_person(session, young_person_id, on)
    vol = session.get(Volunteer, volunteer_id)
    if vol is None:
        raise NotFound(f"there is no volunteer {volunteer_id}",
                       hint="'ivcli volunteer list' shows their ids")
    if vol.status != "approved":
        raise Refused(f"volunteer {volunteer_id} is not approved (status {vol.status}); only "
                      "approved volunteers with every check current can be matched")
    if volunteer_id not in compliance.matchable_ids(session, on, among=[volunteer_id]):
        gaps = [f"{s.label} {'missing' if s.status == 'missing' else 'lapsed'}"
                + (f" on {s.expires.isoformat()}" if s.expires and s.status == "lapsed" else "")
                for s in compliance.problems(compliance.volunteer_states(session, volunteer_id,
                                                                         on))]
        raise Refused(f"volunteer {volunteer_id} cannot be matched: {'; '.join(gaps)}",
                      hint="record the renewed check, then propose again")
    (v,) = load_volunteers(session, on, [volunteer_id])
    if v.free <= 0:
        raise Refused(f"volunteer {volunteer_id} has no free place (capacity {v.capacity}, "
                      f"{v.live} live match(es))",
                      hint="end or decline one of their matches, or raise their capacity")
    breaks = rule_breaks(y, v)
    if breaks:
        raise Refused(f"young person {young_person_id} and volunteer {volunteer_id} cannot be "
                      "matched: " + "; ".join(breaks),
                      hint="if a profile is out of date, update it and propose again")
    now = _now()
    m = Match(young_person_id=young_person_id, volunteer_id=volunteer_id,
              referral_id=y.referral_id, status=MatchStatus.proposed.value, proposed_date=on,
              note=note, created_at=now, updated_at=now)
    session.add(m)
    session.flush()
    _record(session, m, on, "proposed", note)
    ref = session.get(Referral, y.referral_id)
    assert ref is not None
    ref.status = ReferralStatus.matched.value
    ref.updated_at = now
    return m


def accept(session: Session, match_id: int, on: date) -> Match:
    m = _step(session, match_id, [MatchStatus.proposed.value], "accept", on)
    m.status = MatchStatus.accepted.value
    m.decision_date = on
    _record(session, m, on, "accepted")
    return m


def decline(session: Session, match_id: int, reason: str, on: date) -> Match:
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required", hint="give it with --reason")
    m = _step(session, match_id, [MatchStatus.proposed.value, MatchStatus.accepted.value],
              "decline", on)
    m.status = MatchStatus.declined.value
    m.decision_date = on
    m.decision_reason = reason.strip()
    _record(session, m, on, "declined", reason.strip())
    _back_to_waiting(session, m)
    return m


def start(session: Session, match_id: int, on: date) -> Match:
    m = _step(session, match_id, [MatchStatus.accepted.value], "start", on)
    m.status = MatchStatus.active.value
    m.start_date = on
    _record(session, m, on, "started")
    ref = _referral(session, m)
    if ref is not None:
        ref.matched_date = on
        ref.updated_at = _now()
    return m


def pause(session: Session, match_id: int, on: date, note: str | None = None) -> Match:
    m = _step(session, match_id, [MatchStatus.active.value], "pause", on)
    m.status = MatchStatus.paused.value
    _record(session, m, on, "paused", note)
    return m


def resume(session: Session, match_id: int, on: date, note: str | None = None) -> Match:
    m = _step(session, match_id, [MatchStatus.paused.value], "resume", on)
    m.status = MatchStatus.active.value
    _record(session, m, on, "resumed", note)
    return m


def end(session: Session, match_id: int, reason: str, on: date, note: str | None = None,
        close: bool = False) -> Match:
    """End an active or paused match. The young person returns to the waiting list, unless
    ``close``: then their referral is closed."""
    codes = [e.value for e in EndReason]
    if reason not in codes:
        raise InvalidInput(f"unknown end reason; use one of {', '.join(codes)}")
    m = _step(session, match_id, list(MatchStatus.running()), "end", on)
    m.status = MatchStatus.ended.value
    m.end_date = on
    m.end_reason = reason
    if note:
        m.note = note.strip()
    _record(session, m, on, "ended", f"{reason}: {note.strip()}" if note else reason)
    ref = _referral(session, m)
    if close and ref is not None:
        ref.status = ReferralStatus.closed.value
        ref.closed_date = on
        ref.updated_at = _now()
    else:
        _back_to_waiting(session, m)
    return m


def referral_status(session: Session, m: Match) -> str | None:
    ref = _referral(session, m)
    return ref.status if ref else None
