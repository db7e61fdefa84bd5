"""Writing an output file whole or not at all. Standard library only.

The content goes to a private temporary file in the same folder, is flushed to disk, and then
renamed over the target in one step (``os.replace``), so a reader (or a web server publishing
the folder) sees the old file or the new one, never half of one; on any error the temporary
file is removed and the target is untouched. No output ever replaces the live database, its
working files, a backup or any other SQLite file (``check_writable``): the one place that
rule lives, used by every command that writes a file it is given.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ivcli.errors import InvalidInput, IvcliError


def refuse(path: Path, why: str, hint: str | None = None) -> InvalidInput:
    return InvalidInput(f"cannot write to {path}: {why}; nothing was written",
                        hint=hint or "choose a file in a folder that exists and you can write to")


def _same_name(path: Path, other: Path) -> bool:
    """``path`` and ``other`` name the same file, existing or not: the same folder (through
    links) and the same name, ignoring case (as macOS and Windows do)."""
    try:
        if path.exists() and other.exists():
            return os.path.samefile(path, other)
        return (path.name.casefold() == other.name.casefold()
                and os.path.samefile(path.parent, other.parent))
    except OSError:
        return False


def _in_folder(path: Path, folder: Path) -> bool:
    try:
        return folder.is_dir() and os.path.samefile(path.parent, folder)
    except OSError:
        return False


def _is_sqlite(path: Path) -> bool:
    from ivcli.db import SQLITE_HEADER

    try:
        with open(path, "rb") as fh:
            return fh.read(16) == SQLITE_HEADER
    except OSError:
        return False


PROTECTED = "ivcli never writes an output over a database, its working files or a backup"


def check_writable(path: Path, live_db: Path, *, backup: bool = False) -> None:
    """Fail early, before any work, when ``path`` clearly cannot be written, or must not be.

    Every output (``--output``, a backup's target) refuses the live database ``live_db`` and its
    working files (-wal, -shm, -journal), any file in its backups folder (except a new backup,
    ``backup=True``) and any existing SQLite file. Exit 1, nothing written.
    """
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise refuse(path, "it is a folder")
    if not parent.exists():
        raise refuse(path, f"the folder {parent} does not exist")
    if not parent.is_dir():
        raise refuse(path, f"{parent} is not a folder")
    hint = f"choose another file name: {PROTECTED}"
    for suffix in ("", "-wal", "-shm", "-journal"):
        if _same_name(path, live_db.with_name(live_db.name + suffix)):
            raise refuse(path, "it is the live database" + (f"'s {suffix} file" if suffix
                                                            else ""), hint)
    if not backup and _in_folder(path, live_db.parent / "backups"):
        raise refuse(path, "it is in the backups folder", hint)
    if path.is_file() and _is_sqlite(path):
        raise refuse(path, "it already exists and is an SQLite database", hint)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise refuse(path, f"the folder {parent} is not writable")


def write_atomic(path: Path, content: str | bytes, live_db: Path) -> None:
    """Replace ``path`` with ``content`` (text as UTF-8, or bytes as they are), mode 0600, all
    at once; never the database ``live_db`` or another one (``check_writable``)."""
    check_writable(path, live_db)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _failed(path, exc) from None
    try:
        data = content.encode("utf-8") if isinstance(content, str) else content
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _failed(path, exc) from None
        raise


def _failed(path: Path, exc: OSError) -> IvcliError:
    """A full disk is exit 5, as for the database; anything else refuses the output."""
    from ivcli.db import is_storage_error, storage_full

    return storage_full() if is_storage_error(exc) else refuse(
        path, exc.strerror or type(exc).__name__)
