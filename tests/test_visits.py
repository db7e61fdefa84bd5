"""The visit log, visit sheets, budgets and the expenses claims list, through the CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.visits_helpers import (
    TODAY,
    add_match,
    add_young_person,
    count,
    days_ago,
    log,
    matched_young_person,
)

DATA = Path(__file__).parent / "data" / "visits"


@pytest.fixture
def match(cli, db_path) -> int:
    return matched_young_person(cli, db_path, start=days_ago(100))[1]


def test_log_a_visit_stores_pence_and_minutes(cli, db_path, match):
    result = log(cli, match, days_ago(3), "--cost", "£12.65", "--cost-type", "travel",
                 "--note", "good day", hours="2:30")
    assert result.stdout.strip() == "1"
    assert f"Logged visit 1 on match {match}" in result.stderr
    [visit] = cli.json("visit", "list")
    assert visit == {"id": 1, "match_id": match, "date": days_ago(3).isoformat(),
                     "minutes": 150, "activity": "cinema", "cost": "12.65",
                     "cost_type": "travel", "concern": False, "note": "good day",
                     "high": None, "low": None}
    import sqlite3

    row = sqlite3.connect(db_path).execute(
        "SELECT amount_pence, minutes FROM visit_costs c JOIN visits v ON v.id = c.visit_id"
    ).fetchone()
    assert row == (1265, 150)


@pytest.mark.parametrize("hours, minutes", [("2", 120), ("2.5", 150), ("1:45", 105),
                                            ("2h30m", 150), ("90m", 90), ("0.33", 20)])
def test_hours_in_every_form(cli, match, hours, minutes):
    log(cli, match, days_ago(3), hours=hours)
    assert cli.json("visit", "list")[0]["minutes"] == minutes


def test_visit_before_the_match_started_exits_1_and_writes_nothing(cli, db_path, match):
    result = log(cli, match, days_ago(101), "--concern", "a worry", code=1)
    assert "before match" in result.stderr and "nothing was logged" in result.stderr
    assert "a worry" not in result.stderr
    assert count(db_path, "visits") == 0
    assert count(db_path, "concerns") == 0


def test_visit_in_the_future_is_refused(cli, db_path, match):
    result = log(cli, match, TODAY + timedelta(days=1), code=1)
    assert "in the future" in result.stderr
    assert count(db_path, "visits") == 0


def test_visit_after_the_match_ended_is_refused(cli, db_path):
    ref = add_young_person(cli)
    ended = add_match(db_path, ref["young_person_id"], start=days_ago(300), status="ended",
                      end=days_ago(30))
    result = log(cli, ended, days_ago(10), code=1)
    assert f"after match {ended} ended" in result.stderr
    active_with_end = add_match(db_path, ref["young_person_id"], start=days_ago(300),
                                end=days_ago(30))
    result = log(cli, active_with_end, days_ago(10), code=1)
    assert "after match" in result.stderr
    assert count(db_path, "visits") == 0


@pytest.mark.parametrize("status", ["proposed", "accepted", "declined", "ended"])
def test_visit_only_on_active_or_paused_matches(cli, db_path, status):
    ref = add_young_person(cli)
    m = add_match(db_path, ref["young_person_id"], status=status, start=days_ago(100))
    result = log(cli, m, days_ago(3), code=1)
    assert f"is {status}" in result.stderr
    paused = add_match(db_path, ref["young_person_id"], status="paused", start=days_ago(100))
    log(cli, paused, days_ago(3))


def test_unknown_match(cli, match):
    result = log(cli, 999, days_ago(3), code=1)
    assert "there is no match 999" in result.stderr


def test_same_match_date_and_activity_is_the_same_visit(cli, db_path, match):
    log(cli, match, days_ago(3), activity="Cinema")
    result = log(cli, match, days_ago(3), activity="  cinema ", code=1)
    assert "already has visit 1" in result.stderr
    log(cli, match, days_ago(3), activity="bowling")
    assert count(db_path, "visits") == 2


def test_missing_values_without_a_terminal_exit_2(cli, db_path, match):
    result = cli("visit", "log", str(match), "--date", days_ago(2).isoformat(), code=2)
    assert "--hours" in result.stderr and "--activity" in result.stderr
    result = log(cli, match, days_ago(2), "--cost", "3.50", code=2)
    assert "--cost-type" in result.stderr
    assert count(db_path, "visits") == 0


@pytest.mark.parametrize("args, problem", [
    (("--hours", "lots"), "hours"),
    (("--hours", "30"), "longer than a day"),
    (("--cost", "1.234", "--cost-type", "food"), "fractions of a penny"),
    (("--cost", "-3", "--cost-type", "food"), "not an amount of money"),
])
def test_invalid_values_exit_1(cli, db_path, match, args, problem):
    base = {"--hours": "2", "--activity": "park"}
    extra = list(args)
    for flag, value in base.items():
        if flag not in extra:
            extra += [flag, value]
    result = cli("visit", "log", str(match), "--date", days_ago(2).isoformat(), *extra, code=1)
    assert problem in result.stderr
    assert count(db_path, "visits") == 0


def test_dates_are_day_first(cli, match):
    d = days_ago(40)
    log_args = ["visit", "log", str(match), "--date", d.strftime("%d/%m/%Y"), "--hours", "2",
                "--activity", "park"]
    cli(*log_args)
    assert cli.json("visit", "list")[0]["date"] == d.isoformat()


def test_three_costs_total_exactly(cli, db_path, match):
    on = days_ago(1)
    for cost, activity in (("0.10", "bus"), ("0.20", "snack"), ("12.35", "cinema")):
        log(cli, match, on, "--cost", cost, "--cost-type", "activity", activity=activity)
    month = on.strftime("%Y-%m")
    claims = json.loads(cli("expenses", "--month", month, "--format", "json").stdout)
    assert claims["total"] == "12.65"
    assert sorted(i["amount"] for i in claims["items"]) == ["0.10", "0.20", "12.35"]
    assert all(isinstance(i["amount"], str) for i in claims["items"])
    assert set(claims) == {"total", "items", "by_volunteer"}
    table = cli("expenses", "--month", month).stdout
    assert "12.65" in table and "Total" in table
    rows = cli("expenses", "--month", month, "--format", "csv").stdout.splitlines()
    assert rows[0] == ("visit_id,date,match_id,volunteer_id,volunteer,cost_type,amount,paid,"
                       "paid_on")
    assert len(rows) == 4


def test_expenses_name_the_volunteer_never_the_child(cli, db_path):
    _, m = matched_young_person(cli, db_path, first="Zebedee", last="Quartermain",
                                start=days_ago(60))
    log(cli, m, days_ago(1), "--cost", "4.00", "--cost-type", "food",
        "--note", "Zebedee loved it")
    for fmt in ("table", "json", "csv"):
        out = cli("expenses", "--month", days_ago(1).strftime("%Y-%m"), "--format", fmt).stdout
        assert "Zebedee" not in out and "Quartermain" not in out
        assert "Bloggs" in out
        assert "jo@example.org" not in out and "07700" not in out


def test_expenses_of_an_empty_month(cli, match):
    claims = json.loads(cli("expenses", "--month", "2001-01", "--format", "json").stdout)
    assert claims == {"total": "0.00", "items": [], "by_volunteer": []}
    result = cli("expenses", "--month", "2001-13", code=1)
    assert "month" in result.stderr


def test_budget_warns_but_does_not_refuse(cli, match):
    cli("settings", "set", "budget.monthly", "10")
    on = days_ago(1)
    result = log(cli, match, on, "--cost", "6.00", "--cost-type", "activity")
    assert "budget" not in result.stderr
    result = log(cli, match, on, "--cost", "6.00", "--cost-type", "food", activity="lunch")
    assert "12.00" in result.stderr and "monthly budget of 10.00" in result.stderr
    assert len(cli.json("visit", "list")) == 2


def test_yearly_budget(cli, match):
    cli("settings", "set", "budget.yearly", "£5.50")
    result = log(cli, match, days_ago(1), "--cost", "5.51", "--cost-type", "travel")
    assert "yearly budget of 5.50" in result.stderr
    result = cli("settings", "set", "budget.yearly", "lots", code=1)


def test_visit_list_filters(cli, db_path, match):
    _, other = matched_young_person(cli, db_path, first="Ben", start=days_ago(100))
    log(cli, match, days_ago(70))
    log(cli, match, days_ago(2))
    log(cli, other, days_ago(2))
    assert len(cli.json("visit", "list")) == 3
    assert [v["match_id"] for v in cli.json("visit", "list", str(other))] == [other]
    month = days_ago(2).strftime("%Y-%m")
    in_month = cli.json("visit", "list", "--month", month)
    assert all(v["date"].startswith(month) for v in in_month)
    cli("visit", "list", "999", code=1)


# ---------------------------------------------------------------------------------------------
# Visit sheets


def sheet(tmp_path: Path, rows: list[str], header: str = "Match,Visit date,Hours,Activity,"
          "Cost,Cost type,Notes,Concern") -> Path:
    path = tmp_path / "visits.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_import_a_sheet_and_again_adds_nothing(cli, db_path, tmp_path, match):
    d1, d2 = days_ago(20).strftime("%d/%m/%Y"), days_ago(5).strftime("%d/%m/%Y")
    path = sheet(tmp_path, [f"{match},{d1},2.5,Bowling,3.20,travel,,",
                            f"{match},{d2},2,cinema,,,\"fun, long\",She was upset about home",
                            f"{match},{d2},2, Cinema ,,,,"])
    result = cli("visit", "import", str(path))
    assert "Added 2 visit(s); 1 unchanged" in result.stderr
    assert "Concerns opened: 1" in result.stderr
    assert "upset" not in result.stderr
    again = cli("visit", "import", str(path))
    assert "Added 0 visit(s); 3 unchanged" in again.stderr
    assert count(db_path, "visits") == 2
    assert count(db_path, "concerns") == 1
    visits = cli.json("visit", "list")
    assert [v["minutes"] for v in visits] == [150, 120]
    assert visits[1]["concern"] is True and "upset" not in json.dumps(visits)


def test_import_is_all_or_nothing_with_line_numbers(cli, db_path, tmp_path, match):
    good = days_ago(5).strftime("%d/%m/%Y")
    path = sheet(tmp_path, [
        f"{match},{good},2,park,,,,",                                   # line 2: fine
        f"{match},{days_ago(150).strftime('%d/%m/%Y')},2,park,,,,",      # 3: before start
        f"999,{good},2,park,,,,",                                        # 4: no such match
        f"{match},31/02/2025,2,park,,,,",                                # 5: no such date
        f"{match},{good},,park,,,,",                                     # 6: no hours
        f"{match},{good},2,museum,4.50,,,",                              # 7: cost, no type
        f"{match},{good},2,zoo,4.50,taxi,,",                             # 8: bad type
        f"{match},{(TODAY + timedelta(days=2)).strftime('%d/%m/%Y')},2,park,,,,",  # 9: future
    ])
    result = cli("visit", "import", str(path), code=1)
    err = result.stderr
    assert "7 invalid row(s); nothing was imported" in err
    for line, word in ((3, "before match"), (4, "no match 999"), (5, "not a real date"),
                       (6, "hours: is required"), (7, "cost_type: is required"),
                       (8, "not a cost type"), (9, "in the future")):
        assert f"line {line}" in err and word in err, (line, word)
    assert "line 2," not in err
    assert count(db_path, "visits") == 0


def test_import_dry_run_writes_nothing(cli, db_path, tmp_path, match):
    path = sheet(tmp_path, [f"{match},{days_ago(5).isoformat()},2,park,,,,a worry"])
    result = cli("visit", "import", str(path), "--dry-run")
    assert "Dry run, nothing written: would add 1" in result.stderr
    assert "would open: 1" in result.stderr
    assert count(db_path, "visits") == 0 and count(db_path, "concerns") == 0


def test_import_minutes_column_semicolons_and_bom(cli, tmp_path, match):
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeffmatch_id;date;minutes;activity\r\n"
                      f"{match};{days_ago(5).strftime('%d/%m/%Y')};95;swimming\r\n")
                     .encode())
    cli("visit", "import", str(path))
    assert cli.json("visit", "list")[0]["minutes"] == 95


def test_import_needs_a_length_column(cli, tmp_path, match):
    path = sheet(tmp_path, [f"{match},{days_ago(5).isoformat()},park"],
                 header="match_id,date,activity")
    result = cli("visit", "import", str(path), code=1)
    assert "no column for hours" in result.stderr


def test_import_golden_sheet(cli, db_path):
    """docs/examples/visits.csv imports as documented."""
    ref = add_young_person(cli)
    m = add_match(db_path, ref["young_person_id"], start=days_ago(3000))
    assert m == 1
    example = Path(__file__).parent.parent / "docs" / "examples" / "visits.csv"
    result = cli("visit", "import", str(example))
    assert "Added 4 visit(s); 0 unchanged" in result.stderr
    claims = json.loads(cli("expenses", "--month", "2025-03", "--format", "json").stdout)
    assert claims["total"] == "19.85"


def test_import_budget_warning(cli, tmp_path, match):
    cli("settings", "set", "budget.monthly", "5")
    on = days_ago(5).isoformat()
    path = sheet(tmp_path, [f"{match},{on},2,park,3.00,food,,", f"{match},{on},2,zoo,3.00,food,,"])
    result = cli("visit", "import", str(path))
    assert "over its monthly budget of 5.00" in result.stderr


# ---------------------------------------------------------------------------------------------
# Parsing rules


@given(st.integers(min_value=1, max_value=24 * 60))
def test_minutes_round_trip_through_hours(minutes):
    from ivcli.visits.rows import format_minutes, parse_hours

    assert parse_hours(format_minutes(minutes)) == minutes


@given(st.lists(st.integers(min_value=0, max_value=10_000_00), max_size=30))
def test_money_adds_up_exactly(amounts):
    from ivcli.parsing import format_pence, parse_money

    texts = [format_pence(a) for a in amounts]
    assert format_pence(sum(parse_money(t) for t in texts)) == format_pence(sum(amounts))


def test_parse_month():
    from datetime import date

    from ivcli.periods import month_bounds, parse_month

    today = date(2026, 5, 14)
    assert month_bounds(parse_month("2026-02", today)) == (date(2026, 2, 1), date(2026, 3, 1))
    assert month_bounds(parse_month("12/2025", today)) == (date(2025, 12, 1), date(2026, 1, 1))
    with pytest.raises(ValueError):
        parse_month("2026-13", today)
    with pytest.raises(ValueError):
        parse_month("March", today)
