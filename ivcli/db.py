"""The one place that opens the database.

Every connection gets foreign keys ON (checked), WAL and a busy timeout; every command runs in
one transaction, ``BEGIN IMMEDIATE`` when it writes. Pending migrations are applied on open, in
their own write transaction. A command that only reads never creates a file.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ivcli.errors import DatabaseBusy, DatabaseMissing, DatabaseUnusable

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

SQLITE_HEADER = b"SQLite format 3\x00"
DEFAULT_BUSY_TIMEOUT = 10.0


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def busy_timeout() -> float:
    raw = os.environ.get("IVCLI_BUSY_TIMEOUT")
    try:
        return float(raw) if raw else DEFAULT_BUSY_TIMEOUT
    except ValueError:
        return DEFAULT_BUSY_TIMEOUT


def is_busy_error(exc: BaseException) -> bool:
    """True for SQLite's 'database is locked' / 'busy', raw or wrapped by SQLAlchemy."""
    orig = getattr(exc, "orig", exc)
    return isinstance(orig, sqlite3.OperationalError) and (
        "locked" in str(orig) or "busy" in str(orig)
    )


def busy() -> DatabaseBusy:
    return DatabaseBusy(
        "another ivcli is writing to the database; nothing changed",
        hint="try again in a moment",
    )


def configure(conn: sqlite3.Connection, timeout: float) -> None:
    """Pragmas every connection needs; ``conn`` must be in autocommit mode (isolation_level
    None)."""
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
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


def check_file(path: Path, *, write: bool) -> None:
    if not path.exists():
        if not write:
            raise DatabaseMissing(
                f"no database at {path}",
                hint="check --db or IVCLI_DB; a command that writes (e.g. 'ivcli referral add') "
                "creates it",
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
        raise DatabaseUnusable(f"{path} is not an ivcli database (not an SQLite file)")


def connect_raw(path: Path, timeout: float | None = None) -> sqlite3.Connection:
    t = busy_timeout() if timeout is None else timeout
    conn = sqlite3.connect(path, timeout=t, isolation_level=None)
    try:
        configure(conn, t)
    except sqlite3.OperationalError as exc:
        conn.close()
        if is_busy_error(exc):
            raise busy() from None
        raise DatabaseUnusable(f"cannot open {path}: {exc}") from None
    return conn


def prepare(path: Path, *, write: bool) -> None:
    """Check or create the file and bring its schema up to date."""
    from ivcli import migrations

    check_file(path, write=write)
    conn = connect_raw(path)
    try:
        try:
            if not migrations.pending(conn):
                return
            tables = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='table'"
            ).fetchone()[0]
            if tables and not migrations.applied(conn):
                raise DatabaseUnusable(
                    f"{path} is an SQLite file but not an ivcli database",
                    hint="point --db at an ivcli database or a new file",
                )
            conn.execute("BEGIN IMMEDIATE")
            try:
                migrations.migrate(conn, now_iso())
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.DatabaseError as exc:
            if is_busy_error(exc):
                raise busy() from None
            raise DatabaseUnusable(f"cannot use {path}: {exc}") from None
    finally:
        conn.close()


def make_engine(path: Path, *, write: bool) -> Engine:
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    timeout = busy_timeout()
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": timeout, "isolation_level": None},
        poolclass=NullPool,
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None
        configure(dbapi_conn, timeout)

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@contextmanager
def session(path: Path, *, write: bool, dry_run: bool = False) -> Iterator[Session]:
    """One command's unit of work: a Session inside one transaction, committed on success.

    On any exception (or with ``dry_run``) the transaction is rolled back and the database is as
    it was.
    """
    from sqlalchemy.exc import OperationalError
    from sqlmodel import Session

    prepare(path, write=write)
    engine = make_engine(path, write=write)
    try:
        with Session(engine, expire_on_commit=False) as s:
            try:
                s.begin()
                yield s
                if dry_run:
                    s.rollback()
                else:
                    s.commit()
            except OperationalError as exc:
                s.rollback()
                if is_busy_error(exc):
                    raise busy() from None
                raise
            except BaseException:
                s.rollback()
                raise
    finally:
        engine.dispose()
