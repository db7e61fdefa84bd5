"""Everything that writes records for people or scripts: Rich tables, JSON, CSV.

Escaping lives here. Text that came from a user or a CSV is data, never markup: it reaches Rich
as ``rich.text.Text`` (not parsed for markup) with control and bidi characters shown escaped, and
CSV cells that a spreadsheet would run as a formula are neutralised. Tables show codes by their
labels (``ivcli.labels``); JSON and CSV keep the codes.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import IO, Any

from ivcli.labels import CODE_FIELDS, shown

# C0 and C1 controls (but not tab/newline in JSON, which json escapes itself), DEL, and the
# Unicode bidi and invisible formatting characters used to disguise text.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]"
)
_UNSAFE_WITH_WS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]"
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _escape_char(m: re.Match[str]) -> str:
    ch = m.group(0)
    if ch == "\n":
        return "\\n"
    if ch == "\t":
        return "\\t"
    if ch == "\r":
        return "\\r"
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(value: object) -> str:
    """One line of plain text for a terminal: controls, newlines and bidi marks shown escaped."""
    if value is None:
        return ""
    return _UNSAFE_WITH_WS.sub(_escape_char, cell_str(value))


# Free text people write in several lines (notes, a concern's text): tables show its line
# breaks; every other control and bidi character is still shown escaped, and it is never markup.
MULTILINE_FIELDS = frozenset({"notes", "note", "text", "close_note"})


def safe_lines(value: object) -> str:
    """Like ``safe_text``, keeping line breaks (CRLF and CR as one)."""
    text = cell_str(value).replace("\r\n", "\n").replace("\r", "\n")
    return safe_text_multiline(text)


def cell_str(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(cell_str(v) for v in value)
    return str(value)


def csv_cell(value: object) -> str:
    """A CSV cell: escape and bidi controls shown escaped (tab and newline kept: the csv module
    quotes them), and a cell a spreadsheet would run as a formula prefixed with '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    s = _UNSAFE.sub(_escape_char, cell_str(value))
    if isinstance(value, str) and s.startswith(FORMULA_START):
        return "'" + s
    return s


def _json_default(value: object) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _json_escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group(0)):04x}"


def to_json(data: object) -> str:
    """Stable JSON: sorted by the caller's field order, UTF-8, unsafe characters as \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)
    return _UNSAFE.sub(_json_escape, text)


def write_json(data: object, out: IO[str] | None = None) -> None:
    (out or sys.stdout).write(to_json(data) + "\n")


def write_csv(
    columns: Sequence[str], rows: Iterable[Mapping[str, object]], out: IO[str] | None = None
) -> None:
    write_csv_rows(columns, ([row.get(c) for c in columns] for row in rows), out)


# A row needs ``csv_cell`` cell by cell only when some cell has a character it escapes or
# starts like a formula (or is a bool, date or float). One search over a batch of rows' cells
# joined by newlines tells, and a batch it clears is written as it is, by the csv module alone.
# (It may also stop a row that would come out the same, e.g. one with a negative number: that
# batch just takes the cell-by-cell way.)
_NEEDS_CELLS = re.compile(f"{_UNSAFE.pattern}|^[=+\\-@\t\r]", re.MULTILINE)
_PLAIN_TYPES = frozenset((str, int, type(None)))
CSV_BATCH = 500


def write_csv_rows(
    columns: Sequence[str], rows: Iterable[Sequence[object]], out: IO[str] | None = None
) -> None:
    """CSV of rows given as sequences in ``columns`` order, written as they come, at most
    ``CSV_BATCH`` rows held at a time (a result streamed from the database is never held
    whole); each cell as ``csv_cell`` writes it."""
    from itertools import chain, islice

    writer = csv.writer(out or sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    plain, needs_cells = _PLAIN_TYPES.issuperset, _NEEDS_CELLS.search
    source = iter(rows)
    while batch := list(islice(source, CSV_BATCH)):
        cells = list(chain.from_iterable(batch))
        if plain(map(type, cells)) and not needs_cells("\n".join(map(str, cells))):
            writer.writerows(batch)
        else:
            writer.writerows([csv_cell(v) for v in row] for row in batch)


def write_json_rows(
    columns: Sequence[str], rows: Iterable[Sequence[object]], out: IO[str] | None = None
) -> None:
    """A JSON array of flat objects (``columns`` as keys), written object by object as the rows
    come, exactly as ``write_json`` writes the whole list."""
    stream = out or sys.stdout
    sep = "[\n"
    for row in rows:
        text = json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, indent=2,
                          default=_json_default)
        stream.write(sep + "  " + _UNSAFE.sub(_json_escape, text).replace("\n", "\n  "))
        sep = ",\n"
    stream.write("[]\n" if sep == "[\n" else "\n]\n")


def console(stderr: bool = False):  # type: ignore[no-untyped-def]
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output is read by scripts and files, not an 80-column terminal: do not fold it.
    width = None if stream.isatty() else 200
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


def print_table(
    columns: Sequence[str],
    rows: Iterable[Mapping[str, object]],
    *,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    empty: str = "nothing to show",
) -> None:
    from rich.table import Table
    from rich.text import Text

    rows = list(rows)
    con = console()
    if not rows:
        console(stderr=True).print(Text(empty))
        return
    table = Table(title=Text(title) if title else None, show_lines=False, header_style="bold")
    for c in columns:
        label = (headers or {}).get(c, c.replace("_", " "))
        table.add_column(Text(label), overflow="fold")
    coded = [c in CODE_FIELDS for c in columns]
    for row in rows:
        table.add_row(*(Text(safe_lines(row.get(c)) if c in MULTILINE_FIELDS
                             else safe_text(shown(c, row.get(c)) if code else row.get(c)))
                        for c, code in zip(columns, coded, strict=True)))
    con.print(table)


def print_record(
    fields: Sequence[tuple[str, object]], *, title: str | None = None,
    multiline: frozenset[str] = frozenset(),
) -> None:
    """One record as a two-column table of label and value; the values of the labels in
    ``multiline`` keep their line breaks."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(title) if title else None, show_header=False, box=None)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in fields:
        table.add_row(Text(label), Text(safe_lines(value) if label in multiline
                                        else safe_text(value)))
    console().print(table)


def message(text: str, *, style: str | None = None) -> None:
    """A message for the person at the terminal, on stderr. ``text`` is never parsed as markup."""
    from rich.text import Text

    console(stderr=True).print(Text(safe_text_multiline(text), style=style or ""))


def safe_text_multiline(value: str) -> str:
    return "\n".join(safe_text(line) for line in value.split("\n"))


def emit(
    fmt: str,
    columns: Sequence[str],
    rows: Sequence[Mapping[str, object]],
    *,
    title: str | None = None,
    empty: str = "nothing to show",
) -> None:
    """Write rows in the chosen format: a Rich table, a JSON array of flat objects, or CSV."""
    if fmt == "json":
        write_json([{c: r.get(c) for c in columns} for r in rows])
    elif fmt == "csv":
        write_csv(columns, rows)
    else:
        print_table(columns, rows, title=title, empty=empty)


def write_stream(
    fmt: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    title: str | None = None,
    empty: str = "nothing to show",
) -> None:
    """Like ``emit``, for rows given as sequences in ``columns`` order: JSON and CSV are written
    row by row as they come (a table needs them all first)."""
    if fmt == "json":
        write_json_rows(columns, rows)
    elif fmt == "csv":
        write_csv_rows(columns, rows)
    else:
        print_table(columns, [dict(zip(columns, r, strict=True)) for r in rows], title=title,
                    empty=empty)


def emit_one(
    fmt: str, record: Mapping[str, object], *, title: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> None:
    if fmt == "json":
        write_json(dict(record))
    elif fmt == "csv":
        write_csv(list(record), [record])
    else:
        def label(k: str) -> str:
            return (labels or {}).get(k, k.replace("_", " "))

        print_record([(label(k), shown(k, v)) for k, v in record.items()], title=title,
                     multiline=frozenset(label(k) for k in record if k in MULTILINE_FIELDS))
