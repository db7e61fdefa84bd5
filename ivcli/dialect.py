"""What only SQLite has, in one place (with ``ivcli.db``, which opens the database).

Every other module writes SQL that runs on SQLite and PostgreSQL alike: named parameters, ISO
dates passed as parameters, no ``julianday``/``strftime``/``INSERT OR IGNORE``/``printf``/temp
tables/``json_*``. Where SQLite-only SQL or a raw sqlite3 feature earns its place (speed, the
audit trail's authorizer), it lives here, behind a function named for what it does, and each
such function answers for PostgreSQL too (team mode, docs/team.md): ``is_pg(conn)`` tells them
apart. ``migrations.PgDdl`` runs the migrations' SQLite DDL on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ivcli import migrations
from ivcli.db import dbapi
from ivcli.migrations import PgDdl

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

# ---------------------------------------------------------------------------------------------
# The schema, as SQLite describes it (PostgreSQL: information_schema)


Column = migrations.Column  # name, type as declared (upper case), not_null


def is_pg(conn: Connection) -> bool:
    """True on PostgreSQL (team mode), False on SQLite."""
    return bool(conn.dialect.name == "postgresql")


def table_names(conn: Connection) -> list[str]:
    """The database's own tables (SQLite's internal ones left out), by name."""
    if is_pg(conn):
        return PgDdl(conn).tables()
    return [r[0] for r in dbapi(conn).execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]


def table_exists(conn: Connection, name: str) -> bool:
    if is_pg(conn):
        return name in PgDdl(conn).tables()
    return dbapi(conn).execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (name,)).fetchone() is not None


def table_columns(conn: Connection, table: str) -> list[Column]:
    """The columns of ``table``, in order (on PostgreSQL, the types as SQLite would declare
    them: ``PG_TYPES`` in reverse)."""
    if is_pg(conn):
        return PgDdl(conn).columns(table)
    return [Column(r[1], (r[2] or "").upper(), bool(r[3]))
            for r in dbapi(conn).execute(f'PRAGMA table_info("{table}")')]


def next_id(conn: Connection, table: str) -> int:
    """The id the next row inserted into ``table`` gets. Never one given before, even to a
    record since deleted (migration 021): on SQLite, above the highest held and, for a table
    declared AUTOINCREMENT, above its ``sqlite_sequence`` entry; on PostgreSQL, the identity's
    next value, read without moving it (a rolled-back insert leaves a gap there, so the
    highest id held plus one is not it). Ask under the write lock, which every writer holds."""
    if is_pg(conn):
        return PgDdl(conn).next_id(table)
    # Every migrated database has sqlite_sequence (migration 021 made its first AUTOINCREMENT
    # tables); a table that is not AUTOINCREMENT has no row in it.
    (given,) = dbapi(conn).execute(
        f"SELECT max((SELECT coalesce(max(id), 0) FROM {table}), coalesce((SELECT seq FROM "
        "sqlite_sequence WHERE name = ?), 0)) + 1", (table,)).fetchone()
    return int(given)


def trigger_names(conn: Connection, table: str) -> set[str]:
    """The names of the triggers on ``table``."""
    if is_pg(conn):
        return {r[0] for r in conn.exec_driver_sql(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%(t)s) "
            "AND NOT tgisinternal", {"t": table})}
    return {r[0] for r in dbapi(conn).execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,))}


def foreign_key_parents(conn: Connection, table: str) -> set[str]:
    """The other tables ``table``'s foreign keys refer to (a reference to itself left out)."""
    if is_pg(conn):
        return {r[0] for r in conn.exec_driver_sql(
            "SELECT confrelid::regclass::text FROM pg_constraint WHERE contype = 'f' AND "
            "conrelid = to_regclass(%(t)s) AND confrelid <> conrelid", {"t": table})}
    return {r[2] for r in dbapi(conn).execute(f'PRAGMA foreign_key_list("{table}")')
            if r[2] != table}


def login_name(conn: Connection) -> str | None:
    """Who the database knows this connection as, for the audit trail (``safety.audit``):
    on PostgreSQL the role the command logged in as (``session_user``); an SQLite file has no
    logins, so the operating system's login name (``getpass.getuser``), None when it cannot
    be found."""
    if is_pg(conn):
        return str(conn.exec_driver_sql("SELECT session_user").scalar_one())
    import getpass

    try:
        return getpass.getuser() or None
    except Exception:  # noqa: BLE001 - no login name (KeyError/OSError): nobody to record
        return None


# ---------------------------------------------------------------------------------------------
# Checks of the file itself (``ivcli check``)


def integrity_problems(conn: Connection) -> list[str]:
    """What SQLite's ``integrity_check`` finds wrong with the file; empty when it is sound.
    (PostgreSQL checks its own pages: nothing to ask it here.)"""
    if is_pg(conn):
        return []
    rows = [r[0] for r in dbapi(conn).execute("PRAGMA integrity_check")]
    return [] if rows == ["ok"] else rows


def foreign_key_problems(conn: Connection) -> list[tuple[str, int, str]]:
    """(table, row id, parent table) of each row that refers to a missing record (none on
    PostgreSQL, which enforces every foreign key at each statement)."""
    if is_pg(conn):
        return []
    return [(table, rowid, parent) for table, rowid, parent, _
            in dbapi(conn).execute("PRAGMA foreign_key_check")]


# ---------------------------------------------------------------------------------------------
# Erasure


def zero_deleted_content(conn: Connection) -> None:
    """From now on in this connection, content that is overwritten or deleted is zeroed in the
    file (SQLite's ``secure_delete``), not merely marked free; ``db.scrub`` then rebuilds it.
    (PostgreSQL: the server's VACUUM reclaims the space; docs/team.md.)"""
    if is_pg(conn):
        return
    dbapi(conn).execute("PRAGMA secure_delete = ON")


# ---------------------------------------------------------------------------------------------
# The audit trail: the safety net's write watch and the bulk hash chain


def install_write_watch(conn: Connection,
                        on_write: Callable[[str, str, str | None], None]) -> None:
    """Call ``on_write(table, action, column)`` as each statement of the transaction is
    prepared, for every table of the database it writes: ``action`` 'insert', 'update' or
    'delete'; ``column`` a column an UPDATE sets (else None). Writes by triggers and to SQLite's
    internal tables are left out. (SQLite's authorizer; PostgreSQL would need a trigger or the
    statements' own record: there the watch is off, and every write is recorded by the
    services' explicit calls.)"""
    if is_pg(conn):
        return
    import sqlite3

    actions = {sqlite3.SQLITE_INSERT: "insert", sqlite3.SQLITE_UPDATE: "update",
               sqlite3.SQLITE_DELETE: "delete"}
    ok = sqlite3.SQLITE_OK

    def authorizer(code: int, arg1: str | None, arg2: str | None, dbname: str | None,
                   trigger: str | None) -> int:
        action = actions.get(code)
        if action and dbname == "main" and trigger is None and arg1 \
                and not arg1.startswith("sqlite_"):
            on_write(arg1, action, arg2 if action == "update" else None)
        return ok

    dbapi(conn).set_authorizer(authorizer)


def insert_chained_audit_entries(conn: Connection, ids_sql: str, params: Mapping[str, Any],
                                 values: Mapping[str, Any],
                                 next_link: Callable[[str], bytes]) -> int:
    """Append one audit_log entry per id ``ids_sql`` selects (a query with a column ``id`` and
    named ``params``), in id order, in one INSERT ... SELECT: ``values`` gives at, command,
    table_name, action, fields and actor, each entry's record_id is its id as text, and its
    prev_hash and hash are the 64 bytes ``next_link(record_id)`` returns (prev + hash), called
    once per entry, in order. Returns the number of entries written.

    SQLite: ``next_link`` is registered as an SQL function for the statement, so the ids never
    travel to Python and back as rows (PostgreSQL: select the ids, executemany the entries)."""
    from sqlalchemy import text

    if is_pg(conn):
        ids = [str(r[0]) for r in conn.execute(
            text(f"SELECT id FROM ({ids_sql}) AS ids ORDER BY id"), dict(params))]
        rows = []
        for rid in ids:
            link = next_link(rid)
            rows.append({**values, "record_id": rid, "prev_hash": link[:32], "hash": link[32:]})
        if rows:
            conn.execute(text(
                "INSERT INTO audit_log (at, command, table_name, record_id, action, fields, "
                "actor, prev_hash, hash) VALUES (:at, :command, :table_name, :record_id, "
                ":action, :fields, :actor, :prev_hash, :hash)"), rows)
        return len(rows)
    raw = dbapi(conn)
    raw.create_function("ivcli_audit_link", 1, next_link)
    before = raw.total_changes
    conn.execute(text(
        f"WITH ids AS MATERIALIZED (SELECT CAST(id AS TEXT) AS rid FROM ({ids_sql}) ORDER BY id), "
        "linked AS MATERIALIZED (SELECT rid, ivcli_audit_link(rid) AS l FROM ids) "
        "INSERT INTO audit_log (at, command, table_name, record_id, action, fields, actor, "
        "prev_hash, hash) SELECT :at, :command, :table_name, rid, :action, :fields, :actor, "
        "substr(l, 1, 32), substr(l, 33) FROM linked"), {**params, **values})
    return raw.total_changes - before  # rowcount is -1 for a statement starting WITH


# ---------------------------------------------------------------------------------------------
# Matching's prefilter


def _plain(expr: str) -> str:
    """SQL: true when the text is printable ASCII (no tab, newline or other control character:
    Python's split() takes those for spaces) with no backslash escapes and no runs of spaces,
    so that lower() finds whatever Python's normalisation (casefold, spaces collapsed) finds."""
    return (f"({expr} IS NULL OR (NOT {expr} GLOB '*[^ -~]*'"
            f" AND instr({expr}, char(92)) = 0 AND instr({expr}, '  ') = 0))")


def may_cover_area(profile: str, area: str, wanted: str, pg: bool = False) -> str:
    """SQL condition, false only when a volunteer certainly cannot cover the area ``wanted``
    (a parameter: lower-case printable ASCII, no backslash): their ``profile`` (JSON text)
    lists areas, and neither it nor their ``area`` column mentions ``wanted``. Anything unusual
    in the text (not plain ASCII, escapes, invalid JSON, no list of areas) is true: the
    matching rules decide. (SQLite's instr and JSON1 functions; on PostgreSQL no prefilter:
    every volunteer goes to the rules, which decide alike, only slower.)"""
    if pg:
        return "TRUE"
    return (
        f"CASE WHEN instr(lower({profile}), {wanted}) OR instr(lower({area}), {wanted}) THEN 1"
        f" WHEN NOT ({_plain(profile)} AND {_plain(area)}) THEN 1"
        f" WHEN NOT json_valid({profile}) THEN 1"
        f" WHEN coalesce(json_type({profile}, '$.areas'), '') <> 'array' THEN 1"
        f" ELSE json_array_length({profile}, '$.areas') = 0 END"
    )


# Bulk import (SQLite)

# The referral import's fast path: a staging table private to the connection, filled by
# executemany and left for the connection's end, and a big load's secondary indexes dropped and
# built again. All of it runs inside
# the caller's transaction, so a rollback undoes it. (PostgreSQL: CREATE TEMP TABLE ... ON
# COMMIT DROP filled by COPY, pg_indexes; each function below answers for both.)

def as_written(conn: Connection) -> str:
    """The clause that ends a subquery in FROM to have it worked out as written, not merged
    into the query around it: merged, each use of one of its columns that is a correlated
    subquery (in the outer WHERE and in the select list) runs that subquery again, row by row
    (``today``'s reviews due: 10.5 -> 6.2 ms on PostgreSQL, 7.8 -> 5.3 ms on SQLite). Neither
    database merges a subquery with a LIMIT or OFFSET."""
    return " OFFSET 0" if is_pg(conn) else " LIMIT -1 OFFSET 0"


BULK_CACHE_KIB = 8192


def bulk_load_begin(conn: Connection) -> None:
    """A larger page cache (``BULK_CACHE_KIB``) for the rest of this connection, main file and
    temp alike, so that the index updates of a big load stay in memory. (PostgreSQL: the
    server's own settings.)"""
    if is_pg(conn):
        return
    conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    conn.exec_driver_sql(f"PRAGMA temp.cache_size = -{BULK_CACHE_KIB}")


def create_stage(conn: Connection, table: str, columns: str, like: Sequence[str] = ()) -> None:
    """A new, empty staging table ``table`` (``columns``: its column definitions, as SQL) that
    only this connection sees; one left from before is dropped first. Other SQL names it
    unqualified. On PostgreSQL a column given without a type takes the type of the column of
    that name in the first of the tables ``like`` that has one (TEXT when none has), and the
    table goes at the commit."""
    if is_pg(conn):
        known: dict[str, str] = {}
        for source in reversed(like):
            known.update(dict(conn.exec_driver_sql(
                "SELECT column_name, coalesce(domain_name, data_type) FROM "
                "information_schema.columns WHERE table_schema = current_schema() AND "
                "table_name = %(t)s", {"t": source}).all()))
        typed = [c if len(c.split()) > 1 else f"{c} {known.get(c, 'text')}"
                 for c in (part.strip() for part in columns.split(","))]
        typed = [PgDdl.translate(f"CREATE TABLE x ({c})")[0][len("CREATE TABLE x ("):-1]
                 for c in typed]
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{table}")
        conn.exec_driver_sql(f"CREATE TEMP TABLE {table} ({', '.join(typed)}) ON COMMIT DROP")
        return
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{table}")
    conn.exec_driver_sql(f"CREATE TEMP TABLE {table} ({columns})")


def stage_rows(conn: Connection, table: str, columns: Sequence[str],
               rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (tuples, their values in the order of ``columns``) into the staging table
    ``table``: one COPY on PostgreSQL; one executemany on SQLite, with no conversion to named
    parameters on the way."""
    if is_pg(conn):
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(  # type: ignore[union-attr]
                f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        rows)


def refresh_statistics(conn: Connection, table: str, columns: str) -> None:
    """After a big load into ``table``, PostgreSQL's statistics of its ``columns`` (SQL) are
    gathered again, in the transaction, so what follows is planned for the rows now held
    rather than for the table as autovacuum last saw it (often empty: the possible duplicates
    of 100,000 young people were then sorted and merged, 580 ms, where a hash join takes 85).
    SQLite plans without statistics (ivcli never runs ANALYZE there): nothing to do."""
    if is_pg(conn):
        _analyze(conn, table, columns)


# The statistics target of a load's ANALYZE (PostgreSQL's default: 100). The plans that follow
# need a table's size and the spread of a few columns, not a fine histogram: a sample of
# 300 x 10 rows gives them, where the default's 30,000 rows cost 60-120 ms a table at 100,000
# rows (0.2-0.3 s a big import, for the same plans).
LOAD_STATISTICS_TARGET = 10


def _analyze(conn: Connection, table: str, columns: str) -> None:
    conn.exec_driver_sql(f"SET LOCAL default_statistics_target = {LOAD_STATISTICS_TARGET}")
    conn.exec_driver_sql(f"ANALYZE {table} ({columns})")
    conn.exec_driver_sql("SET LOCAL default_statistics_target = DEFAULT")


def index_stage(conn: Connection, table: str, name: str, columns: str) -> None:
    """An index ``name`` on the staging table ``table`` (``columns``: the indexed columns, as
    SQL); it goes when the table does.

    PostgreSQL: an index built over rows this transaction has updated is not usable by the
    transaction itself (``pg_index.indcheckxmin``: the updates left HOT chains), so every
    lookup would walk the whole table; the table is then rewritten in the index's order
    (CLUSTER, which rebuilds its indexes over the rewritten rows). And the indexed columns'
    statistics are gathered, which autovacuum never does for a temporary table: without
    them the planner guesses the table's size and spread."""
    if is_pg(conn):
        conn.exec_driver_sql(f"CREATE INDEX {name} ON {table} ({columns})")
        if conn.exec_driver_sql("SELECT indcheckxmin FROM pg_index WHERE indexrelid = "
                                "to_regclass(%(i)s)", {"i": f"pg_temp.{name}"}).scalar():
            conn.exec_driver_sql(f"CLUSTER {table} USING {name}")
        _analyze(conn, table, columns)
        return
    conn.exec_driver_sql(f"CREATE INDEX temp.{name} ON {table} ({columns})")


def drop_stage(conn: Connection, table: str) -> None:
    """Done with the staging table ``table``. SQLite: nothing to do. A temp table is the
    connection's own and goes, with its indexes, when the connection closes (every command's
    does as it ends), which is free; a DROP inside the transaction instead walks and frees every
    page of it (about 0.15 s for 100,000 rows). ``create_stage`` drops one left from before, so
    a second load on the same connection starts empty. (PostgreSQL: ON COMMIT DROP.)"""
    if is_pg(conn):
        conn.exec_driver_sql(f"DROP TABLE pg_temp.{table}")


def drop_secondary_indexes(conn: Connection, table: str, keep: Sequence[str] = ()) -> list[str]:
    """Drop ``table``'s secondary indexes (those declared by CREATE INDEX, in name order; the
    ones behind a PRIMARY KEY or UNIQUE constraint are left, and still checked row by row) but
    those named in ``keep``, and return the SQL that creates them again, for
    ``create_indexes``.

    PostgreSQL: its foreign keys too, created again after the indexes: checking a key is a
    trigger firing for each row inserted (a second a 100,000-row load), where adding the
    constraint back checks every row in one join. (Inside the transaction, as the indexes: a
    row that broke one would fail the whole load, and a rollback restores them.) Only the
    table's owner may drop them: for a coordinator's login (docs/team.md) nothing is dropped
    and the load keeps them up row by row."""
    if is_pg(conn):
        if not conn.exec_driver_sql(
                "SELECT pg_has_role(tableowner, 'USAGE') FROM pg_tables WHERE schemaname = "
                "current_schema() AND tablename = %(t)s", {"t": table}).scalar():
            return []
        pg_indexes = [(name, sql) for name, sql in conn.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = %(t)s AND indexname NOT IN (SELECT conname FROM pg_constraint "
            "WHERE conrelid = to_regclass(%(t)s)) ORDER BY indexname", {"t": table})
            if name not in keep]
        foreign = list(conn.exec_driver_sql(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid = to_regclass(%(t)s) ORDER BY conname", {"t": table}))
        for name, _ in pg_indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        for name, _ in foreign:
            conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        return [*(sql for _, sql in pg_indexes),
                *(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {sql}' for name, sql in foreign)]
    indexes = [(name, sql) for name, sql in conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL ORDER BY name", (table,)
    ) if name not in keep]
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _, sql in indexes]


def create_indexes(conn: Connection, sqls: Sequence[str]) -> None:
    """Run the CREATE INDEX statements ``sqls`` (as ``drop_secondary_indexes`` returned them)."""
    for sql in sqls:
        conn.exec_driver_sql(sql)


def insert_rows(conn: Connection, table: str, rows: Sequence[Mapping[str, Any]],
                statement: Any, *, ignore_conflicts: bool = False) -> int:
    """Insert ``rows`` (dicts with the same keys, each a column of ``table``) in their order,
    so that ids are given in that order; return how many were inserted. SQLite: ``statement``
    (the service's INSERT of those columns, a Core ``insert()`` or ``text()`` with named
    parameters, with ``ON CONFLICT DO NOTHING`` when ``ignore_conflicts``) run for every row
    in one executemany. PostgreSQL (``statement`` unused): the rows go by one COPY into a
    staging table only this transaction sees (values as psycopg sends them: a date as its ISO
    text, a bool as 0/1, as SQLAlchemy's types store them), then into ``table`` in one
    INSERT ... SELECT in row order, skipping those that conflict with a unique index when
    ``ignore_conflicts``: all inside the caller's transaction, so a rollback undoes it."""
    if not rows:
        return 0
    if not is_pg(conn):
        from sqlalchemy.sql.elements import TextClause

        if isinstance(statement, TextClause):
            # Untyped: its parameters are bound as they are, so the statement is compiled
            # once and given plain tuples, in the order of its placeholders, rather than each
            # row's dict being turned into parameters by SQLAlchemy (about 2 microseconds a
            # value: a tenth of a 5,000-volunteer import).
            compiled = statement.compile(dialect=conn.dialect)
            order = compiled.positiontup or []
            return int(conn.exec_driver_sql(
                compiled.string, [tuple(row[k] for k in order) for row in rows]).rowcount)
        return int(conn.execute(statement, list(rows)).rowcount)
    columns = list(rows[0])
    stage = f"stage_{table}"
    names = ", ".join(columns)
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{stage}")
    conn.exec_driver_sql(f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS SELECT 0 AS ord, "
                         f"{names} FROM {table} WITH NO DATA")
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(  # type: ignore[union-attr]
            f"COPY {stage} (ord, {names}) FROM STDIN") as copy:
        for i, row in enumerate(rows):
            copy.write_row((i, *(row[c] for c in columns)))
    added = conn.exec_driver_sql(
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage} ORDER BY ord"
        + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")).rowcount
    conn.exec_driver_sql(f"DROP TABLE pg_temp.{stage}")
    return int(added)


# The one-pass referral import's own (``referrals.onepass``, SQLite only: PostgreSQL loads
# through a staging table filled by COPY, ``referrals.intake.staged``).


def insert_tuples(conn: Connection, table: str, columns: Sequence[str],
                  values: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (plain tuples) into ``table`` in one executemany: ``columns`` are set to
    ``values``, SQL expressions over each tuple's values written ``{0}``, ``{1}``, ... (the
    same value may be used twice), with no conversion to named parameters on the way (SQLite
    binds the tuples as they are)."""
    assert not is_pg(conn), "the one-pass import is SQLite's"
    if not rows:
        return
    width = len(rows[0])
    numbered = [f"?{i}" for i in range(1, width + 1)]
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        f"({', '.join(v.format(*numbered) for v in values)})", rows)


def defer_foreign_keys(conn: Connection) -> None:
    """Check foreign keys at the commit, not at each statement, for the rest of this
    transaction (a load may add a record before the one it refers to)."""
    assert not is_pg(conn), "the one-pass import is SQLite's"
    conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")


def select_in(conn: Connection, sql: str, lists: Mapping[str, Sequence[Any]]) -> list[Any]:
    """The rows of ``sql``, each ``IN :name`` in it standing for the list ``lists[name]`` (a few
    thousand values at most), bound as they are: one ``?`` each (no named parameter per value
    for SQLAlchemy to make and compile)."""
    import re

    assert not is_pg(conn), "the one-pass import is SQLite's"
    args: list[Any] = []

    def marks(m: re.Match[str]) -> str:
        values = lists[m.group(1)]
        args.extend(values)
        return "IN (" + ",".join("?" * len(values)) + ")"

    return list(conn.exec_driver_sql(re.sub(r"\bIN :(\w+)", marks, sql), tuple(args)).all())
