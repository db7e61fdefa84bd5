"""Support and supervision (issue 14 point 7): supervision recorded and due on `ivcli today`,
training courses recorded, both on `volunteer show`."""

from __future__ import annotations

from datetime import timedelta

from tests.visits_helpers import TODAY, add_match, add_volunteer, add_young_person, days_ago


def supervision_items(cli, *args: str) -> list[dict]:
    return [i for i in cli.json("today", *args) if i["kind"] == "supervision"]


def matched_volunteer(cli, db_path, start_days: int = 100, status: str = "active") -> int:
    vol = add_volunteer(db_path)
    ref = add_young_person(cli)
    add_match(db_path, ref["young_person_id"], volunteer_id=vol, start=days_ago(start_days),
              status=status)
    return vol


def test_supervision_is_due_six_weeks_after_the_last(cli, db_path):
    """Acceptance: supervision is due 6 weeks after the last for a volunteer with an active
    match."""
    vol = matched_volunteer(cli, db_path)
    last = days_ago(60)
    cli("volunteer", "supervision", str(vol), "--date", last.isoformat(), "--kind",
        "one_to_one", "--note", "Going well")
    due = last + timedelta(weeks=6)
    assert supervision_items(cli, "--as-of", (due - timedelta(days=1)).isoformat()) == []
    [item] = supervision_items(cli, "--as-of", due.isoformat())
    assert item["id"] == vol and item["days"] == 0
    assert f"supervision due {due.isoformat()}" in item["summary"]
    assert f"last supervision {last.isoformat()}" in item["summary"]
    [late] = supervision_items(cli)
    assert late["days"] == (TODAY - due).days
    cli("volunteer", "supervision", str(vol), "--kind", "phone")
    assert supervision_items(cli) == []
    cli("settings", "set", "supervision.every_weeks", "2")
    assert supervision_items(cli, "--as-of", (TODAY + timedelta(weeks=2)).isoformat())


def test_without_supervision_it_is_due_after_the_match_started(cli, db_path):
    vol = matched_volunteer(cli, db_path, start_days=50)
    [item] = supervision_items(cli)
    start = days_ago(50)
    assert item["days"] == (TODAY - (start + timedelta(weeks=6))).days
    assert f"since their match started {start.isoformat()}" in item["summary"]
    assert "Jo" not in item["summary"]
    assert "Jo Bloggs" in [i for i in cli.json("today", "--names")
                           if i["kind"] == "supervision"][0]["summary"]
    assert vol == item["id"]


def test_only_volunteers_with_an_active_match(cli, db_path):
    matched_volunteer(cli, db_path, start_days=100, status="paused")
    add_volunteer(db_path, first="Sam", last="Free")
    assert supervision_items(cli) == []


def test_supervision_refuses_bad_input(cli, db_path):
    vol = str(add_volunteer(db_path))
    cli("volunteer", "supervision", "99", "--kind", "phone", code=1)
    cli("volunteer", "supervision", vol, "--kind", "coffee", code=1)
    cli("volunteer", "supervision", vol, code=2)  # --kind is needed
    cli("volunteer", "supervision", vol, "--kind", "group",
        "--date", (TODAY + timedelta(days=1)).isoformat(), code=1)
    cli("volunteer", "supervision", vol, "--kind", "group", "--note", "x" * 2001, code=1)
    assert cli.json("volunteer", "show", vol)["supervisions"] == []


def test_trainings_many_per_volunteer_on_show(cli, db_path):
    vol = str(add_volunteer(db_path))
    first = cli("volunteer", "training", vol, "--course", "Induction",
                "--date", days_ago(400).isoformat())
    assert first.stdout.strip() == "1"
    cli("volunteer", "training", vol, "--course", "safeguarding",
        "--date", days_ago(30).isoformat())
    again = cli("volunteer", "training", vol, "--course", "safeguarding",
                "--date", days_ago(30).isoformat())
    assert "already recorded" in again.stderr
    cli("volunteer", "supervision", vol, "--kind", "group", "--date", days_ago(2).isoformat())
    shown = cli.json("volunteer", "show", vol)
    assert [(t["course"], t["date"]) for t in shown["trainings"]] == [
        ("induction", days_ago(400).isoformat()), ("safeguarding", days_ago(30).isoformat())]
    assert [(s["kind"], s["date"]) for s in shown["supervisions"]] == [
        ("group", days_ago(2).isoformat())]
    table = cli("volunteer", "show", vol).stdout
    assert "Supervision" in table and "Training" in table and "safeguarding" in table
    cli("volunteer", "show", vol, "--format", "csv")
    cli("volunteer", "training", vol, "--course", "  ", code=1)
    cli("volunteer", "training", "99", "--course", "induction", code=1)
    cli("volunteer", "training", vol, "--course", "induction",
        "--date", (TODAY + timedelta(days=1)).isoformat(), code=1)
