"""What is wrong with the rows of an imported CSV, and the one error that reports them.

Imports are all or nothing: every problem is counted, the first few hundred are kept to show
(memory stays flat for a file of any size), and ``raise_if_any`` refuses the whole file, naming
each bad line and column (or what is wrong with the row as a whole: its number of cells, an
unclosed quote; see ``csvfile``), never a value from it. A spreadsheet's problems are named by
cell (``C7``: the column of the field's header, the row) instead (see ``xlsxfile``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from ivcli.errors import InvalidInput

SHOWN = 200


@dataclass
class RowProblem:
    line: int  # 0 for a record typed on the command line
    column: str  # "" for a problem of the whole row (its cells, its quotes)
    message: str

    record: ClassVar[str] = "record"  # what a line-less problem is about: "referral", ...

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else self.record
        if not self.column:
            return f"{where}: {self.message}"
        return f"{where}, {self.column}: {self.message}"


def quoted_headers(headers: Sequence[str]) -> str:
    return ", ".join(f'"{h}"' for h in headers)


def ignored_columns_note(columns: Sequence[str]) -> str:
    """The one wording of the columns an import leaves out (on success and on failure)."""
    return ("Ignored columns (not stored): " + ", ".join(columns)
            + '. Map one with --map "Header=field".')


class ImportFailed(InvalidInput):
    """Invalid rows: nothing was written."""


class Problems:
    """The problems of one import, collected row by row."""

    def __init__(self) -> None:
        # Where a problem is, when not "line N" (a spreadsheet's cells): set by the reader.
        self.locate: Callable[[RowProblem], str] | None = None
        self.kept: list[RowProblem] = []
        self.count = 0
        self.bad_rows = 0
        self.blank_rows = 0

    def add(self, found: Iterable[RowProblem]) -> None:
        """The problems of one row (a row is counted once, however many it has)."""
        found = list(found)
        if not found:
            return
        self.bad_rows += 1
        self.count += len(found)
        if len(self.kept) < SHOWN:
            self.kept.extend(found)

    def valid(self, rows: Iterable[tuple[int, list[str]]],
              check: Callable[[int, list[str]], tuple[Any, list[RowProblem]]]) -> Iterator[Any]:
        """The clean rows of a CSV's (line, cells): a blank row is skipped and counted in
        ``blank_rows``; ``check`` gives each other row clean, or its problems, which are noted
        here and the row left out."""
        for line, cells in rows:
            if not any(map(str.strip, cells)):  # stops at the first cell with text in it
                self.blank_rows += 1
                continue
            row, found = check(line, cells)
            if found:
                self.add(found)
                continue
            yield row

    def __bool__(self) -> bool:
        return self.count > 0

    def raise_if_any(self, path: Path, ignored: Sequence[str] = ()) -> None:
        """Refuse the file if any row had a problem; ``ignored`` (the columns that map to no
        field) are listed too, as a successful import lists them."""
        if not self:
            return
        shown = sorted(self.kept, key=lambda p: p.line)[:SHOWN]
        locate = self.locate
        details = [locate(p) if locate and p.line else str(p) for p in shown]
        if self.count > len(shown):
            details.append(f"... and {self.count - len(shown)} more problems")
        if ignored:
            details.append(ignored_columns_note(ignored))
        raise ImportFailed(
            f"{path.name}: {self.bad_rows} invalid row(s); nothing was imported",
            hint=f"correct those {'cells' if self.locate else 'lines'} and import the file "
            "again (--dry-run checks without writing)",
            details=details,
        )
