"""The audit trail: which command changed which record and which fields, never the values.

Every command writes on one Core Connection (``db.writer``), and every write service records
what it wrote, in the same transaction, by an explicit call. ``ivcli.db`` imports no service:
``cli.common.AppState.writing`` passes ``watch`` and ``complete`` to it.

- A write of one record calls ``record`` (table, id, action, the fields it changed).
- Set-based writes (INSERT ... SELECT, UPDATE ... FROM) call ``record_bulk``. An insert of a
  run of ids is one range entry (``record_id`` the first id, ``record_to`` the last); an update
  or delete gets one entry per record, written with a single INSERT ... SELECT.
- A safety net catches the rest: a write watch (``dialect.install_write_watch``, SQLite's
  authorizer) notes every table a statement writes, and
  before the commit a table written (inserted, updated or deleted) with no itemised record of
  that kind gets entries all the same: one range entry for an insert (the rows above the
  highest id when the transaction began), else one table-level entry (record id empty, the
  columns an UPDATE named). No write goes unrecorded.

Every entry names the acting person (``actor``, shown as ``by``), decided once per command
(``acting_person``): ``IVCLI_USER`` when set, else the database login (``dialect.login_name``:
PostgreSQL's session_user, on a file the operating-system login). Nothing else about them.

The log is append-only (SQLite triggers refuse UPDATE and DELETE) and hash-chained: each entry's
hash covers the previous entry's hash and its own content, the actor included, so ``ivcli check``
finds an edited, inserted or removed entry.

The SQL here is portable (named parameters); what only SQLite has (the write watch, the bulk
chain's SQL function) is in ``ivcli.dialect``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from ivcli import dialect
from ivcli.db import now
from ivcli.errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

GENESIS = bytes(32)
ACTIONS = ("insert", "update", "delete")
NOT_AUDITED = frozenset({"audit_log", "schema_migrations"})
# What ``entries`` returns and ``ivcli audit`` shows; ``by`` is the column ``actor``.
COLUMNS = ("id", "at", "command", "table_name", "record_id", "record_to", "action", "fields",
           "by")
SEP = "\x1f"
ACTOR_SEP = "\x1e"  # before the actor: an entry with one never hashes like one without


def link(prev: bytes, at: str, command: str, table: str, record_id: str | None, action: str,
         fields: str | None, record_to: str | None = None, actor: str | None = None) -> bytes:
    """The hash of one entry: SHA-256 over the previous hash and the entry's own content.

    A range entry's last id is appended, then the acting person after a separator of its own;
    an entry about one record (``record_to`` None) with no actor hashes exactly as entries did
    before ranges and actors existed, so an old chain still verifies."""
    text = SEP.join((at, command, table, record_id or "", action, fields or ""))
    if record_to is not None:
        text += SEP + record_to
    if actor is not None:
        text += ACTOR_SEP + actor
    return hashlib.sha256(prev + text.encode("utf-8")).digest()


# ---------------------------------------------------------------------------------------------
# The acting person

USER_ENV = "IVCLI_USER"
USER_MAX = 64
USER_PUNCTUATION = frozenset(" .-_@'")


def user_problem(name: str) -> str | None:
    """Why ``name`` cannot be an ``IVCLI_USER``; None when it can: 1 to ``USER_MAX``
    characters, letters, digits, spaces and ``. - _ @ '`` only (no control characters, nothing
    a terminal or Rich could read as markup), not blank, no spaces at the ends."""
    if not name.strip():
        return "is empty"
    if len(name) > USER_MAX:
        return f"is longer than {USER_MAX} characters"
    if name != name.strip():
        return "starts or ends with a space"
    if not all(c.isalnum() or c in USER_PUNCTUATION for c in name):
        return "holds a character other than letters, digits, spaces and . - _ @ '"
    return None


def acting_person(conn: Connection) -> str | None:
    """Who the command acts for, decided once per connection (kept in ``conn.info``):
    ``IVCLI_USER`` when set (several people sharing one database login), checked
    (``InvalidInput``, exit 1, before anything is written); else the database login
    (``dialect.login_name``); None when neither is known."""
    if "actor" not in conn.info:
        import os

        name = os.environ.get(USER_ENV)
        if name is not None:
            problem = user_problem(name)
            if problem:
                raise InvalidInput(
                    f"{USER_ENV} {problem}; nothing was changed",
                    hint=f"set {USER_ENV} to your name or login as the audit trail should show "
                    f"it (up to {USER_MAX} letters, digits, spaces and . - _ @ '), or unset it "
                    "to be recorded by your database login")
        conn.info["actor"] = name if name is not None else dialect.login_name(conn)
    actor = conn.info["actor"]
    return None if actor is None else str(actor)


def field_list(action: str, fields: Sequence[str]) -> str | None:
    """Field names are kept for an update; an insert sets every field and a delete removes
    the record, so neither repeats the list."""
    return ",".join(fields) or None if action == "update" else None


INSERT = text(
    "INSERT INTO audit_log (at, command, table_name, record_id, record_to, action, fields, "
    "actor, prev_hash, hash) VALUES (:at, :command, :table_name, :record_id, :record_to, "
    ":action, :fields, :actor, :prev_hash, :hash)")


def head(conn: Connection) -> bytes:
    """The hash of the last entry (the chain's start when there is none)."""
    row = conn.execute(text("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")).first()
    return bytes(row[0]) if row else GENESIS


def _mark(conn: Connection, table: str, action: str) -> None:
    conn.info.setdefault("audited", set()).add((table, action))


def record(conn: Connection, entries: Iterable[tuple[str, str | None, str, Sequence[str]]]) -> int:
    """Append entries (table, record id, action, field names) in the conn's transaction."""
    at, command = now(), str(conn.info.get("command", "ivcli"))
    actor = acting_person(conn)
    prev = head(conn)
    rows = []
    for table, record_id, action, fields in entries:
        names = field_list(action, fields)
        h = link(prev, at, command, table, record_id, action, names, None, actor)
        rows.append({"at": at, "command": command, "table_name": table, "record_id": record_id,
                     "record_to": None, "action": action, "fields": names, "actor": actor,
                     "prev_hash": prev, "hash": h})
        prev = h
        _mark(conn, table, action)
    if rows:
        conn.execute(INSERT, rows)
    return len(rows)


def record_bulk(
    conn: Connection,
    table: str,
    ids: tuple[int, int | None] | str,
    action: str,
    fields: Sequence[str],
    params: Mapping[str, Any] | None = None,
) -> int:
    """Record a set-based write; return the number of records it covers.

    ``ids`` is an inclusive range ``(first, last)`` of ``table``'s ids (``last`` None: no upper
    bound) or an SQL query selecting a column ``id`` (with named ``params``). An insert over a range
    is one entry from the lowest to the highest id present in it (none if it is empty); anything
    else is one entry per record, in one INSERT ... SELECT. For an update or delete, call it
    before the statement, with the same condition; for an insert, after.
    """
    assert action in ACTIONS
    params = dict(params or {})
    if isinstance(ids, tuple):
        first, last = ids
        source = f"SELECT id FROM {table} WHERE id >= :first" + (
            "" if last is None else " AND id <= :last")
        params = {"first": first} if last is None else {"first": first, "last": last}
        if action == "insert":
            return _record_range(conn, table, source, params)
    else:
        source = ids
    at, command = now(), str(conn.info.get("command", "ivcli"))
    actor = acting_person(conn)
    names = field_list(action, fields)
    chain: dict[str, Any] = {"prev": head(conn), "n": 0}
    # link() with the parts every entry shares encoded once.
    before_id = SEP.join((at, command, table, "")).encode("utf-8")
    after_id = (SEP.join(("", action, names or ""))
                + ("" if actor is None else ACTOR_SEP + actor)).encode("utf-8")
    sha256 = hashlib.sha256

    def next_link(record_id: str) -> bytes:
        prev = chain["prev"]
        h = sha256(prev + before_id + record_id.encode("utf-8") + after_id).digest()
        chain["prev"] = h
        chain["n"] += 1
        return prev + h

    # Ids are sorted first; the chain is then computed in one pass over them.
    count = dialect.insert_chained_audit_entries(
        conn, source, params,
        {"at": at, "command": command, "table_name": table, "action": action, "fields": names,
         "actor": actor},
        next_link)
    if count and (count != chain["n"] or head(conn) != chain["prev"]):
        raise RuntimeError("audit chain was written out of order")
    _mark(conn, table, action)
    return count


def _record_range(conn: Connection, table: str, source: str, params: Mapping[str, Any]) -> int:
    """One insert entry covering the rows ``source`` selects: record_id their lowest id,
    record_to their highest. A single row gets an ordinary one-record entry."""
    low, high, count = conn.execute(
        text(f"SELECT min(id), max(id), count(*) FROM ({source}) AS ids"), params).one()
    if not count:
        return 0
    if low == high:
        return record(conn, [(table, str(low), "insert", ())])
    at, command = now(), str(conn.info.get("command", "ivcli"))
    actor = acting_person(conn)
    prev = head(conn)
    record_id, record_to = str(low), str(high)
    h = link(prev, at, command, table, record_id, "insert", None, record_to, actor)
    conn.execute(INSERT, {"at": at, "command": command, "table_name": table,
                          "record_id": record_id, "record_to": record_to, "action": "insert",
                          "fields": None, "actor": actor, "prev_hash": prev, "hash": h})
    _mark(conn, table, "insert")
    return int(count)


# ---------------------------------------------------------------------------------------------
# The safety net of a write transaction


def complete(conn: Connection) -> None:
    """The safety net, just before the commit: a table written (insert, update or delete) with
    no itemised record of that kind gets entries all the same (see the module's docstring)."""
    written: dict[tuple[str, str], set[str]] = conn.info.get("written", {})
    audited = conn.info.get("audited", set())
    missing = [(t, a, sorted(cols)) for (t, a), cols in sorted(written.items())
               if (t, a) not in audited]
    first_ids: dict[str, int] = conn.info.get("max_ids", {})
    coarse = []
    for table, action, cols in missing:
        if action == "insert" and table in first_ids:
            # New rows are the ones above the highest id when the transaction began.
            record_bulk(conn, table, (first_ids[table] + 1, None), "insert", ())
        else:
            coarse.append((table, None, action, cols))
    if coarse:
        record(conn, coarse)


def watch(conn: Connection) -> None:
    """Note every table a statement writes (``dialect.install_write_watch``) and each table's
    highest id as the transaction begins, for ``complete``. ``db.writer`` calls this and
    ``complete`` (as passed by ``AppState.writing``)."""
    acting_person(conn)  # a bad IVCLI_USER is refused before anything is written
    written: dict[tuple[str, str], set[str]] = {}
    conn.info["written"] = written

    def on_write(table: str, action: str, column: str | None) -> None:
        if table not in NOT_AUDITED:
            cols = written.setdefault((table, action), set())
            if column:
                cols.add(column)

    # The highest id of each table as the transaction begins (we hold the write lock), so rows
    # that code inserts without recording them can still be itemised at commit.
    max_ids: dict[str, int] = {}
    for table in dialect.table_names(conn):
        if table in NOT_AUDITED:
            continue
        if any(c.name == "id" and c.type == "INTEGER" for c in dialect.table_columns(conn, table)):
            max_ids[table] = conn.execute(
                text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()
    conn.info["max_ids"] = max_ids
    dialect.install_write_watch(conn, on_write)


# ---------------------------------------------------------------------------------------------
# Reading and checking


def entries(conn: Connection, table: str | None = None, record_id: str | None = None,
            limit: int = 0, by: str | None = None) -> list[dict[str, object]]:
    """Audit entries, oldest first; for one record (``table`` and ``record_id``) those naming
    it and the range entries covering it; ``by``: only those of that acting person."""
    where = " WHERE 1 = 1"
    params: dict[str, object] = {}
    if by is not None:
        where += " AND actor = :actor"
        params["actor"] = by
    if table:
        where += " AND table_name = :table_name"
        params["table_name"] = table
        if record_id is not None and record_id.isascii() and record_id.isdigit():
            # Only range entries (record_to set) hold ids as numbers to compare.
            where += (" AND (record_id = :record_id OR (CASE WHEN record_to IS NOT NULL"
                      " THEN CAST(record_id AS INTEGER) <= :n AND CAST(record_to AS INTEGER) >= :n"
                      " END))")
            params.update(record_id=record_id, n=int(record_id))
        elif record_id is not None:
            where += " AND record_id = :record_id"
            params["record_id"] = record_id
    sql = f"SELECT {', '.join(COLUMNS[:-1])}, actor FROM audit_log{where} ORDER BY id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    rows = [dict(zip(COLUMNS, r, strict=True)) for r in conn.execute(text(sql), params)]
    rows.reverse()
    return rows


@dataclass
class ChainReport:
    entries: int
    head: bytes
    problems: list[str]


def verify_chain(unit: Connection, max_problems: int = 20) -> ChainReport:
    """Recompute every hash in order; report the entries that do not follow from the last."""
    prev = GENESIS
    problems: list[str] = []
    n = 0
    last_id = 0
    for row in unit.execute(text(
        "SELECT id, at, command, table_name, record_id, action, fields, prev_hash, hash, "
        "record_to, actor FROM audit_log ORDER BY id"
    )):
        n += 1
        (entry_id, at, command, table, record_id, action, fields, prev_hash, h, record_to,
         actor) = row
        if prev_hash != prev:
            problems.append(f"audit entry {entry_id} does not follow entry {last_id} "
                            "(an entry was removed or inserted)")
        elif link(prev, at, command, table, record_id, action, fields, record_to, actor) != h:
            problems.append(f"audit entry {entry_id} was altered after it was written")
        if len(problems) >= max_problems:
            break
        prev = bytes(h)
        last_id = entry_id
    return ChainReport(n, prev, problems)
