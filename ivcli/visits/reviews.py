"""Match reviews: the coordinator's regular check-in with the young person, the volunteer, the
carer and the social worker.

The schedule is denser early in a match (settings in brackets):
- the first review is due ``review.first_weeks`` (6) weeks after the match starts;
- the second ``review.second_months`` (3) months after the first;
- every later one ``review.then_months`` (6) months after the one before.
A review is the conversations held on one date: talking to the young person and the volunteer
on the same day is one review, recorded as two entries.

The young person's voice goes on their entry (``--with young-person``): what they said in their
own words (personal data: erased with them, in their subject export), their answer to "How much
does your IV help?" on the scale 1-5 (``report_figures.RATINGS``), the themes they named
(``ReviewTheme``) and whether they agreed to be quoted. The review's outcome (continue, change,
end) goes on each of its entries. The annual report counts them (``reports.outcomes``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import text

from ivcli.enums import ReviewWith
from ivcli.errors import InvalidInput, Refused
from ivcli.report_figures import RATINGS
from ivcli.specs import REVIEW
from ivcli.visits.log import get_match
from ivcli.visits.review_schedule import Schedule

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

MAX_NOTE = REVIEW["note"].limit
MAX_WORDS = REVIEW["their_words"].limit
YOUNG_PERSON = ReviewWith.young_person.value


@dataclass(frozen=True)
class Voice:
    """What the young person said at a review, and what the review decided (all optional)."""

    their_words: str | None = None
    rating: int | None = None
    themes: tuple[str, ...] = ()
    quote_ok: bool = False
    outcome: str | None = None

    def theirs(self) -> dict[str, object]:
        """The columns of the young person's entry (None where nothing was said)."""
        return {"their_words": self.their_words, "rating": self.rating,
                "themes": json.dumps(list(self.themes)) if self.themes else None,
                "quote_ok": True if self.quote_ok else None}

    @property
    def said(self) -> list[str]:
        """The options given that only the young person's entry can hold."""
        return [flag for flag, given in (
            ("--their-words", self.their_words), ("--rating", self.rating is not None),
            ("--theme", self.themes), ("--quote-ok", self.quote_ok)) if given]


def check_voice(voice: Voice, with_whom: list[str]) -> Voice:
    """The voice as it is stored: words trimmed (blank: none), themes once each. InvalidInput
    (exit 1) for what no review can hold; the message never quotes the words."""
    words = (voice.their_words or "").strip() or None
    if words and len(words) > MAX_WORDS:
        raise InvalidInput(f"--their-words is longer than {MAX_WORDS} characters; nothing was "
                           "recorded")
    if voice.rating is not None and voice.rating not in dict(RATINGS):
        raise InvalidInput("--rating must be a whole number from 1 to 5; nothing was recorded")
    clean = Voice(words, voice.rating, tuple(dict.fromkeys(voice.themes)), voice.quote_ok,
                  voice.outcome)
    if clean.said and YOUNG_PERSON not in with_whom:
        raise InvalidInput(
            f"{', '.join(clean.said)}: what the young person said goes on a review with them; "
            "nothing was recorded", hint="add --with young-person")
    if clean.quote_ok and not words:
        raise InvalidInput("--quote-ok without --their-words: there is nothing to quote; "
                           "nothing was recorded", hint="give their words with --their-words")
    return clean


@dataclass
class Recorded:
    review_ids: list[int]
    next_due: date


def record(conn: Connection, match_id: int, on: date, with_whom: list[str], note: str | None,
           today: date, voice: Voice | None = None) -> Recorded:
    """Record a review with one or more people, with what the young person said (``voice``).
    Refused before the match started, after it ended, or in the future."""
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
    spoken = check_voice(voice or Voice(), with_whom)
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
            "outcome": spoken.outcome, **(spoken.theirs() if who == YOUNG_PERSON else {}),
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
