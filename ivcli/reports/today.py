"""``ivcli today``: what needs the coordinator's attention, most urgent first.

Each item is ``{kind, id, days, summary}``; the kinds, in the order they are shown:

| kind | id | days |
| --- | --- | --- |
| escalation | the concern | days past the day it had to be escalated (negative: due in) |
| concern | the concern | days it has been open |
| uncleared_visit | the visit | days since the visit |
| overdue_visit | the match | days since the last visit (since the start if never visited) |
| review_due | the match | days past the due date (negative: due in that many days) |
| supervision | the volunteer | days past the day supervision was due |
| eligibility | the young person | days past the age limit of their status (0: too young, or left) |
| acknowledge | the referral | working days since it was received, not acknowledged |
| referral_decision | the referral | working days waiting for a decision |
| reoffer | the referral | days since its re-offer date ("not now") |
| check_lapsing | the volunteer | days until the check lapses (negative: lapsed) |
| long_wait | the referral | days on the waiting list since acceptance |
| age_threshold | the young person | days until the birthday |

Summaries name records by id; with ``names`` they also give names. Concern text is never part
of the agenda. Every count is done in SQL over indexes so a scheme with half a million visits
answers at once. The SQL is portable (named parameters, dates compared as ISO strings, day
counts and cut-off dates worked out in Python) and read through ``text()``: ``ivcli today``
imports neither the ORM nor the models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from ivcli import dialect
from ivcli import stored_settings as settings_service
from ivcli.enums import MatchStatus, ReferralStatus, sql_list
from ivcli.names import full
from ivcli.names import volunteers as volunteer_names
from ivcli.parsing import add_months, add_years, latest_birth_date

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

KINDS = ("escalation", "concern", "uncleared_visit", "overdue_visit", "review_due",
         "supervision", "eligibility", "acknowledge", "referral_decision", "reoffer",
         "check_lapsing", "long_wait", "age_threshold")


@dataclass(slots=True)
class Item:
    kind: str
    id: int
    days: int
    summary: str
    order: tuple = ()

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "id": self.id, "days": self.days, "summary": self.summary}


COLUMNS = ("kind", "id", "days", "summary")


def working_days_between(start: date, end: date) -> int:
    """Monday-to-Friday days after ``start`` up to and including ``end`` (0 if end <= start)."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    wd = start.weekday()
    for i in range(1, rest + 1):
        if (wd + i) % 7 < 5:
            count += 1
    return count


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _person(names: bool, yp_id: int, first: str | None, last: str | None, *,
            cap: bool = False) -> str:
    if names and first is not None:
        return f"{full(first, last)}, young person {yp_id}"
    return f"{'Y' if cap else 'y'}oung person {yp_id}"


def _volunteer(names: bool, vol_id: int, first: str | None, last: str | None, *,
               cap: bool = False) -> str:
    if names and first is not None:
        return f"{full(first, last)}, volunteer {vol_id}"
    return f"{'V' if cap else 'v'}olunteer {vol_id}"


def _rows(conn: Connection, sql: str, params: dict[str, Any]) -> Any:
    return conn.execute(text(sql), params)


def agenda(conn: Connection, as_of: date, *, names: bool = False) -> list[Item]:
    """Everything that needs attention on ``as_of``, most urgent first."""
    setting = settings_service.get_int
    items: list[Item] = []
    items += _escalations(conn, as_of, names)
    items += _concerns(conn, as_of, names)
    items += _uncleared_visits(conn, as_of, setting(conn, "today.uncleared_visit_days"), names)
    items += _overdue_visits(conn, as_of, setting(conn, "visit.overdue_days"), names)
    items += _reviews_due(conn, as_of, names)
    items += _supervision(conn, as_of, setting(conn, "supervision.every_weeks"), names)
    items += _eligibility(conn, as_of, names)
    items += _unacknowledged(conn, as_of, setting(conn, "referral.acknowledge_working_days"),
                             names)
    items += _referral_decisions(conn, as_of, setting(conn, "referral.decision_working_days"),
                                 names)
    items += _reoffers(conn, as_of, names)
    items += _checks_lapsing(conn, as_of, setting(conn, "checks.warn_days"), names)
    items += _long_waits(conn, as_of, setting(conn, "today.long_wait_count"),
                         setting(conn, "today.long_wait_min_days"), names)
    thresholds = sorted({setting(conn, k) for k in LIMITS})
    items += _age_thresholds(conn, as_of, thresholds, setting(conn, "today.age_warn_days"),
                             names)
    rank = {k: i for i, k in enumerate(KINDS)}
    items.sort(key=lambda it: (rank[it.kind], it.order, it.id))
    return items


def _subject(names: bool, match_id: int | None, yp: int | None, vol: int | None,
             first: str | None, last: str | None) -> str:
    """What a concern is about, for a summary: "on match 3 (young person 2)", "about young
    person 2", "about volunteer 4"."""
    if match_id is not None:
        return f"on match {match_id} ({_person(names, yp or 0, first, last)})"
    if vol is not None:
        return f"about {_volunteer(names, vol, first, last)}"
    return f"about {_person(names, yp or 0, first, last)}"


_CONCERN_SQL = (
    "SELECT c.id, c.match_id, coalesce(m.young_person_id, c.young_person_id), c.volunteer_id, "
    "c.opened_date, {names} FROM concerns c LEFT JOIN matches m ON m.id = c.match_id "
    "{joins}WHERE (c.closed_date IS NULL OR c.closed_date > :d) AND c.opened_date <= :d"
)
_CONCERN_NAMES = ("coalesce(vo.first_name, yp.first_name), coalesce(vo.last_name, yp.last_name)",
                  "LEFT JOIN young_people yp ON yp.id = coalesce(m.young_person_id, "
                  "c.young_person_id) LEFT JOIN volunteers vo ON vo.id = c.volunteer_id ")


def _open_concerns(conn: Connection, as_of: date, names: bool) -> dict[int, tuple]:
    """Open concerns on ``as_of`` by id: (match, young person, volunteer, opened, first and
    last name of its subject when ``names``)."""
    cols, joins = _CONCERN_NAMES if names else ("NULL, NULL", "")
    return {int(r[0]): tuple(r[1:]) for r in _rows(
        conn, _CONCERN_SQL.format(names=cols, joins=joins), {"d": as_of.isoformat()})}

LIMITS = ("eligibility.looked_after_max_age", "eligibility.care_leaver_max_age",
          "eligibility.additional_needs_max_age")
# A young person the scheme still holds: an open referral or an open match.
_HELD = (f"(EXISTS (SELECT 1 FROM matches m WHERE m.young_person_id = yp.id "
         f"  AND m.status IN ({sql_list(MatchStatus.open())})) "
         f" OR EXISTS (SELECT 1 FROM referrals r WHERE r.young_person_id = yp.id "
         f"  AND r.status IN ({sql_list(ReferralStatus.open())})))")


def _limits(conn: Connection) -> dict[str, int]:
    return {k: settings_service.get_int(conn, k) for k in LIMITS}


def _limit_of(limits: dict[str, int], legal_status: str | None, disability: object
              ) -> tuple[int, str]:
    """The age limit of a legal status (``referrals.eligibility.age_limit``) and who it is
    for."""
    from ivcli.referrals.eligibility import age_limit

    key, who = age_limit(legal_status, bool(disability))
    return limits[key], who


def _limit_key(legal_status: str | None, disability: object) -> str:
    from ivcli.referrals.eligibility import age_limit

    return age_limit(legal_status, bool(disability))[0]


def _eligibility(conn: Connection, as_of: date, names: bool) -> list[Item]:
    """Young people held (an open referral or match) past the age limit of their legal status
    (or left care): the appointment may have ended. Born on or before the latest date of
    birth of the youngest limit, in SQL; each one's own limit here."""
    limits = _limits(conn)
    lowest = min(limits.values())
    minimum = settings_service.get_int(conn, "eligibility.min_age")
    out = []
    for yp, dob, status, disability, first, last, match in _rows(
        conn,
        "SELECT yp.id, yp.date_of_birth, yp.legal_status, yp.disability, "
        + ("yp.first_name, yp.last_name, " if names else "NULL, NULL, ")
        + f" (SELECT max(m.id) FROM matches m WHERE m.young_person_id = yp.id "
        f"   AND m.status IN ({sql_list(MatchStatus.open())})) AS match "
        f"FROM young_people yp WHERE (yp.date_of_birth <= :born OR yp.date_of_birth > :young "
        f"OR yp.legal_status = 'left_care') AND {_HELD} ORDER BY yp.id",
        {"born": latest_birth_date(as_of, lowest).isoformat(),
         "young": add_years(as_of, -minimum).isoformat()},
    ):
        where = f" (match {match})" if match else " (open referral)"
        who = _person(names, yp, first, last, cap=True)
        if status == "left_care":
            out.append(Item("eligibility", yp, 0, f"{who}{where} has left care: end the match "
                            "or close the referral", (0,)))
            continue
        if add_years(_d(dob), minimum) > as_of:  # a date of birth corrected after the match
            out.append(Item(
                "eligibility", yp, 0,
                f"{who}{where} is under the minimum age of {minimum} (setting "
                f"eligibility.min_age): correct the record ('ivcli young-person update {yp}') "
                "or end the match", (0,)))
            continue
        limit, kind = _limit_of(limits, status, disability)
        passed = add_years(_d(dob), limit)
        if passed > as_of:
            continue
        days = (as_of - passed).days
        hint = (f"record them as a care leaver ('ivcli young-person update {yp} --legal-status "
                "care_leaver --date DATE') or end the match") if status == "looked_after" \
            else "end the match or close the referral"
        out.append(Item(
            "eligibility", yp, days,
            f"{who}{where} turned {limit} on {passed.isoformat()}, past the limit for "
            f"{kind} (setting {_limit_key(status, disability)}): {hint}",
            (-days,),
        ))
    return out


def _unacknowledged(conn: Connection, as_of: date, limit: int, names: bool) -> list[Item]:
    out = []
    for rid, received, yp, first, last in _rows(
        conn,
        "SELECT r.id, r.referral_date, r.young_person_id, "
        + ("yp.first_name, yp.last_name " if names else "NULL, NULL ")
        + "FROM referrals r JOIN young_people yp ON yp.id = r.young_person_id "
        "WHERE r.status IN ('received', 'deferred') AND r.acknowledged_date IS NULL "
        "AND r.referral_date <= :d",
        {"d": as_of.isoformat()},
    ):
        days = working_days_between(_d(received), as_of)
        if days <= limit:
            continue
        out.append(Item(
            "acknowledge", rid, days,
            f"Referral {rid} ({_person(names, yp, first, last)}) received {received}: not "
            f"acknowledged after {days} working days; when you have, 'ivcli referral "
            f"acknowledge {rid}'",
            (-days,),
        ))
    return out


def _reoffers(conn: Connection, as_of: date, names: bool) -> list[Item]:
    out = []
    for rid, reoffer, yp, first, last in _rows(
        conn,
        "SELECT r.id, r.reoffer_date, r.young_person_id, "
        + ("yp.first_name, yp.last_name " if names else "NULL, NULL ")
        + "FROM referrals r JOIN young_people yp ON yp.id = r.young_person_id "
        "WHERE r.status = 'deferred' AND r.reoffer_date <= :d",
        {"d": as_of.isoformat()},
    ):
        days = (as_of - _d(reoffer)).days
        out.append(Item(
            "reoffer", rid, days,
            f"Referral {rid} ({_person(names, yp, first, last)}): \"not now\" until {reoffer};"
            f" offer it again and record the answer with 'ivcli referral update {rid} "
            "--consent yes|no|not_now'",
            (-days,),
        ))
    return out


def _concerns(conn: Connection, as_of: date, names: bool) -> list[Item]:
    out = []
    for cid, (mid, yp, vol, opened, first, last) in _open_concerns(conn, as_of, names).items():
        days = (as_of - _d(opened)).days
        out.append(Item(
            "concern", cid, days,
            f"Concern {cid} {_subject(names, mid, yp, vol, first, last)} open since "
            f"{opened}: follow it up, then 'ivcli concern close {cid} --outcome ...'",
            (-days,),
        ))
    return out


def _escalations(conn: Connection, as_of: date, names: bool) -> list[Item]:
    from ivcli.visits.concerns import escalations

    found = escalations(conn, as_of)
    if not found:
        return []
    concerns = _open_concerns(conn, as_of, names)
    out = []
    for e in found:
        mid, yp, vol, _, first, last = concerns[e.concern_id]
        days = (as_of - e.due).days
        when = (f"overdue since {e.due.isoformat()}" if days > 0
                else f"due by {e.due.isoformat()}")
        out.append(Item(
            "escalation", e.concern_id, days,
            f"Concern {e.concern_id} ({e.category}) {_subject(names, mid, yp, vol, first, last)}"
            f", opened {e.opened.isoformat()}: telling {e.who} is {when}; record it with "
            f"'ivcli concern action {e.concern_id} --told ... --date DATE'",
            (-days,),
        ))
    return out


def _uncleared_visits(conn: Connection, as_of: date, within: int, names: bool
                      ) -> list[Item]:
    out = []
    for vid, mid, on, why, vol, first, last in _rows(
        conn,
        "SELECT v.id, v.match_id, v.date, v.uncleared, m.volunteer_id, "
        + ("vo.first_name, vo.last_name " if names else "NULL, NULL ")
        + "FROM visits v JOIN matches m ON m.id = v.match_id "
        + ("JOIN volunteers vo ON vo.id = m.volunteer_id " if names else "")
        + "WHERE v.date <= :d AND v.date > :since AND v.uncleared IS NOT NULL",
        {"d": as_of.isoformat(), "since": (as_of - timedelta(days=within)).isoformat()},
    ):
        days = (as_of - _d(on)).days
        out.append(Item(
            "uncleared_visit", vid, days,
            f"Visit {vid} on match {mid} on {on}: {_volunteer(names, vol, first, last)} was "
            f"not cleared to visit ({why})",
            (days,),
        ))
    return out


def _supervision(conn: Connection, as_of: date, weeks: int, names: bool) -> list[Item]:
    """Volunteers with an active match whose supervision is due: ``weeks`` after the last
    meeting (or after their first active match started, if none)."""
    out = []
    for vol, started, last, first, last_name in _rows(
        conn,
        "SELECT volunteer_id, started, last, first, last_name FROM ("
        " SELECT m.volunteer_id, min(m.start_date) AS started, "
        " (SELECT max(s.date) FROM volunteer_supervisions s WHERE s.volunteer_id = "
        "  m.volunteer_id AND s.date <= :d) AS last, "
        + ("min(vo.first_name) AS first, min(vo.last_name) AS last_name " if names
           else "NULL AS first, NULL AS last_name ")
        + " FROM matches m "
        + ("JOIN volunteers vo ON vo.id = m.volunteer_id " if names else "")
        + " WHERE m.status = 'active' AND m.start_date <= :d GROUP BY m.volunteer_id"
        + dialect.as_written(conn) + ") AS t WHERE coalesce(last, started) <= :cutoff",
        {"d": as_of.isoformat(), "cutoff": (as_of - timedelta(weeks=weeks)).isoformat()},
    ):
        since = _d(last or started)
        due = since + timedelta(weeks=weeks)
        days = (as_of - due).days
        after = f"last supervision {last}" if last else f"none since their match started {started}"
        out.append(Item(
            "supervision", vol, days,
            f"{_volunteer(names, vol, first, last_name, cap=True)}: supervision due "
            f"{due.isoformat()} ({after}); record it with 'ivcli volunteer supervision {vol} "
            "--date DATE --kind ...'",
            (-days,),
        ))
    return out


def _overdue_visits(conn: Connection, as_of: date, limit: int, names: bool
                    ) -> list[Item]:
    out = []
    # Overdue: the last visit (or the start) is before the cut-off day; days counted in Python.
    rows = _rows(
        conn,
        "SELECT id, start_date, last, young_person_id, volunteer_id, yp_first, yp_last, "
        "  vo_first, vo_last "
        "FROM ("
        "  SELECT m.id, m.start_date, m.young_person_id, m.volunteer_id, "
        + ("yp.first_name AS yp_first, yp.last_name AS yp_last, vo.first_name AS vo_first, "
           "vo.last_name AS vo_last, " if names else
           "NULL AS yp_first, NULL AS yp_last, NULL AS vo_first, NULL AS vo_last, ")
        + "   (SELECT max(v.date) FROM visits v WHERE v.match_id = m.id AND v.date <= :d) "
        "     AS last "
        "  FROM matches m "
        + ("JOIN young_people yp ON yp.id = m.young_person_id "
           "JOIN volunteers vo ON vo.id = m.volunteer_id " if names else "")
        + "  WHERE m.status = 'active' AND m.start_date <= :d"
        + dialect.as_written(conn) + ") AS t WHERE coalesce(last, start_date) < :cutoff",
        {"d": as_of.isoformat(), "cutoff": (as_of - timedelta(days=limit)).isoformat()},
    )
    for mid, start, last, yp, vol, yf, yl, vf, vl in rows:
        days = (as_of - _d(last or start)).days
        since = f"last visit {last}" if last else f"no visit since it started on {start}"
        out.append(Item(
            "overdue_visit", mid, days,
            f"Match {mid} ({_person(names, yp, yf, yl)} with {_volunteer(names, vol, vf, vl)}):"
            f" no visit for {days} days ({since})",
            (-days,),
        ))
    return out


def _reviews_due(conn: Connection, as_of: date, names: bool) -> list[Item]:
    from ivcli.visits.review_schedule import Schedule

    schedule = Schedule.load(conn)
    warn = settings_service.get_int(conn, "review.warn_days")
    horizon = as_of + timedelta(days=warn)
    out = []
    # SQL finds what may be due: the start or last review on or before a cut-off date worked
    # out here (back from the horizon, with a few days' margin for months of different
    # lengths); the exact due date is then worked out below for those few.
    margin = horizon + timedelta(days=4)
    rows = _rows(
        conn,
        "SELECT id, start_date, young_person_id, first, last_name, held, last FROM ("
        " SELECT m.id, m.start_date, m.young_person_id, "
        + ("yp.first_name AS first, yp.last_name AS last_name, " if names
           else "NULL AS first, NULL AS last_name, ")
        # Reviews held: the schedule only tells 0, 1 and "2 or more" apart.
        + " (SELECT count(*) FROM (SELECT DISTINCT r.date FROM reviews r "
        "   WHERE r.match_id = m.id AND r.date <= :d LIMIT 2) AS h) AS held, "
        " (SELECT max(r.date) FROM reviews r WHERE r.match_id = m.id AND r.date <= :d) AS last "
        " FROM matches m "
        + ("JOIN young_people yp ON yp.id = m.young_person_id " if names else "")
        + f" WHERE m.status IN ({sql_list(MatchStatus.running())}) AND m.start_date <= :d "
        " AND (m.end_date IS NULL OR m.end_date > :d)"
        + dialect.as_written(conn) + ") AS t WHERE CASE WHEN held = 0 THEN start_date <= :first "
        "  WHEN held = 1 THEN last <= :second ELSE last <= :then END",
        {"d": as_of.isoformat(),
         "first": (margin - timedelta(weeks=schedule.first_weeks)).isoformat(),
         "second": (add_months(margin, -schedule.second_months)
                    + timedelta(days=4)).isoformat(),
         "then": (add_months(margin, -schedule.then_months) + timedelta(days=4)).isoformat()},
    )
    for mid, start, yp, first, last_name, held, last in rows:
        due = schedule.next_due(_d(start), held, _d(last) if last else None)
        if due > horizon:
            continue
        days = (as_of - due).days
        nth = {0: "first review", 1: "second review"}.get(held, "review")
        when = (f"{nth} overdue since {due.isoformat()}" if days > 0
                else f"{nth} due {due.isoformat()}")
        out.append(Item(
            "review_due", mid, days,
            f"Match {mid} ({_person(names, yp, first, last_name)}): {when}; record it with "
            f"'ivcli match review {mid}'",
            (-days,),
        ))
    return out


def _referral_decisions(conn: Connection, as_of: date, limit: int, names: bool
                        ) -> list[Item]:
    out = []
    for rid, received, yp, first, last in _rows(
        conn,
        "SELECT r.id, r.referral_date, r.young_person_id, "
        + ("yp.first_name, yp.last_name " if names else "NULL, NULL ")
        + "FROM referrals r JOIN young_people yp ON yp.id = r.young_person_id "
        "WHERE r.status = 'received' AND r.referral_date <= :d",
        {"d": as_of.isoformat()},
    ):
        days = working_days_between(_d(received), as_of)
        if days <= limit:
            continue
        out.append(Item(
            "referral_decision", rid, days,
            f"Referral {rid} ({_person(names, yp, first, last)}) received {received}: no "
            f"decision after {days} working days",
            (-days,),
        ))
    return out


def _checks_lapsing(conn: Connection, as_of: date, within: int, names: bool) -> list[Item]:
    # Only a volunteer whose latest DBS certificate or required course is old enough to lapse
    # by the horizon, or who is approved without a required course, can have a check due, so
    # compliance.due looks at those alone.
    from ivcli.volunteers import compliance

    rules = compliance.Rules.load(conn)
    params = compliance.may_lapse_params(rules, as_of, within)
    candidates = [vid for (vid,) in _rows(conn, compliance.may_lapse_sql(rules), params)]
    if not candidates:
        return []
    found = compliance.due(conn, as_of, within, volunteer_ids=candidates)
    who = volunteer_names(conn, (d.volunteer_id for d in found)) if names else {}
    out = []
    for d in found:
        person = _volunteer(names, d.volunteer_id, who.get(d.volunteer_id), None, cap=True)
        if d.missing:
            state = (f"{d.label} not recorded; record it with 'ivcli volunteer training "
                     f"{d.volunteer_id} --course {d.step.removeprefix(compliance.COURSE_STEP)} "
                     "--date DATE'")
        elif d.lapsed:
            state = f"{d.label} lapsed on {d.expires}"
            if d.status == "approved":
                state += "; not matchable until renewed"
        else:
            left = "1 day" if d.days_left == 1 else f"{d.days_left} days"
            state = f"{d.label} lapses on {d.expires} (in {left})"
        days = d.days_left or 0
        out.append(Item("check_lapsing", d.volunteer_id, days, f"{person}: {state}", (days,)))
    return out


def _long_waits(conn: Connection, as_of: date, count: int, min_days: int, names: bool
                ) -> list[Item]:
    if count <= 0:
        return []
    latest = (as_of - timedelta(days=min_days)).isoformat()
    out = []
    marks = sql_list(MatchStatus.open())
    for rid, since, yp, first, last in _rows(
        conn,
        "SELECT r.id, coalesce(r.decision_date, r.referral_date) AS since, r.young_person_id, "
        + ("yp.first_name, yp.last_name " if names else "NULL, NULL ")
        + "FROM referrals r JOIN young_people yp ON yp.id = r.young_person_id "
        "WHERE r.status = 'accepted' AND coalesce(r.decision_date, r.referral_date) <= :latest "
        f"AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.young_person_id = r.young_person_id "
        f"AND m.status IN ({marks})) "
        "ORDER BY since, r.id LIMIT :n",
        {"latest": latest, "n": count},
    ):
        days = (as_of - _d(since)).days
        out.append(Item(
            "long_wait", rid, days,
            f"Referral {rid} ({_person(names, yp, first, last)}) accepted {since}: waiting "
            f"{days} days for a match",
            (-days,),
        ))
    return out


def _age_thresholds(conn: Connection, as_of: date, ages: list[int], within: int,
                    names: bool) -> list[Item]:
    """Young people with an open referral or match whose birthday at the age limit of their
    legal status (18 looked after, 21 a care leaver, 25 with additional needs) falls in the
    next ``within`` days: their appointment may end. A looked-after child turning 18 shows
    here until they are recorded as a care leaver (then ``eligibility`` past the limit)."""
    out = []
    limits = _limits(conn)
    end = as_of + timedelta(days=within)
    marks = sql_list(MatchStatus.open())
    for age in ages:
        # Born between these dates (a day's margin either side for 29 February).
        lo = add_years(as_of, -age) - timedelta(days=1)
        hi = add_years(end, -age) + timedelta(days=1)
        for yp, dob, status, disability, first, last, match in _rows(
            conn,
            "SELECT yp.id, yp.date_of_birth, yp.legal_status, yp.disability, "
            + ("yp.first_name, yp.last_name, " if names else "NULL, NULL, ")
            + f" (SELECT max(m.id) FROM matches m WHERE m.young_person_id = yp.id "
            f"   AND m.status IN ({marks})) AS match "
            "FROM young_people yp WHERE yp.date_of_birth BETWEEN :lo AND :hi "
            f"AND {_HELD}",
            {"lo": lo.isoformat(), "hi": hi.isoformat()},
        ):
            if status == "left_care" or _limit_of(limits, status, disability)[0] != age:
                continue  # not the limit of their legal status
            birthday = add_years(_d(dob), age)
            if not as_of <= birthday <= end:
                continue
            days = (birthday - as_of).days
            where = f" (match {match})" if match else " (on the waiting list)"
            when = {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")
            out.append(Item(
                "age_threshold", yp, days,
                f"{_person(names, yp, first, last, cap=True)}{where} turns {age} {when}: "
                "check whether the appointment continues",
                (days,),
            ))
    return out


HEADINGS = {
    "escalation": ("Concerns to escalate", "days overdue; negative: due in"),
    "concern": ("Open concerns", "days open"),
    "uncleared_visit": ("Visits by a volunteer not cleared", "days since the visit"),
    "overdue_visit": ("Matches with no recent visit", "days since a visit"),
    "review_due": ("Reviews due", "days overdue; negative: due in"),
    "supervision": ("Supervision due", "days overdue"),
    "eligibility": ("Outside the age limits of their legal status", "days past"),
    "acknowledge": ("Referrals not acknowledged", "working days"),
    "referral_decision": ("Referrals waiting for a decision", "working days"),
    "reoffer": ("Referrals to offer again (\"not now\")", "days since"),
    "check_lapsing": ("Volunteer checks lapsing", "days left; negative: lapsed"),
    "long_wait": ("Waiting longest for a match", "days waiting"),
    "age_threshold": ("Reaching an age limit", "days to go"),
}


@dataclass
class Section:
    kind: str
    heading: str
    days_mean: str
    total: int
    items: list[Item]

    @property
    def hidden(self) -> int:
        return self.total - len(self.items)


def for_screen(items: list[Item], per_kind: int | None) -> list[Section]:
    """The agenda grouped by kind for one screen: at most ``per_kind`` of each kind (the most
    urgent) and how many more there are. ``None`` keeps every item."""
    sections: dict[str, Section] = {}
    for item in items:
        sec = sections.get(item.kind)
        if sec is None:
            heading, days_mean = HEADINGS[item.kind]
            sec = sections[item.kind] = Section(item.kind, heading, days_mean, 0, [])
        sec.total += 1
        if per_kind is None or len(sec.items) < per_kind:
            sec.items.append(item)
    return list(sections.values())
