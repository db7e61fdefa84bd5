"""The one place that opens the database.

Every connection gets foreign keys ON (checked), WAL and a busy timeout; every command runs in
one transaction, ``BEGIN IMMEDIATE`` when it writes. Pending migrations are applied on open, in
their own write transaction. A command that only reads never creates a file, nor makes an empty
one a database. Before any of this, whether the file can be used at all (read-only, not SQLite,
damaged, another program's, a newer ivcli's) is decided without changing it (``check_file``,
``inspect``); errors are told apart by SQLite's result codes (``translate``).

A command's unit of work is one SQLAlchemy Core Connection: ``reader`` for a command that
reads, ``writer`` for one that writes. Services take it and run Core statements on it; nothing
uses the ORM. ``dbapi`` gives the sqlite3 connection under it, for what only SQLite has; only
this module and ``ivcli.dialect`` (the schema's tables and columns, the checks, the audit
trail's write watch and hash function, the bulk import's fast path) use it.

This module imports no service: the audit trail's hooks (``safety.audit``) are passed in by
the caller (``cli.common.AppState``), so the dependency runs one way, services -> db.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ivcli import gcstart
from ivcli.errors import (
    DatabaseBusy,
    DatabaseMissing,
    DatabaseUnusable,
    IvcliError,
    StorageFull,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

SQLITE_HEADER = b"SQLite format 3\x00"
DEFAULT_BUSY_TIMEOUT = 10.0


def now() -> str:
    """The one timestamp ivcli stores: ISO 8601 in UTC, to the second
    (``2026-12-01T18:25:00+00:00``). Every created_at, updated_at, applied_at and audit ``at``."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def busy_timeout() -> float:
    raw = os.environ.get("IVCLI_BUSY_TIMEOUT")
    try:
        return float(raw) if raw else DEFAULT_BUSY_TIMEOUT
    except ValueError:
        return DEFAULT_BUSY_TIMEOUT


def sqlite_code(exc: BaseException) -> int | None:
    """SQLite's primary result code (``SQLITE_BUSY``, ``SQLITE_FULL``, ...) of an error, raw or
    wrapped by SQLAlchemy; None when it did not come from SQLite."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlite_errorcode", None) if isinstance(orig, sqlite3.Error) else None
    return None if code is None else code & 0xFF  # an extended code keeps its primary low byte


BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
STORAGE_CODES = (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR)
READ_ONLY_CODES = (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN)
DAMAGED_CODES = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def is_busy_error(exc: BaseException) -> bool:
    """True for SQLite's 'database is locked' / 'busy', raw or wrapped by SQLAlchemy."""
    return sqlite_code(exc) in BUSY_CODES


def busy() -> DatabaseBusy:
    return DatabaseBusy(
        "another ivcli is writing; nothing changed",
        hint="another ivcli command holds the database; try again in a moment "
        "(IVCLI_BUSY_TIMEOUT sets how many seconds to wait)",
    )


def is_storage_error(exc: BaseException) -> bool:
    """True for a full disk, a file-size limit or a failed write, raw or wrapped."""
    import errno

    orig = getattr(exc, "orig", exc)
    if isinstance(orig, OSError) and orig.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return True
    return sqlite_code(exc) in STORAGE_CODES


def storage_full() -> StorageFull:
    return StorageFull(
        "could not write: the disk is full, a file-size limit was reached or the disk failed; "
        "nothing changed",
        hint="free some space (or check the disk) and run the command again",
    )


def read_only(what: str) -> DatabaseUnusable:
    return DatabaseUnusable(
        f"{what} is read-only; nothing was changed",
        hint="ivcli writes to the database and to working files next to it (-wal, -shm) even "
        "to read: make the file and its folder writable by you, or copy the file to a "
        "writable folder and use --db",
    )


def damaged(path: Path | None) -> DatabaseUnusable:
    return DatabaseUnusable(
        f"{path or 'the database'} is damaged (SQLite cannot read it); it was not changed",
        hint="restore a backup ('ivcli restore FILE'); keep the damaged file until you have",
    )


def translate(exc: BaseException, path: Path | None = None) -> IvcliError | None:
    """ivcli's own error for a busy, full, read-only or damaged database (SQLite's result code,
    raw or wrapped by SQLAlchemy, or the OSError of a full disk); None for anything else."""
    if is_busy_error(exc):
        return busy()
    if is_storage_error(exc):
        return storage_full()
    code = sqlite_code(exc)
    if code in READ_ONLY_CODES:
        return read_only(str(path) if path else "the database or its folder")
    if code in DAMAGED_CODES:
        return damaged(path)
    return None


FIRST_WAIT = 1.0  # seconds a write waits for a lock in silence before it says so
WAITING = "Waiting for another ivcli to finish…"


def set_busy_timeout(conn: sqlite3.Connection, seconds: float) -> None:
    conn.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")


def begin_write(conn: sqlite3.Connection, timeout: float | None = None) -> None:
    """``BEGIN IMMEDIATE`` on ``conn`` (autocommit mode), waiting up to ``timeout`` seconds
    (the busy timeout) for another ivcli's write lock. No thread: a first, short busy timeout;
    if it runs out, a line on stderr says why nothing happens, then the rest of the wait."""
    import sys

    total = busy_timeout() if timeout is None else timeout
    if total <= FIRST_WAIT:
        conn.execute("BEGIN IMMEDIATE")
        return
    set_busy_timeout(conn, FIRST_WAIT)
    try:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not is_busy_error(exc):
                raise
        sys.stderr.write(f"{WAITING} (up to {total:g} s; IVCLI_BUSY_TIMEOUT sets how long)\n")
        sys.stderr.flush()
        set_busy_timeout(conn, total - FIRST_WAIT)
        conn.execute("BEGIN IMMEDIATE")
    finally:
        set_busy_timeout(conn, total)


def configure(conn: sqlite3.Connection, timeout: float) -> None:
    """Pragmas every connection needs; ``conn`` must be in autocommit mode (isolation_level
    None)."""
    set_busy_timeout(conn, timeout)
    conn.execute("PRAGMA foreign_keys = ON")
    if conn.execute("PRAGMA foreign_keys").fetchone()[0] != 1:
        raise DatabaseUnusable("this SQLite build cannot enforce foreign keys")
    conn.execute("PRAGMA journal_mode = WAL")


def create_private_file(path: Path) -> None:
    """Create an empty file only its owner can read, before SQLite ever opens it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, 0o600)


def check_file(path: Path, *, write: bool, create_folder: bool = True) -> None:
    """Everything that can be told about ``path`` without opening it with SQLite: it exists (a
    command that writes creates it, 0600, and its folder only with ``create_folder``: the
    default data folder, never one named by --db), is a file, starts like an SQLite file, is
    not empty for a command that reads, and it and its folder are writable (SQLite keeps its
    -wal and -shm next to it, even to read). Raises before anything is created next to it."""
    if not path.exists():
        if not write:
            raise DatabaseMissing(
                f"no database at {path}",
                hint="check --db or IVCLI_DB; a command that writes (e.g. 'ivcli referral add') "
                "creates it",
            )
        folder = path.parent if str(path.parent) else Path(".")
        if not create_folder and not folder.is_dir():
            raise DatabaseMissing(
                f"the folder {folder} does not exist, so there is no database at {path}; "
                "nothing was created",
                hint="check --db or IVCLI_DB for a typing mistake (or a drive not mounted); "
                "to start a new database there, create the folder first",
            )
        try:
            create_private_file(path)
        except OSError as exc:
            raise DatabaseUnusable(
                f"cannot create the database at {path}: {exc.strerror}",
                hint="choose a writable folder with --db",
            ) from None
        return
    if path.is_dir():
        raise DatabaseUnusable(f"{path} is a folder, not a database file", hint="use --db FILE")
    try:
        with open(path, "rb") as fh:
            header = fh.read(16)
    except OSError as exc:
        raise DatabaseUnusable(f"cannot read {path}: {exc.strerror}") from None
    if header and header != SQLITE_HEADER:
        raise DatabaseUnusable(f"{path} is not an ivcli database (not an SQLite file)",
                               hint="point --db at an ivcli database; the file was not changed")
    if not header and not write:
        # An empty file holds no database yet; only a command that writes makes it one.
        raise DatabaseMissing(
            f"{path} is empty: there is no ivcli database in it yet",
            hint="check --db or IVCLI_DB; a command that writes (e.g. 'ivcli referral add') "
            "makes it a new database",
        )
    if not os.access(path, os.R_OK | os.W_OK):
        raise read_only(str(path))
    folder = path.parent if str(path.parent) else Path(".")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise read_only(f"the folder {folder} (which holds the database)")


def inspect(path: Path) -> list[str]:
    """The names of the migrations ``path`` still needs, found without changing the file.

    A file that is damaged, another program's SQLite database or written by a newer ivcli is
    refused here (``DatabaseUnusable``), before anything sets its journal mode or writes to it.
    The connection sets no pragma but ``query_only`` and issues no write; it is an ordinary one
    because a ``mode=ro`` connection to a file in WAL mode leaves a -wal and -shm behind.
    """
    from ivcli import migrations

    if path.stat().st_size == 0:
        return [name for name, _ in migrations.MIGRATIONS]
    todo, conn = _inspected(path)
    conn.close()
    return todo


def _inspected(path: Path) -> tuple[list[str], sqlite3.Connection]:
    """``inspect`` of a file that is not empty, and the connection it looked through (still
    ``query_only``, in autocommit mode), for the caller to close or to go on with."""
    from ivcli import migrations

    conn = sqlite3.connect(path, timeout=busy_timeout(), isolation_level=None)
    try:
        conn.execute("PRAGMA query_only = ON")
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'"
                              ).fetchone()[0]
        if tables and not migrations.applied(conn):
            raise foreign(path)
        return [name for name, _ in migrations.pending(conn)], conn
    except sqlite3.Error as exc:
        conn.close()
        if sqlite_code(exc) == sqlite3.SQLITE_ERROR:  # e.g. another program's schema_migrations
            raise foreign(path) from None
        raise translate(exc, path) or DatabaseUnusable(f"cannot read {path}: {exc}") from None
    except BaseException:
        conn.close()
        raise


def foreign(path: Path) -> DatabaseUnusable:
    return DatabaseUnusable(f"{path} is an SQLite file but not an ivcli database",
                            hint="point --db at an ivcli database or a new file; the file was "
                            "not changed")


def connect_raw(path: Path, timeout: float | None = None) -> sqlite3.Connection:
    t = busy_timeout() if timeout is None else timeout
    conn = sqlite3.connect(path, timeout=t, isolation_level=None)
    try:
        configure(conn, t)
    except sqlite3.Error as exc:
        conn.close()
        raise translate(exc, path) or DatabaseUnusable(f"cannot open {path}: {exc}") from None
    return conn


def prepare(path: Path, *, write: bool, create_folder: bool = True) -> None:
    """Check or create the file and bring its schema up to date.

    Whether the file can be used is decided first, from its header and a look at its schema
    that changes nothing (``check_file``, ``inspect``); only then is it switched to WAL and
    migrated, each pending migration recorded in one write transaction."""
    from ivcli import migrations

    check_file(path, write=write, create_folder=create_folder)
    if not inspect(path):
        return
    conn = connect_raw(path)
    try:
        try:
            todo = migrations.pending(conn)
            if not todo:
                return  # another ivcli migrated it meanwhile
            if migrations.applied(conn):
                # Nothing is lost to a schema change: keep a copy of the file as it was.
                backup_database(conn, backup_name(path, "before-" + todo[0][0]))
            # Table rebuilds need foreign keys off, and the pragma is a no-op inside a
            # transaction; migrate() runs foreign_key_check before the commit.
            conn.execute("PRAGMA foreign_keys = OFF")
            begin_write(conn)
            try:
                migrations.migrate(conn, now())
                conn.execute("COMMIT")
            except BaseException:
                # SQLite may have rolled back already (a full disk does): a failed ROLLBACK
                # must not hide the error that caused it.
                if conn.in_transaction:
                    try:
                        conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                raise
        except sqlite3.Error as exc:
            raise translate(exc, path) or DatabaseUnusable(f"cannot use {path}: {exc}") from None
        except OSError as exc:
            if is_storage_error(exc):
                raise storage_full() from None
            raise DatabaseUnusable(f"cannot use {path}: {exc.strerror or exc}") from None
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# Backups: always through SQLite's backup API (a plain file copy of a live WAL database can be
# torn), to a temporary name in the target folder, synced, renamed, then verified.


def backup_name(db_path: Path, label: str = "", folder: Path | None = None) -> Path:
    """A new dated name for a backup of ``db_path`` in ``folder`` (default: the backups folder
    next to it), never one that exists."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = f"-{label}" if label else ""
    folder = db_path.parent / "backups" if folder is None else folder
    candidate = folder / f"{db_path.stem}-{stamp}{suffix}.db"
    n = 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{db_path.stem}-{stamp}{suffix}-{n}.db"
    return candidate


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_database(source: sqlite3.Connection | Path, target: Path) -> Path:
    """Copy a database with the backup API to ``target`` (0600), atomically: a temporary file
    in the same folder, fsync, rename, fsync the folder, then ``integrity_check`` the result."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp.unlink(missing_ok=True)
        create_private_file(tmp)
    except OSError as exc:
        if is_storage_error(exc):
            raise storage_full() from None
        from ivcli.outfile import refuse

        raise refuse(target, exc.strerror or type(exc).__name__) from None
    own = isinstance(source, Path)
    src = sqlite3.connect(source, timeout=busy_timeout()) if isinstance(source, Path) else source
    try:
        dst = sqlite3.connect(tmp, isolation_level=None)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            dst.close()
        fsync_path(tmp)
        os.replace(tmp, target)
        fsync_path(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if own:
            src.close()
    os.chmod(target, 0o600)
    problem = verify_file(target)
    if problem:
        raise DatabaseUnusable(f"the backup at {target} failed its check: {problem}")
    return target


# What ``backup_database`` raises when the source is too damaged (or unreadable) to copy.
BACKUP_FAILED: tuple[type[BaseException], ...] = (DatabaseUnusable, OSError, sqlite3.DatabaseError)


def verify_file(path: Path) -> str | None:
    """None when ``path`` is a sound ivcli database this version can open; else why not."""
    from ivcli import migrations

    try:
        with open(path, "rb") as fh:
            if fh.read(16) != SQLITE_HEADER:
                return "not an SQLite file"
    except OSError as exc:
        return f"cannot read it ({exc.strerror})"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return f"cannot open it ({exc})"
    try:
        result = conn.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            return f"integrity_check: {result[0][0]}"
        if not migrations.applied(conn):
            return "an SQLite file but not an ivcli database"
        try:
            migrations.pending(conn)
        except DatabaseUnusable:
            return "written by a newer ivcli"
    except sqlite3.DatabaseError as exc:
        return f"not a usable database ({exc})"
    finally:
        conn.close()
    return None


def make_engine(path: Path, *, write: bool,
                creator: Callable[[], sqlite3.Connection] | None = None) -> Engine:
    """An engine whose connections are configured (``configure``) and begin as ``write``
    says; ``creator``, if given, opens its connection (see ``reader``)."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    timeout = busy_timeout()
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": timeout, "isolation_level": None},
        poolclass=NullPool,
        hide_parameters=True,
        **({"creator": creator} if creator is not None else {}),
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None
        configure(dbapi_conn, timeout)

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        if write:
            begin_write(conn.connection.driver_connection, timeout)
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def dbapi(conn: Connection) -> sqlite3.Connection:
    """The sqlite3 connection under a Core Connection, inside its transaction: for what only
    SQLite has (an authorizer, a user function, ``executemany`` of plain tuples)."""
    raw = conn.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


@contextmanager
def _translated_errors(path: Path) -> Iterator[None]:
    """SQLite's busy, disk, read-only and damaged-file errors, raw or wrapped by SQLAlchemy, as
    ivcli's own (``translate``)."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except (DBAPIError, sqlite3.Error, OSError) as exc:
        err = translate(exc, path)
        if err is None:
            raise
        raise err from None


@contextmanager
def new_file_undone(path: Path, *, write: bool, dry_run: bool = False) -> Iterator[None]:
    """A write that fails (or is a dry run) on a database it created leaves no file behind."""
    new = write and not path.exists()
    try:
        yield
    except BaseException:
        if new:
            discard_new(path)
        raise
    if new and dry_run:
        discard_new(path)


def discard_new(path: Path) -> None:
    """Remove the database this command created at ``path``, with its working files, if it
    still holds nothing but its schema: another ivcli may have written to it meanwhile, and
    then it stays (as it does when another ivcli holds it)."""
    if not path.is_file():
        return
    try:
        conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    except sqlite3.Error:
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name != 'schema_migrations' AND name NOT LIKE 'sqlite%'")]
        if any(conn.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone() for t in tables):
            return
        conn.execute("ROLLBACK")
    except sqlite3.Error:
        return
    finally:
        conn.close()
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


@contextmanager
def _unit_of_work(conn: Connection, command: str | None, dry_run: bool,
                  watch: Callable[[Connection], None] | None,
                  complete: Callable[[Connection], None] | None) -> Iterator[None]:
    """A command's write transaction on ``conn`` (SQLite or PostgreSQL): the audit trail's
    ``watch`` as it begins and ``complete`` just before the commit; rolled back on any error or
    with ``dry_run``."""
    gcstart.resume()
    conn.info["command"] = command or "ivcli"
    tx = conn.begin()
    try:
        if watch is not None:
            watch(conn)
        yield
        if dry_run:
            tx.rollback()
        else:
            if complete is not None:
                complete(conn)
            tx.commit()
    except BaseException:
        try:
            if tx.is_active:
                tx.rollback()
        except Exception:  # noqa: BLE001 - closing the connection rolls back anyway
            pass
        raise


@contextmanager
def writer(path: Path, *, command: str | None = None, dry_run: bool = False,
           create_folder: bool = True,
           watch: Callable[[Connection], None] | None = None,
           complete: Callable[[Connection], None] | None = None) -> Iterator[Connection]:
    """A write transaction (``BEGIN IMMEDIATE``) on a Core Connection. Writes are recorded by
    the services with ``audit.record`` / ``audit.record_bulk``; the audit trail's safety net
    (``watch`` as the transaction begins, ``complete`` just before the commit:
    ``safety.audit.watch`` and ``complete``, which ``AppState`` passes) itemises anything
    else. Rolled back on any error or with ``dry_run``; a database the command created is
    removed again (``new_file_undone``). ``create_folder``: see ``check_file``."""
    with new_file_undone(path, write=True, dry_run=dry_run):
        prepare(path, write=True, create_folder=create_folder)
        engine = make_engine(path, write=True)
        try:
            with engine.connect() as conn, _translated_errors(path):
                with _unit_of_work(conn, command, dry_run, watch, complete):
                    yield conn
        finally:
            engine.dispose()


@contextmanager
def reader(path: Path) -> Iterator[Connection]:
    """A read-only unit of work on a Core Connection: reads start without importing
    ``sqlalchemy.orm``, the models or pydantic.

    The file is checked as ``prepare`` checks it; when it needs no migration, the connection
    that inspected it is the one the command reads on (switched from ``query_only`` to an
    ordinary connection, then configured like every other), so the file is opened once."""
    check_file(path, write=False)
    todo, inspected = _inspected(path)
    raw: sqlite3.Connection | None = inspected
    if todo:
        inspected.close()
        raw = None
        prepare(path, write=False)  # migrates it, as any command does; checks it again first
        engine = make_engine(path, write=False)
    else:
        def hand_over() -> sqlite3.Connection:
            nonlocal raw
            if raw is None:  # only one connection is ever asked for; a second opens anew
                return sqlite3.connect(path, timeout=busy_timeout(), isolation_level=None)
            conn, raw = raw, None
            conn.execute("PRAGMA query_only = OFF")
            return conn

        engine = make_engine(path, write=False, creator=hand_over)
    try:
        with engine.connect() as conn, _translated_errors(path), conn.begin():
            gcstart.resume()
            yield conn
    finally:
        engine.dispose()
        if raw is not None:  # never handed over (the engine failed before it connected)
            raw.close()


@contextmanager
def file_snapshot(path: Path) -> Iterator[Connection]:
    """Read the database file at ``path`` in one snapshot without changing it (``ivcli team
    import-sqlite``). It is checked as a command that reads checks a file (``check_file``,
    ``inspect``: exit 1 missing or empty; exit 4 not an ivcli database, damaged, a newer
    ivcli's) and read through the connection that inspected it, still ``query_only`` and with
    no pragma set (``reader`` switches a file to WAL and migrates it). A file whose schema is
    older than this ivcli is left as it is: a copy of it (``backup_database``) in a private
    temporary folder is brought up to date and read instead, and removed at the end."""
    import tempfile
    from contextlib import ExitStack

    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    check_file(path, write=False)
    with ExitStack() as stack:
        todo, raw = _inspected(path)
        if todo:
            raw.close()
            copy = Path(stack.enter_context(tempfile.TemporaryDirectory())) / path.name
            with _translated_errors(path):
                backup_database(path, copy)
            prepare(copy, write=True)
            todo, raw = _inspected(copy)
        held = [raw]
        engine = create_engine("sqlite://", creator=lambda: held.pop(), poolclass=NullPool,
                               hide_parameters=True)

        @event.listens_for(engine, "begin")
        def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
            conn.exec_driver_sql("BEGIN")

        try:
            with engine.connect() as conn, _translated_errors(path), conn.begin():
                yield conn
        finally:
            engine.dispose()
            if held:  # never handed over (the engine failed before it connected)
                raw.close()


def restore_from(source: Path, path: Path, *, create_folder: bool = True) -> None:
    """Replace the database at ``path`` with a copy of ``source`` (already verified), through the
    backup API so that open readers and the WAL stay consistent."""
    check_file(path, write=True, create_folder=create_folder)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = connect_raw(path)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = WAL")
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.OperationalError as exc:
            if is_busy_error(exc):
                raise busy() from None
            raise
        finally:
            dst.close()
    finally:
        src.close()
    os.chmod(path, 0o600)


def scrub(path: Target) -> None:
    """After erasing personal data: move every page out of the WAL into the main file, rebuild
    the file so no freed page keeps old content, and truncate the WAL to nothing. (PostgreSQL:
    the server's autovacuum reclaims the space; docs/team.md says so.)"""
    if not isinstance(path, Path):
        return
    conn = connect_raw(path)
    try:
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.OperationalError as exc:
        if is_busy_error(exc):
            raise DatabaseBusy(
                "the record was erased, but another ivcli kept the file busy, so older copies "
                "of the erased text may remain in unused space",
                hint="run 'ivcli check --scrub' when no other ivcli is running to finish the "
                "clean-up",
            ) from None
        raise
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# PostgreSQL (team mode, docs/team.md): ``--db postgresql+psycopg://host/dbname``.
#
# The same units of work as on SQLite: ``reader`` and ``writer`` take a "target", a Path for an
# SQLite file or a URL (a str). Writers are serialised as SQLite serialises them: each takes one
# session-level advisory lock (``WRITE_LOCK``) before its transaction begins, waiting up to the
# busy timeout (exit 3 after it), so its snapshot is taken after the previous writer committed;
# the transaction itself is SERIALIZABLE, so a conflict with anything else writing to the
# database (not through ivcli) fails rather than double-books, and is reported as busy. Readers
# get one REPEATABLE READ, READ ONLY snapshot. The audit trail's hash chain is linear because
# writers are. What only SQLite has (PRAGMAs, the authorizer, backups, scrubbing, file checks)
# is skipped here; ``ivcli.dialect`` answers the rest for both.

Target = Path | str
WRITE_LOCK = 0x1FC11  # the advisory lock key every ivcli writer takes (any fixed number)
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
PG_HINT = ("give no password in the URL: use libpq's environment (PGPASSWORD, PGUSER, ...), "
           "~/.pgpass, or a service file (postgresql+psycopg:///?service=ivcli); "
           "see docs/team.md")


def is_url(value: str | Path) -> bool:
    """True when ``--db`` / ``IVCLI_DB`` names a database server (``scheme://...``) rather
    than a file."""
    return isinstance(value, str) and "://" in value


def server_url(raw: str, where: str) -> str:
    """``raw`` given as the argument ``where`` of a team command (``team init URL``, ``team
    import-sqlite FILE URL``), which needs a database server: ``pg_url``'s rules, with its
    messages naming ``where``; a file path is refused too (``InvalidInput``, exit 1)."""
    from ivcli.errors import InvalidInput

    if not is_url(raw):
        raise InvalidInput(f"{where}: {raw} is a file path; team mode needs a PostgreSQL URL",
                           hint="e.g. postgresql+psycopg://host/dbname (docs/team.md)")
    try:
        return pg_url(raw)
    except InvalidInput as exc:
        raise InvalidInput(exc.message.replace("--db:", f"{where}:", 1), hint=exc.hint) \
            from None


def pg_url(raw: str) -> str:
    """``raw`` as the URL ivcli connects with: PostgreSQL through psycopg only, never a
    password in it (``InvalidInput``, exit 1), and ``sslmode=require`` unless the host is
    local (localhost, a Unix socket) or ``sslmode`` (or a service, or ``PGSSLMODE``) says
    otherwise."""
    from ivcli.errors import InvalidInput

    scheme, _, rest = raw.partition("://")
    if scheme not in ("postgresql", "postgresql+psycopg", "postgres"):
        raise InvalidInput(
            f"--db: {scheme}:// is not a database ivcli can use",
            hint="give a file path, or a PostgreSQL URL: postgresql+psycopg://host/dbname")
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url("postgresql+psycopg://" + rest)
    except (ArgumentError, ValueError):
        raise InvalidInput("--db: not a valid PostgreSQL URL",
                           hint="e.g. postgresql+psycopg://host/dbname") from None
    if url.password is not None or "password" in url.query:
        raise InvalidInput("--db: a password in the URL is refused (it would show in the "
                           "process list and the shell history)", hint=PG_HINT)
    query = dict(url.query)
    host = url.host or query.get("host") or os.environ.get("PGHOST") or ""
    host = host if isinstance(host, str) else host[0]
    local = not host or host.startswith("/") or host in LOCAL_HOSTS
    if not local and "sslmode" not in query and "service" not in query \
            and not os.environ.get("PGSSLMODE"):
        url = url.update_query_dict({"sslmode": "require"})
    return url.render_as_string(hide_password=False)


def shown(target: Target) -> str:
    """How a target is named in messages: a file's path; a URL as given (it holds no
    password)."""
    return str(target)


def pg_code(exc: BaseException) -> str | None:
    """PostgreSQL's SQLSTATE of an error, raw or wrapped by SQLAlchemy; None otherwise."""
    orig = getattr(exc, "orig", exc)
    return getattr(orig, "sqlstate", None) if type(orig).__module__.startswith("psycopg") \
        else None


PG_BUSY = ("40001", "40P01", "55P03")  # serialization failure, deadlock, lock not available
PG_STORAGE = ("53100", "53200", "58030")  # disk full, out of memory, I/O error
PG_NO_RIGHT = ("42501", "25006")  # insufficient privilege, read-only transaction


TEAM_ROLES = ("ivcli_coordinator", "ivcli_reporting")  # docs/team.md; ivcli.team.roles


def no_right(exc: BaseException) -> IvcliError:
    """The refusal of a command that needs more than the login's role allows (PostgreSQL's
    insufficient privilege, or a write in a read-only transaction): e.g. a reporting login
    reading a referrer's contact details or a concern's text."""
    from ivcli.errors import Refused

    orig = getattr(exc, "orig", exc)
    diag = getattr(orig, "diag", None)
    said = getattr(diag, "message_primary", None) or ""
    return Refused(
        "your login's ivcli role does not allow this"
        + (f" ({said})" if said else "")
        + ": the reporting role reads only what 'report' and 'today' need (no names, contact "
        "details or concern text); nothing changed",
        hint="run it with a coordinator's login ('ivcli team add-user NAME --role "
        "coordinator'); if ivcli was just upgraded, the database's owner runs 'ivcli team "
        "init URL' again (docs/team.md)")


def translate_pg(exc: BaseException, target: str) -> IvcliError | None:
    """ivcli's own error for a PostgreSQL error: busy (a lock wait ran out, a serialisation
    failure), storage, a refusal for a role without the right (``no_right``), or a server
    that cannot be reached; None for anything else."""
    code = pg_code(exc)
    if code in PG_BUSY:
        return DatabaseBusy(
            "another ivcli (or another program) was writing the same records; nothing changed",
            hint="run the command again (IVCLI_BUSY_TIMEOUT sets how many seconds to wait)")
    if code in PG_STORAGE:
        return storage_full()
    if code in PG_NO_RIGHT:
        return no_right(exc)
    orig = getattr(exc, "orig", exc)
    if type(orig).__name__ == "OperationalError" and code in (None, "08001", "08006", "28000",
                                                              "28P01", "3D000"):
        first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
        return DatabaseUnusable(f"cannot connect to {target}: {first}",
                                hint="check the URL, that the server runs and your login "
                                "(libpq's environment, ~/.pgpass or the service file)")
    return None


@contextmanager
def _translated_pg(target: str) -> Iterator[None]:
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as exc:
        err = translate_pg(exc, target)
        if err is None:
            raise
        raise err from None
    except Exception as exc:
        if not type(exc).__module__.startswith("psycopg"):
            raise
        err = translate_pg(exc, target)
        if err is None:
            raise
        raise err from None


def pg_configure(raw: object) -> None:
    """What every PostgreSQL connection needs so that values come back as they do from
    SQLite: booleans are stored as 0/1 (``migrations.PG_TYPES``), so a Python bool is sent as a
    smallint; a numeric result (an average, a ratio) comes back as a float."""
    from psycopg.adapt import Dumper
    from psycopg.types.numeric import FloatLoader

    class BoolAsInt(Dumper):
        oid = 21  # int2

        def dump(self, obj: bool) -> bytes:
            return b"1" if obj else b"0"

    adapters = raw.adapters  # type: ignore[attr-defined]
    adapters.register_dumper(bool, BoolAsInt)
    adapters.register_loader("numeric", FloatLoader)


def pg_lock(raw: object, timeout: float | None = None) -> None:
    """Take ivcli's write lock (``WRITE_LOCK``) for this session, in autocommit, waiting up
    to the busy timeout; after the first second a line on stderr says why nothing happens."""
    import sys

    total = busy_timeout() if timeout is None else timeout
    raw.autocommit = True  # type: ignore[attr-defined]
    try:
        got = raw.execute("SELECT pg_try_advisory_lock(%s)",  # type: ignore[attr-defined]
                          (WRITE_LOCK,)).fetchone()[0]
        if not got:
            sys.stderr.write(f"{WAITING} (up to {total:g} s; IVCLI_BUSY_TIMEOUT sets how long)\n")
            sys.stderr.flush()
            raw.execute(f"SET lock_timeout = {max(1, int(total * 1000))}")  # type: ignore[attr-defined]
            try:
                raw.execute("SELECT pg_advisory_lock(%s)", (WRITE_LOCK,))  # type: ignore[attr-defined]
            except Exception as exc:
                if pg_code(exc) == "55P03":
                    raise busy() from None
                raise
    finally:
        raw.autocommit = False  # type: ignore[attr-defined]


@cache
def _pg_iso_date() -> type:
    """SQLAlchemy's Date as SQLite has it, for PostgreSQL, where dates are stored as ISO text
    (``migrations.PG_TYPES``): a date goes in as ``2025-01-31``, that text comes back a date."""
    from datetime import date

    from sqlalchemy import Date

    class IsoTextDate(Date):
        def bind_processor(self, dialect: Any) -> Callable[[Any], Any]:
            return lambda v: v.isoformat() if isinstance(v, date) else v

        def result_processor(self, dialect: Any, coltype: Any) -> Callable[[Any], Any]:
            return lambda v: date.fromisoformat(v) if isinstance(v, str) else v

    return IsoTextDate


def pg_engine(target: str, *, write: bool) -> Engine:
    from sqlalchemy import Date, create_engine, event
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    url = pg_url(target)
    # No JIT compilation: ivcli's queries take milliseconds, and compiling the plan of a
    # "costly" one (a report's scan of the visits) took longer than running it. Set as the
    # connection starts (libpq ``options``, after any the URL gives), so no extra round trip.
    given = make_url(url).query.get("options") or ""
    options = " ".join([given] if isinstance(given, str) else given) + " -c jit=off"
    engine = create_engine(
        url, poolclass=NullPool, hide_parameters=True,
        isolation_level="SERIALIZABLE" if write else "REPEATABLE READ",
        connect_args={"connect_timeout": max(1, int(busy_timeout())), "options": options},
    )
    # Booleans are stored as 0/1 (``migrations.PG_TYPES``): SQLAlchemy converts them as it does
    # for SQLite, so a model's Boolean reads back as a bool.
    engine.dialect.supports_native_boolean = False
    # Dates are ISO text too: a Date column or ``text().columns(x=Date)`` reads back as a date
    # and a date parameter is sent as its ISO text, as on SQLite.
    engine.dialect.colspecs = {**engine.dialect.colspecs, Date: _pg_iso_date()}

    @event.listens_for(engine, "connect")
    def _on_connect(raw: object, _record: object) -> None:
        pg_configure(raw)
        if write:
            pg_lock(raw)

    if not write:
        @event.listens_for(engine, "begin")
        def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")

    return engine


def _pg_schema_state(conn: Connection, target: str, *, write: bool,
                     upgrading: bool = False) -> bool:
    """Whether the database behind ``conn`` needs migrating, decided without changing it:
    refused when it holds other tables but no ivcli schema, or a newer ivcli's (exit 4); for a
    command that only reads, a database with no ivcli schema yet (exit 1); for a login with no
    ivcli role on it (exit 1, ``pg_login_refused``). A schema to create or upgrade is refused
    (exit 4) to a login that does not own it, and on a database set up by ``ivcli team init``
    to every command but that one (``upgrading``): it re-applies the roles' grants after."""
    from ivcli import migrations

    ddl = migrations.PgDdl(conn)
    tables = ddl.tables()  # those this login has some right on
    if not tables and conn.exec_driver_sql(
            "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema())"
    ).scalar():
        raise pg_login_refused(conn, "has no ivcli role on this database")
    if tables and not migrations.applied(ddl):
        raise DatabaseUnusable(
            f"{target} holds tables but is not an ivcli database",
            hint="point --db at an ivcli database or an empty one; nothing was changed")
    todo = [name for name, _ in migrations.pending(ddl)]
    if todo and not tables and not write:
        raise DatabaseMissing(
            f"{target} holds no ivcli database yet",
            hint="a command that writes (e.g. 'ivcli referral add'), or 'ivcli team init', "
            "creates its schema")
    if todo and not upgrading:
        _pg_may_migrate(conn, target, todo, fresh=not tables)
    return bool(todo)


def _pg_may_migrate(conn: Connection, target: str, todo: list[str], *, fresh: bool) -> None:
    """Refuse (exit 4) a schema change this command may not make: the login does not own the
    schema and its tables (a coordinator or reporting login running a newer ivcli), or the
    database was set up by ``ivcli team init``, whose grants must follow the change."""
    owner, team = conn.exec_driver_sql(
        "SELECT has_schema_privilege(current_schema(), 'CREATE') AND NOT EXISTS (SELECT 1 FROM "
        "pg_tables WHERE schemaname = current_schema() AND NOT pg_has_role(tableowner, "
        "'USAGE')), " + ("false" if fresh else
                         "coalesce((SELECT has_table_privilege(oid, 'schema_migrations', "
                         "'SELECT') FROM pg_roles WHERE rolname = %(role)s), false)"),
        {} if fresh else {"role": TEAM_ROLES[0]}).one()
    if owner and not team:
        return
    what = (f"{target} holds no ivcli schema yet" if fresh else
            f"{target} has an older ivcli schema (this ivcli adds {todo[0]}"
            + (f" and {len(todo) - 1} more" if len(todo) > 1 else "") + ")")
    raise DatabaseUnusable(
        f"{what}, and " + ("only its owner can create or upgrade it" if not owner else
                           "it was set up by 'ivcli team init', which upgrades it")
        + "; nothing was changed",
        hint="the database's owner runs 'ivcli team init URL' with this ivcli (it creates or "
        "upgrades the schema and re-applies the roles' grants; docs/team.md); until then use "
        "the ivcli it was set up with")


def pg_login(conn: Connection) -> tuple[str, list[str]]:
    """The login ``conn`` runs as, and the ivcli roles (``TEAM_ROLES``) it has."""
    user = conn.exec_driver_sql("SELECT current_user").scalar_one()
    roles = [r for (r,) in conn.exec_driver_sql(
        "SELECT rolname FROM pg_roles WHERE rolname = ANY(%(roles)s) AND "
        "pg_has_role(current_user, oid, 'MEMBER') ORDER BY rolname",
        {"roles": list(TEAM_ROLES)})]
    return str(user), roles


def pg_login_refused(conn: Connection, what: str) -> IvcliError:
    """The refusal naming the login, ``what`` it may not do and its ivcli role (exit 1, before
    anything is changed)."""
    from ivcli.errors import Refused

    user, roles = pg_login(conn)
    role = " and ".join(roles) if roles else "none"
    return Refused(
        f"the login {user} {what} (its ivcli role: {role}); nothing changed",
        hint=f"run it with a coordinator's login, or ask the database's owner to run 'ivcli "
        f"team add-user {user} --role coordinator' (docs/team.md)")


def _pg_may_write(conn: Connection) -> None:
    """Refuse a write command, before its transaction begins, to a login that may only read
    (the reporting role): every write records itself in ``audit_log``."""
    if not conn.exec_driver_sql("SELECT has_table_privilege('audit_log', 'INSERT')").scalar():
        raise pg_login_refused(conn, "may only read this database")


def _pg_migrate(conn: Connection) -> list[str]:
    """Apply the pending migrations on ``conn`` (holding the write lock) in one transaction;
    their names."""
    from ivcli import migrations

    with conn.begin():
        return migrations.migrate(migrations.PgDdl(conn), now())


def pg_prepare(target: str, *, write: bool) -> None:
    """Bring a PostgreSQL database's schema up to date (``_pg_schema_state``), under the
    write lock: the migrations of ``MIGRATIONS`` in one transaction."""
    engine = pg_engine(target, write=True)
    try:
        with _translated_pg(target), engine.connect() as conn:
            with conn.begin():
                todo = _pg_schema_state(conn, target, write=write)
            if todo:
                _pg_migrate(conn)
    finally:
        engine.dispose()


@contextmanager
def pg_session(target: str) -> Iterator[Connection]:
    """A connection holding ivcli's write lock, no transaction begun, the schema not looked
    at: for ``ivcli team``, which sets the database up (``pg_upgrade``, its roles' grants)."""
    engine = pg_engine(target, write=True)
    try:
        with _translated_pg(target), engine.connect() as conn:
            gcstart.resume()
            yield conn
    finally:
        engine.dispose()


def pg_upgrade(conn: Connection, target: str) -> list[str]:
    """Create or upgrade the schema on ``conn`` (a ``pg_session``) as its owner: the names of
    the migrations applied (none when it was up to date)."""
    with conn.begin():
        todo = _pg_schema_state(conn, target, write=True, upgrading=True)
    return _pg_migrate(conn) if todo else []


@contextmanager
def pg_writer(target: str, *, command: str | None = None, dry_run: bool = False,
              watch: Callable[[Connection], None] | None = None,
              complete: Callable[[Connection], None] | None = None) -> Iterator[Connection]:
    """``writer`` on PostgreSQL: one connection holding the write lock; pending migrations
    are committed first, then the command's own SERIALIZABLE transaction. A login that may
    only read is refused before it (``_pg_may_write``)."""
    engine = pg_engine(target, write=True)
    try:
        with _translated_pg(target), engine.connect() as conn:
            with conn.begin():
                todo = _pg_schema_state(conn, target, write=True)
                if not todo:  # after a migration, the login is the owner
                    _pg_may_write(conn)
            if todo:
                _pg_migrate(conn)
            with _unit_of_work(conn, command, dry_run, watch, complete):
                yield conn
    finally:
        engine.dispose()


@contextmanager
def pg_writer_whole(target: str, *, command: str | None = None) -> Iterator[Connection]:
    """``pg_writer`` with the pending migrations inside the command's own transaction rather
    than committed first (PostgreSQL's DDL is transactional): on any error the database is
    exactly as it was, schema included. For ``ivcli team import-sqlite``, which fills a new
    database whole; no audit safety net (each write is recorded by the command itself)."""
    from ivcli import migrations

    engine = pg_engine(target, write=True)
    try:
        with _translated_pg(target), engine.connect() as conn:
            with _unit_of_work(conn, command, False, None, None):
                if _pg_schema_state(conn, target, write=True):
                    migrations.migrate(migrations.PgDdl(conn), now())
                yield conn
    finally:
        engine.dispose()


@contextmanager
def pg_reader(target: str) -> Iterator[Connection]:
    """``reader`` on PostgreSQL: one REPEATABLE READ, READ ONLY transaction; it takes no
    lock, so it never waits for a writer (a schema to migrate is migrated first, as a writer
    would)."""
    engine = pg_engine(target, write=False)
    try:
        with _translated_pg(target):
            conn = engine.connect()
            try:
                tx = conn.begin()
                if _pg_schema_state(conn, target, write=False):
                    tx.rollback()
                    conn.close()
                    pg_prepare(target, write=False)
                    conn = engine.connect()
                    tx = conn.begin()
                gcstart.resume()
                try:
                    yield conn
                finally:
                    if tx.is_active:
                        tx.rollback()
            finally:
                conn.close()
    finally:
        engine.dispose()


@contextmanager
def open_writer(target: Target, **kwargs: object) -> Iterator[Connection]:
    """``writer`` of a file or ``pg_writer`` of a URL: the same arguments (``create_folder``
    means nothing to a server)."""
    if isinstance(target, Path):
        with writer(target, **kwargs) as conn:  # type: ignore[arg-type]
            yield conn
        return
    kwargs.pop("create_folder", None)
    with pg_writer(target, **kwargs) as conn:  # type: ignore[arg-type]
        yield conn


@contextmanager
def open_reader(target: Target) -> Iterator[Connection]:
    if isinstance(target, Path):
        with reader(target) as conn:
            yield conn
        return
    with pg_reader(target) as conn:
        yield conn


def pg_dump_command(target: str) -> str:
    """The command that backs up a PostgreSQL database: the server's own tool."""
    import shlex

    from sqlalchemy.engine import make_url

    url = make_url(pg_url(target))
    parts = ["pg_dump", "--format=custom", "--file=ivcli-$(date +%Y%m%d).dump"]
    conninfo = []
    if url.host:
        conninfo.append(f"host={url.host}")
    if url.port:
        conninfo.append(f"port={url.port}")
    if url.username:
        conninfo.append(f"user={url.username}")
    if url.database:
        conninfo.append(f"dbname={url.database}")
    for key, value in url.query.items():
        conninfo.append(f"{key}={value if isinstance(value, str) else value[0]}")
    parts.append(shlex.quote(" ".join(conninfo)) if conninfo else "")
    return " ".join(p for p in parts if p)
