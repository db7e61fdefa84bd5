"""The database, the error boundary and output safety, through the CLI."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest


def test_read_command_on_missing_database_creates_nothing(cli, db_path: Path):
    result = cli("referral", "list", code=1)
    assert "no database at" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not db_path.exists()


def test_created_database_is_private(cli, db_path: Path):
    cli("referral", "add", "--first-name", "Amy", "--last-name", "Lee",
        "--date-of-birth", "01/02/2014")
    mode = stat.S_IMODE(os.stat(db_path).st_mode)
    assert mode == 0o600


def test_database_is_migrated_and_in_wal_mode(cli, db_path: Path):
    import sqlite3

    cli("settings", "set", "eligibility.min_age", "6")
    conn = sqlite3.connect(db_path)
    names = [r[0] for r in conn.execute("SELECT name FROM schema_migrations")]
    assert names[0] == "001_initial"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_every_connection_from_ivcli_db_refuses_a_row_breaking_a_foreign_key(cli, db_path: Path):
    """foreign_keys is 1 on the connections of a writer, a reader and connect_raw,
    and a referral of a young person who does not exist is refused, leaving nothing behind."""
    import sqlite3

    from ivcli import db

    cli("settings", "set", "eligibility.min_age", "6")
    orphan = ("INSERT INTO referrals (young_person_id, referral_date, created_at, updated_at) "
              "VALUES (999, '2026-01-01', 'x', 'x')")

    def refuses(conn: sqlite3.Connection) -> None:
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        try:
            conn.execute(orphan)
        except sqlite3.IntegrityError as exc:
            assert "FOREIGN KEY constraint failed" in str(exc)
        else:
            raise AssertionError("a referral of no young person was stored")

    with db.writer(db_path) as conn:
        refuses(db.dbapi(conn))
    with db.reader(db_path) as conn:
        refuses(db.dbapi(conn))
    raw = db.connect_raw(db_path)
    try:
        refuses(raw)
    finally:
        raw.close()
    check = sqlite3.connect(db_path)
    assert check.execute("SELECT count(*) FROM referrals").fetchone()[0] == 0
    check.close()


def test_newer_database_is_refused_untouched(cli, db_path: Path):
    import sqlite3

    cli("settings", "set", "eligibility.min_age", "6")
    conn = sqlite3.connect(db_path)
    conn.execute("INSERT INTO schema_migrations (name, applied_at) VALUES ('999_future', 'x')")
    conn.commit()
    conn.close()
    before = db_path.read_bytes()
    result = cli("referral", "list", code=4)
    assert "newer ivcli" in result.stderr
    assert db_path.read_bytes() == before


def test_not_an_sqlite_file_is_refused(cli, db_path: Path):
    db_path.write_text("name,dob\n")
    result = cli("referral", "list", code=4)
    assert "not an ivcli database" in result.stderr


def test_models_match_migrated_schema(tmp_path: Path):
    """Every SQLModel column exists in the migrated database and the other way round."""
    import sqlite3

    from sqlmodel import SQLModel

    import ivcli.models  # noqa: F401
    from ivcli import db

    path = tmp_path / "schema.db"
    db.prepare(path, write=True)
    conn = sqlite3.connect(path)
    for table in SQLModel.metadata.sorted_tables:
        cols = {r[1] for r in conn.execute(f"PRAGMA table_info({table.name})")}
        assert cols == {c.name for c in table.columns}, table.name


@pytest.mark.slow
def test_help_does_not_import_heavy_modules():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from ivcli.cli.main import app\n"
        "r = CliRunner().invoke(app, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = [m for m in ('sqlmodel', 'sqlalchemy', 'questionary', 'numpy', 'scipy',"
        " 'matplotlib', 'pydantic') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).parent.parent, check=True)
    assert out.stdout.strip() == ""


def test_unexpected_error_has_no_traceback(cli, db_path: Path, monkeypatch):
    from ivcli.referrals import screening as referrals

    def boom(*a, **k):
        raise RuntimeError("secret child name")

    monkeypatch.setattr(referrals, "list_referrals", boom)
    cli("settings", "set", "eligibility.min_age", "6")
    result = cli("referral", "list", code=70)
    assert "Traceback" not in result.stderr
    assert "secret child name" not in result.stderr
    assert "RuntimeError" in result.stderr


def test_a_bad_value_is_exit_1_and_a_usage_error_exit_2(cli):
    # docs/exit-codes.md: a value that is not acceptable (here not one of the choices) is 1;
    # a command line that cannot be read (an unknown option) is 2.
    result = cli("referral", "list", "--status", "nonsense", code=1)
    assert "nonsense" in result.stderr
    cli("referral", "list", "--no-such-option", code=2)


@pytest.mark.slow
def test_python_dash_m_runs(tmp_path: Path):
    out = subprocess.run([sys.executable, "-m", "ivcli", "--version"], capture_output=True,
                         text=True, cwd=Path(__file__).parent.parent)
    assert out.returncode == 0
    assert out.stdout.startswith("ivcli ")


@pytest.mark.slow
def test_output_into_a_closed_pipe_is_not_an_error(tmp_path: Path):
    db = tmp_path / "p.db"
    env = dict(os.environ, IVCLI_DB=str(db))
    root = Path(__file__).parent.parent
    from ivcli.demo import write_referrals_csv

    csv_file = write_referrals_csv(tmp_path / "r.csv", 2_000)  # far more than a pipe buffer
    subprocess.run([sys.executable, "-m", "ivcli", "referral", "import", str(csv_file)],
                   env=env, cwd=root, check=True, capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "ivcli", "referral", "list", "--format",
                             "json"], env=env, cwd=root, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.read(5)
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert b"unexpectedly" not in err and b"Traceback" not in err


def test_demo_builds_a_separate_database_with_every_state(cli, tmp_path: Path, monkeypatch):
    monkeypatch.delenv("IVCLI_DB")
    result = cli("demo")
    demo_db = tmp_path / "home" / "data" / "ivcli" / "demo.db"
    assert demo_db.exists()
    assert not (tmp_path / "home" / "data" / "ivcli" / "ivcli.db").exists()
    assert "Referrals to review" in result.stdout
    import sqlite3

    conn = sqlite3.connect(demo_db)
    statuses = {r[0] for r in conn.execute("SELECT DISTINCT status FROM referrals")}
    assert {"received", "accepted", "declined", "withdrawn", "matched"} <= statuses
    assert conn.execute("SELECT count(*) FROM matches WHERE status = 'active'").fetchone()[0]
    conn.close()
    again = cli("demo")
    assert "already exists" in again.stderr


def test_demo_never_overwrites_real_records(cli, db_path: Path):
    cli("referral", "add", "--first-name", "Amy", "--last-name", "Lee",
        "--date-of-birth", "01/02/2014")
    result = cli("--db", str(db_path), "demo", code=1)
    assert "never overwrites" in result.stderr


def test_the_root_lists_every_command_unbuilt_and_builds_only_the_sub_app_looked_up():
    """The lazy root group names the same commands, in the same order, as the whole tree built
    at once; looking one up builds its own sub-app and no other; an unknown name builds all
    (for "Did you mean")."""
    import typer
    import typer.main

    from ivcli.cli.main import app, sub_apps

    SUB_APPS = sub_apps()

    def eager(subs):  # type: ignore[no-untyped-def]
        tree = typer.Typer()
        for sub, name in subs:
            tree.add_typer(sub, name=name) if name else tree.add_typer(sub)
        return list(typer.main.get_group(tree).commands)

    def fresh():  # type: ignore[no-untyped-def]
        group = typer.main.get_command(app)
        return group, typer.Context(group)

    every = eager(SUB_APPS)
    assert len(every) > 10
    group, ctx = fresh()
    assert group.list_commands(ctx) == every  # type: ignore[attr-defined]
    assert group.commands == {}  # type: ignore[attr-defined]
    for sub_app in SUB_APPS:
        own = eager([sub_app])
        for name in own:
            group, ctx = fresh()
            assert group.get_command(ctx, name) is not None, name  # type: ignore[attr-defined]
            assert list(group.commands) == own, name  # type: ignore[attr-defined]
    group, ctx = fresh()
    assert group.get_command(ctx, "no-such-command") is None  # type: ignore[attr-defined]
    assert list(group.commands) == every  # type: ignore[attr-defined]


@pytest.mark.slow
def test_console_entry_runs_a_sub_command(tmp_path: Path):
    env = dict(os.environ, IVCLI_DB=str(tmp_path / "e.db"))
    out = subprocess.run([sys.executable, "-m", "ivcli", "--no-input", "referral", "add",
                          "--first-name", "A", "--last-name", "B", "--date-of-birth",
                          "01/01/2014"], env=env, capture_output=True, text=True,
                         cwd=Path(__file__).parent.parent)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"


def test_settings_are_read_once_a_transaction_and_a_change_is_seen_at_once(cli, db_path: Path):
    """``stored_settings.get`` reads the settings table once per transaction; a change made
    through ``set_value``/``reset`` is seen by the same transaction, and another transaction
    reads the table again."""
    from ivcli import db, stored_settings

    cli("settings", "set", "visit.overdue_days", "30")  # creates the database
    key = "review.warn_days"
    default = stored_settings.SETTINGS[key].default
    with db.writer(db_path) as conn:
        reads: list[str] = []
        from sqlalchemy import event

        event.listen(conn, "before_cursor_execute",
                     lambda *a: reads.append(a[2]) if "FROM settings" in a[2] else None)
        assert stored_settings.get(conn, key) == default
        assert stored_settings.get(conn, "visit.overdue_days") is not None
        assert len(reads) == 1  # one read of the table for both
        stored_settings.set_value(conn, key, "9")
        assert stored_settings.get(conn, key) == 9
        stored_settings.reset(conn, key)
        assert stored_settings.get(conn, key) == default
        stored_settings.set_value(conn, key, "11")
    with db.reader(db_path) as conn:
        assert stored_settings.get(conn, key) == 11
    cli("settings", "set", key, "12")
    with db.reader(db_path) as conn:
        assert stored_settings.get(conn, key) == 12
