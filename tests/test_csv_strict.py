"""Strict CSV reading, for every import (referrals, volunteers, visit sheets): an unclosed quote or
a row with more or fewer cells than the header is a problem of the line the record began on,
named with the file; nothing is written. The encoding error names the line of the bad byte;
header errors name the file."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.visits_helpers import days_ago, matched_young_person


@dataclass
class Kind:
    command: str  # "referral", "volunteer", "visit"
    header: str  # six or five columns, the last a free-text note
    row: Callable[[int, int], str]  # (i, match id) -> a valid row, its note last


KINDS = {
    "referral": Kind(
        "referral", "reference,first_name,last_name,date_of_birth,referral_date,notes",
        lambda i, _m: f"R{i},Kid{i},Fam{i},01/02/2013,01/02/2025,note {i}"),
    "volunteer": Kind(
        "volunteer", "reference,first_name,last_name,date_of_birth,application_date,notes",
        lambda i, _m: f"V{i},Vol{i},Fam{i},14/03/1986,06/01/2025,note {i}"),
    "visit": Kind(
        "visit", "match_id,date,hours,activity,note",
        lambda i, m: f"{m},{days_ago(i).strftime('%d/%m/%Y')},2,activity {i},note {i}"),
}


@pytest.fixture(params=list(KINDS))
def kind(request, cli, db_path, tmp_path) -> tuple[Kind, int]:
    """One kind of import, with a database already holding one good import of it (and, for
    visits, a match to log them against). Returns the kind and the match id (0 if none)."""
    k = KINDS[request.param]
    match = 0
    if k.command == "visit":
        match = matched_young_person(cli, db_path, start=days_ago(100))[1]
    first = tmp_path / "first.csv"
    first.write_text(f"{k.header}\n{k.row(90, match)}\n", encoding="utf-8")
    cli(k.command, "import", str(first))
    return k, match


def fingerprint(db_path: Path) -> str:
    """Everything the database holds, so a failed import can be shown to change nothing."""
    conn = sqlite3.connect(db_path)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def rows(k: Kind, match: int, n: int = 10) -> list[str]:
    return [k.row(i, match) for i in range(1, n + 1)]


def refused(cli, db_path: Path, k: Kind, path: Path) -> str:
    """Import ``path``: it must exit 1 and write nothing. Returns stderr."""
    before = fingerprint(db_path)
    result = cli(k.command, "import", str(path), code=1)
    assert fingerprint(db_path) == before
    err = result.stderr
    assert f"Error: {path.name}: " in err or f"Error: {path.name} " in err
    assert "Traceback" not in err
    return err


def write(tmp_path: Path, name: str, lines: list[str], newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes((newline.join(lines) + newline).encode())
    return path


# ---------------------------------------------------------------------------------------------
# 1. An unterminated quote


def test_unclosed_quote_at_the_end_of_a_row_swallows_nothing(cli, db_path, tmp_path, kind):
    k, match = kind
    lines = rows(k, match)
    lines[2] = lines[2].rsplit(",", 1)[0] + ',"note'  # row 3, line 4: the note's quote opens
    err = refused(cli, db_path, k, write(tmp_path, "quote.csv", [k.header, *lines]))
    assert "quote.csv: 1 invalid row(s); nothing was imported" in err
    assert "line 4: a quote opened on this line is never closed: it runs to the end of the " \
           "file (line 11)" in err
    assert "Kid" not in err and "Vol" not in err


def test_unclosed_quote_mid_row_is_a_quote_problem_not_a_length(cli, db_path, tmp_path, kind):
    k, match = kind
    lines = rows(k, match)
    cells = lines[2].split(",")
    cells[1] = '"' + cells[1]  # row 3's second cell opens a quote that nothing closes
    lines[2] = ",".join(cells)
    err = refused(cli, db_path, k, write(tmp_path, "mid.csv", [k.header, *lines]))
    assert "line 4: a quote opened on this line is never closed" in err
    assert "longer than" not in err and "is required" not in err


def test_unclosed_quote_on_the_last_line(cli, db_path, tmp_path, kind):
    k, match = kind
    lines = rows(k, match, 3)
    lines[-1] = lines[-1].rsplit(",", 1)[0] + ',"note'
    err = refused(cli, db_path, k, write(tmp_path, "last.csv", [k.header, *lines]))
    assert "line 4: a quote opened on this line is never closed: it runs to the end of the " \
           "file;" in err


def test_unclosed_quote_closed_by_a_later_quoted_cell(cli, db_path, tmp_path, kind):
    """The quote of a later, well quoted note ends the swallowed cell and text follows it: the
    record is named by the line it began on, and the lines after it are still checked."""
    k, match = kind
    lines = rows(k, match)
    lines[2] = lines[2].rsplit(",", 1)[0] + ',"note'  # line 4 opens a quote
    lines[5] = lines[5].rsplit(",", 1)[0] + ',"a note, quoted"'  # line 7: its quote closes it
    lines[8] = lines[8] + ",extra"  # line 10: a row of its own, still checked
    err = refused(cli, db_path, k, write(tmp_path, "later.csv", [k.header, *lines]))
    assert "later.csv: 2 invalid row(s)" in err
    assert "line 4: a quote opened on this line is not closed where it should be: it runs on " \
           "from line 4 to line 7" in err
    assert "line 10: 7 cells" in err or "line 10: 6 cells" in err
    listed = [d.split(":")[0] for d in err.splitlines() if d.startswith("  line ")]
    assert listed == ["  line 4", "  line 10"]


def test_unclosed_quote_closed_by_a_stray_quote_keeps_no_swallowed_rows(cli, db_path, tmp_path,
                                                                        kind):
    """A stray quote at the end of a later cell (12" for inches) closes the swallowed cell
    and the record has the header's number of cells: the lines it took in look like rows of
    their own, so it is refused as a quote problem."""
    k, match = kind
    lines = rows(k, match)
    lines[2] = lines[2].rsplit(",", 1)[0] + ',"note'  # line 4 opens a quote
    lines[6] = lines[6] + ' 12"'  # line 8 ends with a stray quote
    err = refused(cli, db_path, k, write(tmp_path, "stray.csv", [k.header, *lines]))
    assert "stray.csv: 1 invalid row(s)" in err
    assert "line 4: a quoted cell runs on from line 4 to line 8 and holds 4 line(s) that look " \
           "like rows of their own" in err


def test_unclosed_quote_closed_early_in_a_later_row(cli, db_path, tmp_path, kind):
    """A stray quote at the end of a later row's first cell closes the swallowed cell: the
    record then has too many cells, and runs over several lines."""
    k, match = kind
    lines = rows(k, match)
    lines[2] = lines[2].rsplit(",", 1)[0] + ',"note'  # line 4 opens a quote
    lines[5] = lines[5].replace(",", '",', 1)  # line 7's first cell ends with a quote
    err = refused(cli, db_path, k, write(tmp_path, "early.csv", [k.header, *lines]))
    width = k.header.count(",") + 1
    assert f"line 4: {2 * width - 1} cells, the header has {width}, and the row runs on from " \
           "line 4 to line 7: check that a quote opened on line 4 is closed" in err
    listed = [d.split(":")[0] for d in err.splitlines() if d.startswith("  line ")]
    assert listed == ["  line 4"]


def test_text_after_a_closing_quote(cli, db_path, tmp_path, kind):
    k, match = kind
    lines = rows(k, match, 3)
    lines[1] = lines[1].rsplit(",", 1)[0] + ',"a note" he said'
    err = refused(cli, db_path, k, write(tmp_path, "after.csv", [k.header, *lines]))
    assert "line 3: text follows a closing quote" in err


def test_a_quoted_note_over_several_lines_still_imports(cli, db_path, tmp_path, kind):
    """Legal CSV is still read: a quoted cell may hold line breaks, separators and doubled
    quotes, and blank rows (empty, or separators only) are skipped and counted."""
    k, match = kind
    lines = rows(k, match, 4)
    lines[1] = lines[1].rsplit(",", 1)[0] + ',"first line\nsecond, with a comma\n""quoted"""'
    blank = "," * k.header.count(",")
    path = write(tmp_path, "good.csv", [k.header, lines[0], "", lines[1], blank, *lines[2:]],
                 newline="\r\n")
    result = cli(k.command, "import", str(path))
    assert "Blank rows skipped: 2" in result.stderr


# ---------------------------------------------------------------------------------------------
# 2. Ragged rows


def test_a_row_with_more_cells_than_the_header(cli, db_path, tmp_path, kind):
    k, match = kind
    lines = rows(k, match, 4)
    lines[2] = lines[2].replace(",note 3", ",bowling, then pizza")
    err = refused(cli, db_path, k, write(tmp_path, "more.csv", [k.header, *lines]))
    width = k.header.count(",") + 1
    assert f"line 4: {width + 1} cells, the header has {width}: a comma inside a value splits " \
           "it in two; put the text in quotes" in err
    assert "pizza" not in err


def test_a_row_with_fewer_cells_than_the_header(cli, db_path, tmp_path, kind):
    k, match = kind
    lines = rows(k, match, 4)
    lines[1] = lines[1].rsplit(",", 1)[0]  # line 3 lacks its note cell
    lines[3] = lines[3].rsplit(",", 2)[0]  # line 5 lacks two
    err = refused(cli, db_path, k, write(tmp_path, "fewer.csv", [k.header, *lines]))
    width = k.header.count(",") + 1
    assert "fewer.csv: 2 invalid row(s)" in err
    assert f"line 3: {width - 1} cells, the header has {width}: every row needs a cell for " \
           "each column" in err
    assert f"line 5: {width - 2} cells, the header has {width}" in err


def test_visit_sheet_unquoted_comma_loses_nothing(cli, db_path, tmp_path):
    match = matched_young_person(cli, db_path, start=days_ago(100))[1]
    d = days_ago(3).strftime("%d/%m/%Y")
    path = write(tmp_path, "visits.csv", ["match_id,date,hours,activity,note",
                                          f"{match},{d},2,bowling, then pizza,Had a good time"])
    before = fingerprint(db_path)
    err = cli("visit", "import", str(path), code=1).stderr
    assert "visits.csv: 1 invalid row(s); nothing was imported" in err
    assert "line 2: 6 cells, the header has 5: a comma inside a value splits it in two; put " \
           "the text in quotes" in err
    assert fingerprint(db_path) == before


def test_semicolon_file_names_its_separator(cli, db_path, tmp_path, kind):
    k, match = kind
    lines = [r.replace(",", ";") for r in rows(k, match, 3)]
    lines[0] += ";more"
    err = refused(cli, db_path, k, write(tmp_path, "semi.csv",
                                         [k.header.replace(",", ";"), *lines]))
    assert "a semicolon inside a value splits it in two" in err


def test_every_bad_line_is_listed(cli, db_path, tmp_path, kind):
    """Row problems of every sort, in one list, in line order; the quote that runs to the end
    of the file is the last."""
    k, match = kind
    lines = rows(k, match)
    lines[1] += ",x"  # line 3: a cell too many
    lines[4] = lines[4].rsplit(",", 1)[0]  # line 6: one too few
    lines[7] = lines[7].rsplit(",", 1)[0] + ',"note'  # line 9: never closed
    err = refused(cli, db_path, k, write(tmp_path, "all.csv", [k.header, *lines]))
    assert "all.csv: 3 invalid row(s)" in err
    at = [err.index(f"  line {n}: ") for n in (3, 6, 9)]
    assert at == sorted(at)


# ---------------------------------------------------------------------------------------------
# 3. The encoding error names the right line


def test_the_encoding_error_names_the_line_of_the_bad_byte(cli, db_path, tmp_path, kind):
    k, match = kind
    lines = rows(k, match, 5)
    data = ("\n".join([k.header, *lines]) + "\n").encode()
    data = data.replace(b"note 3", b"note \xff3")  # row 3: line 4
    path = tmp_path / "bytes.csv"
    path.write_bytes(data)
    err = refused(cli, db_path, k, path)
    assert "bytes.csv line 4: cannot read the text (invalid start byte)" in err
    assert "--encoding cp1252" in err


def test_the_encoding_error_counts_blank_lines_and_line_breaks_in_quotes(cli, db_path,
                                                                        tmp_path, kind):
    k, match = kind
    lines = rows(k, match, 3)
    lines[0] = lines[0].rsplit(",", 1)[0] + ',"two\r\nlines"'
    data = ("\r\n".join(["", k.header, *lines]) + "\r\n").encode()
    data = data.replace(b"note 3", b"note \xe93")  # line 1 blank, header 2, rows 3-4, 5, 6
    path = tmp_path / "crlf.csv"
    path.write_bytes(data)
    err = refused(cli, db_path, k, path)
    assert "crlf.csv line 6: cannot read the text" in err


# ---------------------------------------------------------------------------------------------
# 4. Header errors name the file


def test_a_missing_column_names_the_file(cli, db_path, tmp_path, kind):
    k, match = kind
    header = k.header.replace("date,", "when,").replace("date_of_birth,", "born,")
    err = refused(cli, db_path, k, write(tmp_path, "nocol.csv", [header, *rows(k, match, 2)]))
    assert "Error: nocol.csv has no column for " in err


def test_a_duplicated_column_names_the_file(cli, db_path, tmp_path, kind):
    k, match = kind
    header = k.header.replace(",notes", ",Comments").replace(",note", ",Comments") + ",Note"
    lines = [r + ",again" for r in rows(k, match, 2)]
    err = refused(cli, db_path, k, write(tmp_path, "dup.csv", [header, *lines]))
    assert "Error: dup.csv: two columns give the same field: 'Note' and 'Comments' both " \
           "give note" in err


def test_an_unclosed_quote_in_the_header_names_the_file(cli, db_path, tmp_path, kind):
    k, match = kind
    header = k.header.replace(",note", ',"note')
    err = refused(cli, db_path, k, write(tmp_path, "head.csv", [header, *rows(k, match, 2)]))
    assert "Error: head.csv line 1: the header line cannot be read: a quote opened on this " \
           "line is never closed" in err


def test_the_visit_length_column_error_names_the_file(cli, db_path, tmp_path):
    match = matched_young_person(cli, db_path, start=days_ago(100))[1]
    path = write(tmp_path, "nolength.csv",
                 ["match_id,date,activity", f"{match},{days_ago(5).isoformat()},park"])
    err = cli("visit", "import", str(path), code=1).stderr
    assert "Error: nolength.csv has no column for hours (or minutes)" in err
