"""One timestamp form (issue 11): every stored timestamp is ISO 8601 in UTC to the second, as
``db.now()`` writes it, in a database built by the demo and by the write commands."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from ivcli.db import now

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")


def timestamp_columns(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'sqlite_sequence'")]
        return [(t, r[1]) for t in tables for r in conn.execute(f"PRAGMA table_info({t})")
                if str(r[2]).upper() == "DATETIME"]
    finally:
        conn.close()


def bad_stamps(db: Path) -> dict[str, list[object]]:
    conn = sqlite3.connect(db)
    out: dict[str, list[object]] = {}
    try:
        for table, column in timestamp_columns(db):
            values = [v for (v,) in conn.execute(f"SELECT DISTINCT {column} FROM {table}")]
            bad = [v for v in values if v is not None and not ISO_UTC.match(str(v))]
            if bad:
                out[f"{table}.{column}"] = bad[:3]
    finally:
        conn.close()
    return out


def test_now_is_the_one_form():
    assert ISO_UTC.match(now())


def test_the_demo_and_write_commands_store_one_timestamp_form(cli, db_path, tmp_path):
    cli("demo")  # IVCLI_DB names the file: the demo is built there
    assert len(timestamp_columns(db_path)) >= 10
    assert bad_stamps(db_path) == {}
    # Write commands on the same database, then every timestamp column again.
    added = cli.json("--no-input", "referral", "add", "--first-name", "Amy", "--last-name", "Lee",
                     "--date-of-birth", "01/02/2014", "--referral-date", "01/10/2026",
                     "--long-term-care-plan", "yes", "--consent", "yes", "--carer-support",
                     "yes", "--social-isolation", "yes")
    cli("referral", "accept", str(added["id"]), "--date", "02/10/2026")
    cli("referral", "update", str(added["id"]), "--notes", "seen at school")
    cli("settings", "set", "visit.overdue_days", "40")
    cli("--no-input", "volunteer", "add", "--first-name", "Jo", "--last-name", "Bloggs",
        "--date-of-birth", "05/05/1980")
    assert bad_stamps(db_path) == {}
