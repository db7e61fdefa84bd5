"""The SQL the report's figures are built from: the ``accepted`` waiting-list table
expression, who is waiting and which matches are running on a day, paused matches,
age bands and the breakdowns. Portable SQL only (``tests/test_portable_sql.py``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ivcli.parsing import latest_birth_date
from ivcli.report_figures import NOT_RECORDED

ACCEPTED_STATUSES = "('accepted', 'matched', 'closed')"

# One row per accepted referral: when it joined the waiting list (``accepted_date``), when its
# first match started (``started``) and when it left the list (``leaves``: that start or the
# closed date, whichever came first). A common table expression ``accepted`` that each query
# reading it starts with (``accepted_cte``; a temporary table would not be portable).
FIRST_START_LINKED = """
    SELECT referral_id AS rid, min(start_date) AS started FROM matches
     WHERE referral_id IS NOT NULL AND start_date IS NOT NULL GROUP BY referral_id
"""
FIRST_START_ALL = f"""
    SELECT rid, min(started) AS started FROM (
        {FIRST_START_LINKED}
        UNION ALL
        SELECT r.id, m.start_date
          FROM matches m JOIN referrals r ON r.young_person_id = m.young_person_id
         WHERE m.referral_id IS NULL AND m.start_date IS NOT NULL
           AND r.decision_date IS NOT NULL AND m.start_date >= r.decision_date
    ) AS starts GROUP BY rid
"""


def accepted_cte(first_start: str) -> str:
    """``first_start AS (...), accepted AS MATERIALIZED (...)``, to follow a WITH; parameter
    ``:since``."""
    return f"""
        first_start AS ({first_start}),
        accepted AS MATERIALIZED (
        SELECT r.id, r.young_person_id, r.decision_date AS accepted_date, f.started,
               r.referral_date,
               CASE WHEN f.started IS NULL THEN r.closed_date
                    WHEN r.closed_date IS NULL OR f.started <= r.closed_date THEN f.started
                    ELSE r.closed_date END AS leaves
          FROM referrals r LEFT JOIN first_start f ON f.rid = r.id
         WHERE r.status IN {ACCEPTED_STATUSES} AND r.decision_date IS NOT NULL
           AND (r.closed_date IS NULL OR r.closed_date >= :since))
    """


def median(values: Sequence[int]) -> int | float | None:
    """The middle value of sorted ``values``; the mean of the middle two when their number is
    even (a whole number, or a half)."""
    if not values:
        return None
    k, odd = divmod(len(values), 2)
    if odd:
        return values[k]
    twice = values[k - 1] + values[k]
    return twice // 2 if twice % 2 == 0 else twice / 2


def status_on(young_person: str, on: str) -> str:
    """SQL: the legal status of young person ``young_person`` (an alias of young_people) at
    the close of day ``on`` (an SQL expression): the latest change recorded on or before it;
    before their first recorded change, looked after (the status a young person starts with:
    one recorded as a care leaver at intake has no change recorded); with no change recorded,
    their status now (docs/legal-status.md)."""
    return f"""coalesce(
        (SELECT h.status FROM legal_status_history h WHERE h.young_person_id = {young_person}.id
            AND h.date <= {on} ORDER BY h.date DESC, h.id DESC LIMIT 1),
        CASE WHEN EXISTS (SELECT 1 FROM legal_status_history h
                           WHERE h.young_person_id = {young_person}.id)
             THEN 'looked_after' ELSE {young_person}.legal_status END)"""


def days_sql(start: str, end: str) -> int:
    """Days from one ISO date to another, counted in Python (SQL date arithmetic is not
    portable)."""
    return (date.fromisoformat(end) - date.fromisoformat(start)).days


def waiting_on(d: str, alias: str = "a") -> str:
    """SQL condition: accepted referral ``alias`` is waiting at the close of day ``d``."""
    return f"{alias}.accepted_date <= {d} AND ({alias}.leaves IS NULL OR {alias}.leaves > {d})"


def running_on(d: str, alias: str = "m") -> str:
    return (f"{alias}.start_date IS NOT NULL AND {alias}.start_date <= {d} "
            f"AND ({alias}.end_date IS NULL OR {alias}.end_date > {d})")


# Matches paused at the close of :end: their latest paused/resumed event on or before it is
# "paused" (ties on a date go to the event recorded last).
PAUSED_CTE = """
paused_ids AS MATERIALIZED (
    SELECT match_id FROM (
        SELECT match_id, event,
               row_number() OVER (PARTITION BY match_id ORDER BY date DESC, id DESC) AS rn
          FROM match_events WHERE event IN ('paused', 'resumed') AND date <= :end) AS latest
     WHERE rn = 1 AND event = 'paused')
"""


def bucket_sql(column: str, n: int) -> str:
    """SQL: the first trend month whose end is on or after ``column`` (0..n-1); n if after the
    last; NULL if ``column`` is NULL. Running totals over buckets give the counts at each
    month's end in one pass over the rows."""
    whens = " ".join(f"WHEN {column} <= :e{i} THEN {i}" for i in range(n))
    return f"CASE WHEN {column} IS NULL THEN NULL {whens} ELSE {n} END"


def open_at_each_end(rows: Sequence[Any], n: int) -> list[int]:
    """From (in bucket, out bucket, count) rows: how many were in and not yet out at the end of
    each trend month."""
    out = [0] * n
    for bin_, bout, count in rows:
        for i in range(n):
            if bin_ is not None and bin_ <= i and (bout is None or bout > i):
                out[i] += count
    return out


# Age bands by age at the close of :end, as dates of birth: someone born after :born_N is under
# N then (``latest_birth_date``: ISO dates compared, no date arithmetic in SQL). A date of birth
# not recorded counts as 18 and over, as it always has.
AGE_EDGES = (5, 10, 16, 18)


def age_bounds(end: date) -> dict[str, str]:
    """The parameters ``:born_N`` of the age bands for a report ending on ``end``."""
    return {f"born_{n}": latest_birth_date(end, n).isoformat() for n in AGE_EDGES}


BREAKDOWN_COLUMNS = f"""
    CASE WHEN date_of_birth > :born_5 THEN 'under_5' WHEN date_of_birth > :born_10 THEN '5_to_9'
         WHEN date_of_birth > :born_16 THEN '10_to_15' WHEN date_of_birth > :born_18
         THEN '16_to_17' ELSE '18_and_over' END AS age_band,
    CASE lower(trim(coalesce(gender, ''))) WHEN '' THEN '{NOT_RECORDED}'
         WHEN 'female' THEN 'female' WHEN 'male' THEN 'male'
         WHEN 'non-binary' THEN 'non_binary' ELSE 'another' END AS gender,
    coalesce(nullif(trim(ethnicity), ''), '{NOT_RECORDED}') AS ethnicity,
    CASE disability WHEN 1 THEN 'yes' WHEN 0 THEN 'no' ELSE '{NOT_RECORDED}' END AS disability,
    CASE care_leaver WHEN 1 THEN 'yes' WHEN 0 THEN 'no' ELSE '{NOT_RECORDED}' END AS care_leaver
"""
DIMENSION_KEYS = ("age_band", "gender", "ethnicity", "disability", "care_leaver")


def breakdown_sql(population: str, with_: str = "") -> str:
    """(dimension, group, young people) rows for the young people in ``population``, each
    counted once, plus ('total', '', count). ``with_``: common table expressions it reads
    (followed by a comma)."""
    per_dim = " UNION ALL ".join(
        f"SELECT '{d}', {d}, count(*) FROM pop GROUP BY {d}" for d in DIMENSION_KEYS)
    return f"""
        WITH {with_} pop AS MATERIALIZED (
            SELECT {BREAKDOWN_COLUMNS}
              FROM (SELECT y.gender, y.ethnicity, y.disability, y.care_leaver, y.date_of_birth
                      FROM young_people y WHERE y.id IN ({population})) AS people)
        SELECT 'total', '', count(*) FROM pop UNION ALL {per_dim}
    """


WAITING_PEOPLE = f"SELECT a.young_person_id FROM accepted a WHERE {waiting_on(':end')}"
MATCHED_PEOPLE = f"SELECT m.young_person_id FROM matches m WHERE {running_on(':end')}"


def fetch_rows(conn: Connection, sql: str, params: Mapping[str, object]) -> list[Any]:
    return list(conn.execute(text(sql), dict(params)))


def fetch_one(conn: Connection, sql: str, params: Mapping[str, object]) -> Any:
    return conn.execute(text(sql), dict(params)).one()
