"""Retention respects safeguarding (issue 14 point 6), and subject export and erasure cover the
new records: concerns about a person, who was told, supervision and training."""

from __future__ import annotations

import json
import sqlite3

from tests.visits_helpers import TODAY, add_match, add_volunteer, add_young_person, days_ago


def rows(db_path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def set_left(db_path, *ids: int) -> None:
    conn = sqlite3.connect(db_path)
    with conn:
        conn.executemany("UPDATE volunteers SET status = 'left' WHERE id = ?",
                         [(i,) for i in ids])
    conn.close()


def test_a_volunteer_with_an_allegation_is_kept_until_65_or_10_years(cli, db_path):
    plain = add_volunteer(db_path, first="Ann", last="Plain")  # born 1980-05-05
    accused = add_volunteer(db_path, first="Bob", last="Accused")
    cli("concern", "open", "--volunteer", str(accused), "--category", "allegation",
        "--summary", "An allegation", "--no-hold", "--because", "Already left the scheme")
    set_left(db_path, plain, accused)
    result = cli("retention", "--as-of", "2040-01-01", "--format", "json")
    assert [(d["kind"], d["id"]) for d in json.loads(result.stdout)] == [("volunteer", plain)]
    assert (f"volunteer {accused} is past its retention period" in result.stderr
            and "kept until 2045-05-05" in result.stderr
            and "concern 1 (allegation)" in result.stderr
            and "Bob" not in result.stderr)
    cli("retention", "--as-of", "2040-01-01", "--apply", "--yes")
    assert rows(db_path, "SELECT id FROM volunteers WHERE first_name = 'erased'") == [(plain,)]
    # After the 65th birthday (later than 10 years from now) they go too.
    due = cli.json("retention", "--as-of", "2045-05-05")
    assert [(d["kind"], d["id"]) for d in due] == [("volunteer", accused)]


def test_ten_years_after_the_latest_when_that_is_later(cli, db_path):
    vol = add_volunteer(db_path)
    cli("concern", "open", "--volunteer", str(vol), "--category", "safeguarding",
        "--summary", "x")
    set_left(db_path, vol)
    cli("settings", "set", "retention.safeguarding_until_age", "50")  # 2030: earlier
    later = TODAY.replace(year=TODAY.year + 10)
    result = cli("retention", "--as-of", later.replace(year=later.year - 1).isoformat())
    assert f"kept until {later.isoformat()}" in result.stderr
    assert [d["id"] for d in cli.json("retention", "--as-of", later.isoformat())] == [vol]


def test_a_match_ended_for_safeguarding_keeps_both_people(cli, db_path):
    ref = add_young_person(cli, dob="01/02/2014")  # 25 on 2039-02-01
    vol = add_volunteer(db_path)
    m = add_match(db_path, ref["young_person_id"], volunteer_id=vol, start=days_ago(100),
                  referral_id=ref["id"])
    cli("match", "end", str(m), "--reason", "safeguarding", "--close",
        "--date", days_ago(1).isoformat())
    set_left(db_path, vol)
    cli("settings", "set", "retention.safeguarding_years", "20")
    result = cli("retention", "--as-of", "2040-01-01", "--format", "json")
    assert json.loads(result.stdout) == []
    assert f"young person {ref['young_person_id']} is past its retention period" in \
        result.stderr
    assert f"match {m} ended for safeguarding" in result.stderr
    assert f"volunteer {vol} is past" in result.stderr
    # Other concerns do not hold anyone back.
    cli("settings", "reset", "retention.safeguarding_years")
    due = cli.json("retention", "--as-of", "2047-01-01")
    assert {d["kind"] for d in due} == {"young_person", "volunteer"}


def test_a_wellbeing_concern_does_not_hold_anyone_back(cli, db_path):
    vol = add_volunteer(db_path)
    cli("concern", "open", "--volunteer", str(vol), "--category", "practice",
        "--summary", "Late twice")
    set_left(db_path, vol)
    assert [d["id"] for d in cli.json("retention", "--as-of", "2040-01-01")] == [vol]


def test_export_and_erasure_cover_concerns_actions_supervision_and_training(cli, db_path):
    secret = "Zanzibar"
    ref = add_young_person(cli)
    yp = ref["young_person_id"]
    cid = cli("concern", "open", "--young-person", str(yp), "--category", "safeguarding",
              "--summary", f"{secret} said so").stdout.strip()
    cli("concern", "action", cid, "--told", "social_worker", "--note", f"Told about {secret}")
    vol = add_volunteer(db_path)
    cli("volunteer", "supervision", str(vol), "--kind", "phone", "--note", f"{secret} again",
        "--date", days_ago(3).isoformat())
    cli("volunteer", "training", str(vol), "--course", "safeguarding",
        "--date", days_ago(30).isoformat())
    sar = json.loads(cli("subject-export", str(yp)).stdout)
    assert sar["records"]["concerns"][0]["text"] == f"{secret} said so"
    assert sar["records"]["concern_actions"][0]["told"] == "social_worker"
    mine = json.loads(cli("subject-export", "--volunteer", str(vol)).stdout)
    assert mine["records"]["volunteer_supervisions"][0]["note"] == f"{secret} again"
    assert [t["course"] for t in mine["records"]["volunteer_trainings"]] == ["safeguarding"]
    cli("erase", "young-person", str(yp), "--yes")
    cli("erase", "volunteer", str(vol), "--yes")
    assert rows(db_path, "SELECT text FROM concerns") == [("erased",)]
    assert rows(db_path, "SELECT told, note FROM concern_actions") == [("social_worker", None)]
    assert rows(db_path, "SELECT kind, note FROM volunteer_supervisions") == [("phone", None)]
    assert secret.encode() not in db_path.read_bytes()
