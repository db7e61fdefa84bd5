"""Nothing lost, nothing merged wrongly: a council reference is one child.

Excel-mangled references (scientific notation; lost leading zeros, with the scheme's
reference pattern) are refused, and a reference held for, or given earlier in the same file to,
a different name or date of birth is a conflict, never a link. The legitimate re-referral (same
reference, same normalised name and date of birth) still links.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from tests.test_referrals import counts

HEADER = "reference,first_name,last_name,date_of_birth,referral_date\n"



def digest(db_path: Path) -> str:
    """The database file's sha256, after a checkpoint so the WAL is in it."""
    conn = sqlite3.connect(db_path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return hashlib.sha256(db_path.read_bytes()).hexdigest()


def add(cli, reference: str, first: str, last: str, dob: str, *extra: str, code: int = 0):
    return cli("--no-input", "referral", "add", "--reference", reference, "--first-name", first,
               "--last-name", last, "--date-of-birth", dob, *extra, code=code)


def csv_file(tmp_path: Path, *rows: str, name: str = "refs.csv") -> Path:
    f = tmp_path / name
    f.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return f


def people(db_path: Path) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT id, reference, first_name, last_name, date_of_birth "
                            "FROM young_people ORDER BY id").fetchall()
    finally:
        conn.close()


# --- Fault 1: Excel-mangled references ----------------------------------------------------------

MANGLED = ["1.23457E+11", "1.2E+5", "4,56E+10", "1E+11", "1.23457e+11", " 9.87654E+12 "]


@pytest.mark.parametrize("reference", MANGLED)
def test_add_refuses_an_excel_scientific_reference(cli, db_path, reference):
    add(cli, "LA-1", "Ann", "Able", "01/01/2012")
    before = digest(db_path)
    r = add(cli, reference, "Ben", "Baker", "02/02/2013", code=1)
    assert "reference: looks like a number Excel turned into scientific notation" in r.stderr
    assert "format the column as Text" in r.stderr
    assert "Ben" not in r.stderr and "Baker" not in r.stderr
    if reference.strip() != "1.23457E+11":  # the message's own example
        assert reference.strip() not in r.stderr
    assert digest(db_path) == before


def test_import_of_two_children_mangled_alike_writes_nothing(cli, db_path, tmp_path):
    """The fault: both rows became one record and the second child's name and date of birth
    were lost. Now each mangled line is an error and nothing is written."""
    add(cli, "LA-1", "Ann", "Able", "01/01/2012")
    before = digest(db_path)
    f = csv_file(tmp_path,
                 "1.23457E+11,Cara,Cole,03/03/2013,01/02/2025",
                 "LA-2,Dan,Dale,04/04/2014,01/02/2025",
                 "1.23457E+11,Eve,Evans,05/05/2015,01/02/2025",
                 '"4,56E+10",Fay,Ford,06/06/2016,01/02/2025')
    r = cli("referral", "import", str(f), code=1)
    assert "3 invalid row(s); nothing was imported" in r.stderr
    for line in (2, 4, 5):
        assert f"line {line}, reference: looks like a number Excel turned into scientific " \
               "notation" in r.stderr
    assert "line 3" not in r.stderr
    assert "format the column as Text" in r.stderr
    assert "Cara" not in r.stderr and "Eve" not in r.stderr and "4,56E+10" not in r.stderr
    assert digest(db_path) == before


def test_ordinary_references_still_pass(cli, db_path, tmp_path):
    """Letters with an E, digits, hyphens: not Excel's notation."""
    f = csv_file(tmp_path,
                 "E+1,Ann,Able,01/01/2012,01/02/2025",
                 "12E3,Ben,Baker,02/02/2013,01/02/2025",
                 "MOSAIC-1E+5X,Cat,Cole,03/03/2013,01/02/2025",
                 "0123456789,Dan,Dale,04/04/2014,01/02/2025")
    cli("referral", "import", str(f))
    assert counts(db_path) == (4, 4)


def test_a_reference_pattern_catches_lost_leading_zeros(cli, db_path, tmp_path):
    cli("settings", "set", "referral.reference_pattern", "[0-9]{10}")
    add(cli, "0123456780", "Ann", "Able", "01/01/2012")
    before = digest(db_path)
    r = add(cli, "123456789", "Ben", "Baker", "02/02/2013", code=1)
    assert "does not match the scheme's reference pattern [0-9]{10} (setting " \
           "referral.reference_pattern)" in r.stderr
    assert "format the column as Text" in r.stderr
    assert digest(db_path) == before
    f = csv_file(tmp_path,
                 "0123456781,Cat,Cole,03/03/2013,01/02/2025",
                 "123456782,Dan,Dale,04/04/2014,01/02/2025",
                 ",Eve,Evans,05/05/2015,01/02/2025")  # no reference: nothing to check
    r = cli("referral", "import", str(f), code=1)
    assert "1 invalid row(s)" in r.stderr
    assert "line 3, reference: does not match the scheme's reference pattern [0-9]{10}" \
        in r.stderr
    assert digest(db_path) == before
    # With no pattern (the default) the same file imports.
    cli("settings", "reset", "referral.reference_pattern")
    cli("referral", "import", str(f))
    assert counts(db_path) == (4, 4)


def test_a_reference_pattern_must_be_a_regular_expression(cli, db_path):
    cli("settings", "set", "referral.reference_pattern", "")  # the database exists
    before = digest(db_path)
    r = cli("settings", "set", "referral.reference_pattern", "[0-9", code=1)
    assert "is not a regular expression" in r.stderr
    assert digest(db_path) == before
    rows = {s["key"]: s for s in cli.json("settings", "list")}
    assert rows["referral.reference_pattern"]["value"] == ""


# --- Fault 2: the same reference for a different child ------------------------------------------

def test_add_refuses_a_reference_held_for_a_different_child(cli, db_path):
    r = add(cli, "LA-555", "Alice", "Smith", "2012-01-01")
    assert "a new young person (id 1)" in r.stderr
    before = digest(db_path)
    r = add(cli, "LA-555", "Bob", "Jones", "2014-05-05", code=1)
    assert "reference: already held for young person 1, with a different name or date of " \
           "birth, so it is not linked" in r.stderr
    assert "nothing was added" in r.stderr
    assert "Alice" not in r.stderr and "Smith" not in r.stderr and "Bob" not in r.stderr
    assert "for an existing young person" not in r.stderr
    assert digest(db_path) == before


@pytest.mark.parametrize("first, last, dob", [
    ("Alice", "Smith", "2012-01-02"),  # another date of birth
    ("Alicia", "Smith", "2012-01-01"),  # another first name
    ("Alice", "Smyth", "2012-01-01"),  # another last name
])
def test_a_reference_needs_the_whole_identity_to_link(cli, db_path, first, last, dob):
    add(cli, "LA-555", "Alice", "Smith", "2012-01-01")
    before = digest(db_path)
    add(cli, "LA-555", first, last, dob, "--referral-date", "01/02/2025", code=1)
    assert digest(db_path) == before


def test_re_referral_with_the_same_reference_still_links(cli, db_path, tmp_path):
    add(cli, "LA-555", "Alice", "O'Brien", "2012-01-01", "--referral-date", "01/01/2024")
    # One open referral per child (issue 13): a re-referral follows a closed one, and one
    # while the first is open is refused, naming it.
    r = add(cli, "LA-555", "Alice", "OBrien", "01/01/2012", "--referral-date", "01/01/2025",
            code=1)
    assert "young person 1 already has open referral 1" in r.stderr
    cli("referral", "decline", "1", "--reason", "no_consent")
    # Case, spacing and apostrophes are normalised; a UK date is the same date.
    r = add(cli, "LA-555", " ALICE ", "OBrien", "01/01/2012", "--referral-date", "01/01/2025")
    assert "Added referral 2 for an existing young person (id 1)" in r.stderr
    cli("referral", "withdraw", "2", "--reason", "moved away")
    f = csv_file(tmp_path, "LA-555,alice,o’brien,01/01/2012,01/01/2026")
    r = cli("referral", "import", str(f))
    assert "1 linked to existing" in r.stderr
    assert counts(db_path) == (1, 3)


def test_import_refuses_a_reference_held_for_a_different_child(cli, db_path, tmp_path):
    add(cli, "LA-555", "Alice", "Smith", "2012-01-01")
    add(cli, "LA-556", "Carol", "King", "2013-03-03")
    before = digest(db_path)
    f = csv_file(tmp_path,
                 "LA-555,Alice,Smith,01/01/2012,01/02/2025",  # a re-referral: fine
                 "LA-555,Bob,Jones,05/05/2014,01/02/2025",  # the same reference, another child
                 "LA-900,Dan,Dale,04/04/2014,01/02/2025",
                 "LA-556,Carol,King,04/03/2013,01/02/2025")  # another date of birth
    r = cli("referral", "import", str(f), code=1)
    assert "2 invalid row(s); nothing was imported" in r.stderr
    assert "line 3, reference: already held for young person 1, with a different name" \
        in r.stderr
    assert "line 5, reference: already held for young person 2, with a different name" \
        in r.stderr
    assert "line 2" not in r.stderr and "line 4" not in r.stderr
    for name in ("Alice", "Bob", "Carol", "Smith", "Jones"):
        assert name not in r.stderr
    assert digest(db_path) == before
    r = cli("referral", "import", "--dry-run", str(f), code=1)
    assert digest(db_path) == before


def test_a_reference_filled_in_cannot_take_another_childs(cli, db_path, tmp_path):
    """Bob is held without a reference; a row for Bob with Alice's reference is refused (before,
    it would have linked to Alice)."""
    add(cli, "LA-555", "Alice", "Smith", "2012-01-01")
    cli("--no-input", "referral", "add", "--first-name", "Bob", "--last-name", "Jones",
        "--date-of-birth", "2014-05-05")
    before = digest(db_path)
    f = csv_file(tmp_path, "LA-555,Bob,Jones,05/05/2014,01/02/2025")
    r = cli("referral", "import", str(f), code=1)
    assert "line 2, reference: already held for young person 1" in r.stderr
    assert digest(db_path) == before


def test_two_children_with_one_reference_in_the_same_file(cli, db_path, tmp_path):
    f = csv_file(tmp_path,
                 "X1,Sam,Ng,01/02/2013,01/03/2025",
                 "X1,Sam,NG,01/02/2013,01/04/2025",  # the same child again: fine
                 "X1,Samuel,Ng,01/02/2013,01/05/2025",  # another first name
                 "X2,Tia,Tan,02/02/2013,01/03/2025",
                 "X2,Tia,Tan,03/02/2013,01/03/2025")  # another date of birth
    r = cli("referral", "import", str(f), code=1)
    assert "2 invalid row(s); nothing was imported" in r.stderr
    assert "line 4, reference: also given on line 2 to a different name or date of birth" \
        in r.stderr
    assert "line 6, reference: also given on line 5 to a different name or date of birth" \
        in r.stderr
    assert "Samuel" not in r.stderr and "Tia" not in r.stderr
    assert not db_path.exists() or counts(db_path) == (0, 0)


def test_same_file_conflict_when_some_people_are_held(cli, db_path, tmp_path):
    """With young people held (and one of them held without a reference), a reference new to
    the database given to two children in the file is still caught, not a crash on the unique
    reference."""
    cli("--no-input", "referral", "add", "--first-name", "Ann", "--last-name", "Able",
        "--date-of-birth", "2012-01-01")
    before = digest(db_path)
    f = csv_file(tmp_path,
                 "NEW-1,Ann,Able,01/01/2012,01/02/2025",  # links to 1 and fills in NEW-1
                 "NEW-1,Ben,Baker,02/02/2013,01/02/2025")
    r = cli("referral", "import", str(f), code=1)
    assert "line 3, reference: also given on line 2 to a different name" in r.stderr
    assert digest(db_path) == before
    assert people(db_path) == [(1, None, "Ann", "Able", "2012-01-01")]


def test_conflicts_and_bad_values_are_listed_together(cli, db_path, tmp_path):
    add(cli, "LA-555", "Alice", "Smith", "2012-01-01")
    before = digest(db_path)
    f = csv_file(tmp_path,
                 "LA-555,Bob,Jones,05/05/2014,01/02/2025",
                 "LA-7,Cat,Cole,31/02/2014,01/02/2025",
                 "1.2E+5,Dan,Dale,04/04/2014,01/02/2025")
    r = cli("referral", "import", str(f), code=1)
    assert "3 invalid row(s)" in r.stderr
    assert "line 2, reference: already held for young person 1" in r.stderr
    assert "line 3, date_of_birth" in r.stderr
    assert "line 4, reference: looks like a number Excel" in r.stderr
    assert digest(db_path) == before


def test_the_fast_path_checks_the_reference_too():
    """A row whose other values were all seen in a valid row takes the validator's fast path:
    the reference rule still applies there, with and without a pattern."""
    from datetime import date

    from ivcli.referrals.rows import (
        FIELD_POSITIONS,
        FIELDS,
        RowValidator,
        compile_pattern,
    )

    def cells(reference: str) -> list[str]:
        raw = {"reference": reference, "first_name": "Ann", "last_name": "Able",
               "date_of_birth": "01/01/2012", "referral_date": "01/02/2025"}
        return [raw.get(f, "") for f in FIELDS]

    for pattern, good, bad in ((None, "LA-1", "1.23457E+11"),
                               (compile_pattern("[0-9]{10}"), "0123456789", "123456789")):
        check = RowValidator(date(2026, 1, 1), FIELD_POSITIONS, pattern)
        assert check(2, cells(good))[1] == []
        assert check(3, cells(good + "0" if pattern is None else "9876543210"))[1] == []
        row, problems = check(4, cells(bad))
        assert row is None
        assert [(p.line, p.column) for p in problems] == [(4, "reference")]
