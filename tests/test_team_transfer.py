"""Issue 17 point 7: `ivcli team import-sqlite FILE.db URL` moves a lone coordinator's file into
a new, empty PostgreSQL database (docs/team.md, "Moving from a file").

The moves run on the test server (``pg_database``; marked slow, skipped saying why without
one). The refusals of a bad FILE or URL are decided before any server is asked: they run
everywhere."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import file_sha256, pg_sql

NO_SERVER = "postgresql+psycopg://localhost/never_reached"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database (`ivcli demo` into a file), built once; tests copy it."""
    from ivcli.cli.main import app

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result = CliRunner().invoke(app, ["--db", str(path), "--no-input", "demo"])
    assert result.exit_code == 0, result.stderr
    return path


@pytest.fixture
def lone(demo_file: Path, tmp_path: Path) -> Path:
    """A coordinator's file: a copy of the demo, in a folder of its own."""
    folder = tmp_path / "laptop"
    folder.mkdir()
    path = folder / "ivcli.db"
    shutil.copyfile(demo_file, path)
    return path


def dbname(url: str) -> str:
    return url.rsplit("/", 1)[1].split("?")[0]


def file_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name <> 'schema_migrations' ORDER BY name")]
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        conn.close()


def pg_counts(url: str) -> dict[str, int]:
    name = dbname(url)
    tables = [r[0] for r in pg_sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
        "AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' "
        "ORDER BY table_name", name)]
    return {t: pg_sql(f"SELECT count(*) FROM {t}", name)[0][0] for t in tables}


def pg_tables(url: str) -> list[str]:
    return [r[0] for r in pg_sql("SELECT table_name FROM information_schema.tables WHERE "
                                 "table_schema = 'public'", dbname(url))]


def change_file(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for sql in statements:
            conn.execute(sql)
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# The move


@pytest.mark.slow
def test_the_demo_moves_whole_and_reads_the_same_on_the_target(cli, lone, pg_database):
    before = file_sha256(lone)
    r = cli("team", "import-sqlite", str(lone), pg_database, "--format", "json")
    copied = {row["table"]: row["rows"] for row in json.loads(r.stdout)}
    counts = file_counts(lone)
    assert copied == counts and counts["referrals"] and counts["audit_log"]
    assert f"Audit chain verified on the target: {counts['audit_log']} entries" in r.stderr
    on_target = pg_counts(pg_database)
    assert on_target == {**counts, "audit_log": counts["audit_log"] + 1}  # + the import's entry
    # The file is only read: the same bytes, nothing left beside it.
    assert file_sha256(lone) == before
    assert sorted(p.name for p in lone.parent.iterdir()) == ["ivcli.db"]

    cli("--db", pg_database, "check")
    for command in (("referral", "list"), ("report", "monthly"), ("volunteer", "list"),
                    ("match", "list"), ("visit", "list")):
        assert cli.json("--db", pg_database, *command) == cli.json("--db", str(lone), *command)
    mine = cli.json("--db", str(lone), "audit", "--limit", "0")
    theirs = cli.json("--db", pg_database, "audit", "--limit", "0")
    assert theirs[:-1] == mine
    assert {k: theirs[-1][k] for k in ("command", "table_name", "record_id", "action")} == {
        "command": "team import-sqlite", "table_name": "*", "record_id": None,
        "action": "insert"}
    # Dates, booleans and the audit hashes came across exactly.
    conn = sqlite3.connect(lone)
    try:
        hashes = [bytes(r[0]) for r in conn.execute("SELECT hash FROM audit_log ORDER BY id")]
        booleans = conn.execute("SELECT id, care_leaver, date_of_birth, created_at FROM "
                                "young_people ORDER BY id").fetchall()
    finally:
        conn.close()
    name = dbname(pg_database)
    assert [bytes(r[0]) for r in pg_sql("SELECT hash FROM audit_log ORDER BY id", name)
            ][:-1] == hashes
    assert pg_sql("SELECT id, care_leaver, date_of_birth, created_at FROM young_people "
                  "ORDER BY id", name) == booleans
    # New records go on from the highest id.
    top = pg_sql("SELECT max(id) FROM referrals", name)[0][0]
    r = cli("--db", pg_database, "--no-input", "referral", "add", "--first-name", "New",
            "--last-name", "Child", "--date-of-birth", "01/02/2014", "--long-term-care-plan",
            "yes", "--consent", "yes", "--carer-support", "yes", "--social-isolation", "yes",
            "--format", "json")
    assert json.loads(r.stdout)["id"] == top + 1
    cli("--db", pg_database, "check")


@pytest.mark.slow
def test_csv_and_table_output(cli, lone, pg_database):
    r = cli("team", "import-sqlite", str(lone), pg_database, "--format", "csv")
    lines = r.stdout.splitlines()
    assert lines[0] == "table,rows"
    assert f"referrals,{file_counts(lone)['referrals']}" in lines


@pytest.mark.slow
def test_a_target_with_the_schema_alone_is_empty(cli, lone, pg_database):
    from ivcli import db

    db.pg_prepare(pg_database, write=True)  # as 'team init' leaves it: the schema, no records
    r = cli("team", "import-sqlite", str(lone), pg_database)
    assert "referrals" in r.stdout
    assert pg_counts(pg_database)["referrals"] == file_counts(lone)["referrals"]


@pytest.mark.slow
def test_an_older_file_is_read_through_an_up_to_date_copy(cli, lone, pg_database):
    change_file(lone, "DELETE FROM schema_migrations WHERE name = '016_training_courses'")
    before = file_sha256(lone)
    cli("team", "import-sqlite", str(lone), pg_database)
    assert file_sha256(lone) == before  # the file itself is not migrated
    from ivcli import migrations

    conn = sqlite3.connect(lone)
    assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(
        migrations.MIGRATIONS) - 1
    conn.close()

    assert [r[0] for r in pg_sql("SELECT name FROM schema_migrations ORDER BY seq",
                                 dbname(pg_database))] == [n for n, _ in migrations.MIGRATIONS]
    cli("--db", pg_database, "check")



@pytest.mark.slow
def test_a_backup_file_keeps_its_journal_mode(cli, lone, pg_database, tmp_path):
    """A copy made by 'ivcli backup' is one self-contained file (journal_mode DELETE): read,
    it is not switched to WAL (which would change its bytes) and gets no -wal or -shm."""
    cli("--db", str(lone), "backup", str(tmp_path / "copy.db"))
    copy = tmp_path / "copy.db"
    before = file_sha256(copy)
    cli("team", "import-sqlite", str(copy), pg_database)
    assert file_sha256(copy) == before
    assert not (tmp_path / "copy.db-wal").exists() and not (tmp_path / "copy.db-shm").exists()
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()

# ---------------------------------------------------------------------------------------------
# Refusals: nothing changed


@pytest.mark.slow
def test_a_target_holding_records_is_refused_and_left_alone(cli, lone, pg_database):
    cli("team", "import-sqlite", str(lone), pg_database)
    before = pg_counts(pg_database)
    r = cli("team", "import-sqlite", str(lone), pg_database, code=1)
    assert "already holds ivcli records" in r.stderr and "nothing was changed" in r.stderr
    assert "Hint: import into a new, empty database" in r.stderr
    assert pg_counts(pg_database) == before


@pytest.mark.slow
def test_one_setting_is_a_record_too(cli, lone, pg_database):
    cli("--db", pg_database, "settings", "set", "visit.max_cost", "900")
    before = pg_counts(pg_database)
    r = cli("team", "import-sqlite", str(lone), pg_database, code=1)
    assert "already holds ivcli records (in audit_log, settings)" in r.stderr
    assert pg_counts(pg_database) == before


@pytest.mark.slow
def test_a_row_postgresql_refuses_mid_copy_leaves_the_target_as_it_was(cli, lone, pg_database):
    """SQLite keeps text in an INTEGER column; PostgreSQL does not. The visits table is copied
    after a dozen others: all of it is rolled back, schema included."""
    change_file(lone, "UPDATE visits SET minutes = 'lots' WHERE id = 3")
    before = file_sha256(lone)
    r = cli("team", "import-sqlite", str(lone), pg_database, code=1)
    assert "PostgreSQL refused visits record 3 (a value of column minutes" in r.stderr
    assert "nothing was imported; the target database is as it was" in r.stderr
    assert "lots" not in r.stderr  # the value itself is never shown
    assert pg_tables(pg_database) == []
    assert file_sha256(lone) == before


@pytest.mark.slow
def test_a_row_lost_in_the_copy_is_caught_and_rolled_back(cli, lone, pg_database, monkeypatch):
    from ivcli import dialect

    stage = dialect.stage_rows

    def lossy(conn, table, columns, rows):  # type: ignore[no-untyped-def]
        stage(conn, table, columns, rows[:-1] if table == "reviews" else rows)

    monkeypatch.setattr(dialect, "stage_rows", lossy)
    n = file_counts(lone)["reviews"]
    r = cli("team", "import-sqlite", str(lone), pg_database, code=1)
    assert f"does not hold every row of the file (reviews: {n - 1} of {n})" in r.stderr
    assert pg_tables(pg_database) == []


@pytest.mark.slow
def test_an_audit_chain_that_does_not_verify_is_rolled_back(cli, lone, pg_database):
    change_file(lone, "DROP TRIGGER audit_log_no_update",
                "UPDATE audit_log SET command = 'edited' WHERE id = 5")
    r = cli("team", "import-sqlite", str(lone), pg_database, code=1)
    assert f"the audit trail in {lone} does not verify (audit entry 5 was altered" in r.stderr
    assert "nothing was imported" in r.stderr
    assert pg_tables(pg_database) == []


@pytest.mark.slow
def test_a_chain_broken_on_the_way_is_rolled_back(cli, lone, pg_database, monkeypatch):
    from ivcli.safety.check import Check
    from ivcli.team import transfer

    monkeypatch.setattr(transfer, "audit_chain",
                        lambda conn: Check("audit_chain", ["audit entry 7 was altered"]))
    r = cli("team", "import-sqlite", str(lone), pg_database, code=1)
    assert "the audit chain does not verify on the target after copying (audit entry 7" \
        in r.stderr
    assert pg_tables(pg_database) == []


def test_a_missing_empty_or_foreign_file_is_refused(cli, tmp_path):
    missing = tmp_path / "nothing.db"
    r = cli("team", "import-sqlite", str(missing), NO_SERVER, code=1)
    assert f"no database at {missing}" in r.stderr
    assert "Hint: give the ivcli database file to move" in r.stderr
    assert not missing.exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    cli("team", "import-sqlite", str(empty), NO_SERVER, code=1)
    assert empty.stat().st_size == 0
    text = tmp_path / "notes.db"
    text.write_text("not a database\n")
    r = cli("team", "import-sqlite", str(text), NO_SERVER, code=4)
    assert "is not an ivcli database" in r.stderr
    other = tmp_path / "other.db"
    change_file(other, "CREATE TABLE things (a)")
    before = file_sha256(other)
    r = cli("team", "import-sqlite", str(other), NO_SERVER, code=4)
    assert "an SQLite file but not an ivcli database" in r.stderr
    assert file_sha256(other) == before
    cli("team", "import-sqlite", str(tmp_path), NO_SERVER, code=4)  # a folder


def test_a_newer_file_is_refused(cli, lone):
    change_file(lone, "INSERT INTO schema_migrations (name, applied_at) VALUES "
                "('999_future', '2030-01-01T00:00:00+00:00')")
    before = file_sha256(lone)
    r = cli("team", "import-sqlite", str(lone), NO_SERVER, code=4)
    assert "newer ivcli" in r.stderr
    assert file_sha256(lone) == before


@pytest.mark.parametrize(("url", "says"), [
    ("postgresql+psycopg://ann:secret@db.example/ivcli", "URL: a password in the URL"),
    ("mysql://db.example/ivcli", "URL: mysql:// is not a database ivcli can use"),
    ("other.db", "URL: other.db is a file path; team mode needs a PostgreSQL URL"),
])
def test_a_bad_url_is_refused_before_anything(cli, lone, url, says):
    before = file_sha256(lone)
    r = cli("team", "import-sqlite", str(lone), url, code=1)
    assert says in r.stderr and "secret" not in r.stderr
    assert file_sha256(lone) == before


def test_both_arguments_are_needed(cli, lone):
    r = cli("team", "import-sqlite", str(lone), code=2)
    assert "URL" in r.stderr


@pytest.mark.slow
def test_ids_the_file_gave_are_not_given_again_on_the_target(cli, lone, pg_database):
    """The file's latest visit was deleted: the server's next visit gets a new id, as the
    file's would have (migration 021), not the deleted one's, which its audit entries name."""
    visits = cli.json("--db", str(lone), "visit", "list")
    top = max(v["id"] for v in visits)
    match = next(v["match_id"] for v in visits if v["id"] == top)
    cli("--db", str(lone), "visit", "delete", str(top), "--yes")
    cli("team", "import-sqlite", str(lone), pg_database)
    cli("--db", pg_database, "visit", "log", str(match), "--date",
        [v["date"] for v in visits if v["id"] == top][0], "--hours", "1", "--activity", "park")
    assert max(v["id"] for v in cli.json("--db", pg_database, "visit", "list")) == top + 1
