"""``ivcli team import-sqlite FILE URL``: a lone coordinator's database file moved into a new,
empty PostgreSQL database (docs/team.md, "Moving from a file").

The file is read in one snapshot and never changed (``db.file_snapshot``: one of an older
schema is read through an up-to-date temporary copy). On the target everything is ONE
transaction under ivcli's write lock (``db.pg_writer_whole``): the schema (the same
migrations), the refusal of a target holding records, every table copied with COPY in
foreign-key order (``dialect.stage_rows``, the referral import's COPY), the ids' sequences set
past the highest id and the file's own next id (no id it gave is given again), then the check
that each table holds as many rows as the file's and that the audit chain verifies
(``safety.check.audit_chain``) and ends on the file's last hash, and one audit entry for the
import. Any error rolls it all back: the target is as it was.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ivcli import db, dialect, migrations
from ivcli.errors import DatabaseMissing, DatabaseUnusable, InvalidInput, IvcliError, Refused
from ivcli.safety import audit
from ivcli.safety.check import audit_chain

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from sqlalchemy.engine import Connection

# Tables the migrations fill, not the coordinator: the target has its own.
NOT_COPIED = frozenset({"schema_migrations"})
BATCH = 10_000  # rows read from the file and sent in one COPY
IMPORT_TABLE = "*"  # the audit entry of an import names every table
NOTHING = "nothing was imported; the target database is as it was"


@dataclass
class Transfer:
    """What was copied: each table with its rows, in the order copied, and the audit chain as
    verified on the target (before the import's own entry)."""

    tables: list[tuple[str, int]]
    audit_entries: int
    audit_head: bytes


def copy_order(conn: Connection) -> list[str]:
    """The tables to copy, each after the tables its foreign keys refer to."""
    tables = [t for t in dialect.table_names(conn) if t not in NOT_COPIED]
    graph = {t: dialect.foreign_key_parents(conn, t) & set(tables) for t in tables}
    return list(TopologicalSorter(graph).static_order())


def count(conn: Connection, table: str) -> int:
    return int(conn.execute(_sql(f"SELECT count(*) FROM {table}")).scalar_one())


def _sql(statement: str) -> Any:
    from sqlalchemy import text

    return text(statement)


def import_sqlite(path: Path, raw_url: str, command: str = "team import-sqlite") -> Transfer:
    """Copy the ivcli database file ``path`` into the empty PostgreSQL database ``raw_url``
    in one transaction, verified; see the module's docstring."""
    db.server_url(raw_url, "URL")
    with _source(path) as src:
        tables = copy_order(src)
        counts = {t: count(src, t) for t in tables}
        with db.pg_writer_whole(raw_url, command=command) as dst:
            _refuse_records(dst, raw_url)
            for table in tables:
                _copy_table(src, dst, table, _columns(src, dst, table, raw_url))
            target = migrations.PgDdl(dst)
            target.sync_identities()
            # Ids the file gave to records since deleted are not given again (migration 021).
            for table in set(tables) & set(migrations.DELETED_FROM):
                target.set_next_id(table, dialect.next_id(src, table))
            done = _verify(src, dst, counts, path)
            audit.record(dst, [(IMPORT_TABLE, None, "insert", ())])
    return done


@contextmanager
def _source(path: Path) -> Iterator[Connection]:
    """``db.file_snapshot`` of ``path``, its refusals of a missing file or one that is not an
    ivcli database (exit 1 and 4, as every command's) hinting at FILE rather than --db."""
    try:
        with db.file_snapshot(path) as conn:
            yield conn
    except (DatabaseMissing, DatabaseUnusable) as exc:
        if not isinstance(exc, DatabaseMissing) and "point --db" not in (exc.hint or ""):
            raise
        raise type(exc)(exc.message, hint="give the ivcli database file to move (the file "
                        "its coordinator's --db names); it was not changed") from None


def _refuse_records(conn: Connection, url: str) -> None:
    """Refuse a target holding any row in any table but ``schema_migrations`` (on a new
    database the migrations write no other row, settings included)."""
    held = [t for t in dialect.table_names(conn) if t not in NOT_COPIED
            and conn.execute(_sql(f"SELECT 1 FROM {t} LIMIT 1")).first() is not None]
    if held:
        raise Refused(
            f"{url} already holds ivcli records (in {', '.join(held)}); nothing was changed",
            hint="import into a new, empty database (e.g. 'createdb ivcli'); import-sqlite "
            "never merges two schemes' records")


def _columns(src: Connection, dst: Connection, table: str, url: str) -> list[str]:
    """The columns of ``table`` the file and the target share, in the file's order; a column
    of the file the target lacks would be lost: refused."""
    theirs = {c.name for c in dialect.table_columns(dst, table)}
    if not theirs:
        raise IvcliError(f"{url} has no table {table}, which the file has; {NOTHING}",
                         hint="both should be at this ivcli's schema: please report it")
    ours = [c.name for c in dialect.table_columns(src, table)]
    lost = [c for c in ours if c not in theirs]
    if lost:
        raise IvcliError(f"{url} has no column {', '.join(lost)} in {table}, which the file "
                         f"has; {NOTHING}",
                         hint="both should be at this ivcli's schema: please report it")
    return [c for c in ours if c in theirs]


def _copy_table(src: Connection, dst: Connection, table: str, columns: list[str]) -> None:
    """Every row of ``table``, by id, in COPYs of ``BATCH`` rows: values as the file holds
    them (ISO text dates, 0/1 booleans, the audit hashes' bytes)."""
    order = " ORDER BY id" if "id" in columns else ""
    result = src.execute(_sql(f"SELECT {', '.join(columns)} FROM {table}{order}"))
    while batch := [tuple(r) for r in result.fetchmany(BATCH)]:
        try:
            dialect.stage_rows(dst, table, columns, batch)
        except Exception as exc:
            refused = _row_refused(exc, table, columns, batch)
            if refused is None:
                raise
            raise refused from None


def _row_refused(exc: BaseException, table: str, columns: Sequence[str],
                 batch: Sequence[tuple[Any, ...]]) -> IvcliError | None:
    """The error of a row PostgreSQL refused (a value it cannot store, a constraint it
    enforces), naming the table, the record's id and the column or constraint, never the
    value; None for any other error."""
    code = db.pg_code(exc)
    if not code or code[:2] not in ("22", "23"):
        return None
    diag = getattr(exc, "diag", None)
    context = str(getattr(diag, "context", None) or "")
    line = re.search(r"\bline (\d+)", context)
    column = getattr(diag, "column_name", None) or (
        m.group(1) if (m := re.search(r"\bcolumn (\w+)", context)) else None)
    constraint = getattr(diag, "constraint_name", None)
    record = table
    if line and "id" in columns and 0 < int(line.group(1)) <= len(batch):
        record = f"{table} record {batch[int(line.group(1)) - 1][columns.index('id')]}"
    why = (f"constraint {constraint}" if constraint else
           f"a value of column {column} it cannot store" if column else
           "a value it cannot store")
    return InvalidInput(
        f"PostgreSQL refused {record} ({why}; SQLSTATE {code}); {NOTHING}",
        hint="correct the record in the file (e.g. 'ivcli --db FILE check'), then import "
        "again")


def _verify(src: Connection, dst: Connection, counts: dict[str, int], path: Path) -> Transfer:
    """In the import's transaction: each table holds the file's number of rows, and the audit
    chain verifies on the target and ends where the file's does."""
    copied = {t: count(dst, t) for t in counts}
    wrong = [f"{t}: {copied[t]} of {n}" for t, n in counts.items() if copied[t] != n]
    if wrong:
        raise IvcliError(f"the copy does not hold every row of the file ({'; '.join(wrong)}); "
                         f"{NOTHING}", hint="run it again; if it happens again, please report it")
    chain = audit_chain(dst)
    head = audit.head(dst)
    if chain.problems or head != audit.head(src):
        own = audit.verify_chain(src)
        if own.problems:
            raise IvcliError(
                f"the audit trail in {path} does not verify ({own.problems[0]}); {NOTHING}",
                hint=f"'ivcli --db {path} check' shows what is wrong; restore a backup whose "
                "audit chain verifies")
        raise IvcliError(
            "the audit chain does not verify on the target after copying ("
            + (chain.problems[0] if chain.problems else "its last hash is not the file's")
            + f"); {NOTHING}", hint="please report it")
    return Transfer(list(copied.items()), count(dst, "audit_log"), head)
