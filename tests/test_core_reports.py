"""Reports, the agenda, privacy, safety, settings and the demo on one Core Connection
(docs/architecture.md, "One connection per command"): the read commands start without the ORM,
the models or pydantic; every write is recorded explicitly in the audit trail; the SQL is
portable."""

from __future__ import annotations

import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import run_noting_imports

PACKAGE = Path(__file__).parent.parent / "ivcli"


def rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture
def demo_db(cli, db_path: Path) -> Path:
    cli("demo")
    return db_path


READ_COMMANDS = [
    ("today", "--format", "json"),
    ("today", "--names"),
    ("report", "monthly", "--month", "last", "--format", "json"),
    ("report", "monthly", "--detail"),
    ("report", "annual", "--format", "csv"),
    ("settings", "list", "--format", "json"),
    ("check",),
    ("audit", "--limit", "5"),
    ("retention", "--format", "json"),
    ("subject-export", "1"),
    ("subject-export", "--volunteer", "1"),
]


@pytest.mark.slow
@pytest.mark.parametrize("args", READ_COMMANDS, ids=" ".join)
def test_read_commands_start_without_the_orm(demo_db: Path, args: tuple[str, ...]) -> None:
    code, out, err, heavy = run_noting_imports(*args)
    assert code == 0, err
    assert out
    assert heavy == []


def test_the_demo_marker_is_recorded_explicitly(demo_db: Path) -> None:
    """Not by the safety net's table-level entry (record id empty)."""
    assert rows(demo_db, "SELECT action FROM audit_log WHERE table_name = 'settings' "
                "AND record_id = 'demo.database'") == [("insert",)]
    assert rows(demo_db, "SELECT count(*) FROM audit_log WHERE table_name = 'settings' "
                "AND record_id IS NULL") == [(0,)]


def _ended_young_person(cli) -> int:
    """Young person 1 of the demo, with no open match (so erasable)."""
    from ivcli import db

    with db.reader(Path(__import__("os").environ["IVCLI_DB"])) as conn:
        from sqlalchemy import text

        open_ = {r[0] for r in conn.execute(text(
            "SELECT young_person_id FROM matches WHERE status IN "
            "('proposed', 'accepted', 'active', 'paused')"))}
        ids = [r[0] for r in conn.execute(text(
            "SELECT y.id FROM young_people y WHERE EXISTS (SELECT 1 FROM matches m "
            "WHERE m.young_person_id = y.id) ORDER BY y.id"))]
        free = [r[0] for r in conn.execute(text("SELECT id FROM young_people ORDER BY id"))
                if r[0] not in open_]
    return next((i for i in ids if i not in open_), free[0])


def test_erase_records_every_update_itself_and_stamps_db_now(cli, demo_db: Path) -> None:
    yp = _ended_young_person(cli)
    before = rows(demo_db, "SELECT max(id) FROM audit_log")[0][0]
    cli("erase", "young-person", str(yp), "--yes")
    new = rows(demo_db, f"SELECT table_name, record_id, action, fields FROM audit_log "
               f"WHERE id > {before}")
    assert new and all(r[1] is not None and r[2] == "update" for r in new), new
    assert ("young_people", str(yp)) in {(r[0], r[1]) for r in new}
    (first, dob, updated), = rows(demo_db, "SELECT first_name, date_of_birth, updated_at "
                                  f"FROM young_people WHERE id = {yp}")
    assert first == "erased" and dob.endswith("-01")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", updated)
    cli("check")


def test_settings_set_and_reset_are_recorded_as_what_they_did(cli, db_path: Path) -> None:
    """A first value is an insert, a second an update: each recorded by the command itself,
    so the safety net adds no table-level entry (an upsert was an insert to it)."""
    cli("settings", "set", "visit.overdue_days", "30")
    cli("settings", "set", "visit.overdue_days", "31")
    cli("settings", "reset", "visit.overdue_days")
    assert rows(db_path, "SELECT table_name, record_id, action, fields FROM audit_log") == [
        ("settings", "visit.overdue_days", "insert", None),
        ("settings", "visit.overdue_days", "update", "value"),
        ("settings", "visit.overdue_days", "delete", None)]
    assert rows(db_path, "SELECT value FROM settings") == []


def test_subject_export_is_stamped_with_db_now(cli, demo_db: Path) -> None:
    import json

    data = json.loads(cli("subject-export", "1").stdout)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", data["exported_at"])


def test_a_report_leaves_no_table_behind(cli, demo_db: Path) -> None:
    """The accepted referrals are a common table expression, not a temporary table: the
    report runs on a connection that may not create one."""
    from ivcli import db
    from ivcli.reports import aggregates as reports
    from ivcli.reports.period import monthly_period

    with db.reader(demo_db) as conn:
        conn.exec_driver_sql("PRAGMA query_only = ON")
        report = reports.build(conn, monthly_period("last", date.today()), detail=True)
    assert report["waiting_at_end"] >= 0


# SQLite's own date functions, temporary tables and ``?`` placeholders: not portable.
NOT_PORTABLE = re.compile(r"julianday\(|strftime\('%|date\(\w+, :|datetime\('now'\)|"
                          r"CREATE TEMP|temp\.|INSERT OR IGNORE|printf\(|\"\?\"|= \?")


@pytest.mark.parametrize("module", ["reports/aggregates", "reports/queries", "reports/period",
                                    "reports/publishing", "reports/today", "safety/privacy",
                                    "safety/check", "stored_settings", "demo"])
def test_the_sql_is_portable(module: str) -> None:
    source = (PACKAGE / f"{module}.py").read_text(encoding="utf-8")
    assert NOT_PORTABLE.findall(source) == []
