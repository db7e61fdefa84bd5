"""The part of `referral import` that is SQLite's alone: the rows ivcli inserts, already read,
checked and linked, put into a new database by the import's own steps, and nothing else.

Untimed first: ivcli reads, checks and links the file (its own validation and one-pass
linking, on a scratch database, rolled back), and the rows it inserts are kept. Timed after,
in the same process: a write transaction on a new database (``db.writer``), the page cache
of a load, the tables' secondary indexes dropped (all at once, which a real load does only
after its first batch), the rows inserted a batch at a time (``dialect.insert_tuples``), the
indexes built again, the audit trail's range entries, the possible duplicates
(``duplicates.detect_added``), the commit and the close.

Not timed: start-up, reading the CSV, checking the rows, linking them, and the summary. What
the import adds to this figure is its Python work; bench_import.py prints the two side by
side, against `.import`.

    python benchmarks/import_db_floor.py FILE.csv DB
"""

from __future__ import annotations

import gc
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivcli import db, dialect  # noqa: E402
from ivcli.referrals import duplicates, intake, onepass  # noqa: E402
from ivcli.safety import audit  # noqa: E402

TABLES = ("young_people", "referrals")


def capture(csv_path: Path, scratch: Path) -> list[tuple]:
    """The (table, columns, values, rows) of each insert ivcli's import of ``csv_path`` makes."""
    kept: list[tuple] = []
    real = dialect.insert_tuples

    def keep(conn, table, columns, values, rows):  # type: ignore[no-untyped-def]
        kept.append((table, list(columns), list(values), list(rows)))
        real(conn, table, columns, values, rows)

    dialect.insert_tuples = keep  # type: ignore[assignment]
    try:
        with db.writer(scratch, dry_run=True) as conn:
            intake.import_csv(conn, csv_path, today=date.today())
    finally:
        dialect.insert_tuples = real  # type: ignore[assignment]
    if {table for table, *_ in kept} - set(TABLES):
        raise SystemExit("the file has rows the load stages (no reference): use one that has "
                         "a reference on every row, as the demo's have")
    return kept


def load(path: Path, inserts: list[tuple]) -> float:
    """Seconds to put ``inserts`` into a new database at ``path`` as the import does."""
    with db.writer(path):
        pass  # created and migrated, untimed
    start = time.perf_counter()
    with db.writer(path, command="referral import") as conn:
        dialect.bulk_load_begin(conn)
        dropped = [dialect.drop_secondary_indexes(conn, t, keep=onepass.IN_ORDER)
                   for t in TABLES]
        for table, columns, values, rows in inserts:
            dialect.insert_tuples(conn, table, columns, values, rows)
        for sqls in dropped:
            dialect.create_indexes(conn, sqls)
        for table in TABLES:
            columns = next(c for t, c, *_ in inserts if t == table)
            audit.record_bulk(conn, table, (1, None), "insert", columns[1:])
        duplicates.detect_added(conn, 0)
    return time.perf_counter() - start


def main(csv_path: str, db_path: str) -> None:
    path = Path(db_path)
    scratch = path.with_name(path.name + ".scratch")
    inserts = capture(Path(csv_path), scratch)
    gc.freeze()  # the rows kept are not the collector's work in the time taken
    print(f"{load(path, inserts):.3f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
