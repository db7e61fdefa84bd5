"""The annual report's ``outcomes``: what young people say about their visitor at reviews.

Counted over the young person's review entries (``with_whom`` young-person) dated in the period
(``visits.reviews``):

- ``ratings``: how many answered "How much does your IV help?" (1-5, ``RATINGS``), the median
  answer and how many gave each;
- ``themes``: for each documented theme (``THEMES``), how many of those entries named it;
- ``review_outcomes``: reviews (a match and a date, however many people they were with) by what
  they decided, continue, change or end;
- ``reviews_with_young_person`` and ``words_recorded``: the entries, and those with the young
  person's own words;
- ``quotes``: only when asked for (``report annual --quotes``), the words of the entries whose
  young person agreed to be quoted (``--quote-ok``), oldest first, with no name and no id: the
  first and last names of the match's young person and volunteer are replaced by ``[name]``,
  runs of spaces and line breaks by one space.

Publishing suppresses the counts (``reports.publishing.publish_outcomes``). Portable SQL only.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy.engine import Connection

from ivcli.enums import ReviewWith
from ivcli.report_figures import RATINGS, REVIEW_OUTCOMES, THEMES
from ivcli.reports.aggregates import median
from ivcli.reports.period import Period
from ivcli.reports.queries import fetch_rows

NAME_MARK = "[name]"


def build(conn: Connection, period: Period, *, quotes: bool = False) -> dict[str, Any]:
    """The outcomes of ``period``, JSON-ready; ``quotes`` adds the words agreed to be quoted."""
    p: dict[str, object] = {"start": period.start.isoformat(), "end": period.end.isoformat(),
                            "yp": ReviewWith.young_person.value}
    scores = {n for n, _ in RATINGS}
    by_score = {str(n): 0 for n, _ in RATINGS}
    themes = dict.fromkeys((k for k, _ in THEMES), 0)
    ratings: list[int] = []
    entries = words = 0
    for rating, named, said in fetch_rows(conn, """
        SELECT rating, themes, said
          FROM review_voices WHERE date BETWEEN :start AND :end AND with_whom = :yp
    """, p):
        entries += 1
        words += said
        if rating in scores:
            ratings.append(int(rating))
            by_score[str(rating)] += 1
        for theme in _themes(named):
            if theme in themes:
                themes[theme] += 1
    decided = dict.fromkeys((k for k, _ in REVIEW_OUTCOMES), 0)
    for outcome, count in fetch_rows(conn, """
        SELECT outcome, count(*) FROM (
            SELECT DISTINCT match_id, date, outcome FROM reviews
             WHERE date BETWEEN :start AND :end AND outcome IS NOT NULL) AS decided
         GROUP BY outcome
    """, p):
        if outcome in decided:
            decided[outcome] += count
    ratings.sort()
    return {
        "reviews_with_young_person": entries,
        "words_recorded": words,
        "ratings": {"count": len(ratings), "median": median(ratings), "by_score": by_score},
        "themes": themes,
        "review_outcomes": decided,
        "quotes": _quotes(conn, p) if quotes else [],
    }


def _themes(stored: object) -> list[str]:
    """The themes of an entry as stored (a JSON list); none when empty or not readable."""
    if not stored:
        return []
    try:
        found = json.loads(str(stored))
    except ValueError:
        return []
    return [str(t) for t in dict.fromkeys(found)] if isinstance(found, list) else []


def _quotes(conn: Connection, p: dict[str, object]) -> list[str]:
    out = []
    for words, *names in fetch_rows(conn, """
        SELECT r.their_words, y.first_name, y.last_name, v.first_name, v.last_name
          FROM reviews r
          JOIN matches m ON m.id = r.match_id
          JOIN young_people y ON y.id = m.young_person_id
          JOIN volunteers v ON v.id = m.volunteer_id
         WHERE r.date BETWEEN :start AND :end AND r.with_whom = :yp AND r.quote_ok = :ok
           AND r.their_words IS NOT NULL AND r.their_words <> ''
         ORDER BY r.date, r.id
    """, {**p, "ok": True}):
        quote = without_names(" ".join(str(words).split()), names)
        if quote:
            out.append(quote)
    return out


def without_names(quote: str, names: list[object]) -> str:
    """``quote`` with each of ``names``, and each part of a name of several words ("Mary Ann",
    "Smith-Jones"), replaced by ``[name]`` (whole words, any case)."""
    found: set[str] = set()
    for n in names:
        whole = " ".join(str(n or "").split())
        found.update(w for w in (whole, *whole.replace("-", " ").split()) if len(w) > 1)
    for name in sorted(found, key=len, reverse=True):
        quote = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", NAME_MARK, quote,
                       flags=re.IGNORECASE)
    return quote
