"""Writing an output file whole or not at all. Standard library only.

The content goes to a private temporary file in the same folder, is flushed to disk, and then
renamed over the target in one step (``os.replace``), so a reader (or a web server publishing
the folder) sees the old file or the new one, never half of one; on any error the temporary
file is removed and the target is untouched.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ivcli.errors import InvalidInput


def _refuse(path: Path, why: str) -> InvalidInput:
    return InvalidInput(f"cannot write to {path}: {why}",
                        hint="choose a file in a folder that exists and you can write to")


def check_writable(path: Path) -> None:
    """Fail early, before any work, when ``path`` clearly cannot be written."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise _refuse(path, "it is a folder")
    if not parent.exists():
        raise _refuse(path, f"the folder {parent} does not exist")
    if not parent.is_dir():
        raise _refuse(path, f"{parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise _refuse(path, f"the folder {parent} is not writable")


def write_atomic(path: Path, content: str) -> None:
    """Replace ``path`` with ``content`` (UTF-8), mode 0600, all at once."""
    check_writable(path)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _refuse(path, exc.strerror or type(exc).__name__) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(content)
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
            raise _refuse(path, exc.strerror or type(exc).__name__) from None
        raise
