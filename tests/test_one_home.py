"""One home for every rule: months, add-years and ages, open match statuses, list splitting,
the check-lapsing rule and its SQL pre-filter, profile defaults, and one exit code for a bad
value. Each rule is checked where it is used, and the copies it replaced are checked gone."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from ivcli.enums import MatchStatus, VolunteerStatus
from ivcli.parsing import add_years, age_on, latest_birth_date, split_list
from tests.visits_helpers import add_young_person, count, days_ago, log, matched_young_person

PACKAGE = Path(__file__).parent.parent / "ivcli"


def sources() -> dict[str, str]:
    """Every module of ivcli by its path relative to the package, e.g. "reports/today.py"."""
    return {p.relative_to(PACKAGE).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(PACKAGE.rglob("*.py"))}


def holders(pattern: str) -> list[str]:
    rx = re.compile(pattern)
    return [path for path, text in sources().items() if rx.search(text)]


def referrals_snapshot(db_path: Path) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT * FROM referrals ORDER BY id").fetchall()
    finally:
        conn.close()


# --- Exit codes: a bad value is 1 wherever it is caught --------------------------------------


def test_the_same_bad_date_exits_alike_on_every_command(cli, db_path):
    _, match = matched_young_person(cli, db_path, start=days_ago(100))
    before = referrals_snapshot(db_path)
    add = cli("referral", "add", "--first-name", "Ben", "--last-name", "Ray",
              "--date-of-birth", "31/02/2014", code=None)
    accept = cli("referral", "accept", "1", "--date", "31/02/2026", code=None)
    visit = cli("visit", "log", str(match), "--date", "31/02/2026", "--hours", "2",
                "--activity", "park", code=None)
    assert add.exit_code == accept.exit_code == visit.exit_code == 1
    for r in (add, accept, visit):
        assert "not a real date" in r.stderr and r.stdout == ""
    assert referrals_snapshot(db_path) == before and count(db_path, "visits") == 0


def test_a_value_not_among_the_choices_is_1_and_a_command_line_not_read_is_2(cli):
    assert "not one of" in cli("referral", "list", "--status", "nonsense", code=1).stderr
    cli("referral", "show", "one", code=1)  # not a whole number
    cli("referral", "list", "--no-such-option", code=2)
    cli("referral", "accept", code=2)  # the id is missing
    cli("match", "suggest", "1", "--all", code=2)  # cannot go together


# --- One field rule for referral add, referral update and CSV rows --------------------------


def test_update_refuses_the_referrer_name_that_add_refuses(cli, db_path):
    long_name = "x" * 300
    add = cli("referral", "add", "--first-name", "Amy", "--last-name", "Lee",
              "--date-of-birth", "01/02/2014", "--referrer-name", long_name, code=None)
    add_young_person(cli)
    before = referrals_snapshot(db_path)
    update = cli("referral", "update", "1", "--referrer-name", long_name, code=None)
    assert add.exit_code == update.exit_code == 1
    for r in (add, update):
        assert "referrer_name: longer than 200 characters" in r.stderr
    assert referrals_snapshot(db_path) == before


def test_update_treats_line_breaks_as_add_does(cli):
    typed = "Bob\n  Jones\r\n(IRO)"
    added = add_young_person(cli, referrer_name=typed)
    add_young_person(cli, first="Cal", referral_date=days_ago(300))
    cli("referral", "update", "2", "--referrer-name", typed)
    updated = cli.json("referral", "show", "2")
    assert added["referrer_name"] == updated["referrer_name"] == "Bob Jones (IRO)"
    # notes keep their line breaks, on both
    cli("referral", "update", "2", "--notes", "line one\nline two")
    assert cli.json("referral", "show", "2")["notes"] == "line one\nline two"


def test_update_refuses_notes_over_the_limit_as_add_does(cli):
    add_young_person(cli)
    r = cli("referral", "update", "1", "--notes", "n" * 10_001, code=1)
    assert "notes: longer than 10000 characters" in r.stderr


# --- Months: one parser for every --month ---------------------------------------------------


def test_expenses_month_last_works(cli, db_path):
    _, match = matched_young_person(cli, db_path, start=days_ago(100))
    first_of_this = date.today().replace(day=1)
    last_month = first_of_this - timedelta(days=1)
    log(cli, match, last_month, "--cost", "4.20", "--cost-type", "travel")
    claims = cli.json("expenses", "--month", "last")
    assert claims["total"] == "4.20"
    assert [v["date"] for v in cli.json("visit", "list", "--month", "last")] == [
        last_month.isoformat()]
    assert cli.json("expenses", "--month", "this")["items"] == []
    assert cli.json("expenses", "-m", last_month.strftime("%m/%Y"))["total"] == "4.20"


@pytest.mark.parametrize("command", [["expenses"], ["visit", "list"], ["report", "monthly"]])
def test_every_month_option_reads_the_same(cli, command):
    for good in ("last", "this", "2026-01", "01/2026"):
        r = cli(*command, "--month", good, "--format", "json", code=None)
        assert r.exit_code in (0, 1) and "not a month" not in r.stderr, (good, r.stderr)
    for bad, message in (("2026-13", "there is no month 13"), ("March", "not a month")):
        r = cli(*command, "--month", bad, code=1)
        assert message in r.stderr and "'--month'" in r.stderr


def test_every_month_option_is_the_one_month_option():
    from ivcli.cli.common import parse_month_option
    from tests.test_no_prompt import leaf_commands

    found = []
    for path, cmd in leaf_commands():
        for p in cmd.params:
            if "--month" in getattr(p, "opts", []):
                found.append(" ".join(path))
                assert "-m" in p.opts, path
                assert getattr(p.type, "func", None) is parse_month_option, path
    assert sorted(found) == ["expenses mark-paid", "report monthly", "visit list"]
    # `ivcli expenses` itself (a group that runs without a command) takes one too.
    import typer

    from ivcli.cli.main import app

    root = typer.main.get_command(app)
    group = root.get_command(typer.Context(root, info_name="ivcli"), "expenses")
    [option] = [p for p in group.params if "--month" in getattr(p, "opts", [])]
    assert "-m" in option.opts and getattr(option.type, "func", None) is parse_month_option


def test_month_parsing_lives_in_periods_alone():
    assert holders(r"\(\\d\{4\}\)-\(\\d\{1,2\}\)") == ["periods.py"]
    assert holders(r"def (parse_month|month_bounds|month_end|year_bounds)\b") == ["periods.py"]


# --- add_years and ages: Python and SQL agree, 29 February included -------------------------


def _days(start: date, end: date):  # type: ignore[no-untyped-def]
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


LEAP_DAYS = [date(2012, 2, 29), date(2016, 2, 29), date(2020, 2, 29)]
AROUND = [d for y in (2011, 2012, 2020) for d in _days(date(y, 2, 25), date(y, 3, 3))]


@pytest.mark.parametrize("born", LEAP_DAYS + AROUND[:6])
def test_age_on_counts_a_birthday_as_add_years_does(born):
    for n in range(0, 27):
        birthday = add_years(born, n)
        assert age_on(born, birthday) == n
        assert age_on(born, birthday - timedelta(days=1)) == n - 1


def test_add_years_sends_29_february_to_1_march():
    assert add_years(date(2024, 2, 29), 3) == date(2027, 3, 1)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2027, 3, 1), -3) == date(2024, 3, 1)


def test_sql_and_python_ages_agree_around_29_february():
    # Ages in SQL are ISO dates of birth compared with latest_birth_date (as report age bands
    # count them): the same as age_on.
    conn = sqlite3.connect(":memory:")
    births = LEAP_DAYS + AROUND
    ons = [d for y in range(2011, 2046) for d in _days(date(y, 2, 26), date(y, 3, 2))]
    checked = 0
    for n in (0, 1, 5, 10, 16, 18, 25):
        for on in ons:
            bound = latest_birth_date(on, n).isoformat()
            older = {b for (b,) in conn.execute(
                f"WITH b(dob) AS (VALUES {', '.join('(?)' for _ in births)}) "
                "SELECT dob FROM b WHERE dob <= ?", [b.isoformat() for b in births] + [bound])}
            wrong = [b for b in births if (b.isoformat() in older) != (age_on(b, on) >= n)]
            assert wrong == [], (on, n)
            checked += len(births)
    assert checked > 4_000
    # SQLite's own "+N years" is the same rule as add_years.
    for born in LEAP_DAYS + AROUND:
        for n in (1, 3, 4, 18, 25):
            (sql,) = conn.execute("SELECT date(?, ?)", (born.isoformat(), f"+{n} years")
                                  ).fetchone()
            assert sql == add_years(born, n).isoformat(), (born, n)


def test_age_thresholds_on_today_agree_with_age_on(cli, db_path):
    # Born on 29 February: ivcli today says they turn 18 on the day age_on counts them 18.
    from ivcli import db
    from ivcli.reports import today

    add_young_person(cli, dob="29/02/2008", referral_date=date(2025, 6, 1))
    with db.reader(db_path) as conn:
        items = [i for i in today.agenda(conn, date(2026, 2, 20))
                 if i.kind == "age_threshold"]
    [item] = items
    turns = date(2026, 2, 20) + timedelta(days=item.days)
    assert turns == date(2026, 3, 1) and "turns 18" in item.summary
    assert age_on(date(2008, 2, 29), turns) == 18 > age_on(date(2008, 2, 29),
                                                           turns - timedelta(days=1))


def test_no_other_copy_of_add_years_or_age():
    assert holders(r"replace\(year=") == ["parsing.py"]
    assert holders(r"def _?add_years|def _?age_on\b|def _?latest_birth_date") == ["parsing.py"]
    assert holders(r"strftime\('%m-%d'") == []  # no age is counted in SQL


# --- Open match statuses ---------------------------------------------------------------------


def test_open_and_running_statuses():
    assert MatchStatus.open() == ("proposed", "accepted", "active", "paused")
    assert MatchStatus.running() == ("active", "paused")
    assert VolunteerStatus.checked() == ("approved", "ready_for_panel", "in_checks")


def test_the_status_lists_are_written_only_in_enums():
    q = r"""['"]"""
    assert holders(rf"{q}proposed{q},\s*{q}accepted{q},\s*{q}active{q}") == []
    assert holders(rf"{q}active{q},\s*{q}paused{q}") == []
    assert holders(r"MatchStatus\.active\.value,\s*MatchStatus\.paused\.value") == []
    assert holders(rf"{q}approved{q},\s*{q}ready_for_panel{q}") == []


# --- Splitting a typed list ------------------------------------------------------------------


def test_split_list_takes_semicolons_commas_and_new_lines():
    assert split_list("football;  drawing, swimming\nvideo   games\r\n;;") == [
        "football", "drawing", "swimming", "video games"]
    assert split_list(None) == split_list("") == split_list(" ; , ") == []


def test_volunteer_languages_split_as_every_list(cli):
    from ivcli.volunteers.intake import _seed_profile
    from ivcli.volunteers.rows import VolunteerRow

    fields = VolunteerRow.__dataclass_fields__
    row = VolunteerRow(**dict.fromkeys(fields))  # type: ignore[arg-type]
    row.languages = "French\nPolish; Urdu"
    assert '"languages": ["french", "polish", "urdu"]' in (_seed_profile(row) or "")


def test_no_other_list_splitter():
    assert holders(r"re\.split\(|\[;,") == ["parsing.py"]


# --- The check-lapsing rule and its SQL pre-filter -------------------------------------------


def test_the_lapse_cutoff_never_misses_a_check_that_lapses():
    from ivcli.volunteers.compliance import lapse_cutoff, lapses_within

    for years in (1, 3, 4):
        for as_of in _days(date(2023, 12, 1), date(2028, 4, 1)):
            for within in (0, 60):
                cut = lapse_cutoff(as_of, within, years)
                for d in _days(cut + timedelta(days=1), cut + timedelta(days=3)):
                    assert not lapses_within(add_years(d, years), as_of, within), (
                        years, as_of, within, d)


def test_a_dbs_of_29_february_lapses_on_1_march(cli, db_path):
    from ivcli import db
    from ivcli.reports import aggregates as reports
    from ivcli.reports import today
    from ivcli.volunteers import compliance
    from tests.visits_helpers import add_checks, add_trainings, add_volunteer

    vol = add_volunteer(db_path)
    add_checks(db_path, vol, [(s, date(2024, 2, i)) for i, s in enumerate((
        "application", "interview", "reference", "reference", "panel"), start=1)]
        + [("dbs", date(2024, 2, 29))])
    add_trainings(db_path, vol, [("induction", date(2026, 6, 1)),
                                 ("safeguarding", date(2026, 6, 1))])
    as_of = date(2027, 2, 28)  # the last day it is current; warn_days is 60
    with db.reader(db_path) as conn:
        [due] = [d for d in compliance.due(conn, as_of, 60) if d.step == "dbs"]
        on_today = [i for i in today.agenda(conn, as_of) if i.kind == "check_lapsing"]
        lapsing, lapsed = reports._checks(conn, as_of)
    assert due.expires == date(2027, 3, 1) and due.days_left == 1 and not due.lapsed
    assert [(i.id, "DBS" in i.summary) for i in on_today] == [(vol, True)]
    assert (lapsing, lapsed) >= (1, 0)


def test_one_pre_filter_for_lapsing_checks():
    assert holders(r"step = 'dbs' AND") == ["volunteers/compliance.py"]
    assert holders(r"valid_years\"\)\)? *\+ *timedelta|warn_days \+ \d") == []


# --- Profile defaults: one source for the matcher and the profile commands ------------------


def test_the_matcher_uses_the_profile_defaults():
    from ivcli.matching import rules, sides
    from ivcli.matching.profiles import (
        VOLUNTEER_DEFAULTS,
        YOUNG_PERSON_DEFAULTS,
        load_volunteer_profile,
        load_young_person_profile,
    )

    class Rec:
        profile = '{"interests": ["art"]}'
        area = None
        gender = None

    yp = load_young_person_profile(Rec())
    vp = load_volunteer_profile(Rec())
    y = sides.young_from(1, 1, 12, date(2026, 1, 1), None, Rec.profile)
    v = sides.vol_from(1, 40, None, None, None, None, Rec.profile)
    assert (y.iv_age_min, y.iv_age_max) == (yp["iv_age_min"], yp["iv_age_max"]) == (
        YOUNG_PERSON_DEFAULTS["iv_age_min"], YOUNG_PERSON_DEFAULTS["iv_age_max"])
    assert (v.child_age_min, v.child_age_max, v.capacity) == (
        vp["child_age_min"], vp["child_age_max"], vp["capacity"]) == (
        VOLUNTEER_DEFAULTS["child_age_min"], VOLUNTEER_DEFAULTS["child_age_max"],
        VOLUNTEER_DEFAULTS["capacity"])
    # A volunteer who gave no ages is not suggested for a young person the defaults rule out.
    too_old = sides.young_from(2, 2, VOLUNTEER_DEFAULTS["child_age_max"] + 1,
                                  date(2026, 1, 1), None, None)
    assert rules.rule_breaks(too_old, v)
