"""Monthly and annual reports: every figure aggregated in SQL, with an exact definition.

A report covers a period of whole days, ``start`` to ``end`` inclusive. "At the end" means at
the close of the end date. Dates are compared as stored (ISO text), so the same database and the
same period always give the same figures; nothing depends on the clock except the choice of
period (``--month last``) and the cap of a period that has not finished yet (``as_of``).

The definitions (ivcli.report_figures) are the documentation: docs/reports.md repeats them for
coordinators, and ``FIGURES`` carries each label and definition into every output format.

Waiting list. A referral is *accepted* when its status is accepted, matched or closed; its
decision date is the day it joined the waiting list. It leaves the list on the start date of its
first match (a match linked to it by ``referral_id``, or, for a match with no referral recorded,
a match of the same young person starting on or after the decision date), or on its closed date,
whichever comes first. A referral withdrawn after acceptance is not counted in past months: the
withdrawal replaces its decision date, so when it joined the list is no longer known.

Running matches. A match is *running* on a day when it has a start date on or before that day
and no end date on or before it (a match that ends on the 31st is not running at the close of
the 31st). It is *paused* on a day when its latest paused/resumed event on or before that day is
"paused". Running matches include paused ones.

Small numbers (``publish``). In a published report every breakdown cell from 1 to
``report.suppress_below`` - 1 is shown as ``<5``; when the hidden cells of a breakdown could still
be worked out from its total and the cells shown, the next smallest cell is hidden too (``*``),
until none can; if no cell is left to hide, the whole breakdown is hidden (every cell ``*``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ivcli import stored_settings as settings_service
from ivcli.enums import CheckStep, EndReason
from ivcli.parsing import add_months, latest_birth_date
from ivcli.periods import month_end, month_label, parse_month
from ivcli.report_figures import (  # noqa: F401 - part of this module's interface
    AGE_BANDS,
    DIMENSIONS,
    END_REASONS,
    FIGURE_KEYS,
    FIGURES,
    GENDERS,
    GROUP_LABELS,
    LENGTH_BANDS,
    NOT_RECORDED,
    POPULATIONS,
    TREND_SERIES,
    YES_NO,
    Figure,
)
from ivcli.visits.rows import COST_IN_RANGE, SUMMABLE_COST

# ---------------------------------------------------------------------------------------------
# Periods


@dataclass(frozen=True)
class Period:
    kind: str  # "monthly" or "annual"
    start: date
    end: date  # inclusive; capped at as_of for a period not yet over
    label: str
    complete: bool  # False when the period had not finished on the as-of date

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "label": self.label, "complete": self.complete}


def _capped(kind: str, start: date, end: date, label: str, as_of: date) -> Period:
    if start > as_of:
        raise ValueError(f"the period starts on {start.isoformat()}, after {as_of.isoformat()}; "
                         "there is nothing to report yet")
    if end > as_of:
        return Period(kind, start, as_of, f"{label} (to {as_of.isoformat()})", False)
    return Period(kind, start, end, label, True)


def monthly_period(month: str | None, as_of: date) -> Period:
    """The month ``--month`` names (``periods.parse_month``; default ``last``, the month before
    ``as_of``)."""
    first = parse_month(month or "last", as_of)
    return _capped("monthly", first, month_end(first), month_label(first), as_of)


def annual_period(year: int | None, start: date | None, end: date | None, as_of: date) -> Period:
    """A calendar year (default: the last whole one), or any span from ``start`` to ``end``."""
    from ivcli.errors import ConflictingOptions, MissingValue

    if year is not None and (start or end):
        raise ConflictingOptions("give either --year or --from and --to, not both")
    if start or end:
        if not (start and end):
            raise MissingValue("give both --from and --to")
        if start > end:
            raise ValueError("--from is after --to")
        return _capped("annual", start, end, f"{start.isoformat()} to {end.isoformat()}", as_of)
    if year is None:
        year = as_of.year - 1
    if year < 1900 or year > 9998:
        raise ValueError("use a four-digit year, e.g. 2025")
    return _capped("annual", date(year, 1, 1), date(year, 12, 31), f"Year {year}", as_of)


# ---------------------------------------------------------------------------------------------
# Figures and their definitions


# Defined in ivcli.report_figures (the renderers read them there); named here as before.

DETAIL_LIMIT = 10
SECONDARY = "*"
ACCEPTED_STATUSES = "('accepted', 'matched', 'closed')"

# ---------------------------------------------------------------------------------------------
# SQL

# One row per accepted referral: when it joined the waiting list (``accepted_date``), when its
# first match started (``started``) and when it left the list (``leaves``: that start or the
# closed date, whichever came first). A common table expression ``accepted`` that each query
# reading it starts with (``_accepted_cte``; a temporary table would not be portable).
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


def _accepted_cte(first_start: str) -> str:
    """``first_start AS (...), accepted AS MATERIALIZED (...)``, to follow a WITH; parameter
    ``:since``."""
    return f"""
        first_start AS ({first_start}),
        accepted AS MATERIALIZED (
        SELECT r.id, r.young_person_id, r.decision_date AS accepted_date, f.started,
               CASE WHEN f.started IS NULL THEN r.closed_date
                    WHEN r.closed_date IS NULL OR f.started <= r.closed_date THEN f.started
                    ELSE r.closed_date END AS leaves
          FROM referrals r LEFT JOIN first_start f ON f.rid = r.id
         WHERE r.status IN {ACCEPTED_STATUSES} AND r.decision_date IS NOT NULL
           AND (r.closed_date IS NULL OR r.closed_date >= :since))
    """


def _days(start: str, end: str) -> int:
    """Days from one ISO date to another, counted in Python (SQL date arithmetic is not
    portable)."""
    return (date.fromisoformat(end) - date.fromisoformat(start)).days


def _waiting_on(d: str, alias: str = "a") -> str:
    """SQL condition: accepted referral ``alias`` is waiting at the close of day ``d``."""
    return f"{alias}.accepted_date <= {d} AND ({alias}.leaves IS NULL OR {alias}.leaves > {d})"


def _running_on(d: str, alias: str = "m") -> str:
    return (f"{alias}.start_date IS NOT NULL AND {alias}.start_date <= {d} "
            f"AND ({alias}.end_date IS NULL OR {alias}.end_date > {d})")


# Matches paused at the close of :end: their latest paused/resumed event on or before it is
# "paused" (ties on a date go to the event recorded last).
PAUSED_CTE = """
paused_ids AS MATERIALIZED (
    SELECT match_id FROM (
        SELECT match_id, event,
               row_number() OVER (PARTITION BY match_id ORDER BY date DESC, id DESC) AS rn
          FROM match_events WHERE event IN ('paused', 'resumed') AND date <= :end)
     WHERE rn = 1 AND event = 'paused')
"""


def _bucket(column: str, n: int) -> str:
    """SQL: the first trend month whose end is on or after ``column`` (0..n-1); n if after the
    last; NULL if ``column`` is NULL. Running totals over buckets give the counts at each
    month's end in one pass over the rows."""
    whens = " ".join(f"WHEN {column} <= :e{i} THEN {i}" for i in range(n))
    return f"CASE WHEN {column} IS NULL THEN NULL {whens} ELSE {n} END"


def _open_at_each_end(rows: Sequence[Any], n: int) -> list[int]:
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


def _age_bounds(end: date) -> dict[str, str]:
    """The parameters ``:born_N`` of the age bands for a report ending on ``end``."""
    return {f"born_{n}": latest_birth_date(end, n).isoformat() for n in AGE_EDGES}


_BREAKDOWN_COLUMNS = f"""
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
_DIMENSION_KEYS = ("age_band", "gender", "ethnicity", "disability", "care_leaver")


def _breakdown_sql(population: str, with_: str = "") -> str:
    """(dimension, group, young people) rows for the young people in ``population``, each
    counted once, plus ('total', '', count). ``with_``: common table expressions it reads
    (followed by a comma)."""
    per_dim = " UNION ALL ".join(
        f"SELECT '{d}', {d}, count(*) FROM pop GROUP BY {d}" for d in _DIMENSION_KEYS)
    return f"""
        WITH {with_} pop AS MATERIALIZED (
            SELECT {_BREAKDOWN_COLUMNS}
              FROM (SELECT y.gender, y.ethnicity, y.disability, y.care_leaver, y.date_of_birth
                      FROM young_people y WHERE y.id IN ({population})) AS people)
        SELECT 'total', '', count(*) FROM pop UNION ALL {per_dim}
    """


WAITING_PEOPLE = f"SELECT a.young_person_id FROM accepted a WHERE {_waiting_on(':end')}"
MATCHED_PEOPLE = f"SELECT m.young_person_id FROM matches m WHERE {_running_on(':end')}"


def _rows(conn: Connection, sql: str, params: Mapping[str, object]) -> list[Any]:
    return list(conn.execute(text(sql), dict(params)))


def _one(conn: Connection, sql: str, params: Mapping[str, object]) -> Any:
    return conn.execute(text(sql), dict(params)).one()


# ---------------------------------------------------------------------------------------------
# Building a report


def build(conn: Connection, period: Period, *, detail: bool = False) -> dict[str, Any]:
    """Every figure for ``period``, as plain JSON-ready data. ``detail`` adds names.

    Each table is read in one pass where it can be: the 12 trend months are counted together
    (bucketed by month), and indexes (migration 003) serve the date ranges.
    """
    p: dict[str, object] = {"start": period.start.isoformat(), "end": period.end.isoformat(),
                            **_age_bounds(period.end)}
    months = trend_months(period.end)
    n = len(months)
    for i, (_, s, e) in enumerate(months):
        p[f"s{i}"], p[f"e{i}"] = s.isoformat(), e.isoformat()
    report: dict[str, Any] = {"report": period.kind, "period": period.as_dict(),
                              "published": False}
    trends = [{"month": key, "referrals_received": 0, "waiting_at_end": 0, "active_at_end": 0,
               "visits": 0} for key, _, _ in months]

    # Referrals: index range counts.
    per_month = ", ".join(
        f"(SELECT count(*) FROM referrals WHERE referral_date BETWEEN :s{i} AND :e{i})"
        for i in range(n))
    r = _one(conn, f"""
        SELECT (SELECT count(*) FROM referrals WHERE referral_date BETWEEN :start AND :end),
               (SELECT count(*) FROM referrals WHERE decision_date BETWEEN :start AND :end
                   AND status IN {ACCEPTED_STATUSES}),
               (SELECT count(*) FROM referrals WHERE decision_date BETWEEN :start AND :end
                   AND status = 'declined'),
               (SELECT count(*) FROM referrals WHERE decision_date BETWEEN :start AND :end
                   AND status = 'withdrawn'),
               {per_month}
    """, p)
    report.update(referrals_received=r[0], referrals_accepted=r[1], referrals_declined=r[2],
                  referrals_withdrawn=r[3])
    for i in range(n):
        trends[i]["referrals_received"] = r[4 + i]

    # Waiting list, from the accepted referrals.
    unlinked = conn.execute(text(
        "SELECT 1 FROM matches WHERE referral_id IS NULL AND start_date IS NOT NULL LIMIT 1"
    )).first()
    # Referrals closed before the period and the trend months began can neither be waiting
    # at a trend month's end nor have a first match start in the period: they are left out.
    p["since"] = min(period.start, months[0][1]).isoformat()
    accepted = _accepted_cte(FIRST_START_ALL if unlinked else FIRST_START_LINKED)
    waits = sorted(max(0, _days(a, s)) for a, s in _rows(conn, f"""
        WITH {accepted}
        SELECT a.accepted_date, a.started FROM accepted a WHERE a.started BETWEEN :start AND :end
    """, p))
    report["longest_wait_days"] = waits[-1] if waits else None
    report["median_wait_days"] = _median(waits)
    waiting = _open_at_each_end(_rows(conn, f"""
        WITH {accepted}
        SELECT {_bucket('a.accepted_date', n)}, {_bucket('a.leaves', n)}, count(*)
          FROM accepted a GROUP BY 1, 2
    """, p), n)
    for i in range(n):
        trends[i]["waiting_at_end"] = waiting[i]
    report["waiting_at_end"] = waiting[-1]
    earliest = _one(conn, f"""
        WITH {accepted}
        SELECT min(a.accepted_date) FROM accepted a WHERE {_waiting_on(':end')}
    """, p)[0]
    report["longest_current_wait_days"] = (None if earliest is None
                                           else _days(earliest, period.end.isoformat()))

    # Matches: one pass for the counts at each month's end, one over those running at the end.
    groups = _rows(conn, f"""
        SELECT {_bucket('start_date', n)}, {_bucket('end_date', n)}, count(*),
               sum(CASE WHEN start_date BETWEEN :start AND :end THEN 1 ELSE 0 END),
               sum(CASE WHEN end_date BETWEEN :start AND :end THEN 1 ELSE 0 END)
          FROM matches WHERE start_date IS NOT NULL GROUP BY 1, 2
    """, p)
    running = _open_at_each_end([g[:3] for g in groups], n)
    for i in range(n):
        trends[i]["active_at_end"] = running[i]
    report.update(matches_started=sum(g[3] for g in groups),
                  matches_ended=sum(g[4] or 0 for g in groups), active_at_end=running[-1])
    m = _one(conn, f"""
        WITH {PAUSED_CTE},
        r AS MATERIALIZED (
            SELECT m.id, m.young_person_id, m.start_date,
                   CASE WHEN m.id IN (SELECT match_id FROM paused_ids) THEN 1 ELSE 0 END
                     AS paused
              FROM matches m WHERE {_running_on(':end')})
        SELECT count(*), coalesce(sum(paused), 0), count(DISTINCT young_person_id),
               coalesce(sum(CASE WHEN paused = 0 AND start_date < :start AND NOT EXISTS (
                   SELECT 1 FROM visits v WHERE v.match_id = r.id
                      AND v.date BETWEEN :start AND :end) THEN 1 ELSE 0 END), 0)
          FROM r
    """, p)
    report.update(paused_at_end=m[1], young_people_matched_at_end=m[2],
                  active_without_visit=m[3])

    known = {r.value for r in EndReason}
    endings = dict.fromkeys(END_REASONS, 0)
    bands = dict.fromkeys((b[0] for b in LENGTH_BANDS), 0)
    for reason, started, ended, count in _rows(conn, """
        SELECT end_reason, start_date, end_date, count(*)
          FROM matches WHERE start_date IS NOT NULL AND end_date BETWEEN :start AND :end
         GROUP BY 1, 2, 3
    """, p):
        days = _days(started, ended)
        reason = (reason or "").strip()
        endings[reason if reason in known else "other" if reason else NOT_RECORDED] += count
        bands[_length_band(days)] += count
    report["endings_by_reason"] = endings
    report["match_length_bands"] = bands

    # Visits: index-only range scans (migration 003's covering index).
    counts = ", ".join(f"(SELECT count(*) FROM visits WHERE date BETWEEN :s{i} AND :e{i})"
                       for i in range(n))
    v = _one(conn, f"""
        SELECT (SELECT count(*) FROM visits WHERE date BETWEEN :start AND :end),
               (SELECT coalesce(sum(minutes), 0) FROM visits WHERE date BETWEEN :start AND :end),
               (SELECT coalesce(sum({SUMMABLE_COST}), 0) FROM visits
                 WHERE date BETWEEN :start AND :end),
               {counts}
    """, p)
    for i in range(n):
        trends[i]["visits"] = v[3 + i]
    report.update(visits=v[0], visit_minutes=v[1], visit_hours=round(v[1] / 60, 1),
                  expenses_total=v[2])

    # Volunteers: one pass, and the checks by the compliance rules.
    vol = _one(conn, """
        SELECT coalesce(sum(CASE WHEN substr(created_at, 1, 10) BETWEEN :start AND :end
                            THEN 1 ELSE 0 END), 0),
               coalesce(sum(CASE WHEN approved_date BETWEEN :start AND :end THEN 1 ELSE 0 END),
                        0),
               coalesce(sum(CASE WHEN status = 'approved' AND approved_date <= :end
                            THEN 1 ELSE 0 END), 0)
          FROM volunteers
    """, p)
    report.update(volunteers_enquired=vol[0], volunteers_approved=vol[1],
                  volunteers_approved_at_end=vol[2])
    lapsing, lapsed = _checks(conn, period.end)
    report.update(checks_lapsing=lapsing, checks_lapsed=lapsed)

    report["breakdowns"] = _breakdowns(conn, p, accepted)
    report["trends"] = trends
    if detail:
        report["detail"] = _detail(conn, p, accepted)
    return report


def _median(values: Sequence[int]) -> int | float | None:
    """The middle value of sorted ``values``; the mean of the middle two when their number is
    even (a whole number, or a half)."""
    if not values:
        return None
    k, odd = divmod(len(values), 2)
    if odd:
        return values[k]
    twice = values[k - 1] + values[k]
    return twice // 2 if twice % 2 == 0 else twice / 2


def _length_band(days: int) -> str:
    if days < 183:
        return "under_6_months"
    if days < 365:
        return "6_to_12_months"
    if days < 730:
        return "1_to_2_years"
    return "2_years_and_over"


def _checks(conn: Connection, on: date) -> tuple[int, int]:
    """Lapsing and lapsed checks, by ``compliance.evaluate`` (the one statement of the rules).

    Only volunteers whose latest DBS certificate or training is old enough to be near its end
    can be lapsing or lapsed (a DBS status check only ever extends a certificate), so SQL picks
    those out (``compliance.may_lapse_sql``) and only their checks are evaluated.
    """
    from ivcli.volunteers import compliance

    rules = compliance.Rules.load(conn)
    params = {"end": on.isoformat(), **compliance.may_lapse_params(rules, on, rules.warn_days)}
    steps = ", ".join(f"'{s.value}'" for s in (
        CheckStep.dbs, CheckStep.dbs_status_check, CheckStep.training))
    rows = _rows(conn, f"""
        SELECT c.volunteer_id, c.step, c.date, c.update_service
          FROM volunteer_checks c
         WHERE c.step IN ({steps}) AND c.date <= :end
           AND c.volunteer_id IN ({compliance.may_lapse_sql()})
         ORDER BY c.volunteer_id, c.date, c.id
    """, params)
    by_volunteer: dict[int, list[_Check]] = {}
    for vid, step, d, update_service in rows:
        by_volunteer.setdefault(vid, []).append(
            _Check(step, date.fromisoformat(d), bool(update_service)))
    lapsing = lapsed = 0
    for checks in by_volunteer.values():
        for state in compliance.evaluate(checks, on, rules):  # type: ignore[arg-type]
            lapsing += state.status == "lapsing"
            lapsed += state.status == "lapsed"
    return lapsing, lapsed


@dataclass(frozen=True)
class _Check:
    """The fields of a check that ``compliance.evaluate`` reads."""

    step: str
    date: date
    update_service: bool


def _breakdowns(conn: Connection, p: Mapping[str, object], accepted: str) -> dict[str, Any]:
    grouped = {
        "waiting": _rows(conn, _breakdown_sql(WAITING_PEOPLE, accepted + ","), p),
        "matched": _rows(conn, _breakdown_sql(MATCHED_PEOPLE), p),
    }
    ethnicities = sorted({group for rows in grouped.values() for dim, group, _ in rows
                          if dim == "ethnicity" and group != NOT_RECORDED})
    groups = {
        "age_band": [k for k, _ in AGE_BANDS],
        "gender": [k for k, _ in GENDERS],
        "ethnicity": [*ethnicities, NOT_RECORDED],
        "disability": [k for k, _ in YES_NO],
        "care_leaver": [k for k, _ in YES_NO],
    }
    out: dict[str, Any] = {}
    for population, rows in grouped.items():
        section: dict[str, Any] = {dim: dict.fromkeys(keys, 0) for dim, keys in groups.items()}
        for dim, group, count in rows:
            if dim == "total":
                section["total"] = count
            else:
                section[dim][group] = count
        out[population] = {"total": section.pop("total"), **section}
    return out


def trend_months(end: date) -> list[tuple[str, date, date]]:
    """The 12 months ending with the month of ``end``: (YYYY-MM, first day, last day counted)."""
    first = date(end.year, end.month, 1)
    out = []
    for i in range(-11, 1):
        s = add_months(first, i)
        e = min(month_end(s), end)
        out.append((f"{s.year:04d}-{s.month:02d}", s, e))
    return out


def _detail(conn: Connection, p: Mapping[str, object], accepted: str) -> dict[str, Any]:
    """The coordinator's lists, by name: never part of a published report."""
    without = [dict(row._mapping) for row in _rows(conn, f"""
        WITH {PAUSED_CTE}
        SELECT m.id AS match_id, m.young_person_id,
               y.first_name || ' ' || y.last_name AS young_person,
               m.volunteer_id, v.first_name || ' ' || v.last_name AS volunteer,
               m.start_date,
               (SELECT max(x.date) FROM visits x WHERE x.match_id = m.id AND x.date <= :end)
                 AS last_visit
          FROM matches m
          JOIN young_people y ON y.id = m.young_person_id
          JOIN volunteers v ON v.id = m.volunteer_id
         WHERE {_running_on(':end')} AND m.start_date < :start
           AND m.id NOT IN (SELECT match_id FROM paused_ids)
           AND NOT EXISTS (SELECT 1 FROM visits x WHERE x.match_id = m.id
                           AND x.date BETWEEN :start AND :end)
         ORDER BY last_visit IS NOT NULL, last_visit, m.id
    """, p)]
    end = str(p["end"])
    waits = [{**row._mapping, "days_waiting": _days(row.accepted_date, end)}
             for row in _rows(conn, f"""
        WITH {accepted}
        SELECT a.id AS referral_id, a.young_person_id,
               y.first_name || ' ' || y.last_name AS young_person,
               a.accepted_date
          FROM accepted a JOIN young_people y ON y.id = a.young_person_id
         WHERE {_waiting_on(':end')}
         ORDER BY a.accepted_date, a.id
         LIMIT {DETAIL_LIMIT}
    """, p)]
    return {"matches_without_visit": without, "longest_waits": waits}


# ---------------------------------------------------------------------------------------------
# Publishing: small numbers


def suppress_cells(cells: Sequence[int], threshold: int) -> list[int | str]:
    """Cells of one breakdown (which add up to its total) as they may be published.

    1 to threshold-1 become ``<threshold``; more cells become ``*`` while a hidden cell's value
    could still be worked out from the total and the cells shown; if none is left to hide, all
    cells become ``*``.
    """
    small = f"<{threshold}"
    primary = {i for i, n in enumerate(cells) if 0 < n < threshold}
    secondary: set[int] = set()
    if primary:
        while _disclosed(cells, primary, secondary, threshold):
            shown = [(n, i) for i, n in enumerate(cells)
                     if n > 0 and i not in primary and i not in secondary]
            if not shown:
                return [SECONDARY] * len(cells)
            secondary.add(min(shown)[1])
    return [small if i in primary else SECONDARY if i in secondary else n
            for i, n in enumerate(cells)]


def _disclosed(cells: Sequence[int], primary: set[int], secondary: set[int],
               threshold: int) -> bool:
    """True if a reader who knows the rule could work out any hidden cell exactly: each hidden
    cell is known to lie in [1, t-1] (primary) or [t, total] (secondary) and together they add
    up to the total less the cells shown."""
    hidden = sorted(primary | secondary)
    rest = sum(cells[i] for i in hidden)
    bounds = {i: (1, threshold - 1) if i in primary else (threshold, rest) for i in hidden}
    lo_sum = sum(b[0] for b in bounds.values())
    hi_sum = sum(b[1] for b in bounds.values())
    for lo, hi in bounds.values():
        low = max(lo, rest - (hi_sum - hi))
        high = min(hi, rest - (lo_sum - lo))
        if low >= high:
            return True
    return False


def publish(report: Mapping[str, Any], threshold: int) -> dict[str, Any]:
    """A copy of ``report`` that may be published: breakdown cells suppressed, no names."""
    out = {k: v for k, v in report.items() if k != "detail"}
    out["published"] = True
    out["suppress_below"] = threshold
    breakdowns: dict[str, Any] = {}
    for population, section in report["breakdowns"].items():
        new: dict[str, Any] = {"total": section["total"]}
        for dim, _ in DIMENSIONS:
            keys = list(section[dim])
            shown = suppress_cells([section[dim][k] for k in keys], threshold)
            new[dim] = dict(zip(keys, shown, strict=True))
        breakdowns[population] = new
    out["breakdowns"] = breakdowns
    return out


def costs_left_out(conn: Connection, period: Period) -> list[int]:
    """Visits dated in ``period`` whose stored cost is out of range (negative, or more than
    ivcli would ever have stored, written by an older version or by hand): the expenses
    figure leaves them out, and ``ivcli check`` names them."""
    return [r[0] for r in conn.execute(text(
        f"SELECT id FROM visits WHERE date BETWEEN :start AND :end AND NOT ({COST_IN_RANGE}) "
        "ORDER BY id"), {"start": period.start.isoformat(), "end": period.end.isoformat()})]


def suppress_below(conn: Connection) -> int:
    return settings_service.get_int(conn, "report.suppress_below")
