"""The floor under `referral import`: the least data movement it needs, in Python and SQLite,
with none of its work (no validation, identity rules, duplicate search, audit trail or CLI):
csv.reader -> a staging table by executemany -> two INSERT ... SELECT into the real tables
(secondary indexes built after) -> commit.

    python benchmarks/import_floor.py FILE.csv DB

bench_import.py runs it beside `.import` and ivcli to show how much of the 4x budget moving
the data alone takes on this machine.
"""

from __future__ import annotations

import csv
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivcli import migrations  # noqa: E402


def main(csv_path: str, db: str) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN IMMEDIATE")
    migrations.migrate(conn, "2026-01-01T00:00:00+00:00")
    conn.execute("COMMIT")
    conn.execute("PRAGMA cache_size = -8192")
    conn.execute("BEGIN IMMEDIATE")
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('young_people', 'referrals')").fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    with open(csv_path, newline="", encoding="utf-8-sig") as fh:
        rows = csv.reader(fh)
        header = next(rows)
        conn.execute(f"CREATE TEMP TABLE s (line INTEGER PRIMARY KEY, {', '.join(header)})")
        insert = f"INSERT INTO s VALUES (NULL, {', '.join('?' * len(header))})"
        batch: list[list[str]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 5_000:
                conn.executemany(insert, batch)
                batch.clear()
        conn.executemany(insert, batch)
    person = ("reference", "first_name", "last_name", "date_of_birth", "gender", "ethnicity",
              "disability", "care_leaver", "local_authority", "area", "placement_type")
    conn.execute(
        f"INSERT INTO young_people (id, {', '.join(person)}, name_key, first_key, last_key, "
        f"created_at, updated_at) SELECT line, {', '.join(person)}, first_name, first_name, "
        "last_name, 'x', 'x' FROM s")
    referral = [h for h in header if h not in person]
    conn.execute(
        f"INSERT INTO referrals (young_person_id, {', '.join(referral)}, created_at, updated_at) "
        f"SELECT line, {', '.join(referral)}, 'x', 'x' FROM s")
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
