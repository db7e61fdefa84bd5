"""Reading an Excel workbook (.xlsx) the way a CSV is read: its cells as the text a CSV of the
same sheet would hold, so that one set of rules validates both (``csvfile.open_csv`` calls this
for a workbook).

- The first sheet, or ``--sheet NAME``. openpyxl in read-only mode, imported only here, only
  when a workbook is read; ``data_only``: a formula is never evaluated or interpreted, its
  value is the one Excel saved with the file (none, if it never was: an empty cell).
- Cells become text: a date cell (Excel stores dates as numbers formatted as dates) its ISO
  date, ``2012-06-07`` (a time of day other than midnight is kept, for the date rules to
  refuse); a whole number without ``.0``; other numbers to Excel's 15 significant digits;
  TRUE/FALSE as yes/no; a time as ``14:30``; text as it is.
- The header is the first row that is not empty; rows are numbered as Excel numbers them.
  Empty rows after the last row holding a value are not counted as blank rows (Excel keeps
  formatted empty rows). A value in a column that has no header is a problem of its row.
- Problems are named by cell, ``C7``: the column of the field's header and the row.
"""

from __future__ import annotations

import datetime as dt
import stat
from collections.abc import Callable, Generator, Iterator, Mapping
from pathlib import Path
from typing import Any

from ivcli.errors import InvalidInput
from ivcli.importing import open_file
from ivcli.importing.problems import Problems, RowProblem

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the older binary .xls (Excel 97-2003)


def is_workbook(path: Path) -> bool:
    """A file to read as a workbook: named .xlsx/.xlsm, or an Excel file under another name
    (a zip, or an old binary .xls, which ``open_sheet`` then explains), told by its first bytes
    when it is a regular file. A ".xls" that is text (some case systems export tab-separated
    text under that name) is read as a CSV."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return True
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return False  # a pipe (a FIFO, /dev/stdin) is read once, as the CSV it must be
        with open(path, "rb") as fh:
            start = fh.read(4)
    except OSError:
        return False  # the CSV reader says what is wrong with the path
    return start in (ZIP_MAGIC, OLE_MAGIC)


def column_letter(index: int) -> str:
    """The letters of a column counted from 0: 0 is A, 25 Z, 26 AA."""
    letters = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def cell_text(value: Any) -> str:
    """A cell's value as the text a CSV of the sheet would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M") if not value.second else value.strftime("%H:%M:%S")
    if isinstance(value, dt.timedelta):
        minutes = round(value.total_seconds() / 60)
        return f"{minutes // 60}:{minutes % 60:02d}"
    return str(value)


def _not_a_workbook(path: Path, why: str) -> InvalidInput:
    return InvalidInput(f"{path.name} cannot be read as an Excel workbook (.xlsx): {why}",
                        hint="open it in Excel or LibreOffice and save it again as .xlsx "
                        "(Excel Workbook) or as CSV")


def open_sheet(path: Path, sheet: str | None, problems: Problems
               ) -> tuple[list[str], int, Iterator[tuple[int, list[str]]], Callable[[], None]]:
    """The header cells of the sheet, its row number, an iterator over (row number, cells as
    text, as many as the header), and a function that closes the workbook."""
    fh = open_file(path, "a workbook")
    book = None
    values: Generator[tuple[Any, ...], None, None] | None = None

    def close() -> None:
        if values is not None:
            values.close()  # the generator holds the sheet's part of the zip open
        if book is not None:
            book.close()
        fh.close()

    start = fh.read(4)
    fh.seek(0)
    if start != ZIP_MAGIC:
        fh.close()
        if start == OLE_MAGIC:
            raise _not_a_workbook(path, "it is an older Excel 97-2003 file (.xls), which ivcli "
                                  "does not read")
        raise _not_a_workbook(path, "it is not an Excel workbook" if start
                              else "the file is empty")
    # The open file, not the path: openpyxl would refuse a workbook by its name (export.csv).
    from openpyxl import load_workbook

    try:
        try:
            book = load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # zipfile's, the XML parser's, openpyxl's: no common base
            raise _not_a_workbook(path, "it is damaged or not a workbook "
                                  f"({type(exc).__name__})") from None
        names = list(book.sheetnames)
        if sheet is None:
            if not names:
                raise _not_a_workbook(path, "it has no sheets")
            ws = book[names[0]]
        elif sheet in names:
            ws = book[sheet]
        else:
            raise InvalidInput(f"{path.name} has no sheet {sheet!r}",
                               hint="its sheets are: " + ", ".join(repr(n) for n in names))
        if not hasattr(ws, "reset_dimensions"):  # a chart sheet: no cells
            raise InvalidInput(f"{path.name}: the sheet {ws.title!r} is a chart, not a table",
                               hint="its sheets are: " + ", ".join(repr(n) for n in names))
        # The dimensions a file states are sometimes wrong (written as A1 by some programs):
        # read every cell there is.
        ws.reset_dimensions()
        values = ws.iter_rows(values_only=True)
        return _read(path, ws.title, values, problems) + (close,)
    except BaseException:
        close()
        raise


def _read(path: Path, title: str, values: Iterator[tuple[Any, ...]], problems: Problems
          ) -> tuple[list[str], int, Iterator[tuple[int, list[str]]]]:
    header_row = 0
    headers: list[str] = []
    for header_row, row in enumerate(values, 1):  # noqa: B007 - used after the loop
        headers = [cell_text(v).strip() for v in row]
        if any(headers):
            break
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise InvalidInput(f"{path.name}: the sheet {title!r} is empty: it has no header row")
    width = len(headers)

    def rows() -> Iterator[tuple[int, list[str]]]:
        blank: list[int] = []  # empty rows, passed on only if a row with values follows
        for number, row in enumerate(values, header_row + 1):
            # Most cells are text or empty: those skip the call.
            cells = [v if v.__class__ is str else "" if v is None else cell_text(v)
                     for v in row[:width]]
            extra = [i for i in range(width, len(row)) if cell_text(row[i]).strip()]
            if not extra and not "".join(cells).strip():
                blank.append(number)
                continue
            for n in blank:
                yield n, [""] * width
            blank.clear()
            if extra:
                ref = f"{column_letter(extra[0])}{number}"
                problems.add([RowProblem(number, "", f"cell {ref} holds a value but its column "
                                         "has no header: give the column a header (and --map "
                                         "it), or clear the cell")])
                continue
            if len(cells) < width:
                cells += [""] * (width - len(cells))
            yield number, cells

    return headers, header_row, rows()


def locator(index: Mapping[str, int]) -> Callable[[RowProblem], str]:
    """How a sheet's problem is named: ``C7, date_of_birth: ...`` for a field whose header is
    in column C, ``row 7: ...`` for a problem of the whole row (or of a field with no column)."""
    letters = {f: column_letter(i) for f, i in index.items()}

    def locate(p: RowProblem) -> str:
        letter = letters.get(p.column)
        if letter:
            return f"{letter}{p.line}, {p.column}: {p.message}"
        if p.column:
            return f"row {p.line}, {p.column}: {p.message}"
        return f"row {p.line}: {p.message}"

    return locate
