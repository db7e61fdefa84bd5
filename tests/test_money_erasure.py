"""Money has bounds (no amount can overflow a sum or crash a command), and erasure neither
strands an open match nor keeps free text that may name the person."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from ivcli.parsing import MAX_PENCE, parse_money
from tests.conftest import file_sha256
from tests.visits_helpers import (
    TODAY,
    add_volunteer,
    count,
    days_ago,
    log,
    matched_young_person,
)


@pytest.fixture
def match(cli, db_path) -> int:
    return matched_young_person(cli, db_path, start=days_ago(100))[1]


def this_month() -> str:
    return TODAY.strftime("%Y-%m")


# ---------------------------------------------------------------------------------------------
# Money


@pytest.mark.parametrize("text", [
    "-1", "-0.01", "1.234", "0.001", "abc", "", "£", ".", "NaN", "nan", "inf", "-Infinity",
    "1e3", "1E999999999", "1e-999999999", pytest.param("9" * 5000, id="5000-nines"), "1_000",
    "+5", "12.65.1", "0x10",
])
def test_bad_amounts_are_value_errors(text):
    with pytest.raises(ValueError):
        parse_money(text)


def test_amounts_are_bounded():
    assert parse_money("1,000,000.00") == MAX_PENCE
    assert parse_money("£12.65") == 1265 and parse_money("12.650") == 1265
    assert parse_money(".5") == 50 and parse_money("3.") == 300
    for text in ("1000000.01", "99999999999999999999", "92233720368547758.07"):
        with pytest.raises(ValueError, match="more than £1000000.00"):
            parse_money(text)
    with pytest.raises(ValueError, match=r"more than £10.00, the most allowed \(setting x\)"):
        parse_money("10.01", 1000, "x")


@pytest.mark.parametrize("cost, problem", [
    ("99999999999999999999", "more than £1000.00, the most allowed (setting visit.max_cost)"),
    ("92233720368547758.07", "more than £1000.00"),
    ("1000.01", "more than £1000.00"),
    ("1e999999999", "not an amount of money"),
    ("inf", "not an amount of money"),
    ("nan", "not an amount of money"),
    ("-5", "not an amount of money"),
    ("12.345", "fractions of a penny"),
    ("twelve", "not an amount of money"),
])
def test_visit_log_refuses_bad_costs_exit_1(cli, db_path, match, cost, problem):
    before = file_sha256(db_path)
    result = log(cli, match, days_ago(2), "--cost", cost, "--cost-type", "food", code=1)
    assert problem in result.stderr
    assert "Traceback" not in result.stderr and "Overflow" not in result.stderr
    assert file_sha256(db_path) == before


def test_visit_log_takes_the_limit_and_the_setting_moves_it(cli, db_path, match):
    log(cli, match, days_ago(2), "--cost", "1000.00", "--cost-type", "activity")
    cli("settings", "set", "visit.max_cost", "50")
    result = log(cli, match, days_ago(3), "--cost", "50.01", "--cost-type", "food", code=1)
    assert "more than £50.00" in result.stderr and "visit.max_cost" in result.stderr
    assert count(db_path, "visits") == 1


@pytest.mark.parametrize("value, problem", [
    ("1000000.01", "more than £1000000.00"), ("0", "at least 0.01"), ("1e9", "not an amount"),
    ("inf", "not an amount"), ("-1", "not an amount"),
])
def test_money_settings_are_bounded(cli, db_path, value, problem):
    cli("settings", "set", "budget.monthly", "5")  # creates the database
    before = file_sha256(db_path)
    result = cli("settings", "set", "--", "visit.max_cost", value, code=1)
    assert problem in result.stderr
    for key in ("budget.monthly", "budget.yearly"):
        cli("settings", "set", key, "99999999999999999999", code=1)
    assert file_sha256(db_path) == before


def test_visit_import_refuses_costs_over_the_limit(cli, db_path, match, tmp_path):
    on = days_ago(2).isoformat()
    sheet = tmp_path / "visits.csv"
    sheet.write_text(
        "match_id,date,hours,activity,cost,cost_type\n"
        f"{match},{on},2,museum,12.50,activity\n"
        f"{match},{on},2,bowling,99999999999999999999,activity\n"
        f"{match},{on},2,zoo,92233720368547758.07,activity\n"
        f"{match},{on},2,cafe,1e400,food\n"
        f"{match},{on},2,bus,1000.01,travel\n",
        encoding="utf-8")
    before = file_sha256(db_path)
    result = cli("visit", "import", str(sheet), "--quiet", code=1)
    for line in (3, 4, 6):
        assert f"line {line}, cost: more than £1000.00" in result.stderr
    assert "line 5, cost: not an amount of money" in result.stderr
    assert "line 2," not in result.stderr
    assert file_sha256(db_path) == before


def test_many_visits_at_the_limit_add_up(cli, db_path, match, tmp_path):
    """Every cost is at most visit.max_cost (itself at most £1,000,000): a month of visits at
    the limit adds up exactly in the reports and the claims list."""
    cli("settings", "set", "visit.max_cost", "1000000")
    n = 400
    start = TODAY.replace(day=1)
    rows = [f"{match},{start.isoformat()},1,visit {i},1000000.00,activity" for i in range(n)]
    sheet = tmp_path / "visits.csv"
    sheet.write_text("match_id,date,hours,activity,cost,cost_type\n" + "\n".join(rows) + "\n",
                     encoding="utf-8")
    cli("visit", "import", str(sheet), "--quiet")
    total = n * MAX_PENCE
    monthly = cli.json("report", "monthly", "--month", this_month())
    assert monthly["expenses_total"] == total
    annual = cli.json("report", "annual", "--year", str(TODAY.year))
    assert annual["expenses_total"] == total
    claims = cli.json("expenses", "--month", this_month())
    assert claims["total"] == f"{total // 100}.00" and len(claims["items"]) == n


def test_a_stored_cost_out_of_range_does_not_break_the_reports(cli, db_path, match):
    """A cost an older ivcli let through (the largest SQLite integer) is left out of the
    sums with a warning, and 'ivcli check' names it; nothing exits 70."""
    log(cli, match, TODAY, "--cost", "12.50", "--cost-type", "food")
    log(cli, match, TODAY, "--cost", "1.00", "--cost-type", "food", activity="bus")
    conn = sqlite3.connect(db_path)
    with conn:
        bad = conn.execute("SELECT id FROM visits WHERE activity = 'bus'").fetchone()[0]
        conn.execute("UPDATE visit_costs SET amount_pence = 9223372036854775807 "
                     "WHERE visit_id = ?", (bad,))
    conn.close()
    for args in (("report", "monthly", "--month", this_month()),
                 ("report", "annual", "--year", str(TODAY.year))):
        result = cli(*args, "--format", "json")
        assert json.loads(result.stdout)["expenses_total"] == 1250
        assert f"visit {bad}" in result.stderr and "ivcli check" in result.stderr
    cli("report", "monthly", "--month", this_month())  # the table too
    claims = cli.json("expenses", "--month", this_month())
    assert len(claims["items"]) == 2
    result = cli("check", code=1)
    assert f"visit {bad} has a cost out of range" in result.stdout
    # The budget check sums the month's costs too.
    cli("settings", "set", "budget.monthly", "10")
    result = log(cli, match, TODAY, "--cost", "1.00", "--cost-type", "food", activity="cafe")
    assert "spent 13.50" in result.stderr


def test_a_stored_setting_out_of_range_is_a_clear_error(cli, db_path, match):
    log(cli, match, days_ago(1))
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('budget.monthly', "
                     "'92233720368547758.07')")
    conn.close()
    result = log(cli, match, days_ago(2), "--cost", "1.00", "--cost-type", "food", code=1)
    assert "the stored setting budget.monthly is no longer valid" in result.stderr
    assert "ivcli settings reset budget.monthly" in result.stderr
    assert count(db_path, "visits") == 1
    cli("settings", "reset", "budget.monthly")
    log(cli, match, days_ago(2), "--cost", "1.00", "--cost-type", "food")


# ---------------------------------------------------------------------------------------------
# Erasure and retention

SECRET = "Zebedee"  # a name typed into the free text of the match's records


def rows(db_path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def match_with_history(cli, db_path) -> tuple[int, int, int]:
    """A young person and a volunteer in an active match whose visit, review and concern (closed)
    all name someone in their free text; returns (young person, volunteer, match)."""
    yp, m = matched_young_person(cli, db_path, start=days_ago(100))
    log(cli, m, days_ago(20), "--cost", "4.50", "--cost-type", "food", "--note",
        f"{SECRET} was late", activity=f"bowling with {SECRET}")
    log(cli, m, days_ago(10), "--concern", f"{SECRET} said something worrying", hours="1.5",
        activity="park")
    concern = rows(db_path, "SELECT id FROM concerns")[0][0]
    cli("concern", "close", str(concern), "--note", f"Spoke to {SECRET}'s social worker")
    cli("match", "review", str(m), "--date", days_ago(5).isoformat(), "--with", "carer",
        "--note", f"{SECRET}'s carer is happy")
    vol = rows(db_path, "SELECT volunteer_id FROM matches WHERE id = ?", (m,))[0][0]
    return yp, vol, m


def free_text(db_path: Path, match_id: int) -> list[object]:
    return [*rows(db_path, "SELECT activity, note FROM visits WHERE match_id = ?", (match_id,)),
            *rows(db_path, "SELECT note FROM reviews WHERE match_id = ?", (match_id,)),
            *rows(db_path, "SELECT text, close_note FROM concerns WHERE match_id = ?",
                  (match_id,))]


def counts(db_path: Path, match_id: int) -> list[tuple]:
    return rows(db_path, "SELECT date, minutes, amount_pence, cost_type FROM visits v "
                "LEFT JOIN visit_costs c ON c.visit_id = v.id WHERE match_id = ? "
                "ORDER BY v.id, c.id", (match_id,)) + rows(
        db_path, "SELECT date, with_whom FROM reviews WHERE match_id = ?", (match_id,)) + rows(
        db_path, "SELECT opened_date, closed_date FROM concerns WHERE match_id = ?", (match_id,))


@pytest.mark.parametrize("status, hint", [
    ("active", "end it first with 'ivcli match end {m} --reason ...'"),
    ("paused", "end it first with 'ivcli match end {m} --reason ...'"),
    ("proposed", "decline it first with 'ivcli match decline {m} --reason ...'"),
    ("accepted", "decline it first with 'ivcli match decline {m} --reason ...'"),
])
@pytest.mark.parametrize("kind", ["young-person", "volunteer"])
def test_erase_refuses_a_person_in_an_open_match(cli, db_path, status, hint, kind):
    yp, m = matched_young_person(cli, db_path, status=status)
    vol = rows(db_path, "SELECT volunteer_id FROM matches WHERE id = ?", (m,))[0][0]
    person = yp if kind == "young-person" else vol
    before = file_sha256(db_path)
    result = cli("erase", kind, str(person), "--yes", code=1)
    assert f"is in open match {m} ({status}); nothing was erased" in result.stderr
    assert hint.format(m=m) in result.stderr
    assert file_sha256(db_path) == before


def test_erase_refuses_in_the_service_too(cli, db_path):
    """Retention and any other caller of ``privacy.erase`` get the same refusal."""
    from ivcli import db
    from ivcli.errors import Refused
    from ivcli.safety import audit, privacy

    yp, m = matched_young_person(cli, db_path)
    before = file_sha256(db_path)
    with pytest.raises(Refused, match=f"open match {m}"), db.writer(
            db_path, command="erase", watch=audit.watch, complete=audit.complete) as conn:
        privacy.erase(conn, "young_person", yp)
    assert file_sha256(db_path) == before


@pytest.mark.parametrize("kind", ["young-person", "volunteer"])
def test_erasure_clears_the_free_text_of_the_matches_and_keeps_the_counts(cli, db_path, kind):
    yp, vol, m = match_with_history(cli, db_path)
    assert any(SECRET in str(v) for v in free_text(db_path, m))
    kept = counts(db_path, m)
    report = cli.json("report", "monthly", "--month", days_ago(20).strftime("%Y-%m"))
    cli("match", "end", str(m), "--reason", "planned")
    cli("erase", kind, str(yp if kind == "young-person" else vol), "--yes")
    assert free_text(db_path, m) == [(None, None), (None, None), (None,), ("erased", None)]
    assert counts(db_path, m) == kept
    again = cli.json("report", "monthly", "--month", days_ago(20).strftime("%Y-%m"))
    for key in ("visits", "visit_minutes", "expenses_total"):
        assert again[key] == report[key]
    for suffix in ("", "-wal"):
        f = Path(f"{db_path}{suffix}")
        if f.exists():
            assert SECRET.encode() not in f.read_bytes()
    cli("check")


def test_retention_skips_a_person_in_an_open_match_and_says_so(cli, db_path):
    yp, vol, m = match_with_history(cli, db_path)
    other = add_volunteer(db_path, first="Ann", last="Other", status="left")
    conn = sqlite3.connect(db_path)
    with conn:  # the match's volunteer has left, but nobody ended the match
        conn.execute("UPDATE volunteers SET status = 'left' WHERE id = ?", (vol,))
    conn.close()
    later = days_ago(-10 * 366).isoformat()
    result = cli("retention", "--as-of", later, "--format", "json")
    assert [(d["kind"], d["id"]) for d in json.loads(result.stdout)] == [("volunteer", other)]
    assert (f"volunteer {vol} is past its retention period" in result.stderr
            and f"open match {m} (active)" in result.stderr
            and f"'ivcli match end {m} --reason ...'" in result.stderr)
    result = cli("retention", "--as-of", later, "--apply", "--yes")
    assert f"volunteer {vol} is past its retention period" in result.stderr
    assert rows(db_path, "SELECT id FROM volunteers WHERE first_name = 'erased'") == [(other,)]
    assert any(SECRET in str(v) for v in free_text(db_path, m))
    # Once the match is ended, retention goes through the same erasure.
    cli("match", "end", str(m), "--reason", "volunteer_left")
    result = cli("retention", "--as-of", later, "--apply", "--yes")
    assert "past its retention period" not in result.stderr
    assert rows(db_path, "SELECT first_name FROM volunteers WHERE id = ?", (vol,)) == [("erased",)]
    assert free_text(db_path, m) == [(None, None), (None, None), (None,), ("erased", None)]


def test_the_search_for_costs_out_of_range_reads_their_own_index(cli, db_path, match):
    """The report's and the check's search for cost lines out of range read the partial
    index of those lines (migration 020), whose condition must stay the one they use
    (``COST_IN_RANGE``): not every cost line."""
    from ivcli.visits.rows import COST_IN_RANGE

    log(cli, match, TODAY, "--cost", "12.50", "--cost-type", "food")
    conn = sqlite3.connect(db_path)
    try:
        for sql in (
            "SELECT DISTINCT v.id FROM visits v JOIN visit_costs c ON c.visit_id = v.id "
            f"WHERE v.date BETWEEN '2000-01-01' AND '2100-01-01' AND NOT ({COST_IN_RANGE}) "
            "ORDER BY v.id",
            f"SELECT id, visit_id FROM visit_costs WHERE NOT ({COST_IN_RANGE}) "
            "ORDER BY visit_id, id",
        ):
            plan = " ".join(r[3] for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
            assert "ix_visit_costs_out_of_range" in plan, plan
    finally:
        conn.close()
