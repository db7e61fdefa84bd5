"""A coordinator's week without dead ends: nothing is written to a wrong place in silence, a
wait for a lock says so, and notes, reports, the demo and settings read as they should."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "referrals.csv"


def beside(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir()) if path.parent.exists() else []


# ---------------------------------------------------------------------------------------------
# Backups go where they are told, or nowhere


@pytest.fixture
def live(cli, db_path: Path) -> Path:
    cli("settings", "set", "checks.warn_days", "30")
    return db_path


@pytest.mark.parametrize("name", ["notmounted/", "notmounted"])
def test_backup_to_a_missing_folder_is_refused_and_creates_nothing(cli, live, tmp_path, name):
    usb = tmp_path / "media" / "usb"
    usb.mkdir(parents=True)
    result = cli("backup", str(usb) + "/" + name, code=1)
    assert "there is no such folder" in result.stderr
    assert "nothing was written" in result.stderr
    assert list(usb.iterdir()) == []


def test_backup_into_a_missing_folders_file_creates_no_parents(cli, live, tmp_path):
    result = cli("backup", str(tmp_path / "media" / "usb" / "copy.db"), code=1)
    assert "does not exist" in result.stderr
    assert not (tmp_path / "media").exists()


def test_backup_to_an_existing_folder_writes_inside_it(cli, live, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    for arg in (str(usb), str(usb) + "/"):
        out = Path(cli("backup", arg).stdout.strip())
        assert out.parent == usb and out.suffix == ".db"
    assert len(list(usb.iterdir())) == 2
    named = Path(cli("backup", str(usb / "copy.db")).stdout.strip())
    assert named == usb / "copy.db" and named.is_file()


# ---------------------------------------------------------------------------------------------
# A mistyped --db creates nothing; a failed write leaves no new database behind


def test_a_write_to_a_db_in_a_missing_folder_is_exit_1_and_creates_nothing(cli, tmp_path):
    target = tmp_path / "typo" / "deeper" / "ivcli.db"
    result = cli("--db", str(target), "settings", "set", "checks.warn_days", "30", code=1)
    assert f"the folder {target.parent} does not exist" in result.stderr
    assert "nothing was created" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "typo").exists()


def test_ivcli_db_in_a_missing_folder_is_refused_too(cli, tmp_path, monkeypatch):
    target = tmp_path / "typo" / "ivcli.db"
    monkeypatch.setenv("IVCLI_DB", str(target))
    cli("referral", "import", str(EXAMPLE), "-q", code=1)
    assert not (tmp_path / "typo").exists()


def test_the_default_data_folder_is_still_created(cli, tmp_path, monkeypatch):
    from ivcli.cli.common import default_db_path

    monkeypatch.delenv("IVCLI_DB")
    default = default_db_path()
    assert not default.parent.exists() and str(default).startswith(str(tmp_path))
    cli("settings", "set", "checks.warn_days", "30")
    assert default.is_file()


BAD_ROW = "first_name,last_name,date_of_birth,referral_date\nAmy,Ash,31/02/2014,01/03/2026\n"


@pytest.mark.parametrize("group", ["referral", "volunteer"])
def test_a_failed_import_leaves_no_new_database(cli, db_path, tmp_path, group):
    source = tmp_path / "bad.csv"
    header = "first_name,last_name,date_of_birth," + (
        "referral_date" if group == "referral" else "application_date")
    source.write_text(header + "\nAmy,Ash,31/02/1990,01/03/2026\n", encoding="utf-8")
    result = cli(group, "import", str(source), "-q", code=1)
    assert "line 2" in result.stderr
    assert not db_path.exists()
    assert beside(db_path) == ["bad.csv"]  # no -wal, -shm or journal either


def test_a_failed_import_into_an_existing_database_keeps_it(cli, live, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text(BAD_ROW, encoding="utf-8")
    cli("referral", "import", str(source), "-q", code=1)
    assert live.is_file()
    assert cli.json("settings", "list")[0]["key"]  # still a database
    assert any(r["key"] == "checks.warn_days" and r["value"] == 30
               for r in cli.json("settings", "list"))


def test_a_new_database_another_ivcli_wrote_to_is_kept(tmp_path):
    """The clean-up removes only what holds nothing but the schema."""
    from ivcli import db, migrations

    path = tmp_path / "ivcli.db"
    db.prepare(path, write=True)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO settings (key, value) VALUES ('checks.warn_days', '3')")
    conn.commit()
    conn.close()
    db.discard_new(path)
    assert path.is_file()
    conn = sqlite3.connect(path)
    try:
        assert migrations.applied(conn)
    finally:
        conn.close()


@pytest.mark.slow
def test_a_write_waiting_for_a_lock_says_so(cli, live):
    holder = sqlite3.connect(live, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        out = subprocess.run(
            [sys.executable, "-m", "ivcli", "--db", str(live), "settings", "set",
             "checks.warn_days", "40"],
            capture_output=True, text=True, cwd=ROOT,
            env={**os.environ, "IVCLI_BUSY_TIMEOUT": "2", "PYTHONPATH": str(ROOT)})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert out.returncode == 3, out.stderr
    waiting, _, rest = out.stderr.partition("\n")
    assert "waiting for another ivcli to finish" in waiting.lower()
    assert "another ivcli is writing; nothing changed" in rest
    assert "Traceback" not in out.stderr
