"""Issue 13, point 6: a match's history holds together; `match correct`; `ivcli check`."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest

from tests.conftest import file_sha256
from tests.test_matching import add_volunteer, add_young

TODAY = date.today()
ACCEPTED = TODAY - timedelta(days=100)


def d(days_ago: int) -> str:
    return (TODAY - timedelta(days=days_ago)).isoformat()


@pytest.fixture
def pair(db_path) -> tuple[int, int]:
    return (add_young(db_path, born=date(2013, 6, 1), accepted=ACCEPTED),
            add_volunteer(db_path, born=date(1980, 1, 1)))


def test_a_proposal_before_the_referrals_acceptance_exits_1_and_writes_nothing(cli, db_path,
                                                                               pair):
    yp, vol = pair
    before = file_sha256(db_path)
    r = cli("match", "propose", str(yp), str(vol), "--date", d(101), code=1)
    assert f"before referral 1 was accepted on {ACCEPTED.isoformat()}" in r.stderr
    assert file_sha256(db_path) == before
    r = cli("match", "propose", str(yp), str(vol), "--date",
            (TODAY + timedelta(days=1)).isoformat(), code=1)
    assert "after today" in r.stderr
    assert file_sha256(db_path) == before
    cli("match", "propose", str(yp), str(vol), "--date", ACCEPTED.isoformat())


def test_each_step_on_or_after_the_one_before_and_never_after_today(cli, db_path, pair):
    yp, vol = pair
    m = cli("match", "propose", str(yp), str(vol), "--date", d(50)).stdout.strip()
    before = file_sha256(db_path)
    assert "before match" in cli("match", "accept", m, "--date", d(51), code=1).stderr
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    assert "after today" in cli("match", "accept", m, "--date", tomorrow, code=1).stderr
    assert file_sha256(db_path) == before
    cli("match", "accept", m, "--date", d(40))
    assert "before match" in cli("match", "start", m, "--date", d(41), code=1).stderr
    assert "after today" in cli("match", "start", m, "--date", tomorrow, code=1).stderr
    cli("match", "start", m, "--date", d(30))
    assert "after today" in cli("match", "end", m, "--reason", "planned", "--date", tomorrow,
                                code=1).stderr


def test_match_correct_fixes_a_date_within_the_rules_and_is_audited(cli, db_path, pair):
    yp, vol = pair
    m = cli("match", "propose", str(yp), str(vol), "--date", d(50)).stdout.strip()
    cli("match", "accept", m, "--date", d(40))
    cli("match", "start", m, "--date", d(30))
    cli("visit", "log", m, "--date", d(20), "--hours", "2", "--activity", "cinema")
    before = file_sha256(db_path)
    for step, day, says in (
        ("proposed", d(101), "before referral 1 was accepted"),
        ("proposed", d(39), "cannot be after its step on"),
        ("accepted", d(51), "cannot be before its step on"),
        ("started", d(19), "has a visit on"),
        ("started", (TODAY + timedelta(days=1)).isoformat(), "after today"),
    ):
        r = cli("match", "correct", m, "--step", step, "--date", day, code=1)
        assert says in r.stderr, (step, r.stderr)
    r = cli("match", "correct", m, "--step", "ended", "--date", d(5), code=1)
    assert "has no ended step" in r.stderr
    cli("match", "correct", m, "--step", "unknown", "--date", d(5), code=1)
    cli("match", "correct", "99", "--step", "started", "--date", d(5), code=1)
    assert file_sha256(db_path) == before
    out = cli.json("match", "correct", m, "--step", "started", "--date", d(25))
    assert out["start_date"] == d(25)
    events = {e["event"]: e["date"] for e in
              [dict(zip(("date", "event"), r, strict=True)) for r in sqlite3.connect(db_path)
               .execute("SELECT date, event FROM match_events").fetchall()]}
    assert events["started"] == d(25)
    conn = sqlite3.connect(db_path)
    audited = conn.execute("SELECT table_name, fields FROM audit_log WHERE command = "
                           "'match correct'").fetchall()
    assert ("matches", json.dumps(["start_date"])) in audited or any(
        t == "matches" and "start_date" in f for t, f in audited)
    assert any(t == "match_events" for t, _ in audited)
    assert conn.execute("SELECT matched_date FROM referrals").fetchone() == (d(25),)
    conn.close()
    r = cli("match", "correct", m, "--step", "proposed", "--date", d(45))
    assert "proposed step is dated" in r.stderr


def test_check_reports_a_history_that_breaks_the_rules(cli, db_path, pair):
    yp, vol = pair
    m = cli("match", "propose", str(yp), str(vol), "--date", d(50)).stdout.strip()
    cli("match", "accept", m, "--date", d(40))
    cli("match", "start", m, "--date", d(30))
    cli("check")
    conn = sqlite3.connect(db_path)  # older data, before ivcli checked the dates
    conn.execute("UPDATE matches SET proposed_date = ?, start_date = ?", (d(120), d(45)))
    conn.commit()
    conn.close()
    r = cli("check", code=1)
    assert "match_history" in r.stdout
    rows = {c["check"]: c for c in json.loads(cli("check", "--format", "json",
                                                  code=1).stdout)}
    detail = rows["match_history"]["detail"]
    assert f"match {m} was proposed on {d(120)} before referral 1 was accepted" in detail
    assert f"match {m} started on {d(45)}, before it was accepted on {d(40)}" in detail
    assert "ivcli match correct" in detail
    assert rows["invariants"]["ok"]
