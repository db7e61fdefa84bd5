"""`referral import` starts light (issue 15, speed): importing a file, through a saved mapping, a
workbook or a dry run, loads neither the ORM, SQLModel, pydantic nor ivcli.models, as read
commands do not. And the import's staging (issue 11, speed): the staging table is left for the
connection's end and each row's identity is worked out by SQLite as it is staged, so a second
load on the same connection must start from an empty stage and identify its rows the same way."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.conftest import HEAVY, run_noting_imports

EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "referrals.csv"
COUNCIL_HEADER = "Child Given,Child Family,Born On,Received,Worker\n"
MAPS = ("--map", "Child Given=first_name", "--map", "Child Family=last_name",
        "--map", "Born On=date_of_birth", "--map", "Received=referral_date",
        "--map", "Worker=referrer_name")


def light(db_path: Path, *args: str) -> str:
    code, _, stderr, heavy = run_noting_imports("--db", str(db_path), "referral", "import", *args)
    assert code == 0, stderr
    assert heavy == [], f"referral import loaded {heavy} (none of {HEAVY} should be)"
    return stderr


@pytest.mark.slow
def test_importing_the_example_file_loads_no_orm_models_or_pydantic(db_path):
    out = light(db_path, str(EXAMPLE), "-q")
    assert "Added 25 referral(s)" in out
    # Again: every row is held already, and still nothing heavy is loaded.
    assert "0 referral(s); 25 unchanged" in light(db_path, str(EXAMPLE), "-q")


@pytest.mark.slow
def test_importing_through_a_saved_mapping_loads_no_orm_models_or_pydantic(cli, db_path,
                                                                            tmp_path):
    first = tmp_path / "october.csv"
    first.write_text(COUNCIL_HEADER + "Amy,Lee,01/02/2014,01/03/2025,Jo\n", encoding="utf-8")
    cli("referral", "import", str(first), "-q", *MAPS, "--save-map", "council")
    nxt = tmp_path / "november.csv"
    nxt.write_text(COUNCIL_HEADER + "Ben,Ray,02/03/2013,04/04/2025,Sam\n", encoding="utf-8")
    out = light(db_path, str(nxt), "-q")
    assert "Used saved mapping 'council'" in out
    assert "Added 1 referral(s)" in out


@pytest.mark.slow
def test_a_dry_run_and_a_refused_file_load_no_orm_models_or_pydantic(db_path, tmp_path):
    assert "Dry run, nothing written: would add 25" in light(db_path, str(EXAMPLE), "--dry-run")
    bad = tmp_path / "bad.csv"
    bad.write_text("reference,first_name,last_name,date_of_birth,referral_date\n"
                   "LA1,Amy,Lee,31/02/2014,01/03/2025\n", encoding="utf-8")
    code, _, stderr, heavy = run_noting_imports("--db", str(db_path), "referral", "import",
                                                str(bad))
    assert code == 1, stderr
    assert "line 2" in stderr
    assert heavy == []


@pytest.mark.slow
def test_importing_a_workbook_loads_no_orm_models_or_pydantic(db_path, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Reference", "Forename", "Surname", "DOB", "Referral Date"])
    ws.append(["LA-1", "Amy", "Lee", datetime(2014, 2, 1), datetime(2025, 3, 1)])
    path = tmp_path / "referrals.xlsx"
    book.save(path)
    assert "Added 1 referral(s)" in light(db_path, str(path), "-q")


def _csv(path: Path, rows: str) -> Path:
    path.write_text("reference,first_name,last_name,date_of_birth,referral_date\n" + rows,
                    encoding="utf-8")
    return path


def test_a_second_load_on_the_same_connection_starts_from_an_empty_stage(db_path, tmp_path):
    from ivcli import db
    from ivcli.referrals import intake
    from ivcli.safety import audit

    one = _csv(tmp_path / "one.csv", "LA1,Amy,Lee,01/02/2014,01/03/2025\n"
                                     ",Bob,Hill,02/02/2014,01/03/2025\n")
    two = _csv(tmp_path / "two.csv", ",Cat,Ray,03/02/2014,02/03/2025\n"
                                     ",Bob,Hill,02/02/2014,01/04/2025\n")
    with db.writer(db_path, watch=audit.watch, complete=audit.complete) as conn:
        first = intake.import_csv(conn, one, today=date(2026, 1, 1)).result
        second = intake.import_csv(conn, two, today=date(2026, 1, 1)).result
    assert (first.rows, first.added, first.new_people) == (2, 2, 2)
    # Only the second file's rows: Bob (no reference) is found by name and date of birth, and
    # his referral waits while the first one is open; Cat is new.
    assert (second.rows, second.new_people, second.linked_existing) == (2, 1, 1)
    assert second.already_open == [(3, 2)]
    conn2 = sqlite3.connect(db_path)
    try:
        assert conn2.execute("SELECT reference, first_name FROM young_people ORDER BY id"
                             ).fetchall() == [("LA1", "Amy"), (None, "Bob"), (None, "Cat")]
    finally:
        conn2.close()


def test_rows_of_one_child_share_the_identity_sqlite_computes_as_they_are_staged(cli, db_path,
                                                                                 tmp_path):
    # No reference: one child by name and date of birth (case and spaces as typed forgiven);
    # with one: the reference, whatever the name.
    f = _csv(tmp_path / "refs.csv", ",Amy,Lee,01/02/2014,01/03/2025\n"
                                    ",  AMY , lee,01/02/2014,01/03/2025\n"
                                    "LA9,Dan,Fox,05/05/2013,01/03/2025\n"
                                    "LA9,Dan,Fox,05/05/2013,01/03/2025\n")
    out = cli("referral", "import", str(f)).stderr
    assert "Added 2 referral(s); 2 unchanged" in out
    assert "Young people: 2 new" in out
