"""Match reviews: the coordinator's regular check-in with the young person, the volunteer, the
carer and the social worker.

The schedule is denser early in a match (settings in brackets):
- the first review is due ``review.first_weeks`` (6) weeks after the match starts;
- the second ``review.second_months`` (3) months after the first;
- every later one ``review.then_months`` (6) months after the one before.
A review is the conversations held on one date: talking to the young person and the volunteer
on the same day is one review, recorded as two entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import text

from ivcli.errors import InvalidInput, Refused
from ivcli.visits.log import get_match
from ivcli.visits.review_schedule import Schedule

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

MAX_NOTE = 10_000


@dataclass
class Recorded:
    review_ids: list[int]
    next_due: date


def record(conn: Connection, match_id: int, on: date, with_whom: list[str], note: str | None,
           today: date) -> Recorded:
    """Record a review with one or more people. Refused before the match started, after it
    ended, or in the future."""
    from ivcli.db import now
    from ivcli.matching.lifecycle import insert_row, table_of
    from ivcli.models import Review

    match = get_match(conn, match_id)
    if not with_whom:
        raise InvalidInput("say who the review was with", hint="give --with (repeatable)")
    if match.start_date is None:
        raise Refused(f"match {match_id} is {match.status} and has not started; reviews are "
                      "recorded on a started match")
    if on > today:
        raise Refused("the review date is in the future; nothing was recorded")
    if on < match.start_date:
        raise Refused(f"the review date is before match {match_id} started "
                      f"({match.start_date.isoformat()}); nothing was recorded")
    if match.end_date is not None and on > match.end_date:
        raise Refused(f"the review date is after match {match_id} ended "
                      f"({match.end_date.isoformat()}); nothing was recorded")
    clean_note = (note or "").strip() or None
    if clean_note and len(clean_note) > MAX_NOTE:
        raise InvalidInput(f"the note is longer than {MAX_NOTE} characters")
    stamp = now()
    existing = {w for (w,) in conn.execute(text(
        "SELECT with_whom FROM reviews WHERE match_id = :m AND date = :d"),
        {"m": match_id, "d": on.isoformat()})}
    ids = []
    for who in dict.fromkeys(with_whom):
        if who in existing:
            raise Refused(f"match {match_id} already has a review with the {who} on that date; "
                          "nothing was recorded")
        ids.append(insert_row(conn, table_of(Review), {
            "match_id": match_id, "date": on, "with_whom": who, "note": clean_note,
            "created_at": stamp}))
    held, last = conn.execute(text(
        "SELECT count(DISTINCT date), max(date) FROM reviews WHERE match_id = :m"),
        {"m": match_id}).one()
    due = Schedule.load(conn).next_due(match.start_date, held,
                                          date.fromisoformat(last) if last else None)
    return Recorded(ids, due)


LIST_COLUMNS = ("id", "match_id", "date", "with_whom", "note")


def list_reviews(conn: Connection, match_id: int) -> list[dict[str, object]]:
    get_match(conn, match_id)
    rows = conn.execute(text(
        "SELECT id, match_id, date, with_whom, note FROM reviews WHERE match_id = :m "
        "ORDER BY date, id"), {"m": match_id})
    return [dict(zip(LIST_COLUMNS, r, strict=True)) for r in rows]
