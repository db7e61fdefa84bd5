"""Issue 17 (team mode): the same ivcli on PostgreSQL.

The end-to-end tests take ``backend`` (tests/conftest.py): each runs on an SQLite file and again
on a new PostgreSQL database (marked slow; skipped, saying why, when IVCLI_TEST_PG names no
server). The rest: the URL rules (no password, sslmode), the migrations' translation, and two
processes proposing the same volunteer at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import pg_skip_reason, pg_sql, vet_fully

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "docs" / "examples"
TODAY = date.today()
CORE = ("--long-term-care-plan", "yes", "--consent", "yes", "--carer-support", "yes",
        "--social-isolation", "yes")


def add_referral(cli, first: str = "Amy", born: str = "01/02/2014", **kw: str) -> int:
    r = cli("--no-input", "referral", "add", "--first-name", first, "--last-name", "Lee",
            "--date-of-birth", born, *CORE, "--format", "json")
    return int(json.loads(r.stdout)["id"])


def approved_volunteer(cli, first: str = "Ann") -> int:
    """A volunteer vetted and approved 100 days ago."""
    vid = int(cli("volunteer", "add", "--first-name", first, "--last-name", "Smith",
                  "--date-of-birth", "01/02/1980", "--application-date", "01/01/2025"
                  ).stdout.strip())
    on = (TODAY - timedelta(days=100)).isoformat()
    vet_fully(cli, vid, on)
    cli("volunteer", "approve", str(vid), "--date", on)
    return vid


def young_person_of(cli, referral_id: int) -> int:
    return int(cli.json("referral", "show", str(referral_id))["young_person_id"])


# ---------------------------------------------------------------------------------------------
# The same commands, the same output, on both


def test_referrals_add_import_accept_and_audit(cli, backend):
    rid = add_referral(cli)
    cli("referral", "accept", str(rid))
    r = cli("referral", "import", str(EXAMPLES / "referrals.csv"))
    assert "Added 25 referral(s)" in r.stderr
    listed = cli.json("referral", "list")
    assert len(listed) == 26
    [first] = [r for r in listed if r["id"] == rid]
    assert first["status"] == "accepted" and first["first_name"] == "Amy"
    again = cli("referral", "import", str(EXAMPLES / "referrals.csv"))  # nothing new
    assert "Added 0 referral(s); 25 unchanged" in again.stderr
    assert len(cli.json("referral", "list")) == 26
    entries = cli.json("audit", "--limit", "0")
    assert [(e["command"], e["table_name"], e["action"]) for e in entries[:2]] == [
        ("referral add", "young_people", "insert"), ("referral add", "referrals", "insert")]
    assert any(e["command"] == "referral import" and e["record_to"] for e in entries)
    checks = {c["check"]: c["ok"] for c in cli.json("check")}
    assert checks["audit_chain"] and checks["invariants"], checks


def test_a_bad_import_is_all_or_nothing(cli, backend, tmp_path):
    good = (EXAMPLES / "referrals.csv").read_text(encoding="utf-8-sig").splitlines()
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([*good[:4], good[4].replace("01/", "41/", 1)]) + "\n")
    add_referral(cli)
    cli("referral", "import", str(bad), code=1)
    assert len(cli.json("referral", "list")) == 1


def test_volunteer_match_visit_today_and_report(cli, backend):
    rid = add_referral(cli)
    cli("referral", "accept", str(rid), "--date", (TODAY - timedelta(days=60)).isoformat())
    vid = approved_volunteer(cli)
    yp = young_person_of(cli, rid)
    m = cli("match", "propose", str(yp), str(vid), "--date",
            (TODAY - timedelta(days=50)).isoformat()).stdout.strip()
    cli("match", "accept", m, "--date", (TODAY - timedelta(days=49)).isoformat())
    cli("match", "start", m, "--date", (TODAY - timedelta(days=40)).isoformat())
    cli("visit", "log", m, "--date", (TODAY - timedelta(days=3)).isoformat(), "--hours", "2",
        "--activity", "Cinema", "--cost", "3.50", "--cost-type", "travel")
    [visit] = cli.json("visit", "list")
    assert (visit["cost"], visit["cost_type"]) == ("3.50", "travel")
    today = cli.json("today")
    assert isinstance(today, list)
    month = (TODAY - timedelta(days=3)).strftime("%Y-%m")
    report = cli.json("report", "monthly", "--month", month)
    assert json.dumps(report)  # the whole report, as JSON
    shown = cli.json("match", "show", m)
    assert shown["status"] == "active"
    commands = {e["command"] for e in cli.json("audit", "--limit", "0")}
    assert {"volunteer approve", "match propose", "match start", "visit log"} <= commands


def test_capacity_one_refuses_a_second_proposal(cli, backend):
    vid = approved_volunteer(cli)
    a, b = add_referral(cli, "Amy"), add_referral(cli, "Bea", "03/04/2013")
    for rid in (a, b):
        cli("referral", "accept", str(rid))
    cli("match", "propose", str(young_person_of(cli, a)), str(vid))
    r = cli("match", "propose", str(young_person_of(cli, b)), str(vid), code=1)
    assert "place" in r.stderr


# ---------------------------------------------------------------------------------------------
# The URL: never a password, sslmode for a remote host


def test_a_url_with_a_password_is_refused_with_a_hint(cli):
    r = cli("--db", "postgresql+psycopg://ann:secret@db.example/ivcli", "referral", "list",
            code=1)
    assert "password" in r.stderr and "~/.pgpass" in r.stderr and "service=ivcli" in r.stderr
    assert "secret" not in r.stderr
    r = cli("--db", "postgresql://ann@db.example/ivcli?password=x", "referral", "list", code=1)
    assert "password" in r.stderr
    r = cli("--db", "mysql://db.example/ivcli", "referral", "list", code=1)
    assert "not a database ivcli can use" in r.stderr


def test_sslmode_is_required_for_a_remote_host_only(monkeypatch):
    from ivcli.db import pg_url

    monkeypatch.delenv("PGSSLMODE", raising=False)
    monkeypatch.delenv("PGHOST", raising=False)
    assert "sslmode=require" in pg_url("postgresql+psycopg://db.example/ivcli")
    assert "sslmode=require" in pg_url("postgresql://ann@10.0.0.5:5433/ivcli")
    for local in ("postgresql+psycopg://localhost/ivcli", "postgresql+psycopg:///ivcli",
                  "postgresql+psycopg://127.0.0.1/ivcli",
                  "postgresql+psycopg:///ivcli?host=/run/postgresql",
                  "postgresql+psycopg:///?service=ivcli"):
        assert "sslmode" not in pg_url(local), local
    assert "sslmode=verify-full" in pg_url("postgresql+psycopg://db.example/x?sslmode=verify-full")
    monkeypatch.setenv("PGHOST", "db.example")
    assert "sslmode=require" in pg_url("postgresql+psycopg:///ivcli")
    monkeypatch.setenv("PGSSLMODE", "verify-ca")
    assert "sslmode" not in pg_url("postgresql+psycopg:///ivcli")


def test_an_unreachable_server_is_exit_4_naming_it(cli, monkeypatch, tmp_path):
    pytest.importorskip("psycopg")
    monkeypatch.setenv("IVCLI_BUSY_TIMEOUT", "1")
    r = cli("--db", f"postgresql+psycopg:///nodb?host={tmp_path}", "referral", "list", code=4)
    assert "cannot connect to" in r.stderr and "Traceback" not in r.stderr


# ---------------------------------------------------------------------------------------------
# The schema on PostgreSQL


def test_ddl_translation():
    from ivcli.migrations import PgDdl

    [t] = PgDdl.translate("CREATE TABLE t (\n id INTEGER PRIMARY KEY,\n date DATE NOT NULL,\n"
                          " at DATETIME, ok BOOLEAN, h BLOB\n)")
    assert "id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" in t
    assert "date ivcli_date NOT NULL" in t and "at ivcli_datetime" in t
    assert "ok ivcli_boolean" in t and "h BYTEA" in t
    fn, trig, trunc = PgDdl.translate(
        "CREATE TRIGGER no_update BEFORE DELETE ON audit_log\nBEGIN\n"
        "    SELECT RAISE(ABORT, 'audit_log is append-only');\nEND;")
    assert "RAISE EXCEPTION 'audit_log is append-only'" in fn
    assert "FOR EACH ROW EXECUTE FUNCTION no_update_refuse()" in trig
    assert "BEFORE TRUNCATE" in trunc
    assert PgDdl.translate("CREATE INDEX ix ON t (date)") == ["CREATE INDEX ix ON t (date)"]


@pytest.mark.slow
def test_migrations_on_postgresql_give_the_sqlite_schema(cli, db_path, pg_database,
                                                         monkeypatch):
    """Every table and column SQLite has, with the type SQLite declares, and the audit trail
    append-only (the trigger functions)."""
    import sqlite3

    r = cli("settings", "list", code=1)  # a read on an empty database: refused
    assert "holds no ivcli database yet" in r.stderr
    cli("settings", "set", "visit.max_cost", "900")
    monkeypatch.setenv("IVCLI_DB", str(db_path))
    cli("settings", "set", "visit.max_cost", "900")
    lite = sqlite3.connect(db_path)
    sqlite_schema = {
        t: [(r[1], (r[2] or "").upper()) for r in lite.execute(f"PRAGMA table_info({t})")]
        for (t,) in lite.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                 "name NOT LIKE 'sqlite_%'")}
    from sqlalchemy import create_engine

    from ivcli.db import pg_url
    from ivcli.migrations import PgDdl

    engine = create_engine(pg_url(pg_database))
    with engine.connect() as conn:
        ddl = PgDdl(conn)
        pg_schema = {t: [(c.name, c.type) for c in ddl.columns(t)] for t in ddl.tables()}
        names = [r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM schema_migrations ORDER BY seq")]
    engine.dispose()
    from ivcli.migrations import MIGRATIONS

    assert names == [n for n, _ in MIGRATIONS]
    assert {t: sorted(c) for t, c in pg_schema.items()} == \
        {t: sorted(c) for t, c in sqlite_schema.items()}
    dbname = pg_database.rsplit("/", 1)[1].split("?")[0]
    for sql in ("UPDATE audit_log SET command = 'x'", "DELETE FROM audit_log",
                "TRUNCATE audit_log"):
        with pytest.raises(Exception, match="append-only"):
            pg_sql(sql, dbname)


@pytest.mark.slow
def test_a_newer_schema_or_another_programs_tables_are_refused(cli, pg_database):
    cli("settings", "set", "visit.max_cost", "900")
    dbname = pg_database.rsplit("/", 1)[1].split("?")[0]
    pg_sql("INSERT INTO schema_migrations (name, applied_at) VALUES ('999_future', 'x')",
           dbname)
    r = cli("referral", "list", code=4)
    assert "newer ivcli" in r.stderr
    pg_sql("DROP TABLE schema_migrations", dbname)
    r = cli("referral", "list", code=4)
    assert "not an ivcli database" in r.stderr


@pytest.mark.slow
def test_backup_on_postgresql_prints_the_pg_dump_command(cli, pg_database):
    cli("settings", "set", "visit.max_cost", "900")
    r = cli("backup", code=1)
    assert "pg_dump" in r.stdout + r.stderr and "dbname=" in r.stdout + r.stderr


# ---------------------------------------------------------------------------------------------
# Two coordinators at once


PROPOSE = """
import sys
from ivcli.cli.main import run
sys.argv = ["ivcli", "match", "propose", sys.argv[1], sys.argv[2]]
run()
"""


@pytest.mark.slow
def test_two_processes_proposing_one_volunteer_at_once_one_succeeds(cli, pg_database):
    """Capacity 1, two children, two processes started together: exactly one match, the
    other refused (no free place) or told it was busy; never two."""
    vid = approved_volunteer(cli)
    kids = []
    for first, born in (("Amy", "01/02/2014"), ("Bea", "03/04/2013")):
        rid = add_referral(cli, first, born)
        cli("referral", "accept", str(rid))
        kids.append(young_person_of(cli, rid))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "IVCLI_DB": pg_database}
    procs = [subprocess.Popen([sys.executable, "-c", PROPOSE, str(k), str(vid)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for k in kids]
    outs = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in outs)
    assert codes in ([0, 1], [0, 3]), outs
    matches = cli.json("match", "list")
    assert len(matches) == 1 and matches[0]["volunteer_id"] == vid
    checks = {c["check"]: c["ok"] for c in json.loads(
        cli("check", "--format", "json", code=None).stdout)}
    assert checks["audit_chain"], checks


def test_the_postgresql_cases_skip_with_a_reason_when_there_is_none(monkeypatch):
    monkeypatch.delenv("IVCLI_TEST_PG", raising=False)
    assert "IVCLI_TEST_PG is not set" in (pg_skip_reason() or "")
