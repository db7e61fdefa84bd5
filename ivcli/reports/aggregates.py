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

Small numbers (``reports.publishing``). In a published report every breakdown cell from 1 to
``report.suppress_below`` - 1 is shown as ``<5``; when the hidden cells of a breakdown could still
be worked out from its total and the cells shown, the next smallest cell is hidden too (``*``),
until none can; if no cell is left to hide, the whole breakdown is hidden (every cell ``*``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ivcli.enums import EndReason
from ivcli.report_figures import (
    AGE_BANDS,
    END_REASONS,
    GENDERS,
    LENGTH_BANDS,
    NOT_RECORDED,
    YES_NO,
)
from ivcli.reports import commissioner
from ivcli.reports.period import Period, trend_months
from ivcli.reports.queries import (
    ACCEPTED_STATUSES,
    FIRST_START_ALL,
    FIRST_START_LINKED,
    MATCHED_PEOPLE,
    PAUSED_CTE,
    WAITING_PEOPLE,
    accepted_cte,
    age_bounds,
    breakdown_sql,
    bucket_sql,
    days_sql,
    fetch_one,
    fetch_rows,
    median,
    open_at_each_end,
    running_on,
    waiting_on,
)
from ivcli.visits.rows import COST_IN_RANGE, SUMMABLE_COST

DETAIL_LIMIT = 10


def build(conn: Connection, period: Period, *, detail: bool = False) -> dict[str, Any]:
    """Every figure for ``period``, as plain JSON-ready data. ``detail`` adds names.

    Each table is read in one pass where it can be: the 12 trend months are counted together
    (bucketed by month), and indexes (migration 003) serve the date ranges.
    """
    p: dict[str, object] = {"start": period.start.isoformat(), "end": period.end.isoformat(),
                            **age_bounds(period.end)}
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
    r = fetch_one(conn, f"""
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
    accepted = accepted_cte(FIRST_START_ALL if unlinked else FIRST_START_LINKED)
    matched = fetch_rows(conn, f"""
        WITH {accepted}
        SELECT a.referral_date, a.accepted_date, a.started FROM accepted a
         WHERE a.started BETWEEN :start AND :end
    """, p)
    waits = sorted(max(0, days_sql(a, s)) for _, a, s in matched)
    report["longest_wait_days"] = waits[-1] if waits else None
    report["median_wait_days"] = median(waits)
    report["median_days_to_match"] = median(sorted(max(0, days_sql(r, s))
                                                   for r, _, s in matched))
    waiting = open_at_each_end(fetch_rows(conn, f"""
        WITH {accepted}
        SELECT {bucket_sql('a.accepted_date', n)}, {bucket_sql('a.leaves', n)}, count(*)
          FROM accepted a GROUP BY 1, 2
    """, p), n)
    for i in range(n):
        trends[i]["waiting_at_end"] = waiting[i]
    report["waiting_at_end"] = waiting[-1]
    earliest = fetch_one(conn, f"""
        WITH {accepted}
        SELECT min(a.accepted_date) FROM accepted a WHERE {waiting_on(':end')}
    """, p)[0]
    report["longest_current_wait_days"] = (None if earliest is None
                                           else days_sql(earliest, period.end.isoformat()))

    # Matches: one pass for the counts at each month's end, one over those running at the end.
    groups = fetch_rows(conn, f"""
        SELECT {bucket_sql('start_date', n)}, {bucket_sql('end_date', n)}, count(*),
               sum(CASE WHEN start_date BETWEEN :start AND :end THEN 1 ELSE 0 END),
               sum(CASE WHEN end_date BETWEEN :start AND :end THEN 1 ELSE 0 END)
          FROM matches WHERE start_date IS NOT NULL GROUP BY 1, 2
    """, p)
    running = open_at_each_end([g[:3] for g in groups], n)
    for i in range(n):
        trends[i]["active_at_end"] = running[i]
    report.update(matches_started=sum(g[3] for g in groups),
                  matches_ended=sum(g[4] or 0 for g in groups), active_at_end=running[-1])
    m = fetch_one(conn, f"""
        WITH {PAUSED_CTE},
        r AS MATERIALIZED (
            SELECT m.id, m.young_person_id, m.start_date,
                   CASE WHEN m.id IN (SELECT match_id FROM paused_ids) THEN 1 ELSE 0 END
                     AS paused
              FROM matches m WHERE {running_on(':end')})
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
    for reason, started, ended, count in fetch_rows(conn, """
        SELECT end_reason, start_date, end_date, count(*)
          FROM matches WHERE start_date IS NOT NULL AND end_date BETWEEN :start AND :end
         GROUP BY 1, 2, 3
    """, p):
        days = days_sql(started, ended)
        reason = (reason or "").strip()
        endings[reason if reason in known else "other" if reason else NOT_RECORDED] += count
        bands[_length_band(days)] += count
    report["endings_by_reason"] = endings
    report["match_length_bands"] = bands

    # Visits: index-only range scans (migration 003's covering index).
    counts = ", ".join(f"(SELECT count(*) FROM visits WHERE date BETWEEN :s{i} AND :e{i})"
                       for i in range(n))
    v = fetch_one(conn, f"""
        SELECT (SELECT count(*) FROM visits WHERE date BETWEEN :start AND :end),
               (SELECT coalesce(sum(minutes), 0) FROM visits WHERE date BETWEEN :start AND :end),
               (SELECT coalesce(sum({SUMMABLE_COST}), 0) FROM visit_costs c
                  JOIN visits x ON x.id = c.visit_id WHERE x.date BETWEEN :start AND :end),
               {counts}
    """, p)
    for i in range(n):
        trends[i]["visits"] = v[3 + i]
    report.update(visits=v[0], visit_minutes=v[1], visit_hours=round(v[1] / 60, 1),
                  expenses_total=v[2])

    # Volunteers: one pass, and the checks by the compliance rules.
    vol = fetch_one(conn, """
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

    report.update(commissioner.figures(conn, p))
    report["breakdowns"] = _breakdowns(conn, p, accepted)
    report["volunteer_pool"] = commissioner.volunteer_pool(
        conn, p, [k for k in report["breakdowns"]["waiting"]["ethnicity"] if k != NOT_RECORDED])
    report["trends"] = trends
    if detail:
        report["detail"] = _detail(conn, p, accepted)
    return report


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

    Only volunteers whose latest DBS certificate or required training course is old enough to
    be near its end can be lapsing or lapsed (a DBS status check only ever extends a
    certificate), so SQL picks those out (``compliance.may_lapse_sql``) and only their checks
    and courses are evaluated. A course never done is not counted (it is not lapsing).
    """
    from ivcli.volunteers import compliance

    rules = compliance.Rules.load(conn)
    who = [vid for (vid,) in fetch_rows(conn, compliance.may_lapse_sql(rules),
                                        compliance.may_lapse_params(rules, on, rules.warn_days))]
    checks, courses = compliance.records_of(conn, who)
    lapsing = lapsed = 0
    for vid in who:
        for state in compliance.evaluate(checks.get(vid, []), on, rules, courses.get(vid, [])):
            lapsing += state.status == "lapsing"
            lapsed += state.status == "lapsed"
    return lapsing, lapsed


def _breakdowns(conn: Connection, p: Mapping[str, object], accepted: str) -> dict[str, Any]:
    grouped = {
        "waiting": fetch_rows(conn, breakdown_sql(WAITING_PEOPLE, accepted + ","), p),
        "matched": fetch_rows(conn, breakdown_sql(MATCHED_PEOPLE), p),
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


def _detail(conn: Connection, p: Mapping[str, object], accepted: str) -> dict[str, Any]:
    """The coordinator's lists, by name: never part of a published report."""
    without = [dict(row._mapping) for row in fetch_rows(conn, f"""
        WITH {PAUSED_CTE}
        SELECT * FROM (
        SELECT m.id AS match_id, m.young_person_id,
               y.first_name || ' ' || y.last_name AS young_person,
               m.volunteer_id, v.first_name || ' ' || v.last_name AS volunteer,
               m.start_date,
               (SELECT max(x.date) FROM visits x WHERE x.match_id = m.id AND x.date <= :end)
                 AS last_visit
          FROM matches m
          JOIN young_people y ON y.id = m.young_person_id
          JOIN volunteers v ON v.id = m.volunteer_id
         WHERE {running_on(':end')} AND m.start_date < :start
           AND m.id NOT IN (SELECT match_id FROM paused_ids)
           AND NOT EXISTS (SELECT 1 FROM visits x WHERE x.match_id = m.id
                           AND x.date BETWEEN :start AND :end)
        ) AS w  -- ordered outside: PostgreSQL takes no output name inside an expression
         ORDER BY last_visit IS NOT NULL, last_visit, match_id
    """, p)]
    end = str(p["end"])
    waits = [{**row._mapping, "days_waiting": days_sql(row.accepted_date, end)}
             for row in fetch_rows(conn, f"""
        WITH {accepted}
        SELECT a.id AS referral_id, a.young_person_id,
               y.first_name || ' ' || y.last_name AS young_person,
               a.accepted_date
          FROM accepted a JOIN young_people y ON y.id = a.young_person_id
         WHERE {waiting_on(':end')}
         ORDER BY a.accepted_date, a.id
         LIMIT {DETAIL_LIMIT}
    """, p)]
    return {"matches_without_visit": without, "longest_waits": waits}


def costs_left_out(conn: Connection, period: Period) -> list[int]:
    """Visits dated in ``period`` with a stored cost line out of range (negative, or more
    than ivcli would ever have stored, written by an older version or by hand): the expenses
    figure leaves those lines out, and ``ivcli check`` names them."""
    return [r[0] for r in conn.execute(text(
        "SELECT DISTINCT v.id FROM visits v JOIN visit_costs c ON c.visit_id = v.id "
        f"WHERE v.date BETWEEN :start AND :end AND NOT ({COST_IN_RANGE}) ORDER BY v.id"),
        {"start": period.start.isoformat(), "end": period.end.isoformat()})]
