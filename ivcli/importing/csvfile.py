"""Reading a CSV exported from a council system, one row at a time.

- Encodings: UTF-8 with or without BOM by default; ``--encoding cp1252`` for Excel's "CSV" on
  Windows. A decoding failure names the line that holds the bad byte and suggests the encoding.
- Delimiter: comma, semicolon or tab, taken from the header line.
- Quoted fields may hold newlines; rows are numbered by the line they start on.
- Strict: a row with more or fewer cells than the header, a quote that is never closed (it runs
  to the end of the file, or takes in lines that look like rows of their own), or text after a
  closing quote is a problem of that row (see ``problems``), never a row read some other way.
  Blank rows are passed on, for the caller to skip and count.
- Headers are matched to fields by name, ignoring case, spaces, underscores and punctuation,
  with synonyms (``DOB``, ``Surname``) and the user's ``--map "Their Header=field"``. A missing
  required field is an error listing the headers not recognised, a "did you mean" per field
  and the ``--map`` options to type. Saved mappings (``mapping``) give ``--map`` options by
  name or by the file's headers.
- An Excel workbook (.xlsx) is read through ``xlsxfile`` into the same rows of text, and its
  problems are named by cell.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ivcli.errors import InvalidInput
from ivcli.importing import open_file, xlsxfile
from ivcli.importing.problems import Problems, RowProblem, quoted_headers

if TYPE_CHECKING:
    from ivcli.importing.mapping import HeaderChoice

FIELD_LIMIT = 1 << 24
csv.field_size_limit(FIELD_LIMIT)

SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}

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
    name: str = "the CSV",
) -> Columns:
    """Which column holds which field. ``name`` (the file's) starts each error."""
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
            f"{name}: two columns give the same field: " + "; ".join(duplicated),
            hint="rename one of them, or --map it to another field",
        )
    missing = [f for f in required if f not in index]
    if missing:
        raise missing_columns(name, missing, unknown, synonyms)
    return Columns(index=index, unknown=unknown, headers=list(headers))


SUGGEST_CUTOFF = 0.6  # difflib ratio of normalised names (header_key) for a "did you mean"


def _suggest(missing: Sequence[str], unknown: Sequence[str],
             synonyms: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """{missing field: the unrecognised header most like its name or a synonym}, each header
    suggested for one field at most (the closest pair first)."""
    scored: list[tuple[float, int, str, str]] = []
    for order, f in enumerate(missing):
        names = [header_key(n) for n in (f, *synonyms.get(f, ()))]
        for h in unknown:
            key = header_key(h)
            if not key:
                continue
            ratio = max(difflib.SequenceMatcher(None, key, n).ratio() for n in names)
            if ratio >= SUGGEST_CUTOFF:
                scored.append((-ratio, order, f, h))
    out: dict[str, str] = {}
    for _, _, f, h in sorted(scored):
        if f not in out and h not in out.values():
            out[f] = h
    return out


def missing_columns(name: str, missing: Sequence[str], unknown: Sequence[str],
                    synonyms: Mapping[str, Sequence[str]], what: str = "") -> InvalidInput:
    """The error for required fields no header gives: every unrecognised header, a "did you
    mean" per field, and the ``--map`` options to type. ``what`` says what is missing, if not
    just the fields' names."""
    guesses = _suggest(missing, unknown, synonyms)
    details = [f"headers not recognised: {quoted_headers(unknown)}" if unknown
               else "every header of the file names another field"]
    details += [f'{f}: did you mean "{guesses[f]}"?' for f in missing if f in guesses]
    hint = " ".join(f'--map "{guesses.get(f, "Their Header")}={f}"' for f in missing)
    return InvalidInput(f"{name} has no column for " + (what or ", ".join(missing)), hint=hint,
                        details=details)


def by_field(index: Mapping[str, int], fields: Sequence[str]
             ) -> Callable[[list[str]], dict[str, str]]:
    """A row's cells as {field: text}, a missing cell as "" (for validators that take a
    record, like the flags of an ``add`` command)."""
    positions = [(f, index[f]) for f in fields if f in index]

    def record(cells: list[str]) -> dict[str, str]:
        n = len(cells)
        return {f: (cells[i] if i < n else "") for f, i in positions}

    return record


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


_MARK = "\udcff"  # a lone surrogate: no strict decoder gives one for real text


def _mark_undecodable(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    return _MARK, exc.end


def _undecodable_line(path: Path, encoding: str) -> int | None:
    """The line that holds the first byte ``encoding`` cannot read (lines counted as the CSV
    reader counts them). The decoder reads ahead, so its error cannot tell; this reads again."""
    codecs.register_error("ivcli.mark", _mark_undecodable)
    try:
        with open(path, encoding=encoding, errors="ivcli.mark", newline="") as fh:
            for number, line in enumerate(fh, 1):
                if _MARK in line:
                    return number
    except (OSError, UnicodeError):
        pass
    return None


def _broken_record(exc: csv.Error, start: int, end: int) -> str:
    """What is wrong with a record the CSV reader refused, begun on line ``start``, given up
    on line ``end``."""
    reason = str(exc)
    runs = f"it runs on from line {start} to line {end}" if end > start else ""
    if "unexpected end of data" in reason:
        return ("a quote opened on this line is never closed: "
                + (f"it runs to the end of the file (line {end}), taking in every line after "
                   "it" if end > start else "it runs to the end of the file")
                + '; close the quote, or double a quote that is part of the text ("")')
    if "expected after" in reason:
        if end > start:
            return (f"a quote opened on this line is not closed where it should be: {runs}, "
                    f"where a quote is followed by more text; close the quote on line {start}")
        return ('text follows a closing quote; a quote that is part of the text must be '
                'doubled ("") and the whole cell put in quotes')
    if "field larger than field limit" in reason:
        return (f"a quoted cell is longer than {FIELD_LIMIT >> 20} MB "
                f"({runs or 'on one line'}): a quote opened on line {start} is probably "
                "never closed")
    if "NUL" in reason:
        return "the line holds a NUL character: save the file again as CSV text"
    return f"the CSV is malformed ({reason})"


def _ragged(cells: list[str], start: int, end: int, width: int, delimiter: str) -> str | None:
    """Why a record whose number of cells is not the header's is refused; None for a blank
    row (the caller skips and counts those)."""
    if not "".join(cells).strip():
        return None
    n = len(cells)
    sep = SEPARATOR_NAMES.get(delimiter, repr(delimiter))
    counted = f"{n} cell{'s' if n != 1 else ''}, the header has {width}"
    if end > start:
        return (f"{counted}, and the row runs on from line {start} to line {end}: check that "
                f"a quote opened on line {start} is closed where it should be, and that each "
                f"value with a {sep} in it is in quotes")
    if n > width:
        return (f"{counted}: a {sep} inside a value splits it in two; put the text in quotes "
                f"(\"...\"), or remove the extra {sep}s")
    return (f"{counted}: every row needs a cell for each column (leave it empty between "
            f"{sep}s); a value with a line break in it must be in quotes")


def _swallowed(cells: list[str], start: int, end: int, width: int, delimiter: str
               ) -> str | None:
    """For a record over several lines with the right number of cells: a cell whose inner
    lines have as many cells as the header took in rows of their own behind a quote that was
    not closed where it should be (a later stray quote closed it)."""
    if width < 2:
        return None
    swallowed = 0
    for cell in cells:
        if "\n" in cell or "\r" in cell:
            swallowed += sum(1 for inner in cell.splitlines()[1:]
                             if inner.count(delimiter) == width - 1)
    if not swallowed:
        return None
    return (f"a quoted cell runs on from line {start} to line {end} and holds {swallowed} "
            f"line(s) that look like rows of their own ({width} cells): a quote opened on "
            f"line {start} is probably not closed where it should be; if the text is right, "
            f"put fewer {SEPARATOR_NAMES.get(delimiter, repr(delimiter))}s in those lines")


def open_csv(
    path: Path,
    *,
    fields: Sequence[str],
    synonyms: Mapping[str, Sequence[str]],
    required: Sequence[str],
    problems: Problems,
    maps: Sequence[str] = (),
    encoding: str = "utf-8",
    progress: Callable[[BinaryIO], BinaryIO] | None = None,
    mapping: HeaderChoice | None = None,
    sheet: str | None = None,
) -> tuple[CsvRows, Callable[[], None]]:
    """Open ``path`` and map its header. Returns the rows and a function that closes the file.
    ``progress`` wraps the open file to show how much has been read. ``mapping`` (the
    ``--map``, ``--mapping`` and ``--save-map`` of the command, and the saved mappings) gives
    the maps when it is given, instead of ``maps``. A workbook (``xlsxfile.is_workbook``) is
    read from its first sheet or ``sheet``; ``sheet`` is refused for a CSV.

    Rows are read strictly: a record that is not one row of the header's width (see the
    module's docstring) is added to ``problems`` and left out of the rows."""
    if mapping is not None:
        maps = mapping.maps
    parse_maps(maps, fields)  # a mistyped --map is refused before the file is read

    def columns_of(headers: Sequence[str]) -> Columns:
        options = mapping.resolve(headers) if mapping is not None else maps
        return map_headers(headers, fields, synonyms, parse_maps(options, fields), required,
                           name=path.name)

    if xlsxfile.is_workbook(path):
        headers, _, cells, close_book = xlsxfile.open_sheet(path, sheet, problems)
        try:
            columns = columns_of(headers)
        except InvalidInput:
            close_book()
            raise
        problems.locate = xlsxfile.locator(columns.index)
        return CsvRows(columns=columns, rows=cells, delimiter=""), close_book
    if sheet is not None:
        raise InvalidInput(f"--sheet {sheet!r}: {path.name} is not an Excel workbook (.xlsx)",
                           hint="--sheet is for .xlsx files; leave it out for a CSV")
    enc = _lookup_encoding(encoding)
    if enc == "utf-8":
        enc = "utf-8-sig"  # a BOM from Excel is not part of the first header
    raw = open_file(path, "a CSV file")  # closed by the returned function
    # ``progress`` (cli/progress.py: Rich's ``Progress.wrap_file``) counts the bytes read.
    source: BinaryIO = progress(raw) if progress else raw
    text = io.TextIOWrapper(source, encoding=enc, newline="", errors="strict")

    def close() -> None:
        text.close()
        raw.close()

    def decode_error(exc: UnicodeDecodeError) -> InvalidInput:
        hint = (
            "the file is not UTF-8; if it was saved by Excel, try --encoding cp1252"
            if enc.startswith("utf")
            else f"the file is not {encoding}; try --encoding utf-8"
        )
        line = _undecodable_line(path, enc)
        where = f"{path.name} line {line}" if line else path.name
        return InvalidInput(f"{where}: cannot read the text ({exc.reason})", hint=hint)

    blank_before = 0
    try:
        first = text.readline()
        while first and not first.strip():
            blank_before += 1
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
    header_line = blank_before + 1
    try:
        headers = next(csv.reader([first], delimiter=delimiter, strict=True))
        columns = columns_of(headers)
    except csv.Error as exc:
        close()
        raise InvalidInput(
            f"{path.name} line {header_line}: the header line cannot be read: "
            + _broken_record(exc, header_line, header_line),
        ) from None
    except InvalidInput:
        close()
        raise
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    width = len(headers)

    def rows() -> Iterator[tuple[int, list[str]]]:
        last = header_line
        while True:
            try:
                for cells in reader:
                    start = last + 1
                    last = header_line + reader.line_num
                    if len(cells) != width:
                        wrong = _ragged(cells, start, last, width, delimiter)
                        if wrong:
                            problems.add([RowProblem(start, "", wrong)])
                            continue
                    elif last > start and (wrong := _swallowed(cells, start, last, width,
                                                               delimiter)):
                        problems.add([RowProblem(start, "", wrong)])
                        continue
                    yield start, cells
                return
            except UnicodeDecodeError as exc:
                raise decode_error(exc) from None
            except csv.Error as exc:
                # The reader starts afresh on the next line: read on, to list every bad line.
                start = last + 1
                last = header_line + reader.line_num
                problems.add([RowProblem(start, "", _broken_record(exc, start, last))])

    return CsvRows(columns=columns, rows=rows(), delimiter=delimiter), close
