"""Reading a CSV exported from a council system, one row at a time.

- Encodings: UTF-8 with or without BOM by default; ``--encoding cp1252`` for Excel's "CSV" on
  Windows. A decoding failure names the line and suggests the encoding.
- Delimiter: comma, semicolon or tab, taken from the header line.
- Quoted fields may hold newlines; rows are numbered by the line they start on.
- Headers are matched to fields by name, ignoring case, spaces, underscores and punctuation,
  with synonyms (``DOB``, ``Surname``) and the user's ``--map "Their Header=field"``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ivcli.errors import InvalidInput

csv.field_size_limit(1 << 24)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def header_key(text: str) -> str:
    return _NON_ALNUM.sub("", text.strip().lstrip("\ufeff").lower())


@dataclass
class Columns:
    """Which CSV column holds which field."""

    index: dict[str, int]  # field -> column position
    unknown: list[str] = field(default_factory=list)  # headers that map to no field
    headers: list[str] = field(default_factory=list)


def parse_maps(maps: Sequence[str], fields: Sequence[str]) -> dict[str, str]:
    """``--map "Their Header=field"`` options into {header_key: field}."""
    out: dict[str, str] = {}
    for item in maps:
        header, sep, target = item.rpartition("=")
        target = target.strip()
        if not sep or not header.strip():
            raise InvalidInput(
                f"--map {item!r} is not of the form \"Their Header=field\""
            )
        if target not in fields:
            raise InvalidInput(
                f"--map {item!r}: there is no field {target!r}",
                hint="fields are: " + ", ".join(fields),
            )
        out[header_key(header)] = target
    return out


def map_headers(
    headers: Sequence[str],
    fields: Sequence[str],
    synonyms: Mapping[str, Sequence[str]],
    user_map: Mapping[str, str],
    required: Sequence[str],
) -> Columns:
    lookup: dict[str, str] = {}
    for f in fields:
        lookup[header_key(f)] = f
        for s in synonyms.get(f, ()):
            lookup.setdefault(header_key(s), f)
    lookup.update(user_map)
    index: dict[str, int] = {}
    unknown: list[str] = []
    duplicated: list[str] = []
    for i, h in enumerate(headers):
        key = header_key(h)
        if not key:
            if h.strip():
                unknown.append(h)
            continue
        target = lookup.get(key)
        if target is None:
            unknown.append(h)
        elif target in index:
            duplicated.append(f"{h!r} and {headers[index[target]]!r} both give {target}")
        else:
            index[target] = i
    if duplicated:
        raise InvalidInput(
            "two columns give the same field: " + "; ".join(duplicated),
            hint="rename one of them, or --map it to another field",
        )
    missing = [f for f in required if f not in index]
    if missing:
        raise InvalidInput(
            "the CSV has no column for " + ", ".join(missing),
            hint='name the column that holds it with --map "Their Header=field"',
        )
    return Columns(index=index, unknown=unknown, headers=list(headers))


def by_field(index: Mapping[str, int], fields: Sequence[str]
             ) -> Callable[[list[str]], dict[str, str]]:
    """A row's cells as {field: text}, a missing cell as "" (for validators that take a
    record, like the flags of an ``add`` command)."""
    positions = [(f, index[f]) for f in fields if f in index]

    def record(cells: list[str]) -> dict[str, str]:
        n = len(cells)
        return {f: (cells[i] if i < n else "") for f, i in positions}

    return record


class _CountingReader(io.RawIOBase):
    """Wraps a binary file and reports how many bytes have been read (for progress)."""

    def __init__(self, raw: io.BufferedReader, on_bytes: Callable[[int], None] | None):
        self._raw = raw
        self._on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self._raw.readinto(b)
        if n and self._on_bytes:
            self._on_bytes(n)
        return n or 0


def _lookup_encoding(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InvalidInput(
            f"unknown encoding {encoding!r}", hint="use utf-8 (the default) or cp1252"
        ) from None


@dataclass
class CsvRows:
    """The mapped columns of a CSV and an iterator over (line number, row cells)."""

    columns: Columns
    rows: Iterator[tuple[int, list[str]]]
    delimiter: str


def open_csv(
    path: Path,
    *,
    fields: Sequence[str],
    synonyms: Mapping[str, Sequence[str]],
    required: Sequence[str],
    maps: Sequence[str] = (),
    encoding: str = "utf-8",
    on_bytes: Callable[[int], None] | None = None,
) -> tuple[CsvRows, Callable[[], None]]:
    """Open ``path`` and map its header. Returns the rows and a function that closes the file."""
    user_map = parse_maps(maps, fields)
    enc = _lookup_encoding(encoding)
    if enc == "utf-8":
        enc = "utf-8-sig"  # a BOM from Excel is not part of the first header
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by the returned function
    except FileNotFoundError:
        raise InvalidInput(f"no file at {path}") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a folder, not a CSV file") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    counting = io.BufferedReader(_CountingReader(raw, on_bytes), buffer_size=1 << 16)  # type: ignore[arg-type]
    text = io.TextIOWrapper(counting, encoding=enc, newline="", errors="strict")

    def close() -> None:
        text.close()
        raw.close()

    state = {"line": 0}

    def decode_error(exc: UnicodeDecodeError) -> InvalidInput:
        hint = (
            "the file is not UTF-8; if it was saved by Excel, try --encoding cp1252"
            if enc.startswith("utf")
            else f"the file is not {encoding}; try --encoding utf-8"
        )
        return InvalidInput(
            f"{path.name}: cannot read the text near line {state['line'] + 1} ({exc.reason})",
            hint=hint,
        )

    try:
        first = text.readline()
        while first and not first.strip():
            state["line"] += 1
            first = text.readline()
    except UnicodeDecodeError as exc:
        close()
        raise decode_error(exc) from None
    if not first.strip():
        close()
        raise InvalidInput(f"{path.name} is empty: it has no header line")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        delimiter = ","
    header_line = state["line"] + 1
    headers = next(csv.reader([first], delimiter=delimiter))
    try:
        columns = map_headers(headers, fields, synonyms, user_map, required)
    except InvalidInput:
        close()
        raise
    reader = csv.reader(text, delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[str]]]:
        last = header_line
        try:
            for cells in reader:
                start = last + 1
                last = header_line + reader.line_num
                state["line"] = last
                yield start, cells
        except UnicodeDecodeError as exc:
            raise decode_error(exc) from None
        except csv.Error as exc:
            raise InvalidInput(
                f"{path.name} line {last + 1}: the CSV is malformed ({exc})",
                hint="check for an unclosed quote",
            ) from None

    return CsvRows(columns=columns, rows=rows(), delimiter=delimiter), close
