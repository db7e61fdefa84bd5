"""Streaming CSV and .xlsx import: encodings, delimiters, header mapping (and saved mappings),
UK dates, row validation."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from ivcli.errors import InvalidInput


def open_file(path: Path, what: str) -> BinaryIO:
    """``path`` opened to read bytes; a missing file, a folder or an unreadable file is refused
    by name (``what``: "a CSV file")."""
    try:
        return open(path, "rb")  # noqa: SIM115 - the caller closes it
    except FileNotFoundError:
        raise InvalidInput(f"no file at {path}") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a folder, not {what}") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
