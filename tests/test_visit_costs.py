"""Several cost lines per visit, correcting and deleting visits, visits logged after a match
ended, and the expenses total per volunteer with payments recorded (issue 15, point 3)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.test_prompts import DOWN, ENTER, keys
from tests.test_safety import rows
from tests.visits_helpers import (
    TODAY,
    add_match,
    add_young_person,
    count,
    days_ago,
    log,
    matched_young_person,
)

TWO_COSTS = ("--cost", "3.50", "--cost-type", "travel", "--cost", "8.00", "--cost-type",
             "activity")


@pytest.fixture
def match(cli, db_path) -> int:
    return matched_young_person(cli, db_path, start=days_ago(100))[1]


def audit(db_path: Path, table: str) -> list[tuple]:
    return rows(db_path, "SELECT command, record_id, action, fields FROM audit_log "
                "WHERE table_name = ? ORDER BY id", (table,))


def chain_ok(cli) -> None:
    """The audit chain verifies and no reference dangles (the helpers' matches have no
    accepted referral, which 'ivcli check' names: not what these tests are about)."""
    checks = {c["check"]: c["ok"] for c in json.loads(
        cli("check", "--format", "json", code=None).stdout)}
    assert checks["audit_chain"] and checks["foreign_key_check"], checks


def test_two_costs_on_one_visit_count_one_visit_and_show_both_lines(cli, db_path, match):
    """The acceptance: bus fare and a cinema ticket on one visit."""
    on = TODAY.replace(day=1)
    log(cli, match, on, *TWO_COSTS)
    [visit] = cli.json("visit", "list")
    assert (visit["cost"], visit["cost_type"]) == ("11.50", "travel, activity")
    assert rows(db_path, "SELECT visit_id, amount_pence, cost_type, paid_on FROM visit_costs "
                "ORDER BY id") == [(1, 350, "travel", None), (1, 800, "activity", None)]
    month = on.strftime("%Y-%m")
    report = cli.json("report", "monthly", "--month", month)
    assert report["visits"] == 1 and report["expenses_total"] == 1150
    claims = cli.json("expenses", "--month", month)
    assert [(i["visit_id"], i["cost_type"], i["amount"], i["paid"]) for i in claims["items"]] \
        == [(1, "travel", "3.50", False), (1, "activity", "8.00", False)]
    assert claims["total"] == "11.50"
    table = cli("expenses", "--month", month).stdout
    assert "3.50" in table and "8.00" in table and "11.50" in table


def test_costs_and_types_pair_in_order_and_a_count_mismatch_is_exit_1(cli, db_path, match):
    result = log(cli, match, days_ago(2), "--cost", "3.50", "--cost-type", "travel",
                 "--cost", "8.00", code=1)
    assert "2 --cost and 1 --cost-type" in result.stderr and "pair in order" in result.stderr
    result = log(cli, match, days_ago(2), "--cost-type", "travel", code=1)
    assert "0 --cost and 1 --cost-type" in result.stderr
    # No type at all for a cost that claims money: missing (exit 2), as before.
    result = log(cli, match, days_ago(2), "--cost", "3.50", "--cost", "1.00", code=2)
    assert "--cost-type" in result.stderr
    assert count(db_path, "visits") == 0 and count(db_path, "visit_costs") == 0
    # A bad line is named by its place.
    result = log(cli, match, days_ago(2), "--cost", "3.50", "--cost-type", "travel",
                 "--cost", "1.234", "--cost-type", "food", code=1)
    assert "cost 2: fractions of a penny" in result.stderr
    assert count(db_path, "visits") == 0


def test_visit_max_cost_is_the_most_one_visit_claims_all_lines_together(cli, db_path, match):
    cli("settings", "set", "visit.max_cost", "10")
    result = log(cli, match, days_ago(2), *TWO_COSTS, code=1)
    assert "add up to £11.50, more than £10.00" in result.stderr
    assert "visit.max_cost" in result.stderr
    assert count(db_path, "visits") == 0
    log(cli, match, days_ago(2), "--cost", "3.50", "--cost-type", "travel", "--cost", "6.50",
        "--cost-type", "food")
    assert count(db_path, "visit_costs") == 2


def test_logging_is_one_transaction_and_audited(cli, db_path, match):
    log(cli, match, days_ago(2), *TWO_COSTS)
    assert audit(db_path, "visit_costs") == [
        ("visit log", "1", "insert", None)]
    assert rows(db_path, "SELECT record_id, record_to FROM audit_log WHERE table_name = "
                "'visit_costs'") == [("1", "2")]
    chain_ok(cli)


def test_interactive_log_asks_for_one_cost_after_another(cli, db_path, match, monkeypatch):
    from ivcli.cli.common import AppState

    monkeypatch.setattr(AppState, "can_prompt", lambda self: True)
    with keys(
        ENTER, "2" + ENTER, "Cinema" + ENTER,
        "3.50" + ENTER, ENTER,             # a cost, travel
        "8" + ENTER, DOWN + ENTER,         # another, activity
        ENTER,                             # no more
        ENTER, "n",                        # no note, no concern
    ):
        cli("visit", "log", str(match))
    assert rows(db_path, "SELECT amount_pence, cost_type FROM visit_costs ORDER BY id") == [
        (350, "travel"), (800, "activity")]


def test_interactive_log_refuses_a_second_cost_over_the_visit_limit(cli, db_path, match,
                                                                   monkeypatch):
    from ivcli.cli.common import AppState

    cli("settings", "set", "visit.max_cost", "10")
    monkeypatch.setattr(AppState, "can_prompt", lambda self: True)
    with keys(
        ENTER, "2" + ENTER, "Cinema" + ENTER,
        "6" + ENTER, ENTER,
        "5" + ENTER, "\x7f4" + ENTER, ENTER,   # 6 + 5 is over £10: asked again
        ENTER,
        ENTER, "n",
    ):
        cli("visit", "log", str(match))
    assert rows(db_path, "SELECT amount_pence FROM visit_costs ORDER BY id") == [(600,), (400,)]


def sheet(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "visits.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_sheet_row_claims_several_costs_in_the_type_columns(cli, db_path, tmp_path, match):
    on = days_ago(3).strftime("%d/%m/%Y")
    path = sheet(tmp_path, "Match,Date,Hours,Activity,Travel,Activity cost,Food,Cost,Cost type\n"
                 f"{match},{on},2,cinema,3.50,8.00,,,\n"
                 f"{match},{on},1,park,,,2.00,1.20,travel\n")
    cli("visit", "import", str(path), "-q")
    assert rows(db_path, "SELECT visit_id, amount_pence, cost_type FROM visit_costs "
                "ORDER BY visit_id, amount_pence") == [
        (1, 350, "travel"), (1, 800, "activity"), (2, 120, "travel"), (2, 200, "food")]
    assert count(db_path, "visits") == 2
    again = cli("visit", "import", str(path), "-q")
    assert "Added 0 visit(s); 2 unchanged" in again.stderr
    assert count(db_path, "visit_costs") == 4


def test_a_sheet_repeating_a_visit_with_other_costs_is_refused(cli, db_path, tmp_path, match):
    on = days_ago(3).strftime("%d/%m/%Y")
    path = sheet(tmp_path, "match_id,date,hours,activity,cost,cost_type\n"
                 f"{match},{on},2,cinema,3.50,travel\n"
                 f"{match},{on},2,cinema,8.00,activity\n"
                 f"{match},{on},2,cinema,3.50,travel\n")
    result = cli("visit", "import", str(path), code=1)
    assert "line 3: the same visit as line 2" in result.stderr
    assert "travel_cost, activity_cost, food_cost" in result.stderr
    assert "line 4" not in result.stderr  # the same row twice is one visit, as before
    assert count(db_path, "visits") == 0


def test_a_sheet_over_the_visit_limit_names_the_line(cli, db_path, tmp_path, match):
    cli("settings", "set", "visit.max_cost", "10")
    on = days_ago(3).strftime("%d/%m/%Y")
    path = sheet(tmp_path, "match_id,date,hours,activity,travel_cost,activity_cost\n"
                 f"{match},{on},2,cinema,3.50,8.00\n")
    result = cli("visit", "import", str(path), code=1)
    assert "line 2, cost: the visit's costs add up to £11.50" in result.stderr


def test_update_corrects_fields_and_replaces_the_cost_lines(cli, db_path, match):
    log(cli, match, days_ago(5), "--cost", "3.50", "--cost-type", "travel")
    result = cli("visit", "update", "1", "--hours", "3", "--note", "Went well", *TWO_COSTS)
    assert "Updated visit 1: minutes, note, costs." in result.stderr
    [visit] = cli.json("visit", "list")
    assert (visit["minutes"], visit["note"], visit["cost"]) == (180, "Went well", "11.50")
    assert audit(db_path, "visits")[-1] == ("visit update", "1", "update", "minutes,note")
    assert [a[2] for a in audit(db_path, "visit_costs")] == ["insert", "delete", "insert"]
    cli("visit", "update", "1", "--no-costs", "--note", "")
    [visit] = cli.json("visit", "list")
    assert (visit["cost"], visit["note"]) == ("0.00", None)
    assert count(db_path, "visit_costs") == 0
    result = cli("visit", "update", "1", "--hours", "3")
    assert "no change" in result.stderr
    chain_ok(cli)


def test_update_checks_as_log_does(cli, db_path, match):
    log(cli, match, days_ago(5))
    log(cli, match, days_ago(5), activity="bowling")
    before = rows(db_path, "SELECT * FROM visits ORDER BY id")
    result = cli("visit", "update", "2", "--date", days_ago(101).isoformat(), code=1)
    assert f"before match {match} started" in result.stderr
    result = cli("visit", "update", "2", "--date", (TODAY.replace(year=TODAY.year + 1))
                 .isoformat(), code=1)
    assert "in the future" in result.stderr
    result = cli("visit", "update", "2", "--activity", "Cinema", code=1)
    assert "already has visit 1" in result.stderr
    result = cli("visit", "update", "2", "--hours", "lots", code=1)
    assert "hours" in result.stderr
    result = cli("visit", "update", "2", *TWO_COSTS[:6], code=1)
    assert "2 --cost and 1 --cost-type" in result.stderr
    cli("settings", "set", "visit.max_cost", "10")
    result = cli("visit", "update", "2", *TWO_COSTS, code=1)
    assert "visit.max_cost" in result.stderr
    cli("visit", "update", "2", "--no-costs", "--cost", "1", code=2)
    cli("visit", "update", "2", code=2)
    result = cli("visit", "update", "99", "--hours", "2", code=1)
    assert "there is no visit 99" in result.stderr
    assert rows(db_path, "SELECT * FROM visits ORDER BY id") == before


def test_update_to_a_day_after_the_match_ended_names_the_rule(cli, db_path):
    ref = add_young_person(cli)
    ended = add_match(db_path, ref["young_person_id"], start=days_ago(300), status="ended",
                      end=days_ago(30))
    log(cli, ended, days_ago(31))
    result = cli("visit", "update", "1", "--date", days_ago(29).isoformat(), code=1)
    assert f"after match {ended} ended ({days_ago(30).isoformat()})" in result.stderr
    assert "only up to the day its match ended" in result.stderr


def test_a_visit_up_to_the_end_date_is_logged_after_the_match_ended(cli, db_path):
    ref = add_young_person(cli)
    ended = add_match(db_path, ref["young_person_id"], start=days_ago(300), status="ended",
                      end=days_ago(30))
    log(cli, ended, days_ago(30), "--cost", "4.00", "--cost-type", "food")  # the last day
    log(cli, ended, days_ago(40), activity="bowling")
    result = log(cli, ended, days_ago(29), activity="park", code=1)
    assert f"the visit date is after match {ended} ended" in result.stderr
    assert "a visit is logged only up to the day its match ended" in result.stderr
    declined = add_match(db_path, ref["young_person_id"], status="declined")
    result = log(cli, declined, days_ago(3), code=1)
    assert "or on an ended one for a day up to the day it ended" in result.stderr
    assert count(db_path, "visits") == 2


def test_delete_asks_or_needs_yes_and_keeps_a_concern(cli, db_path, match):
    log(cli, match, days_ago(5), *TWO_COSTS, "--concern", "Worried about school")
    result = cli("visit", "delete", "1", code=2)
    assert "--yes" in result.stderr
    assert count(db_path, "visits") == 1
    cli("visit", "delete", "99", "--yes", code=1)
    result = cli("visit", "delete", "1", "--yes")
    assert "Deleted visit 1 and its 2 cost line(s)" in result.stderr
    assert "Concern 1 is kept" in result.stderr
    assert count(db_path, "visits") == 0 and count(db_path, "visit_costs") == 0
    assert rows(db_path, "SELECT id, visit_id FROM concerns") == [(1, None)]
    assert audit(db_path, "visits")[-1] == ("visit delete", "1", "delete", None)
    assert [a[2] for a in audit(db_path, "visit_costs")] == ["insert", "delete", "delete"]
    assert audit(db_path, "concerns")[-1] == ("visit delete", "1", "update", "visit_id")
    chain_ok(cli)


def test_delete_at_a_terminal_asks_and_no_keeps_it(cli, db_path, match, monkeypatch):
    from ivcli import prompts
    from ivcli.cli.common import AppState

    log(cli, match, days_ago(5), *TWO_COSTS)
    monkeypatch.setattr(AppState, "can_prompt", lambda self: True)
    asked: list[str] = []

    def confirm(label: str, *, default: bool = False) -> bool:
        asked.append(label)
        return False

    monkeypatch.setattr(prompts, "confirm", confirm)
    result = cli("visit", "delete", "1")
    assert "Nothing was deleted" in result.stderr
    assert asked == [f"Delete visit 1 on match {match}, {days_ago(5).isoformat()}, 2:00, "
                     "2 cost line(s), £11.50?"]
    assert count(db_path, "visits") == 1


def test_expenses_total_per_volunteer_and_mark_paid(cli, db_path):
    _, m1 = matched_young_person(cli, db_path, start=days_ago(200))
    _, m2 = matched_young_person(cli, db_path, first="Ben", start=days_ago(200))
    vol1, vol2 = (rows(db_path, "SELECT volunteer_id FROM matches WHERE id = ?", (m,))[0][0]
                  for m in (m1, m2))
    on = TODAY.replace(day=1)
    month = on.strftime("%Y-%m")
    log(cli, m1, on, *TWO_COSTS)
    log(cli, m2, on, "--cost", "2.00", "--cost-type", "food")
    claims = cli.json("expenses", "--month", month)
    assert claims["by_volunteer"] == [
        {"volunteer_id": vol1, "volunteer": "Jo Bloggs", "lines": 2, "total": "11.50",
         "paid_total": "0.00", "unpaid_total": "11.50"},
        {"volunteer_id": vol2, "volunteer": "Jo Bloggs", "lines": 1, "total": "2.00",
         "paid_total": "0.00", "unpaid_total": "2.00"},
    ]
    assert "By volunteer" in cli("expenses", "--month", month).stdout
    result = cli("expenses", "mark-paid", "--volunteer", str(vol1), "--month", month)
    assert f"Marked 2 cost line(s) of volunteer {vol1} in {month} paid, £11.50." in result.stderr
    again = cli("expenses", "mark-paid", "--volunteer", str(vol1), "--month", month)
    assert "No unpaid cost lines" in again.stderr and "(2 already paid)" in again.stderr
    assert json.loads(cli("expenses", "mark-paid", "--volunteer", str(vol1), "--month", month,
                          "--format", "json").stdout) == {
        "month": month, "volunteer_id": vol1, "lines": 0, "amount": "0.00", "already_paid": 2}
    claims = cli.json("expenses", "--month", month)
    assert [(i["volunteer_id"], i["paid"], i["paid_on"]) for i in claims["items"]] == [
        (vol1, True, TODAY.isoformat()), (vol1, True, TODAY.isoformat()), (vol2, False, None)]
    assert claims["by_volunteer"][0]["paid_total"] == "11.50"
    assert [a for a in audit(db_path, "visit_costs") if a[2] == "update"] == [
        ("expenses mark-paid", "1", "update", "paid_on"),
        ("expenses mark-paid", "2", "update", "paid_on")]
    # Paid lines stay: their visit's costs cannot be changed, nor the visit deleted.
    result = cli("visit", "update", "1", "--cost", "1", "--cost-type", "food", code=1)
    assert "already paid" in result.stderr
    cli("visit", "update", "1", "--hours", "3")  # other fields still can
    result = cli("visit", "delete", "1", "--yes", code=1)
    assert "already paid" in result.stderr
    cli("expenses", "mark-paid", "--volunteer", "999", "--month", month, code=1)
    result = cli("expenses", "mark-paid", "--volunteer", str(vol2), "--month", "2026-13",
                 code=1)
    assert "month" in result.stderr
    cli("expenses", "mark-paid", "--volunteer", str(vol2), code=2)
    result = cli("expenses", "mark-paid", "--volunteer", str(vol2), "--month", "this",
                 "--date", days_ago(1).isoformat())
    assert "Marked 1 cost line(s)" in result.stderr and "£2.00" in result.stderr
    chain_ok(cli)


def test_subject_export_holds_the_visits_cost_lines(cli, db_path):
    yp, m = matched_young_person(cli, db_path, start=days_ago(100))
    log(cli, m, days_ago(3), *TWO_COSTS)
    data = json.loads(cli("subject-export", str(yp)).stdout)
    assert [r["amount_pence"] for r in data["records"]["visit_costs"]] == [350, 800]


def test_migration_009_moves_each_cost_into_a_line(db_path):
    """A database of schema 007 (one cost per visit) upgrades: the cost becomes the visit's
    one line, a visit without a cost has none, and visits keep their ids."""
    from ivcli import db, migrations

    conn = sqlite3.connect(db_path)
    conn.execute("BEGIN")
    conn.execute("CREATE TABLE schema_migrations (seq INTEGER PRIMARY KEY, name TEXT NOT NULL "
                 "UNIQUE, applied_at DATETIME NOT NULL)")
    for name, fn in migrations.MIGRATIONS:
        if name == "009_visit_cost_lines":
            break
        fn(conn)
        conn.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                     (name, "2026-01-01T00:00:00+00:00"))
    t = "2026-01-01T00:00:00+00:00"
    conn.execute("INSERT INTO young_people (id, first_name, last_name, name_key, first_key, "
                 "last_key, date_of_birth, created_at, updated_at) VALUES (1, 'A', 'B', 'a b', "
                 "'a', 'b', '2014-01-01', ?, ?)", (t, t))
    conn.execute("INSERT INTO volunteers (id, first_name, last_name, name_key, date_of_birth, "
                 "created_at, updated_at) VALUES (1, 'C', 'D', 'c d', '1980-01-01', ?, ?)",
                 (t, t))
    conn.execute("INSERT INTO matches (id, young_person_id, volunteer_id, status, "
                 "proposed_date, start_date, created_at, updated_at) VALUES (1, 1, 1, "
                 "'active', '2025-01-01', '2025-01-10', ?, ?)", (t, t))
    for vid, cost, kind in ((5, 450, "travel"), (6, 0, None), (7, -3, "food")):
        conn.execute("INSERT INTO visits (id, match_id, date, minutes, activity, cost_pence, "
                     "cost_type, created_at) VALUES (?, 1, '2025-02-01', 60, 'park', ?, ?, ?)",
                     (vid, cost, kind, t))
    conn.execute("INSERT INTO concerns (match_id, visit_id, opened_date, text, created_at) "
                 "VALUES (1, 6, '2025-02-01', 'x', ?)", (t,))
    conn.execute("COMMIT")
    conn.close()
    db.prepare(db_path, write=True)
    assert rows(db_path, "SELECT visit_id, amount_pence, cost_type, paid_on FROM visit_costs "
                "ORDER BY id") == [(5, 450, "travel", None), (7, -3, "food", None)]
    assert rows(db_path, "SELECT id FROM visits ORDER BY id") == [(5,), (6,), (7,)]
    assert "cost_pence" not in [r[1] for r in rows(db_path, "PRAGMA table_info(visits)")]
    assert rows(db_path, "SELECT visit_id FROM concerns") == [(6,)]
    assert rows(db_path, "PRAGMA foreign_key_check") == []
