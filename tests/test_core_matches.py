"""Matches, visits, concerns, reviews and expenses on one Core Connection per command: read
commands start without the ORM, the models or pydantic; every write is recorded in the audit
trail explicitly; every stored timestamp is ``db.now()``; one way to insert a visit."""

from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from ivcli import db
from tests.conftest import run_noting_imports
from tests.test_matching import ON, add_volunteer, add_young
from tests.visits_helpers import days_ago, log, matched_young_person

ISO_NOW = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


def rows(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture
def explicit_audit(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Fail any write command that leaves a write for the audit trail's safety net: every
    (table, action) a statement wrote must have been recorded explicitly."""
    from ivcli.safety import audit

    left: list[tuple[str, str]] = []
    complete = audit.complete

    def checked(conn):  # type: ignore[no-untyped-def]
        written = conn.info.get("written", {})
        audited = conn.info.get("audited", set())
        left.extend(key for key in written if key not in audited)
        complete(conn)

    monkeypatch.setattr(audit, "complete", checked)
    return left


def updates(path: Path, table: str, record_id: int) -> list[set[str]]:
    """The fields of each update of a record, but updated_at (unchanged within a second)."""
    return [set(f.split(",")) - {"updated_at"} for (f,) in rows(
        path, "SELECT fields FROM audit_log WHERE table_name = ? AND record_id = ? "
        "AND action = 'update' ORDER BY id", (table, str(record_id)))]


def test_match_life_cycle_records_each_write_and_the_changed_fields(cli, db_path,
                                                                     explicit_audit):
    yp = add_young(db_path)
    vol = add_volunteer(db_path)
    m = int(cli("match", "propose", str(yp), str(vol), "--date", "2026-03-01").stdout)
    cli("match", "accept", str(m), "--date", "2026-03-03")
    cli("match", "start", str(m), "--date", "2026-03-05")
    cli("match", "pause", str(m), "--date", "2026-04-01", "--note", "exams")
    cli("match", "resume", str(m), "--date", "2026-05-01")
    cli("match", "end", str(m), "--reason", "volunteer_left", "--date", "2026-09-01",
        "--note", "moved away")
    assert explicit_audit == []
    assert rows(db_path, "SELECT count(*) FROM audit_log WHERE table_name = 'matches' AND "
                "record_id = ? AND action = 'insert'", (str(m),)) == [(1,)]
    assert updates(db_path, "matches", m) == [
        {"status", "decision_date"}, {"status", "start_date"}, {"status"}, {"status"},
        {"status", "end_date", "end_reason", "note"},
    ]
    (ref,) = rows(db_path, "SELECT id FROM referrals WHERE young_person_id = ?", (yp,))
    assert updates(db_path, "referrals", ref[0])[-3:] == [
        {"status"}, {"matched_date"}, {"status"}]
    events = rows(db_path, "SELECT id FROM match_events WHERE match_id = ?", (m,))
    logged = {r for (r,) in rows(db_path, "SELECT record_id FROM audit_log WHERE "
                                 "table_name = 'match_events' AND action = 'insert'")}
    assert {str(e) for (e,) in events} == logged and len(events) == 6
    # Stored timestamps are db.now()'s, on the match, its events and the referral it changed.
    stamps = rows(db_path, "SELECT created_at, updated_at FROM matches") + rows(
        db_path, "SELECT created_at, created_at FROM match_events") + rows(
        db_path, "SELECT updated_at, updated_at FROM referrals WHERE id = ?", (ref[0],))
    assert all(ISO_NOW.match(a) and ISO_NOW.match(b) for a, b in stamps), stamps


def test_visits_concerns_and_reviews_are_recorded_with_db_now(cli, db_path, tmp_path,
                                                              explicit_audit):
    _, m = matched_young_person(cli, db_path)
    log(cli, m, days_ago(20), "--concern", "something to follow up")
    log(cli, m, days_ago(10), "--cost", "4.50", "--cost-type", "food")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("match_id,date,hours,activity,concern\n"
                     f"{m},{days_ago(9).isoformat()},2,bowling,\n"
                     f"{m},{days_ago(8).isoformat()},2,museum,raised on the day\n"
                     f"{m},{days_ago(7).isoformat()},1.5,cafe,\n", encoding="utf-8")
    cli("visit", "import", str(sheet), "--quiet")
    concern = int(cli("concern", "open", str(m), "--text", "a phone call",
                      "--date", days_ago(5).isoformat()).stdout)
    cli("concern", "close", str(concern), "--note", "called the social worker")
    cli("match", "review", str(m), "--date", days_ago(3).isoformat(), "--with", "volunteer",
        "--with", "young-person")
    assert explicit_audit == []
    for table, n in (("visits", 5), ("concerns", 3), ("reviews", 2)):
        ids = {i for (i,) in rows(db_path, f"SELECT id FROM {table}")}
        assert len(ids) == n
        covered: set[int] = set()
        for first, last in rows(db_path, "SELECT record_id, record_to FROM audit_log WHERE "
                                "table_name = ? AND action = 'insert'", (table,)):
            covered |= set(range(int(first), int(last or first) + 1))
        assert covered == ids, table
        stamps = [c for (c,) in rows(db_path, f"SELECT created_at FROM {table}")]
        assert all(ISO_NOW.match(c) for c in stamps), (table, stamps)
    assert updates(db_path, "concerns", concern) == [{"close_note", "closed_date"}]
    # The concerns of the sheet and of 'visit log' point at their own visits.
    linked = rows(db_path, "SELECT v.activity, c.text FROM concerns c JOIN visits v "
                  "ON v.id = c.visit_id ORDER BY c.id")
    assert linked == [("cinema", "something to follow up"), ("museum", "raised on the day")]


def test_visit_log_and_visit_sheets_insert_through_one_function(cli, db_path, tmp_path,
                                                               monkeypatch):
    from ivcli.visits import log as visits

    calls: list[int] = []
    insert = visits.insert_visits

    def counted(conn, new):  # type: ignore[no-untyped-def]
        calls.append(len(new))
        return insert(conn, new)

    monkeypatch.setattr(visits, "insert_visits", counted)
    _, m = matched_young_person(cli, db_path)
    log(cli, m, days_ago(20))
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("match_id,date,hours,activity\n"
                     f"{m},{days_ago(9).isoformat()},2,bowling\n"
                     f"{m},{days_ago(8).isoformat()},2,museum\n", encoding="utf-8")
    cli("visit", "import", str(sheet), "--quiet")
    assert calls == [1, 2]


def test_insert_visits_gives_each_row_its_ids_in_order(cli, db_path):
    from ivcli.visits import log as visits
    from ivcli.visits.rows import VisitRow

    _, m = matched_young_person(cli, db_path)
    log(cli, m, days_ago(30))  # ids start after the ones held
    new = [VisitRow(0, m, days_ago(10 - i), 60, f"visit {i}",
                    concern="follow up" if i in (1, 3) else None) for i in range(5)]
    with db.writer(db_path, command="test") as conn:
        got = visits.insert_visits(conn, new)
    held = dict(rows(db_path, "SELECT activity, id FROM visits"))
    concern_of = dict(rows(db_path, "SELECT visit_id, id FROM concerns"))
    assert got == [(held[f"visit {i}"], concern_of.get(held[f"visit {i}"])) for i in range(5)]
    assert [c is not None for _, c in got] == [False, True, False, True, False]


def test_suggestions_keep_the_age_wish_to_the_day(cli, db_path):
    """Ages are worked out in Python (no strftime in SQL) and the SQL prefilter by date of
    birth drops nobody the rule keeps: a wish for 25 to 30 keeps the volunteer who turned 25
    today and the one turning 31 tomorrow, not the one turning 25 tomorrow nor the one who
    turned 31 today."""
    yp = add_young(db_path, profile={"iv_age_min": 25, "iv_age_max": 30})

    def born(years: int, days: int = 0) -> date:
        return ON.replace(year=ON.year - years) + timedelta(days=days)

    too_young = add_volunteer(db_path, born=born(25, 1))
    youngest = add_volunteer(db_path, born=born(25))
    oldest = add_volunteer(db_path, born=born(31, 1))
    too_old = add_volunteer(db_path, born=born(31))
    found = {s["volunteer_id"] for s in cli.json("match", "suggest", str(yp), "--top", "10",
                                                  "--as-of", ON.isoformat())}
    assert found == {youngest, oldest}
    assert "age" in cli("match", "propose", str(yp), str(too_young), "--date",
                        ON.isoformat(), code=1).stderr
    assert "age" in cli("match", "propose", str(yp), str(too_old), "--date",
                        ON.isoformat(), code=1).stderr


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os
    import subprocess
    import sys

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    env = dict(os.environ, IVCLI_DB=str(path), HOME=str(path.parent / "home"))
    subprocess.run([sys.executable, "-m", "ivcli", "demo"], env=env, check=True,
                   capture_output=True, cwd=Path(__file__).parent.parent)
    return path


READS = [
    ("match", "list"),
    ("match", "list", "--status", "active"),
    ("match", "show", "1"),
    ("match", "suggest", "--all"),
    ("visit", "list"),
    ("visit", "list", "1", "--month", "this"),
    ("concern", "list", "--all"),
    ("expenses",),
    ("expenses", "--month", "last", "--format", "json"),
]


@pytest.mark.slow
@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_read_commands_start_without_the_orm(demo_db, monkeypatch, args):
    monkeypatch.setenv("IVCLI_DB", str(demo_db))
    code, _, err, heavy = run_noting_imports(*args)
    assert code == 0, err
    assert heavy == []


@pytest.mark.slow
def test_suggest_for_one_young_person_starts_without_the_orm(demo_db, monkeypatch):
    monkeypatch.setenv("IVCLI_DB", str(demo_db))
    (yp,) = rows(demo_db, "SELECT young_person_id FROM referrals WHERE status = 'accepted' "
                 "ORDER BY id LIMIT 1")[0]
    code, _, err, heavy = run_noting_imports("match", "suggest", str(yp))
    assert code == 0, err
    assert heavy == []
