"""A hold reaches the match, and a visit by a volunteer not cleared is recorded with a warning
and a `today` item (issue 14 point 4)."""

from __future__ import annotations

import sqlite3

from tests.visits_helpers import (
    add_checks,
    add_match,
    add_volunteer,
    add_young_person,
    days_ago,
    log,
)


def kinds(cli, kind: str, *args: str) -> list[dict]:
    return [i for i in cli.json("today", *args) if i["kind"] == kind]


def events(db_path, match_id: int) -> list[tuple[str, str | None]]:
    return sqlite3.connect(db_path).execute(
        "SELECT event, note FROM match_events WHERE match_id = ? ORDER BY id",
        (match_id,)).fetchall()


def two_matches(cli, db_path) -> tuple[int, int, int]:
    """An approved volunteer with an active match and a proposed one."""
    vol = add_volunteer(db_path)
    a = add_young_person(cli, first="Amy")
    b = add_young_person(cli, first="Ben", last="Ng", dob="02/03/2013")
    active = add_match(db_path, a["young_person_id"], volunteer_id=vol, start=days_ago(100))
    proposed = add_match(db_path, b["young_person_id"], volunteer_id=vol, status="proposed",
                         start=days_ago(10))
    return vol, active, proposed


def test_hold_pauses_active_matches_with_the_reason(cli, db_path):
    vol, active, proposed = two_matches(cli, db_path)
    result = cli("volunteer", "hold", str(vol), "--reason", "Health: a break of two months",
                 "--date", days_ago(2).isoformat())
    assert f"Paused match(es) {active}" in result.stderr
    assert f"not yet started: {proposed}" in result.stderr
    assert cli.json("match", "show", str(active))["status"] == "paused"
    assert cli.json("match", "show", str(proposed))["status"] == "proposed"
    assert events(db_path, active) == [
        ("paused", "volunteer on hold: Health: a break of two months")]
    shown = cli.json("volunteer", "show", str(vol))
    assert shown["status"] == "on_hold" and shown["status_reason"].startswith("Health")
    # Ending the hold leaves the match paused for the coordinator to restart, and says so.
    back = cli("volunteer", "resume", str(vol))
    assert f"Still paused: match(es) {active}: 'ivcli match resume ID'" in back.stderr
    assert cli.json("match", "show", str(active))["status"] == "paused"


def test_hold_can_keep_matches_with_a_reason(cli, db_path):
    vol, active, _ = two_matches(cli, db_path)
    args = ("volunteer", "hold", str(vol), "--reason", "DBS renewal late")
    assert "--because" in cli(*args, "--keep-matches", "--no-input", code=2).stderr
    cli(*args, "--because", "x", code=2)  # --because without --keep-matches
    result = cli(*args, "--keep-matches", "--because", "Renewal applied for; DSL agreed")
    assert f"Match(es) {active} kept active" in result.stderr
    assert cli.json("match", "show", str(active))["status"] == "active"
    assert "Still paused" not in cli("volunteer", "resume", str(vol)).stderr
    assert events(db_path, active) == [
        ("hold_kept", "volunteer on hold (DBS renewal late); kept active: Renewal applied for; "
         "DSL agreed")]


def test_hold_is_one_transaction_and_refuses_bad_input(cli, db_path):
    vol, active, _ = two_matches(cli, db_path)
    cli("volunteer", "hold", "99", "--reason", "x", code=1)
    cli("volunteer", "hold", str(vol), "--reason", "   ", code=1)
    # The match's last step is after the hold date: refused, and nothing changed.
    cli("match", "pause", str(active), "--date", days_ago(5).isoformat())
    cli("match", "resume", str(active), "--date", days_ago(3).isoformat())
    result = cli("volunteer", "hold", str(vol), "--reason", "x",
                 "--date", days_ago(4).isoformat(), code=1)
    assert f"match {active}" in result.stderr
    assert cli.json("volunteer", "show", str(vol))["status"] == "approved"
    assert cli.json("match", "show", str(active))["status"] == "active"


def test_a_visit_while_on_hold_is_recorded_with_a_warning_and_on_today(cli, db_path):
    vol, active, _ = two_matches(cli, db_path)
    cli("volunteer", "hold", str(vol), "--reason", "Allegation being looked into",
        "--keep-matches", "--because", "Supervised contact only", "--date",
        days_ago(10).isoformat())
    before = log(cli, active, days_ago(12), activity="park")  # before the hold: cleared
    assert "not cleared" not in before.stderr
    result = log(cli, active, days_ago(3))
    assert f"volunteer {vol} was not cleared to visit" in result.stderr
    assert "on hold" in result.stderr
    visit = int(result.stdout)
    [item] = kinds(cli, "uncleared_visit")
    assert item["id"] == visit and item["days"] == 3 and "on hold" in item["summary"]
    assert "Allegation" not in item["summary"]
    # it leaves the agenda after today.uncleared_visit_days
    cli("settings", "set", "today.uncleared_visit_days", "2")
    assert kinds(cli, "uncleared_visit") == []


def test_a_visit_after_the_dbs_lapsed_is_recorded_with_a_warning(cli, db_path):
    vol = add_volunteer(db_path)
    add_checks(db_path, vol, [("dbs", days_ago(3 * 366 + 20))])
    ref = add_young_person(cli)
    m = add_match(db_path, ref["young_person_id"], volunteer_id=vol, start=days_ago(1200))
    result = log(cli, m, days_ago(5))
    assert "was not cleared" in result.stderr and "enhanced DBS check lapsed on" in \
        result.stderr
    assert sqlite3.connect(db_path).execute("SELECT count(*) FROM visits").fetchone() == (1,)
    [item] = kinds(cli, "uncleared_visit")
    assert "DBS" in item["summary"]
    # before it lapsed: no warning
    assert "not cleared" not in log(cli, m, days_ago(3 * 366), activity="zoo").stderr


def test_a_visit_sheet_counts_the_uncleared_visits(cli, db_path, tmp_path):
    vol = add_volunteer(db_path)
    ref = add_young_person(cli)
    m = add_match(db_path, ref["young_person_id"], volunteer_id=vol, start=days_ago(100))
    cli("volunteer", "hold", str(vol), "--reason", "x", "--keep-matches", "--because", "y",
        "--date", days_ago(20).isoformat())
    sheet = tmp_path / "visits.csv"
    sheet.write_text("match_id,date,hours,activity\n"
                     f"{m},{days_ago(30).isoformat()},2,cinema\n"
                     f"{m},{days_ago(5).isoformat()},2,bowling\n")
    result = cli("visit", "import", str(sheet))
    assert "Warning: 1 visit(s) were on days their volunteer was not cleared" in result.stderr
    assert len(kinds(cli, "uncleared_visit")) == 1
