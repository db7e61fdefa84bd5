"""Files: no output replaces a database; a database that cannot be used is refused before
anything changes it (sha256 before and after); read-only files, a full disk and IVCLI_DEBUG
keep their documented exit codes."""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import file_sha256

ROOT = Path(__file__).parent.parent
MONTH = ["report", "monthly", "--month", "2026-03", "--as-of", "2026-04-10"]
ADD = ["referral", "add", "--first-name", "Amy", "--last-name", "Lee",
       "--date-of-birth", "01/02/2014"]



def beside(path: Path) -> list[str]:
    """The files next to the database (and their names): -wal, -shm, backups..."""
    return sorted(p.name for p in path.parent.iterdir())


@pytest.fixture
def live(cli, db_path: Path) -> Path:
    cli(*ADD)
    return db_path


# ---------------------------------------------------------------------------------------------
# Outputs


OUTPUTS = {
    "report monthly": [*MONTH, "--format", "json", "--output"],
    "report annual": ["report", "annual", "--year", "2026", "--format", "json", "--output"],
    "subject-export": ["subject-export", "1", "--output"],
}


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
@pytest.mark.parametrize("command", sorted(OUTPUTS))
def test_no_output_replaces_the_live_database_or_its_working_files(cli, live, command, suffix):
    before, files = file_sha256(live), beside(live)
    target = live.with_name(live.name + suffix)
    result = cli(*OUTPUTS[command], str(target), code=1)
    assert f"cannot write to {target}: it is the live database" in result.stderr
    assert "nothing was written" in result.stderr and "Traceback" not in result.stderr
    assert file_sha256(live) == before and beside(live) == files
    cli("check")


@pytest.mark.parametrize("command", sorted(OUTPUTS))
def test_the_database_by_another_name_is_refused(cli, live, tmp_path, command):
    """A hard link or a symbolic link to the database, or its name in other case."""
    before = file_sha256(live)
    link = tmp_path / "other" / "link.json"
    link.parent.mkdir()
    os.link(live, link)
    symlink = tmp_path / "other" / "sym.json"
    symlink.symlink_to(live)
    upper = live.with_name(live.name.upper() + "-WAL")
    for target in (link, symlink, upper):
        result = cli(*OUTPUTS[command], str(target), code=1)
        assert "it is the live database" in result.stderr
    assert not upper.exists()
    assert file_sha256(live) == before and link.read_bytes() == live.read_bytes()


def test_backup_refuses_the_live_database(cli, live):
    before, files = file_sha256(live), beside(live)
    result = cli("backup", str(live), code=1)
    assert "it is the live database" in result.stderr
    cli("backup", str(live.with_name(live.name + "-wal")), code=1)
    assert file_sha256(live) == before and beside(live) == files


@pytest.mark.parametrize("command", sorted(OUTPUTS))
def test_no_output_goes_into_the_backups_folder(cli, live, command):
    saved = Path(cli("backup").stdout.strip())
    folder = saved.parent
    assert folder == live.parent / "backups"
    kept = file_sha256(saved)
    for target in (saved, folder / "new.json"):
        result = cli(*OUTPUTS[command], str(target), code=1)
        assert "it is in the backups folder" in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == [saved.name]
    assert file_sha256(saved) == kept
    assert cli("backup").stdout.strip() != str(saved)  # a new backup still goes there


@pytest.mark.parametrize("command", sorted(OUTPUTS))
def test_no_output_replaces_any_sqlite_file(cli, live, tmp_path, command):
    other = tmp_path / "elsewhere" / "copy.json"  # a copy of the database, badly named
    other.parent.mkdir()
    cli("backup", str(other))
    before = file_sha256(other)
    result = cli(*OUTPUTS[command], str(other), code=1)
    assert "it already exists and is an SQLite database" in result.stderr
    assert file_sha256(other) == before


def test_an_ordinary_output_is_still_replaced_whole(cli, live, tmp_path):
    out = tmp_path / "sar.json"
    out.write_text("old")
    cli("subject-export", "1", "--output", str(out))
    assert '"young_people"' in out.read_text()
    assert not list(tmp_path.glob(".*tmp"))


def deny_writing(monkeypatch, *paths: Path) -> None:
    """Make ``os.access`` report ``paths`` as not writable (tests run as root, who may write
    anywhere, so chmod alone proves nothing here)."""
    real = os.access
    denied = {Path(p).resolve() for p in paths}

    def access(path, mode, *args, **kwargs):  # type: ignore[no-untyped-def]
        if mode & os.W_OK and Path(path).resolve() in denied:
            return False
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)


@pytest.mark.parametrize("command", ["backup", "subject-export", "report monthly"])
def test_an_output_into_a_read_only_folder_is_exit_1(cli, live, tmp_path, monkeypatch,
                                                      command):
    folder = tmp_path / "locked"
    folder.mkdir()
    deny_writing(monkeypatch, folder)
    args = ["backup", str(folder / "b.db")] if command == "backup" else \
        [*OUTPUTS[command], str(folder / "out.json")]
    result = cli(*args, code=1)
    assert f"the folder {folder} is not writable" in result.stderr
    assert list(folder.iterdir()) == []


def test_backup_into_an_unwritable_folder_is_exit_1_even_when_the_check_passes(
        cli, live, tmp_path, monkeypatch):
    """What the folder check cannot foresee (permissions seen only at write time): the error
    SQLite's copy would meet, a PermissionError, is a refusal, not a crash (exit 70)."""
    from ivcli import db

    def refused(path):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(db, "create_private_file", refused)
    result = cli("backup", str(tmp_path / "b.db"), code=1)
    assert "cannot write to" in result.stderr and "Permission denied" in result.stderr
    assert not (tmp_path / "b.db").exists()


# ---------------------------------------------------------------------------------------------
# Opening: decided before anything changes the file


def sqlite_file(path: Path, journal: str, sql: list[str]) -> Path:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA journal_mode = {journal}")
    for statement in sql:
        conn.execute(statement)
    conn.close()
    assert not path.with_name(path.name + "-wal").exists()
    return path


def journal_mode_byte(path: Path) -> int:
    """Byte 18 of the header: 1 for a rollback journal, 2 for WAL."""
    return path.read_bytes()[18]


READ = ["referral", "list"]
WRITE = ["settings", "set", "eligibility.min_age", "6"]


@pytest.mark.parametrize("journal", ["wal", "delete"])
@pytest.mark.parametrize("args", [READ, WRITE, ["backup"]], ids=["read", "write", "backup"])
def test_another_programs_sqlite_file_is_refused_unchanged(cli, db_path, journal, args):
    sqlite_file(db_path, journal, ["CREATE TABLE notes (body TEXT)",
                                   "INSERT INTO notes VALUES ('x')"])
    before, mode, files = file_sha256(db_path), journal_mode_byte(db_path), beside(db_path)
    result = cli(*args, code=4)
    assert "is an SQLite file but not an ivcli database" in result.stderr
    assert "the file was not changed" in result.stderr
    assert file_sha256(db_path) == before and journal_mode_byte(db_path) == mode
    assert beside(db_path) == files  # no -wal, -shm or backups left behind


def test_another_programs_schema_migrations_table_is_not_taken_for_ivclis(cli, db_path):
    sqlite_file(db_path, "delete", ["CREATE TABLE schema_migrations (version TEXT)"])
    before = file_sha256(db_path)
    result = cli(*WRITE, code=4)
    assert "not an ivcli database" in result.stderr
    assert file_sha256(db_path) == before


@pytest.mark.parametrize("journal", ["wal", "delete"])
@pytest.mark.parametrize("args", [READ, WRITE], ids=["read", "write"])
def test_a_newer_database_is_refused_unchanged_in_either_journal_mode(cli, db_path, journal,
                                                                      args):
    cli(*WRITE)
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("INSERT INTO schema_migrations (name, applied_at) VALUES ('999_future', 'x')")
    conn.execute(f"PRAGMA journal_mode = {journal}")  # `ivcli backup` writes 'delete'
    conn.close()
    before, mode, files = file_sha256(db_path), journal_mode_byte(db_path), beside(db_path)
    assert mode == (2 if journal == "wal" else 1)
    result = cli(*args, code=4)
    assert "written by a newer ivcli" in result.stderr and "not changed" in result.stderr
    assert file_sha256(db_path) == before and journal_mode_byte(db_path) == mode
    assert beside(db_path) == files


@pytest.mark.parametrize("args", [READ, WRITE], ids=["read", "write"])
def test_a_damaged_file_is_exit_4_and_unchanged(cli, db_path, args):
    db_path.write_bytes(b"SQLite format 3\x00" + b"garbage!" * 600)
    before = file_sha256(db_path)
    result = cli(*args, code=4)
    assert "is damaged" in result.stderr and "ivcli restore" in result.stderr
    assert "Traceback" not in result.stderr and "unexpectedly" not in result.stderr
    assert file_sha256(db_path) == before and beside(db_path) == ["ivcli.db"]


def test_a_damaged_page_met_mid_command_is_exit_4_not_70(cli, live, monkeypatch):
    """Damage deeper in the file surfaces only when a command reads that page."""
    from ivcli.referrals import screening as referrals

    def corrupt(*a, **k):
        raise sqlite3.DatabaseError("database disk image is malformed")

    err = sqlite3.DatabaseError("database disk image is malformed")
    err.sqlite_errorcode = sqlite3.SQLITE_CORRUPT  # as SQLite's own carries
    err.sqlite_errorname = "SQLITE_CORRUPT"

    def damaged(*a, **k):
        raise err

    monkeypatch.setattr(referrals, "list_referrals", damaged)
    result = cli(*READ, code=4)
    assert "is damaged" in result.stderr
    monkeypatch.setattr(referrals, "list_referrals", corrupt)  # text alone decides nothing
    cli(*READ, code=70)


def test_an_empty_file_is_not_made_a_database_by_a_read_command(cli, db_path):
    db_path.touch()
    for args in (READ, ["today"], ["backup"], [*MONTH, "--format", "json"]):
        result = cli(*args, code=1)
        assert "is empty: there is no ivcli database in it yet" in result.stderr
    assert db_path.stat().st_size == 0 and beside(db_path) == ["ivcli.db"]
    cli(*WRITE)  # a command that writes makes it a new database, as for a missing file
    assert cli.json("settings", "list")


@pytest.mark.parametrize("args", [READ, WRITE], ids=["read", "write"])
def test_a_read_only_database_is_exit_4_and_leaves_no_working_files(cli, live, monkeypatch,
                                                                    args):
    before = file_sha256(live)
    deny_writing(monkeypatch, live)
    result = cli(*args, code=4)
    assert f"{live} is read-only; nothing was changed" in result.stderr
    assert "unexpectedly" not in result.stderr
    assert file_sha256(live) == before and beside(live) == ["ivcli.db"]


def test_a_database_in_a_read_only_folder_is_exit_4(cli, live, monkeypatch):
    before = file_sha256(live)
    deny_writing(monkeypatch, live.parent)
    result = cli(*WRITE, code=4)
    assert f"the folder {live.parent} (which holds the database) is read-only" in result.stderr
    assert file_sha256(live) == before and beside(live) == ["ivcli.db"]


def test_sqlite_refusing_a_write_is_exit_4_not_70(cli, live, monkeypatch):
    """When the file turns out read-only only as SQLite writes (the access check passed: root,
    a read-only mount, ...), SQLite's own SQLITE_READONLY is translated, not a crash."""
    from ivcli import db

    real = db.configure

    def read_only_connection(conn, timeout):  # type: ignore[no-untyped-def]
        real(conn, timeout)
        conn.execute("PRAGMA query_only = ON")  # writes now fail with SQLITE_READONLY

    before = file_sha256(live)
    monkeypatch.setattr(db, "configure", read_only_connection)
    result = cli(*WRITE, code=4)
    assert "is read-only; nothing was changed" in result.stderr
    assert file_sha256(live) == before


# ---------------------------------------------------------------------------------------------
# A full disk; SQLite's result codes


def test_a_full_disk_while_creating_a_database_is_exit_5(cli, db_path, monkeypatch):
    """SQLite rolls the transaction back itself on a full disk; the ROLLBACK that follows
    fails ('no transaction is active') and must not hide the cause."""
    from ivcli import migrations

    real = migrations.migrate

    def small_disk(conn, now):  # type: ignore[no-untyped-def]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 3}")
        try:
            return real(conn, now)
        except sqlite3.OperationalError as exc:
            assert exc.sqlite_errorname == "SQLITE_FULL"
            conn.execute("ROLLBACK")  # as SQLite does itself when the disk itself is full
            raise

    monkeypatch.setattr(migrations, "migrate", small_disk)
    result = cli(*WRITE, code=5)
    assert "the disk is full" in result.stderr and "nothing changed" in result.stderr
    assert "cannot rollback" not in result.stderr
    monkeypatch.setattr(migrations, "migrate", real)
    cli(*WRITE)  # the file left behind is still usable
    cli("check")


@pytest.mark.slow
def test_a_file_size_limit_while_creating_a_database_is_exit_5(tmp_path):
    db = tmp_path / "new.db"
    env = dict(os.environ, IVCLI_DB=str(db), PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    env.pop("IVCLI_DEBUG", None)

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (60_000, 60_000))

    out = subprocess.run([sys.executable, "-m", "ivcli", *WRITE], env=env, cwd=ROOT,
                         capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120,
                         preexec_fn=small_disk)
    assert out.returncode == 5, out.stderr
    assert "the disk is full" in out.stderr and "cannot rollback" not in out.stderr
    assert "Traceback" not in out.stderr


def test_errors_are_told_apart_by_sqlites_result_codes(tmp_path):
    from ivcli import db

    conn = sqlite3.connect(tmp_path / "codes.db", isolation_level=None)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("PRAGMA max_page_count = 2")
    with pytest.raises(sqlite3.Error) as full:
        conn.execute("INSERT INTO t SELECT zeroblob(100000)")
    assert db.is_storage_error(full.value) and not db.is_busy_error(full.value)
    conn.execute("PRAGMA query_only = ON")
    with pytest.raises(sqlite3.Error) as ro:
        conn.execute("INSERT INTO t VALUES (1)")
    assert db.translate(ro.value).exit_code == 4
    conn.close()
    locker = sqlite3.connect(tmp_path / "codes.db", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(tmp_path / "codes.db", timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.Error) as locked:
        other.execute("SELECT * FROM t")
    assert db.is_busy_error(locked.value) and db.translate(locked.value).exit_code == 3
    locker.close()
    other.close()
    # The text alone no longer decides: a message that merely mentions 'locked' is not busy.
    assert not db.is_busy_error(sqlite3.OperationalError("no such table: locked_out"))
    assert not db.is_storage_error(sqlite3.OperationalError("no such column: disk_full"))


# ---------------------------------------------------------------------------------------------
# IVCLI_DEBUG


def test_debug_shows_the_traceback_and_keeps_exit_70(cli, live, monkeypatch):
    from ivcli.referrals import screening as referrals

    def boom(*a, **k):
        raise RuntimeError("the bug")

    monkeypatch.setattr(referrals, "list_referrals", boom)
    monkeypatch.setenv("IVCLI_DEBUG", "1")
    result = cli(*READ, code=70)
    assert "Traceback" in result.stderr and "RuntimeError: the bug" in result.stderr
    assert "failed unexpectedly (RuntimeError)" in result.stderr
    monkeypatch.setenv("IVCLI_DEBUG", "0")
    assert "Traceback" not in cli(*READ, code=70).stderr
