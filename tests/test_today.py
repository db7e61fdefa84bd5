"""`ivcli today`, concerns and reviews, through the CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import vet_fully
from tests.visits_helpers import (
    TODAY,
    add_checks,
    add_match,
    add_trainings,
    add_volunteer,
    add_young_person,
    count,
    days_ago,
    log,
    matched_young_person,
)


def kinds(items: list[dict], kind: str) -> list[dict]:
    return [i for i in items if i["kind"] == kind]


def today_json(cli, *extra: str) -> list[dict]:
    return cli.json("today", *extra)


# ---------------------------------------------------------------------------------------------
# Overdue visits


def test_overdue_after_36_days_and_a_visit_clears_it(cli, db_path):
    _, m = matched_young_person(cli, db_path, start=days_ago(200))
    log(cli, m, days_ago(36))
    [item] = kinds(today_json(cli), "overdue_visit")
    assert item["id"] == m and item["days"] == 36
    assert days_ago(36).isoformat() in item["summary"]
    log(cli, m, days_ago(1), activity="park")
    assert kinds(today_json(cli), "overdue_visit") == []


def test_35_days_is_not_yet_overdue_and_the_setting_moves_it(cli, db_path):
    _, m = matched_young_person(cli, db_path, start=days_ago(200))
    log(cli, m, days_ago(35))
    assert kinds(today_json(cli), "overdue_visit") == []
    cli("settings", "set", "visit.overdue_days", "30")
    assert [i["id"] for i in kinds(today_json(cli), "overdue_visit")] == [m]


def test_never_visited_counts_from_the_start(cli, db_path):
    _, m = matched_young_person(cli, db_path, start=days_ago(40))
    [item] = kinds(today_json(cli), "overdue_visit")
    assert item["days"] == 40 and "since it started" in item["summary"]
    _, recent = matched_young_person(cli, db_path, first="Ben", start=days_ago(10))
    assert recent not in [i["id"] for i in kinds(today_json(cli), "overdue_visit")]


def test_paused_and_ended_matches_are_never_overdue(cli, db_path):
    matched_young_person(cli, db_path, start=days_ago(200), status="paused")
    ref = add_young_person(cli, first="Ben")
    add_match(db_path, ref["young_person_id"], start=days_ago(300), status="ended",
              end=days_ago(100))
    assert kinds(today_json(cli), "overdue_visit") == []


def test_as_of_looks_from_another_day(cli, db_path):
    _, m = matched_young_person(cli, db_path, start=days_ago(200))
    log(cli, m, days_ago(100))
    log(cli, m, days_ago(2), activity="park")
    as_of = days_ago(50).isoformat()
    [item] = kinds(today_json(cli, "--as-of", as_of), "overdue_visit")
    assert item["days"] == 50  # the later visit had not happened yet


# ---------------------------------------------------------------------------------------------
# Concerns


def test_concern_stays_on_today_until_closed_and_is_never_printed(cli, db_path):
    secret = "Said an adult at home hit them"
    _, m = matched_young_person(cli, db_path, first="Zebedee", start=days_ago(60))
    result = log(cli, m, days_ago(1), "--concern", secret, "--cost", "2.00",
                 "--cost-type", "food")
    assert "Opened concern 1" in result.stderr and secret not in result.stderr
    for _ in range(2):  # it stays, day after day
        [item] = kinds(today_json(cli), "concern")
        assert item["id"] == 1
    assert kinds(today_json(cli, "--as-of", (TODAY + timedelta(days=30)).isoformat()),
                 "concern")
    month = days_ago(1).strftime("%Y-%m")
    outputs = [
        cli("today").stdout, cli("today", "--all").stdout, cli("today", "--names").stdout,
        cli("today", "--format", "json", "--names").stdout,
        cli("today", "--format", "csv").stdout,
        cli("visit", "list").stdout, cli("visit", "list", "--format", "json").stdout,
        cli("visit", "list", "--format", "csv").stdout,
        cli("expenses", "--month", month).stdout,
        cli("expenses", "--month", month, "--format", "json").stdout,
        cli("expenses", "--month", month, "--format", "csv").stdout,
    ]
    for out in outputs:
        assert secret not in out and "hit them" not in out
    # The concern list is where the coordinator reads it.
    [open_] = cli.json("concern", "list")
    assert open_["text"] == secret and open_["visit_id"] == 1 and open_["status"] == "open"
    assert count(db_path, "concerns") == 1
    import sqlite3

    notes = sqlite3.connect(db_path).execute("SELECT note FROM visits").fetchall()
    assert notes == [(None,)]  # the text lives only in concerns
    result = cli("concern", "close", "1", code=2)
    assert "--note" in result.stderr
    cli("concern", "close", "1", "--note", "Spoke to the social worker; strategy meeting held")
    assert kinds(today_json(cli), "concern") == []
    assert cli.json("concern", "list") == []
    [closed] = cli.json("concern", "list", "--all")
    assert closed["status"] == "closed" and closed["closed_date"] == TODAY.isoformat()
    result = cli("concern", "close", "1", "--note", "again", code=1)
    assert "already closed" in result.stderr


def test_concern_between_visits(cli, db_path):
    _, m = matched_young_person(cli, db_path, start=days_ago(60))
    result = cli("concern", "open", str(m), "--text", "Carer phoned, worried")
    assert result.stdout.strip() == "1"
    [item] = kinds(today_json(cli), "concern")
    assert "worried" not in item["summary"]
    cli("concern", "close", "1", "--note", "ok", "--date", days_ago(70).isoformat(), code=1)
    cli("concern", "close", "99", "--note", "ok", code=1)
    cli("concern", "open", str(m), "--text", "x", "--date", days_ago(61).isoformat(), code=1)


# ---------------------------------------------------------------------------------------------
# Reviews


def test_review_schedule():
    from ivcli.visits.review_schedule import Schedule

    s = Schedule(first_weeks=6, second_months=3, then_months=6)
    start = date(2026, 1, 31)
    assert s.next_due(start, 0, None) == date(2026, 3, 14)
    assert s.next_due(start, 1, date(2026, 3, 10)) == date(2026, 6, 10)
    assert s.next_due(start, 2, date(2026, 6, 12)) == date(2026, 12, 12)
    assert s.next_due(start, 5, date(2026, 8, 31)) == date(2027, 2, 28)


def test_review_due_then_recorded(cli, db_path):
    _, m = matched_young_person(cli, db_path, start=days_ago(50))
    log(cli, m, days_ago(3))
    [item] = kinds(today_json(cli), "review_due")
    assert item["id"] == m and item["days"] == 50 - 42 and "first review" in item["summary"]
    result = cli("match", "review", str(m), "--date", days_ago(1).isoformat(),
                 "--with", "young-person", "--with", "volunteer", "--note", "Going well")
    assert "the young person and the volunteer" in result.stderr
    assert "Next review due" in result.stderr
    assert count(db_path, "reviews") == 2
    assert kinds(today_json(cli), "review_due") == []
    # The second review falls due three months after the first.
    later = (TODAY + timedelta(days=92)).isoformat()
    assert [i["id"] for i in kinds(today_json(cli, "--as-of", later), "review_due")] == [m]


def test_review_listed_two_weeks_ahead(cli, db_path):
    _, m = matched_young_person(cli, db_path, start=days_ago(30))
    [item] = kinds(today_json(cli), "review_due")
    assert item["days"] == -12 and "due" in item["summary"]
    _, far = matched_young_person(cli, db_path, first="Ben", start=days_ago(20))
    assert far not in [i["id"] for i in kinds(today_json(cli), "review_due")]


def test_review_refusals(cli, db_path):
    _, m = matched_young_person(cli, db_path, start=days_ago(30))
    r = cli("match", "review", str(m), "--date", days_ago(31).isoformat(), "--with", "carer",
            code=1)
    assert "before match" in r.stderr
    r = cli("match", "review", str(m), "--date", (TODAY + timedelta(days=1)).isoformat(),
            "--with", "carer", code=1)
    assert "future" in r.stderr
    cli("match", "review", str(m), "--date", days_ago(1).isoformat(), code=2)
    cli("match", "review", str(m), "--date", days_ago(1).isoformat(), "--with", "friend",
        code=1)
    cli("match", "review", "99", "--date", days_ago(1).isoformat(), "--with", "carer", code=1)
    cli("match", "review", str(m), "--date", days_ago(1).isoformat(), "--with", "carer")
    r = cli("match", "review", str(m), "--date", days_ago(1).isoformat(), "--with", "carer",
            code=1)
    assert "already has a review" in r.stderr
    assert count(db_path, "reviews") == 1
    ref = add_young_person(cli, first="Cy")
    proposed = add_match(db_path, ref["young_person_id"], status="proposed")
    r = cli("match", "review", str(proposed), "--date", days_ago(1).isoformat(),
            "--with", "carer", code=1)
    assert "has not started" in r.stderr


# ---------------------------------------------------------------------------------------------
# Referrals, waiting, volunteers' checks, ages


def working_days_ago(n: int) -> date:
    """The day after which exactly ``n`` working days have passed by today."""
    d = TODAY
    while n:
        if d.weekday() < 5:
            n -= 1
        d -= timedelta(days=1)
    return d


def test_referral_waiting_for_a_decision(cli):
    two = add_young_person(cli, referral_date=working_days_ago(2))
    three = add_young_person(cli, first="Ben", referral_date=working_days_ago(3))
    # Issue 13: two working days is the promise to reply (acknowledge); the decision target is
    # the scheme's own setting (default 20 working days).
    assert kinds(today_json(cli), "referral_decision") == []
    cli("settings", "set", "referral.decision_working_days", "2")
    items = kinds(today_json(cli), "referral_decision")
    assert [i["id"] for i in items] == [three["id"]]
    assert items[0]["days"] == 3
    assert two["id"] not in [i["id"] for i in items]


def test_accepted_referrals_waiting_longest(cli, db_path):
    yes = {"long_term_care_plan": "yes", "consent": "yes", "carer_support": "yes",
           "social_isolation": "yes"}
    ids = []
    for n, first in enumerate(["Amy", "Ben", "Cy", "Di", "Ed", "Flo", "Gus"]):
        ref = add_young_person(cli, first=first, referral_date=days_ago(300 - n), **yes)
        cli("referral", "accept", str(ref["id"]), "--date", days_ago(200 - 10 * n).isoformat())
        ids.append(ref["id"])
    recent = add_young_person(cli, first="Hal", referral_date=days_ago(20), **yes)
    cli("referral", "accept", str(recent["id"]), "--date", days_ago(10).isoformat())
    # One of the longest waiting has a match proposed: no longer waiting for one.
    add_match(db_path, cli.json("referral", "show", str(ids[0]))["young_person_id"],
              status="proposed")
    items = kinds(today_json(cli), "long_wait")
    assert [i["id"] for i in items] == ids[1:6]
    assert items[0]["days"] == 190
    cli("settings", "set", "today.long_wait_count", "0")
    assert kinds(today_json(cli), "long_wait") == []


def test_checks_lapsing(cli, db_path):
    vol = add_volunteer(db_path, first="Vera", last="Checkley")
    steps = [("application", days_ago(1200)), ("interview", days_ago(1190)),
             ("reference", days_ago(1180)), ("reference", days_ago(1170)),
             ("dbs", days_ago(3 * 365 - 20)), ("panel", days_ago(1100))]
    add_checks(db_path, vol, steps)
    add_trainings(db_path, vol, [("induction", days_ago(1150)), ("safeguarding", days_ago(400))])
    fresh = add_volunteer(db_path, first="Fay")
    add_checks(db_path, fresh, [(s, days_ago(30 + n)) for n, (s, _) in enumerate(steps)])
    add_trainings(db_path, fresh, [("induction", days_ago(40)), ("safeguarding", days_ago(40))])
    [item] = kinds(today_json(cli), "check_lapsing")
    assert item["id"] == vol and "DBS" in item["summary"]
    assert 0 < item["days"] <= 21
    assert "Vera" not in item["summary"]
    assert "Vera Checkley" in kinds(today_json(cli, "--names"), "check_lapsing")[0]["summary"]
    later = (TODAY + timedelta(days=40)).isoformat()
    [lapsed] = kinds(today_json(cli, "--as-of", later), "check_lapsing")
    assert lapsed["days"] < 0 and "lapsed" in lapsed["summary"]


def test_young_people_reaching_an_age_limit(cli, db_path):
    def born(age: int, in_days: int) -> str:
        birthday = TODAY + timedelta(days=in_days)
        return birthday.replace(year=birthday.year - age).strftime("%d/%m/%Y") \
            if not (birthday.month == 2 and birthday.day == 29) else \
            birthday.replace(year=birthday.year - age, day=28).strftime("%d/%m/%Y")

    soon = add_young_person(cli, first="Sol", dob=born(18, 30), referral_date=days_ago(100))
    # 21 is a care leaver's limit (issue 13: each legal status has its own)
    matched_young_person(cli, db_path, first="Mo", dob=born(21, 59),
                         referral_date=days_ago(100), care_leaver="yes")
    add_young_person(cli, first="Late", dob=born(18, 61), referral_date=days_ago(100))
    ended = add_young_person(cli, first="Done", dob=born(25, 10), referral_date=days_ago(100))
    cli("referral", "decline", str(ended["id"]), "--reason", "not eligible")
    items = kinds(today_json(cli), "age_threshold")
    assert sorted(i["days"] for i in items) == [30, 59]
    first = next(i for i in items if i["days"] == 30)
    assert first["id"] == soon["young_person_id"] and "turns 18" in first["summary"]
    assert "waiting list" in first["summary"]
    assert "turns 21" in next(i for i in items if i["days"] == 59)["summary"]


# ---------------------------------------------------------------------------------------------
# The whole agenda


def test_json_shape_order_and_no_names(cli, db_path):
    _, m = matched_young_person(cli, db_path, first="Zebedee", last="Quartermain",
                                start=days_ago(100))
    log(cli, m, days_ago(50), "--concern", "worry")
    add_young_person(cli, first="Yolanda", last="Xerxes", referral_date=working_days_ago(5))
    items = today_json(cli)
    assert all(set(i) == {"kind", "id", "days", "summary"} for i in items)
    assert all(isinstance(i["id"], int) and isinstance(i["days"], int) for i in items)
    from ivcli.reports.today import KINDS

    order = [KINDS.index(i["kind"]) for i in items]
    assert order == sorted(order)
    assert [i["kind"] for i in items][:2] == ["concern", "overdue_visit"]
    text = json.dumps(items) + cli("today").stdout
    for name in ("Zebedee", "Quartermain", "Yolanda", "Xerxes", "Bloggs"):
        assert name not in text
    named = json.dumps(today_json(cli, "--names"))
    assert "Zebedee Quartermain" in named and "Yolanda Xerxes" in named
    assert "jo@example.org" not in named


def test_table_shows_the_most_urgent_of_each_kind(cli, db_path):
    for n in range(12):
        matched_young_person(cli, db_path, first=f"P{n}", start=days_ago(50 + n))
    screen = cli("today").stdout
    assert "Matches with no recent visit: 12" in screen
    assert "... and 7 more" in screen
    assert screen.count("no visit for") == 5
    every = cli("today", "--all").stdout
    assert "more" not in every and every.count("no visit for") == 12
    assert len(kinds(today_json(cli), "overdue_visit")) == 12


def test_nothing_to_do(cli, db_path):
    vol = add_volunteer(db_path)  # approved: with the required courses, nothing is due
    add_trainings(db_path, vol, [("induction", days_ago(10)), ("safeguarding", days_ago(10))])
    result = cli("today")
    assert "Nothing needs attention" in result.stderr
    assert today_json(cli) == []


def test_today_needs_a_database(cli, db_path: Path):
    result = cli("today", code=1)
    assert "no database" in result.stderr
    assert not db_path.exists()


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 1, 1)),
       st.integers(min_value=0, max_value=60))
def test_working_days_count_weekdays(start, span):
    from ivcli.reports.today import working_days_between

    end = start + timedelta(days=span)
    brute = sum(1 for i in range(1, span + 1)
                if (start + timedelta(days=i)).weekday() < 5)
    assert working_days_between(start, end) == brute


def test_large_scheme_builds_and_today_reads_it(tmp_path, monkeypatch, cli):
    """The benchmark's generator, small: every kind of agenda item appears."""
    from benchmarks.large_scheme import END, build

    path = tmp_path / "scheme.db"
    build(path, young_people=600, volunteers=400, matches=350, visits=8_000, years=4, seed=3)
    assert count(path, "young_people") == 600
    assert count(path, "visits") == 8_000
    assert count(path, "concerns") > 0 and count(path, "reviews") > 0
    monkeypatch.setenv("IVCLI_DB", str(path))
    items = today_json(cli, "--as-of", END.isoformat())
    found = {i["kind"] for i in items}
    assert {"overdue_visit", "review_due", "check_lapsing", "long_wait"} <= found
    assert "made-up concern" not in json.dumps(items)
    # The agenda's shortcut to volunteers whose checks can lapse loses none of them.
    from ivcli import db
    from ivcli.volunteers import compliance

    with db.reader(path) as conn:
        every = compliance.due(conn, END, 60)
    assert every
    assert [(i["id"], i["days"]) for i in kinds(items, "check_lapsing")] == [
        (d.volunteer_id, d.days_left) for d in every]


def test_a_month_end_to_end_through_the_cli(cli):
    """Everything through the commands a coordinator types: referral, volunteer, match,
    visits, a concern, a review, the agenda and the claims list."""
    yes = {"long_term_care_plan": "yes", "consent": "yes", "carer_support": "yes",
           "social_isolation": "yes"}
    ref = add_young_person(cli, referral_date=days_ago(120), **yes)
    cli("referral", "accept", str(ref["id"]), "--date", days_ago(118).isoformat())
    vol = int(cli("volunteer", "add", "--first-name", "Jo", "--last-name", "Bloggs",
                  "--date-of-birth", "01/02/1980", "--application-date",
                  days_ago(400).isoformat()).stdout)
    vet_fully(cli, vol, days_ago(200).isoformat(), dbs_on=days_ago(350).isoformat())
    cli("volunteer", "approve", str(vol), "--date", days_ago(199).isoformat())
    cli("match", "propose", str(ref["young_person_id"]), str(vol), "--date",
        days_ago(100).isoformat())
    match_id = cli.json("match", "list")[0]["id"]
    cli("match", "accept", str(match_id), "--date", days_ago(95).isoformat())
    result = log(cli, match_id, days_ago(91), code=1)  # not started yet
    assert "is accepted" in result.stderr
    cli("match", "start", str(match_id), "--date", days_ago(90).isoformat())
    assert "before match" in log(cli, match_id, days_ago(91), code=1).stderr
    log(cli, match_id, days_ago(60), "--cost", "3.10", "--cost-type", "travel")
    assert [i["kind"] for i in today_json(cli)] == ["overdue_visit", "review_due",
                                                    "supervision"]
    log(cli, match_id, days_ago(2), "--concern", "Mentioned missing meals")
    cli("match", "review", str(match_id), "--date", days_ago(1).isoformat(),
        "--with", "young-person", "--with", "volunteer")
    cli("volunteer", "supervision", str(vol), "--date", days_ago(1).isoformat(),
        "--kind", "one_to_one")
    assert [i["kind"] for i in today_json(cli)] == ["concern"]
    cli("concern", "close", "1", "--note", "Raised with the social worker")
    assert today_json(cli) == []
    claims = json.loads(cli("expenses", "--month", days_ago(60).strftime("%Y-%m"),
                            "--format", "json").stdout)
    assert claims["total"] == "3.10" and claims["items"][0]["volunteer_id"] == vol
    cli("match", "end", str(match_id), "--reason", "planned", "--date", days_ago(1).isoformat())
    result = log(cli, match_id, days_ago(0), activity="farewell", code=1)
    assert f"after match {match_id} ended" in result.stderr
    log(cli, match_id, days_ago(1), activity="farewell")  # the day it ended: still taken
