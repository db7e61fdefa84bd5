"""Concerns about anyone (issue 14 point 5): a young person, a volunteer or a match; categories,
who was told and when, escalation on `ivcli today`, an allegation holding the volunteer."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest

from tests.visits_helpers import (
    TODAY,
    add_match,
    add_volunteer,
    add_young_person,
    count,
    days_ago,
    log,
    matched_young_person,
)


def friday_before(d: date) -> date:
    return d - timedelta(days=(d.weekday() - 4) % 7)


FRIDAY = friday_before(days_ago(14))
MONDAY, TUESDAY = FRIDAY + timedelta(days=3), FRIDAY + timedelta(days=4)


def kinds(cli, kind: str, *args: str) -> list[dict]:
    return [i for i in cli.json("today", *args) if i["kind"] == kind]


def test_a_concern_about_a_child_on_the_waiting_list_is_opened_and_closed(cli, db_path):
    ref = add_young_person(cli, first="Zebedee", last="Quill")
    yp = ref["young_person_id"]
    secret = "Foster carer says they are not eating"
    result = cli("concern", "open", "--young-person", str(yp), "--category", "wellbeing",
                 "--date", days_ago(3).isoformat(), "--summary", secret)
    cid = int(result.stdout)
    assert f"about young person {yp}" in result.stderr and secret not in result.stderr
    [row] = cli.json("concern", "list")
    assert {k: row[k] for k in ("id", "subject", "subject_id", "category", "opened", "status",
                                "escalation_due", "told")} == {
        "id": cid, "subject": "young_person", "subject_id": yp, "category": "wellbeing",
        "opened": days_ago(3).isoformat(), "status": "open", "escalation_due": None,
        "told": []}
    [item] = kinds(cli, "concern")
    assert item["id"] == cid and f"about young person {yp}" in item["summary"]
    assert secret not in cli("today", "--names").stdout
    assert "Zebedee" in cli("today", "--names").stdout
    [named] = cli.json("concern", "list", "--names")
    assert named["young_person"] == "Zebedee Quill" and named["volunteer"] is None
    cli("concern", "close", str(cid), "--outcome", "Carer's GP appointment made")
    assert cli.json("concern", "list") == []
    [closed] = cli.json("concern", "list", "--all")
    assert closed["status"] == "closed" and closed["close_note"].startswith("Carer's GP")


def test_exactly_one_subject(cli, db_path):
    ref = add_young_person(cli)
    vol = add_volunteer(db_path)
    yp = str(ref["young_person_id"])
    both = cli("concern", "open", "--young-person", yp, "--volunteer", str(vol),
               "--summary", "x", code=2)
    assert "exactly one" in both.stderr
    none = cli("concern", "open", "--summary", "x", "--no-input", code=2)
    assert "--young-person" in none.stderr
    cli("concern", "open", "--young-person", "99", "--summary", "x", code=1)
    assert "no volunteer 98" in cli("concern", "open", "--volunteer", "98", "--summary", "x",
                                    code=1).stderr
    cli("concern", "open", "--match", "97", "--summary", "x", code=1)
    cli("concern", "open", "--young-person", yp, "--category", "nonsense", "--summary", "x",
        code=1)  # a bad value is exit 1
    cli("concern", "open", "--young-person", yp, "--summary", "x",
        "--date", (TODAY + timedelta(days=1)).isoformat(), code=1)
    # --no-hold belongs to an allegation about a volunteer only
    cli("concern", "open", "--young-person", yp, "--summary", "x", "--no-hold", "--because",
        "y", code=2)
    assert count(db_path, "concerns") == 0


def test_the_old_forms_still_work(cli, db_path):
    _, m = matched_young_person(cli, db_path, start=days_ago(60))
    cid = cli("concern", "open", str(m), "--text", "Carer phoned").stdout.strip()
    [row] = cli.json("concern", "list")
    assert (row["subject"], row["subject_id"], row["category"]) == ("match", m, "other")
    cli("concern", "close", cid, "--note", "ok")
    log(cli, m, days_ago(2), "--concern", "On a visit")
    [row] = cli.json("concern", "list")
    assert row["visit_id"] == 1 and row["subject"] == "match"
    # a match concern still needs a started match
    cli("concern", "open", "--match", str(m), "--summary", "x",
        "--date", days_ago(61).isoformat(), code=1)


def test_safeguarding_concern_escalates_until_someone_is_told(cli, db_path):
    ref = add_young_person(cli)
    yp = str(ref["young_person_id"])
    cid = cli("concern", "open", "--young-person", yp, "--category", "safeguarding",
              "--date", FRIDAY.isoformat(), "--summary", "Bruise").stdout.strip()
    [row] = cli.json("concern", "list")
    assert row["escalation_due"] == MONDAY.isoformat()  # one working day after a Friday
    [due] = kinds(cli, "escalation", "--as-of", FRIDAY.isoformat())
    assert due["id"] == int(cid) and due["days"] == -3 and "due by" in due["summary"]
    [late] = kinds(cli, "escalation", "--as-of", TUESDAY.isoformat())
    assert late["days"] == 1 and "overdue since" in late["summary"]
    assert "Bruise" not in late["summary"]
    # cannot be closed before anyone is told
    assert "must be told first" in cli("concern", "close", cid, "--outcome", "x",
                                       code=1).stderr
    cli("concern", "action", cid, "--told", "social_worker", "--date", TUESDAY.isoformat(),
        "--note", "Strategy discussion")
    assert kinds(cli, "escalation") == []
    assert kinds(cli, "escalation", "--as-of", MONDAY.isoformat())  # not yet told then
    [row] = cli.json("concern", "list")
    assert row["told"] == [{"to": "social_worker", "date": TUESDAY.isoformat()}]
    assert "social_worker " + TUESDAY.isoformat() in cli("concern", "list",
                                                         "--format", "csv").stdout
    cli("concern", "close", cid, "--outcome", "Section 47 enquiry")


def test_action_refuses_bad_input(cli, db_path):
    ref = add_young_person(cli)
    cid = cli("concern", "open", "--young-person", str(ref["young_person_id"]),
              "--date", days_ago(5).isoformat(), "--summary", "x").stdout.strip()
    cli("concern", "action", "99", "--told", "dsl", code=1)
    cli("concern", "action", cid, "--told", "neighbour", code=1)
    cli("concern", "action", cid, "--told", "dsl", "--date", days_ago(6).isoformat(), code=1)
    cli("concern", "action", cid, "--told", "dsl",
        "--date", (TODAY + timedelta(days=1)).isoformat(), code=1)
    assert count(db_path, "concern_actions") == 0


def test_allegation_holds_the_volunteer_and_pauses_the_match(cli, db_path):
    """Acceptance: an allegation about a matched volunteer puts them on hold and pauses the
    match; `today` shows the escalation until the LADO is told."""
    ref = add_young_person(cli)
    vol = add_volunteer(db_path)
    m = add_match(db_path, ref["young_person_id"], volunteer_id=vol, start=days_ago(100),
                  referral_id=ref["id"])
    result = cli("concern", "open", "--volunteer", str(vol), "--category", "allegation",
                 "--date", FRIDAY.isoformat(), "--summary", "Young person disclosed")
    cid = result.stdout.strip()
    assert f"Volunteer {vol} is on hold" in result.stderr and f"Paused match(es) {m}" in \
        result.stderr
    assert cli.json("volunteer", "show", str(vol))["status"] == "on_hold"
    assert cli.json("match", "show", str(m))["status"] == "paused"
    [item] = kinds(cli, "escalation")
    assert item["id"] == int(cid) and "the LADO" in item["summary"]
    assert item["days"] == (TODAY - MONDAY).days
    # someone other than the LADO does not end it
    out = cli("concern", "action", cid, "--told", "manager", "--date", MONDAY.isoformat())
    assert "still needs the LADO" in out.stderr
    assert kinds(cli, "escalation")
    cli("concern", "action", cid, "--told", "lado", "--date", MONDAY.isoformat())
    assert kinds(cli, "escalation") == []
    [row] = cli.json("concern", "list")
    assert [t["to"] for t in row["told"]] == ["manager", "lado"]
    assert (row["subject"], row["subject_id"]) == ("volunteer", vol)


def test_allegation_without_hold_needs_a_reason(cli, db_path):
    ref = add_young_person(cli)
    vol = add_volunteer(db_path)
    m = add_match(db_path, ref["young_person_id"], volunteer_id=vol, start=days_ago(100))
    args = ("concern", "open", "--volunteer", str(vol), "--category", "allegation",
            "--summary", "Historic, outside the role")
    assert "--because" in cli(*args, "--no-hold", "--no-input", code=2).stderr
    cli(*args, "--because", "x", code=2)  # --because without --no-hold
    cli(*args, "--no-hold", "--because", "LADO advised no action needed on the role")
    assert cli.json("volunteer", "show", str(vol))["status"] == "approved"
    assert cli.json("match", "show", str(m))["status"] == "active"
    notes = sqlite3.connect(db_path).execute("SELECT hold_note FROM concerns").fetchall()
    assert notes == [("LADO advised no action needed on the role",)]


def test_a_second_allegation_about_a_held_volunteer_is_recorded(cli, db_path):
    vol = add_volunteer(db_path)
    cli("volunteer", "hold", str(vol), "--reason", "Personal")
    result = cli("concern", "open", "--volunteer", str(vol), "--category", "allegation",
                 "--summary", "x")
    assert "is on hold" not in result.stderr
    assert cli.json("volunteer", "show", str(vol))["status"] == "on_hold"


@pytest.mark.parametrize("subject", ["young_person", "volunteer", "match"])
def test_concern_text_stays_out_of_today_and_shared_lists(cli, db_path, subject):
    yp, m = matched_young_person(cli, db_path, start=days_ago(60))
    vol = cli.json("match", "show", str(m))["volunteer_id"]
    ids = {"young_person": yp, "volunteer": vol, "match": m}
    secret = "A very private worry"
    cli("concern", "open", f"--{subject.replace('_', '-')}", str(ids[subject]),
        "--category", "safeguarding", "--summary", secret)
    for args in (("today",), ("today", "--format", "json", "--names"), ("visit", "list"),
                 ("match", "list"), ("volunteer", "list"), ("referral", "list")):
        assert secret not in cli(*args).stdout


def test_existing_concerns_become_match_concerns(cli, db_path, tmp_path):
    """Migration 013 keeps every concern, about its match, category other."""
    from ivcli import db, migrations

    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    conn.execute("BEGIN")
    before = [m for m in migrations.MIGRATIONS if m[0] < "013"]
    conn.execute("CREATE TABLE schema_migrations (seq INTEGER PRIMARY KEY, name TEXT NOT NULL "
                 "UNIQUE, applied_at DATETIME NOT NULL)")
    for name, fn in before:
        fn(conn)
        conn.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, 'x')",
                     (name,))
    stamp = "2026-01-01T00:00:00+00:00"
    conn.execute("INSERT INTO young_people (id, first_name, last_name, name_key, first_key, "
                 "last_key, date_of_birth, created_at, updated_at) VALUES (1, 'a', 'b', 'a|b', "
                 "'a', 'b', '2014-01-01', ?, ?)", (stamp, stamp))
    conn.execute("INSERT INTO volunteers (id, first_name, last_name, name_key, date_of_birth, "
                 "created_at, updated_at) VALUES (1, 'c', 'd', 'c|d', '1980-01-01', ?, ?)",
                 (stamp, stamp))
    conn.execute("INSERT INTO matches (id, young_person_id, volunteer_id, status, "
                 "proposed_date, start_date, created_at, updated_at) VALUES (1, 1, 1, 'active', "
                 "'2025-01-01', '2025-02-01', ?, ?)", (stamp, stamp))
    conn.execute("INSERT INTO volunteer_checks (volunteer_id, step, date, created_at) VALUES "
                 "(1, 'training', '2025-01-10', ?)", (stamp,))
    conn.execute("INSERT INTO concerns (match_id, opened_date, text, created_at) VALUES "
                 "(1, '2025-03-01', 'worry', ?)", (stamp,))
    conn.commit()
    conn.close()
    db.prepare(old, write=True)
    conn = sqlite3.connect(old)
    assert conn.execute("SELECT match_id, young_person_id, volunteer_id, category, text FROM "
                        "concerns").fetchall() == [(1, None, None, "other", "worry")]
    conn.close()
