"""Issue 17 point 5 (who did what): every audit entry records the acting person (``by``:
IVCLI_USER, else the database login: PostgreSQL's session_user, on a file the operating-system
login), ``ivcli audit --by NAME`` lists one person's entries, the hash chain covers the actor
(old entries without one still verify) and holds with two writers at once on PostgreSQL.

The tests taking ``backend`` run on an SQLite file and again on PostgreSQL (slow; they skip,
saying why, without a server: tests/conftest.py)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, pg_sql
from tests.test_safety import all_rows
from tests.test_team_postgres import CORE, EXAMPLES, ROOT, add_referral
from tests.test_team_postgres_features import old_schema, query

LOGIN = "coord.one"  # the operating-system login the SQLite cases run as (LOGNAME)


@pytest.fixture(autouse=True)
def os_login(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LOGNAME", LOGIN)  # getpass.getuser() reads LOGNAME first
    return LOGIN


def pg_dbname() -> str:
    from sqlalchemy.engine import make_url

    return str(make_url(os.environ["IVCLI_DB"]).database)


def login_of(backend: str) -> str:
    """Who an entry is by when IVCLI_USER is unset: the OS login, or the URL's role."""
    if backend == "sqlite":
        return LOGIN
    from sqlalchemy.engine import make_url

    return str(make_url(os.environ["IVCLI_DB"]).username)


def tamper(backend: str, db_path: Path, sql: str) -> None:
    """Run one UPDATE on the audit log behind ivcli's back (its append-only trigger off for
    it, then back)."""
    if backend == "sqlite":
        conn = sqlite3.connect(db_path)
        with conn:
            (trigger,), = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                       "AND name = 'audit_log_no_update'")
            conn.execute("DROP TRIGGER audit_log_no_update")
            conn.execute(sql)
            conn.execute(trigger)
        conn.close()
        return
    pg_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update", pg_dbname())
    pg_sql(sql, pg_dbname())
    pg_sql("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update", pg_dbname())


def chain(cli, code: int = 0) -> dict[str, object]:
    result = cli("check", "--format", "json", code=code)
    return {c["check"]: c for c in json.loads(result.stdout)}["audit_chain"]


def by(entries: list[dict[str, object]]) -> list[object]:
    return [e["by"] for e in entries]


# ---------------------------------------------------------------------------------------------
# Who is recorded, and audit --by


def test_entries_record_ivcli_user_or_else_the_login(cli, backend, monkeypatch):
    me = login_of(backend)
    rid = add_referral(cli)  # IVCLI_USER unset: the login
    monkeypatch.setenv("IVCLI_USER", "Ann O'Brien")
    cli("referral", "accept", str(rid))
    monkeypatch.setenv("IVCLI_USER", "Zoë Ng")
    cli("referral", "import", str(EXAMPLES / "referrals.csv"), "-q")  # range entries
    entries = cli.json("audit", "--limit", "0")
    assert [(e["command"], e["by"]) for e in entries] == [
        ("referral add", me), ("referral add", me), ("referral accept", "Ann O'Brien"),
        *[("referral import", "Zoë Ng")] * (len(entries) - 3)]
    assert any(e["record_to"] for e in entries if e["by"] == "Zoë Ng")
    # --by, alone and with the other filters and formats
    ann = cli.json("audit", "--by", "Ann O'Brien")
    assert [(e["table_name"], e["action"], e["by"]) for e in ann] == [
        ("referrals", "update", "Ann O'Brien")]
    assert by(cli.json("audit", "--by", me, "--record", f"referrals:{rid}")) == [me]
    assert cli.json("audit", "--by", "Zoë Ng", "--record", f"referrals:{rid}") == []
    assert len(cli.json("audit", "--by", "Zoë Ng", "--limit", "1")) == 1
    csv_out = cli("audit", "--by", "Zoë Ng", "--format", "csv").stdout.splitlines()
    assert csv_out[0].split(",")[-1] == "by" and all(r.endswith(",Zoë Ng") for r in csv_out[1:])
    table = cli("audit", "--by", "Ann O'Brien").stdout
    assert "Ann O'Brien" in table and "referral accept" in table and "referral add" not in table
    none = cli("audit", "--by", "nobody")
    assert "No audit entries." in none.stdout + none.stderr
    assert chain(cli)["ok"]


def test_the_login_is_recorded_as_none_when_it_cannot_be_found(cli, monkeypatch):
    import getpass

    def unknown() -> str:
        raise KeyError("getpwuid(): uid not found: 12345")

    monkeypatch.setattr(getpass, "getuser", unknown)
    add_referral(cli)
    assert by(cli.json("audit")) == [None, None]
    assert chain(cli)["ok"]


GOOD_NAMES = ["Ann", "Ann O'Brien", "ann.smith@council.gov.uk", "Zoë Ng-Brontë", "a_b", "x" * 64]
BAD_NAMES = ["", "   ", "x" * 65, " Ann", "Ann ", "Ann\nSmith", "Ann\x1b[31m", "[bold]Ann[/bold]",
             "<script>", "Ann\tSmith", "Ann\u202eSmith", "a/b", "Ann;Smith"]


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_a_good_ivcli_user_is_recorded_as_given(cli, monkeypatch, name):
    monkeypatch.setenv("IVCLI_USER", name)
    add_referral(cli)
    assert by(cli.json("audit")) == [name, name]
    assert by(cli.json("audit", "--by", name)) == [name, name]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_bad_ivcli_user_is_refused_before_anything_is_written(cli, db_path, monkeypatch, name):
    rid = add_referral(cli)
    before = all_rows(db_path)
    monkeypatch.setenv("IVCLI_USER", name)
    r = cli("referral", "accept", str(rid), code=1)
    assert r.stderr.startswith("Error: IVCLI_USER ") and "nothing was changed" in r.stderr
    assert "unset it" in r.stderr and "Traceback" not in r.stderr
    assert all_rows(db_path) == before
    # A new database is not created either.
    monkeypatch.setenv("IVCLI_DB", str(db_path.with_name("new.db")))
    cli("--no-input", "referral", "add", "--first-name", "Amy", "--last-name", "Lee",
        "--date-of-birth", "01/02/2014", *CORE, code=1)
    assert not db_path.with_name("new.db").exists()


# ---------------------------------------------------------------------------------------------
# The hash chain covers the actor


def test_check_finds_an_edited_or_removed_actor(cli, backend, db_path, monkeypatch):
    monkeypatch.setenv("IVCLI_USER", "Ann")
    add_referral(cli)
    assert chain(cli)["ok"]
    tamper(backend, db_path, "UPDATE audit_log SET actor = 'Bob' WHERE id = 2")
    assert "audit entry 2 was altered" in str(chain(cli, code=1)["detail"])
    tamper(backend, db_path, "UPDATE audit_log SET actor = 'Ann' WHERE id = 2")
    assert chain(cli)["ok"]
    tamper(backend, db_path, "UPDATE audit_log SET actor = NULL WHERE id = 1")
    assert "audit entry 1 was altered" in str(chain(cli, code=1)["detail"])


def test_the_bulk_chain_covers_the_actor(cli, backend, db_path, monkeypatch):
    """record_bulk's per-record entries (SQLite: the chain's SQL function; PostgreSQL:
    computed in Python) carry the actor and hash it."""
    from ivcli import db
    from ivcli.safety import audit

    for first in ("Amy", "Bea", "Cat"):
        add_referral(cli, first)
    monkeypatch.setenv("IVCLI_USER", "Ann")
    target = db_path if backend == "sqlite" else os.environ["IVCLI_DB"]
    with db.open_writer(target, command="bulk", watch=audit.watch,
                        complete=audit.complete) as conn:
        assert audit.record_bulk(conn, "young_people", "SELECT id FROM young_people",
                                 "update", ("notes",)) == 3
    entries = cli.json("audit", "--by", "Ann")
    assert [(e["command"], e["record_id"], e["fields"]) for e in entries] == [
        ("bulk", "1", "notes"), ("bulk", "2", "notes"), ("bulk", "3", "notes")]
    assert chain(cli)["ok"]
    middle = entries[1]["id"]
    tamper(backend, db_path, f"UPDATE audit_log SET actor = 'Ann ' WHERE id = {middle}")
    assert f"audit entry {middle} was altered" in str(chain(cli, code=1)["detail"])


def test_old_entries_without_an_actor_still_verify(cli, backend, db_path, monkeypatch):
    """A database at schema 016 whose entries (one record, a range) were hashed without an
    actor: after the upgrade they verify unchanged, with ``by`` empty, and new entries join
    the same chain."""
    from ivcli.safety import audit

    at = "2025-01-01T09:00:00+00:00"
    old = [("young_people", "1", None, "insert", None), ("young_people", "1", "3", "insert", None),
           ("referrals", "2", None, "update", "status,updated_at")]
    prev = audit.GENESIS
    with old_schema(backend, db_path, 16) as conn:
        for table, record_id, record_to, action, fields in old:
            h = audit.link(prev, at, "referral import", table, record_id, action, fields,
                           record_to)
            conn.execute(
                "INSERT INTO audit_log (at, command, table_name, record_id, record_to, action, "
                "fields, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (at, "referral import", table, record_id, record_to, action, fields, prev, h))
            prev = h
    assert chain(cli)["ok"]  # migrates to 018 first
    assert ("018_audit_actor",) in query(backend, db_path, "SELECT name FROM schema_migrations")
    assert by(cli.json("audit")) == [None, None, None]
    monkeypatch.setenv("IVCLI_USER", "Ann")
    add_referral(cli)
    assert by(cli.json("audit")) == [None, None, None, "Ann", "Ann"]
    assert cli.json("audit", "--by", "Ann")[0]["id"] == 4
    assert str(chain(cli)["detail"]).startswith("5 entries")


def test_a_schema_5_file_upgrades_and_new_entries_name_the_person(cli, db_path, monkeypatch):
    """v005.db's trail was written and hashed by ivcli at schema 005."""
    shutil.copy(FIXTURES / "safety" / "v005.db", db_path)
    monkeypatch.setenv("IVCLI_USER", "Ann")
    cli("referral", "accept", "1", code=None)
    add_referral(cli, "Dee")
    entries = cli.json("audit", "--limit", "0")
    assert len(entries) >= 57 and set(by(entries[:55])) == {None}
    assert set(by(entries[55:])) == {"Ann"}
    assert chain(cli)["ok"]


# ---------------------------------------------------------------------------------------------
# Subject access, erasure and retention: the actor is a coordinator, not the child


def test_subject_export_erasure_and_retention_with_an_actor(cli, backend, monkeypatch, tmp_path):
    monkeypatch.setenv("IVCLI_USER", "Ann")
    first = add_referral(cli)
    second = add_referral(cli, "Bea", "03/04/2013")
    cli("referral", "decline", str(second), "--reason", "no_consent")
    out = tmp_path / "sar.json"
    cli("subject-export", "1", "--output", str(out))
    data = json.loads(out.read_text())
    assert data["audit"] and all("by" not in e for e in data["audit"])
    assert "Ann" not in json.dumps(data["audit"])
    monkeypatch.setenv("IVCLI_USER", "Bob")
    cli("erase", "young-person", "1", "--yes")
    assert cli.json("referral", "show", str(first))["first_name"] == "erased"
    monkeypatch.setenv("IVCLI_USER", "Cy")
    cli("retention", "--as-of", "2060-01-01", "--apply", "--yes")
    assert cli.json("referral", "show", str(second))["first_name"] == "erased"
    assert {e["command"] for e in cli.json("audit", "--by", "Bob")} == {"erase young-person"}
    assert {e["command"] for e in cli.json("audit", "--by", "Cy")} == {"retention"}
    assert chain(cli)["ok"]


# ---------------------------------------------------------------------------------------------
# PostgreSQL: the role, and two writers at once


@pytest.mark.slow
def test_on_postgresql_the_login_role_is_recorded(cli, pg_database, monkeypatch):
    """Logged in as a second role (created here, uniquely named, dropped at the end) with
    IVCLI_USER unset: its entries are by that role; IVCLI_USER still wins over it."""
    from sqlalchemy.engine import make_url

    add_referral(cli)  # the schema, created by the test server's own role
    role = f"ivcli_t_actor_{uuid.uuid4().hex[:10]}"
    pg_sql(f"CREATE ROLE {role} LOGIN SUPERUSER")
    try:
        url = make_url(pg_database)
        monkeypatch.setenv("IVCLI_DB", url.set(username=role).render_as_string(
            hide_password=False))
        add_referral(cli, "Bea", "03/04/2013")
        monkeypatch.setenv("IVCLI_USER", "Ann")
        cli("referral", "accept", "2")
        monkeypatch.delenv("IVCLI_USER")
        assert by(cli.json("audit")) == [url.username, url.username, role, role, "Ann"]
        assert len(cli.json("audit", "--by", role)) == 2
        assert chain(cli)["ok"]
    finally:
        pg_sql(f"DROP OWNED BY {role}", pg_dbname())
        pg_sql(f"DROP ROLE IF EXISTS {role}")


WRITER = """
import subprocess, sys
person, csv_file, adds = sys.argv[1], sys.argv[2], int(sys.argv[3])
ivcli = [sys.executable, "-m", "ivcli", "--no-input"]
subprocess.run([*ivcli, "referral", "import", csv_file, "-q"], check=True)
for n in range(adds):
    subprocess.run([*ivcli, "referral", "add", "--first-name", "Kid", "--last-name",
                    person + "x" * (n + 1), "--date-of-birth", "01/02/2014",
                    "--long-term-care-plan", "yes", "--consent", "yes", "--carer-support",
                    "yes", "--social-isolation", "yes"], check=True, stdout=subprocess.DEVNULL)
"""


@pytest.mark.slow
def test_two_people_writing_at_once_keep_one_chain(cli, pg_database, tmp_path):
    """Two processes, as two IVCLI_USERs, each importing a CSV and adding referrals at the
    same time: one chain that verifies, and each person's entries under their name."""
    add_referral(cli)  # the schema first
    text = (EXAMPLES / "referrals.csv").read_text(encoding="utf-8-sig")
    runs = []
    for person, prefix in (("Ann", "A-"), ("Bob", "B-")):
        csv_file = tmp_path / f"{person}.csv"
        csv_file.write_text(text.replace("MOS-", prefix), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "IVCLI_DB": pg_database,
               "IVCLI_USER": person, "IVCLI_BUSY_TIMEOUT": "60"}
        runs.append(subprocess.Popen([sys.executable, "-c", WRITER, person, str(csv_file), "4"],
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True))
    outs = [(p.wait(timeout=300), *p.communicate()) for p in runs]
    assert [code for code, _, _ in outs] == [0, 0], outs
    assert chain(cli)["ok"]
    for person in ("Ann", "Bob"):
        mine = cli.json("audit", "--by", person, "--limit", "0")
        assert [(e["table_name"], e["action"]) for e in mine
                if e["command"] == "referral add"].count(("referrals", "insert")) == 4
        assert sum(1 for e in mine if e["command"] == "referral import" and e["record_to"]) >= 2
        assert set(by(mine)) == {person}
    entries = cli.json("audit", "--limit", "0")
    assert len(entries) == 2 + sum(len(cli.json("audit", "--by", p, "--limit", "0"))
                                   for p in ("Ann", "Bob"))
