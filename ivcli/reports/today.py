"""``ivcli today``: what needs the coordinator's attention, most urgent first.

Each item is ``{kind, id, days, summary}``; the kinds, in the order they are shown:

| kind | id | days |
| --- | --- | --- |
| concern | the concern | days it has been open |
| overdue_visit | the match | days since the last visit (since the start if never visited) |
| review_due | the match | days past the due date (negative: due in that many days) |
| referral_decision | the referral | working days waiting for a decision |
| check_lapsing | the volunteer | days until the check lapses (negative: lapsed) |
| long_wait | the referral | days on the waiting list since acceptance |
| age_threshold | the young person | days until the birthday |
| eligibility | the young person | days since they went past the age limit (0 when under age) |

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

from ivcli import stored_settings as settings_service
from ivcli.enums import MatchStatus, sql_list
from ivcli.names import full
from ivcli.names import volunteers as volunteer_names
from ivcli.parsing import add_months, add_years

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

KINDS = ("concern", "overdue_visit", "review_due", "referral_decision", "check_lapsing",
         "long_wait", "age_threshold", "eligibility")


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
    items += _concerns(conn, as_of, names)
    items += _overdue_visits(conn, as_of, setting(conn, "visit.overdue_days"), names)
    items += _reviews_due(conn, as_of, names)
    items += _referral_decisions(conn, as_of, setting(conn, "referral.decision_working_days"),
                                 names)
    items += _checks_lapsing(conn, as_of, setting(conn, "checks.warn_days"), names)
    items += _long_waits(conn, as_of, setting(conn, "today.long_wait_count"),
                         setting(conn, "today.long_wait_min_days"), names)
    thresholds = sorted({setting(conn, k) for k in (
        "eligibility.looked_after_max_age", "eligibility.care_leaver_max_age",
        "eligibility.additional_needs_max_age")})
    items += _age_thresholds(conn, as_of, thresholds, setting(conn, "today.age_warn_days"),
                             names)
    items += _eligibility(conn, as_of, thresholds[0], names)
    rank = {k: i for i, k in enumerate(KINDS)}
    items.sort(key=lambda it: (rank[it.kind], it.order, it.id))
    return items


def _concerns(conn: Connection, as_of: date, names: bool) -> list[Item]:
    out = []
    for cid, mid, opened, yp, first, last in _rows(
        conn,
        "SELECT c.id, c.match_id, c.opened_date, m.young_person_id, "
        + ("yp.first_name, yp.last_name " if names else "NULL, NULL ")
        + "FROM concerns c JOIN matches m ON m.id = c.match_id "
        "JOIN young_people yp ON yp.id = m.young_person_id "
        "WHERE (c.closed_date IS NULL OR c.closed_date > :d) AND c.opened_date <= :d",
        {"d": as_of.isoformat()},
    ):
        days = (as_of - _d(opened)).days
        out.append(Item(
            "concern", cid, days,
            f"Concern {cid} on match {mid} ({_person(names, yp, first, last)}) open since "
            f"{opened}: follow it up, then 'ivcli concern close {cid} --note ...'",
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
        ") AS t WHERE coalesce(last, start_date) < :cutoff",
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
        ") AS t WHERE CASE WHEN held = 0 THEN start_date <= :first "
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
    # Only a volunteer whose latest DBS certificate or training is old enough to lapse by the
    # horizon can have a check lapsing, so compliance.due looks at those alone.
    from ivcli.volunteers import compliance

    params = compliance.may_lapse_params(compliance.Rules.load(conn), as_of, within)
    candidates = [vid for (vid,) in _rows(conn, compliance.may_lapse_sql(), params)]
    if not candidates:
        return []
    found = compliance.due(conn, as_of, within, volunteer_ids=candidates)
    who = volunteer_names(conn, (d.volunteer_id for d in found)) if names else {}
    out = []
    for d in found:
        person = _volunteer(names, d.volunteer_id, who.get(d.volunteer_id), None, cap=True)
        if d.lapsed:
            state = f"{d.label} lapsed on {d.expires.isoformat()}"
            if d.status == "approved":
                state += "; not matchable until renewed"
        else:
            left = "1 day" if d.days_left == 1 else f"{d.days_left} days"
            state = f"{d.label} lapses on {d.expires.isoformat()} (in {left})"
        out.append(Item("check_lapsing", d.volunteer_id, d.days_left, f"{person}: {state}",
                        (d.days_left,)))
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
    """Young people with an open referral or match whose 18th (21st, 25th) birthday falls in
    the next ``within`` days: their appointment may end."""
    out = []
    end = as_of + timedelta(days=within)
    marks = sql_list(MatchStatus.open())
    for age in ages:
        # Born between these dates (a day's margin either side for 29 February).
        lo = add_years(as_of, -age) - timedelta(days=1)
        hi = add_years(end, -age) + timedelta(days=1)
        for yp, dob, first, last, match in _rows(
            conn,
            "SELECT yp.id, yp.date_of_birth, "
            + ("yp.first_name, yp.last_name, " if names else "NULL, NULL, ")
            + f" (SELECT max(m.id) FROM matches m WHERE m.young_person_id = yp.id "
            f"   AND m.status IN ({marks})) AS match "
            "FROM young_people yp WHERE yp.date_of_birth BETWEEN :lo AND :hi "
            f"AND (EXISTS (SELECT 1 FROM matches m WHERE m.young_person_id = yp.id "
            f"  AND m.status IN ({marks})) "
            "  OR EXISTS (SELECT 1 FROM referrals r WHERE r.young_person_id = yp.id "
            "  AND r.status IN ('received', 'accepted')))",
            {"lo": lo.isoformat(), "hi": hi.isoformat()},
        ):
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


def _eligibility(conn: Connection, as_of: date, lowest_max: int, names: bool) -> list[Item]:
    """Young people in an open match whom their age no longer allows (the rule of acceptance,
    ``referrals.screening.eligibility_problem``, on ``as_of``): a date of birth corrected after
    the match was made, or an age limit passed."""
    from types import SimpleNamespace

    from ivcli.referrals.screening import age_limits, eligibility_problem

    marks = sql_list(MatchStatus.open())
    too_young = add_years(as_of, -settings_service.get_int(conn, "eligibility.min_age"))
    out = []
    for yp, dob, care_leaver, disability, first, last, match in _rows(
        conn,
        "SELECT yp.id, yp.date_of_birth, yp.care_leaver, yp.disability, "
        + ("yp.first_name, yp.last_name, " if names else "NULL, NULL, ")
        + f"(SELECT max(m.id) FROM matches m WHERE m.young_person_id = yp.id "
        f"  AND m.status IN ({marks})) AS match "
        "FROM young_people yp WHERE (yp.date_of_birth > :young OR yp.date_of_birth <= :old) "
        f"AND EXISTS (SELECT 1 FROM matches m WHERE m.young_person_id = yp.id "
        f"  AND m.status IN ({marks}))",
        {"young": too_young.isoformat(), "old": add_years(as_of, -lowest_max).isoformat()},
    ):
        person = SimpleNamespace(date_of_birth=_d(dob), care_leaver=bool(care_leaver),
                                 disability=bool(disability))
        problem = eligibility_problem(conn, person, as_of, when=as_of.isoformat())
        if problem is None:
            continue
        limit = add_years(person.date_of_birth, age_limits(conn, person)[1])
        days = max((as_of - limit).days, 0)
        out.append(Item(
            "eligibility", yp, days,
            f"{_person(names, yp, first, last, cap=True)} (match {match}) is {problem}: "
            f"end the match ('ivcli match end {match}'), or correct the record "
            f"('ivcli young-person update {yp}')",
            (-days,),
        ))
    return out


HEADINGS = {
    "concern": ("Open concerns", "days open"),
    "overdue_visit": ("Matches with no recent visit", "days since a visit"),
    "review_due": ("Reviews due", "days overdue; negative: due in"),
    "referral_decision": ("Referrals waiting for a decision", "working days"),
    "check_lapsing": ("Volunteer checks lapsing", "days left; negative: lapsed"),
    "long_wait": ("Waiting longest for a match", "days waiting"),
    "age_threshold": ("Reaching an age limit", "days to go"),
    "eligibility": ("In a match but outside the age limits", "days past the limit"),
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
