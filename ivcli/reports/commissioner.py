"""The figures a commissioning council asks of a scheme (issue 16): referrals by source, legal
status, placement out of area and UASC, declines and withdrawals by reason, concerns by
category, volunteers who left by reason, whether reviews, escalations and supervision happened
on time, the volunteer pool beside the waiting list, and each council's share of looked-after
children with an Independent Visitor.

Set-based SQL (GROUP BY) over the period's rows; the on-time walks (a review's due date depends
on when the last one was held) are done in Python over one read each. Every definition is in
docs/reports.md; ``ivcli.report_figures`` holds the keys and groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from ivcli.enums import ConcernCategory
from ivcli.report_figures import (
    COUNTS,
    LEGAL_STATUSES,
    NOT_RECORDED,
    ON_TIME,
    PREFER_NOT_TO_SAY,
)
from ivcli.reports.queries import MATCHED_PEOPLE, fetch_rows, median, status_on

DECIDED = "('accepted', 'matched', 'closed', 'declined')"
GROUPS = {key: [g for g, _ in groups] for key, _, _, groups in COUNTS}
GROUPS["concerns_by_category"] = [c.value for c in ConcernCategory]


def figures(conn: Connection, p: Mapping[str, object]) -> dict[str, Any]:
    """Every commissioner's figure but ``median_days_to_match`` (counted with the waits) and
    the volunteer pool (``volunteer_pool``, beside the breakdowns)."""
    start, end = date.fromisoformat(str(p["start"])), date.fromisoformat(str(p["end"]))
    out: dict[str, Any] = {}
    out["referrals_by_source"] = _counted("referrals_by_source", fetch_rows(conn, """
        SELECT lower(trim(coalesce(referrer_role, ''))), count(*) FROM referrals
         WHERE referral_date BETWEEN :start AND :end GROUP BY 1
    """, p), unknown="other")
    out["referrals_by_legal_status"] = _counted("referrals_by_legal_status", fetch_rows(
        conn, f"""
        SELECT status, count(*) FROM (
            SELECT {status_on('y', 'r.referral_date')} AS status
              FROM referrals r JOIN young_people y ON y.id = r.young_person_id
             WHERE r.referral_date BETWEEN :start AND :end) AS s GROUP BY status
    """, p), unknown=LEGAL_STATUSES[0][0])
    for key, column, yes, no in (("referrals_by_placement", "out_of_area", "out_of_area",
                                  "in_area"), ("referrals_by_uasc", "uasc", "uasc", "not_uasc")):
        out[key] = _counted(key, fetch_rows(conn, f"""
            SELECT CASE y.{column} WHEN 1 THEN '{yes}' WHEN 0 THEN '{no}' ELSE '' END, count(*)
              FROM referrals r JOIN young_people y ON y.id = r.young_person_id
             WHERE r.referral_date BETWEEN :start AND :end GROUP BY 1
        """, p), unknown=NOT_RECORDED)
    out.update(_reasons(conn, p))
    out["median_days_to_decision"] = median(_days(fetch_rows(conn, f"""
        SELECT referral_date, decision_date, count(*) FROM referrals
         WHERE decision_date BETWEEN :start AND :end AND status IN {DECIDED} GROUP BY 1, 2
    """, p)))
    out["concerns_by_category"] = _counted("concerns_by_category", fetch_rows(conn, """
        SELECT category, count(*) FROM concerns WHERE opened_date BETWEEN :start AND :end
         GROUP BY 1
    """, p), unknown=ConcernCategory.other.value)
    left = fetch_rows(conn, """
        SELECT lower(trim(coalesce(leave_reason, ''))), count(*) FROM volunteers
         WHERE status = 'left' AND status_date BETWEEN :start AND :end GROUP BY 1
    """, p)
    out["volunteers_left"] = sum(n for _, n in left)
    out["volunteers_left_by_reason"] = _counted("volunteers_left_by_reason", left,
                                                unknown="other")
    out["reviews_on_time"] = _reviews_on_time(conn, p, start, end)
    out["escalations_on_time"] = _escalations_on_time(conn, start, end)
    out["supervision_on_time"] = _supervision_on_time(conn, p, start, end)
    populations = _populations(conn)
    if populations:
        out["looked_after_with_iv_pct"] = _with_iv(conn, p, populations)
    return out


def _counted(key: str, rows: Iterable[Sequence[Any]], *, unknown: str) -> dict[str, int]:
    """(group, count) rows as {group: count} over the groups of ``key``, each present; a
    blank group is ``not_recorded`` where the groups have one (else ``unknown``), any other
    group not listed is ``unknown``."""
    groups = GROUPS[key]
    out = dict.fromkeys(groups, 0)
    for group, count in rows:
        group = (group or "").strip()
        if not group:
            group = NOT_RECORDED if NOT_RECORDED in out else unknown
        out[group if group in out else unknown] += count
    return out


def _reasons(conn: Connection, p: Mapping[str, object]) -> dict[str, dict[str, int]]:
    """Declines and withdrawals in the period by ``referrals.reason_code``; a code not in the
    documented lists (a scheme's own) is counted under its own key, after them; no code is
    ``other``. (Every database a command reads has the column: it is migrated first.)"""
    out = {"declines_by_reason": dict.fromkeys(GROUPS["declines_by_reason"], 0),
           "withdrawals_by_reason": dict.fromkeys(GROUPS["withdrawals_by_reason"], 0)}
    extra: dict[str, dict[str, int]] = {k: {} for k in out}
    for status, reason, count in fetch_rows(conn, """
        SELECT status, lower(trim(coalesce(reason_code, ''))), count(*) FROM referrals
         WHERE decision_date BETWEEN :start AND :end AND status IN ('declined', 'withdrawn')
         GROUP BY 1, 2
    """, p):
        key = "declines_by_reason" if status == "declined" else "withdrawals_by_reason"
        reason = reason or "other"
        if reason in out[key]:
            out[key][reason] += count
        else:
            extra[key][reason] = extra[key].get(reason, 0) + count
    for key, codes in extra.items():
        out[key].update(sorted(codes.items()))
    return out


def _days(rows: Iterable[Sequence[Any]]) -> list[int]:
    """(from date, to date, count) rows as the sorted list of days between (never below 0)."""
    out: list[int] = []
    for first, last, count in rows:
        out += [max(0, (date.fromisoformat(last) - date.fromisoformat(first)).days)] * count
    return sorted(out)


def _on_time() -> dict[str, int]:
    return {"due": 0, **dict.fromkeys((k for k, _ in ON_TIME), 0)}


def _count_due(out: dict[str, int], due: date, held: date | None, start: date) -> None:
    """Count a due date on or after ``start`` (the caller stops at the end): on time when held
    on or before it, late when after, not held when ``held`` is None."""
    if due < start:
        return
    out["due"] += 1
    out["not_held" if held is None else "on_time" if held <= due else "late"] += 1


def _reviews_on_time(conn: Connection, p: Mapping[str, object], start: date, end: date
                     ) -> dict[str, int]:
    """Reviews due in the period by each match's schedule (``review_schedule``): each due date
    is answered by the match's next review (one per date); the one after is due from that
    review's date, so a missed review leaves the rest of the period without a due date."""
    from ivcli.visits.review_schedule import Schedule

    schedule = Schedule.load(conn)
    out = _on_time()
    by_match: dict[int, tuple[date, date | None, list[date]]] = {}
    for mid, started, ended, held in fetch_rows(conn, """
        SELECT m.id, m.start_date, m.end_date, r.date FROM matches m
          LEFT JOIN reviews r ON r.match_id = m.id AND r.date <= :end
         WHERE m.start_date IS NOT NULL AND m.start_date <= :end
           AND (m.end_date IS NULL OR m.end_date >= :start)
         GROUP BY m.id, m.start_date, m.end_date, r.date ORDER BY m.id, r.date
    """, p):
        entry = by_match.setdefault(mid, (date.fromisoformat(started),
                                          date.fromisoformat(ended) if ended else None, []))
        if held is not None:
            entry[2].append(date.fromisoformat(held))
    for started, ended, reviews in by_match.values():
        count, last = 0, None
        while True:
            due = schedule.next_due(started, count, last)
            if due > end or (ended is not None and due >= ended):
                break  # not due in the period, or the match ended first
            held = reviews[count] if count < len(reviews) else None
            _count_due(out, due, held, start)
            if held is None:
                break
            count, last = count + 1, held
    return out


def _escalations_on_time(conn: Connection, start: date, end: date) -> dict[str, int]:
    """Safeguarding concerns and allegations whose escalation was due in the period
    (``concerns.escalation_due``): on time when the people who must be told were by then."""
    from sqlalchemy import text

    from ivcli.enums import sql_list
    from ivcli.visits.concerns import ESCALATE_TO, escalation_days, escalation_due, told

    days = escalation_days(conn)
    # A due date in the period is at most this many days after its concern was opened.
    margin = timedelta(days=2 * max(days.values(), default=0) + 7)
    rows = conn.execute(text(
        "SELECT id, category, opened_date FROM concerns "
        f"WHERE category IN ({sql_list(ConcernCategory.safeguarding_kinds())}) "
        "AND opened_date BETWEEN :since AND :end"),
        {"since": (start - margin).isoformat(), "end": end.isoformat()}).all()
    out = _on_time()
    due_rows = []
    for cid, category, opened in rows:
        due = escalation_due(days, category, date.fromisoformat(opened))
        if due is not None and start <= due <= end:
            due_rows.append((cid, category, due))
    actions = told(conn, [cid for cid, _, _ in due_rows], end)
    for cid, category, due in due_rows:
        needed = ESCALATE_TO[category]
        when = [date.fromisoformat(str(t["date"])) for t in actions.get(cid, [])
                if needed is None or t["to"] == needed]
        _count_due(out, due, min(when, default=None), start)
    return out


def _supervision_on_time(conn: Connection, p: Mapping[str, object], start: date, end: date
                         ) -> dict[str, int]:
    """Supervision due in the period: ``supervision.every_weeks`` after a volunteer's first
    match started, then after each supervision held; due only while they have a match running
    (a due date with none running lapses, and the next is due from their next match's start)."""
    from ivcli import stored_settings

    weeks = timedelta(weeks=stored_settings.get_int(conn, "supervision.every_weeks"))
    spans: dict[int, list[tuple[date, date | None]]] = {}
    for vid, started, ended in fetch_rows(conn, """
        SELECT volunteer_id, start_date, end_date FROM matches
         WHERE start_date IS NOT NULL AND start_date <= :end ORDER BY volunteer_id, start_date
    """, p):
        spans.setdefault(vid, []).append(
            (date.fromisoformat(started), date.fromisoformat(ended) if ended else None))
    held: dict[int, list[date]] = {}
    for vid, on in fetch_rows(conn, """
        SELECT DISTINCT volunteer_id, date FROM volunteer_supervisions WHERE date <= :end
         ORDER BY volunteer_id, date
    """, p):
        held.setdefault(vid, []).append(date.fromisoformat(on))
    out = _on_time()
    for vid, matches in spans.items():
        meetings = held.get(vid, [])
        anchor = matches[0][0]
        while True:
            due = anchor + weeks
            if due > end:
                break
            if not any(s <= due and (e is None or e > due) for s, e in matches):
                later = [s for s, _ in matches if s > due]
                if not later:
                    break
                anchor = later[0]
                continue
            after = [m for m in meetings if m > anchor]
            answer = after[0] if after else None
            _count_due(out, due, answer, start)
            if answer is None:
                break
            anchor = answer
    return out


def _populations(conn: Connection) -> dict[str, int]:
    from ivcli import stored_settings

    return stored_settings.get_populations(conn, "report.looked_after_population")


def _with_iv(conn: Connection, p: Mapping[str, object], populations: Mapping[str, int]
             ) -> dict[str, dict[str, Any]]:
    """For each council named in ``report.looked_after_population``: its looked-after
    population, the looked-after children of that council (``local_authority``, ignoring case
    and spaces) in a running match at the end, and their share in per cent (one decimal)."""
    counts: dict[str, int] = {}
    for authority, count in fetch_rows(conn, f"""
        SELECT lower(trim(y.local_authority)), count(*) FROM young_people y
         WHERE y.id IN ({MATCHED_PEOPLE}) AND {status_on('y', ':end')} = 'looked_after'
         GROUP BY 1
    """, p):
        if authority:
            key = " ".join(authority.split())
            counts[key] = counts.get(key, 0) + count
    out = {}
    for name, population in populations.items():
        with_iv = counts.get(name.casefold(), 0)
        out[name] = {"looked_after": population, "with_iv": with_iv,
                     "pct": round(100 * with_iv / population, 1)}
    return out


def volunteer_pool(conn: Connection, p: Mapping[str, object], ethnicities: Sequence[str]
                   ) -> dict[str, Any]:
    """The approved volunteers at the end (as ``volunteers_approved_at_end``) by ethnicity,
    faith and disability as they described them. ``ethnicities``: the groups of the young
    people's breakdowns, each shown for the pool too (zero included)."""
    rows = fetch_rows(conn, f"""
        SELECT coalesce(nullif(trim(ethnicity), ''), '{NOT_RECORDED}'),
               coalesce(nullif(trim(faith), ''), '{NOT_RECORDED}'),
               coalesce(nullif(trim(disability), ''), '{NOT_RECORDED}'), count(*)
          FROM volunteers WHERE status = 'approved' AND approved_date <= :end GROUP BY 1, 2, 3
    """, p)
    tail = [PREFER_NOT_TO_SAY, NOT_RECORDED]
    found: dict[str, set[str]] = {"ethnicity": set(), "faith": set()}
    for ethnicity, faith, _, _ in rows:
        found["ethnicity"].add(ethnicity)
        found["faith"].add(faith)
    out: dict[str, Any] = {"total": sum(r[3] for r in rows)}
    for dim in ("ethnicity", "faith"):
        named = set(ethnicities) | found[dim] if dim == "ethnicity" else found[dim]
        out[dim] = dict.fromkeys([*sorted(named - set(tail)), *tail], 0)
    out["disability"] = dict.fromkeys(["yes", "no", *tail], 0)
    for ethnicity, faith, disability, count in rows:
        out["ethnicity"][ethnicity] += count
        out["faith"][faith] += count
        out["disability"][disability if disability in out["disability"] else NOT_RECORDED] += count
    return out
