"""`report monthly|annual --format xlsx --output FILE`: a workbook for council officers, one
sheet per section, numbers as numbers, text never a formula."""

from __future__ import annotations

import stat
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.test_commissioner_figures import FORMULA, NAMES, YEAR, add_reason_codes, build

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture
def scheme(db_path: Path) -> Path:
    build(db_path)
    add_reason_codes(db_path)
    return db_path


def rows(ws: Any) -> dict[str, list[Any]]:
    """Each row of a sheet by its first cell (the cells after it)."""
    return {r[0].value: r[1:] for r in ws.iter_rows() if r and r[0].value is not None}


def test_without_output_it_is_refused(cli, scheme):
    result = cli(*YEAR, "--format", "xlsx", code=1)
    assert result.stdout == ""
    assert "--output" in result.stderr
    cli("report", "monthly", "--month", "2025-12", "--as-of", "2026-01-10", "--format",
        "xlsx", code=1)


def test_a_sheet_per_section_with_numbers_as_numbers(cli, scheme, tmp_path):
    out = tmp_path / "annual.xlsx"
    result = cli(*YEAR, "--format", "xlsx", "--output", str(out))
    assert result.stdout == "" and result.stderr == ""
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:6] == ["Report", "Referrals", "Waiting list", "Matches", "Visits",
                                 "Volunteers"]
    assert {"Waiting and matched", "Volunteer pool", "12-month trends"} <= set(wb.sheetnames)
    assert all(len(name) <= 31 for name in wb.sheetnames)
    referrals = rows(wb["Referrals"])
    assert referrals["Referrals received"][0].value == 7
    assert referrals["Referrals received"][0].data_type == "n"
    # declines by reason, stacked below
    assert referrals["The young person did not consent"][0].value == 1
    assert referrals["Figure"][0].font.bold  # headers bold
    waiting = rows(wb["Waiting list"])
    assert waiting["Median days from referral to decision"][0].value == 6.5
    assert waiting["Median days from referral to match"][0].value == 35
    expenses = rows(wb["Visits"])["Expenses"][0]
    assert expenses.data_type == "n" and Decimal(str(expenses.value)) == 0
    assert "£" in expenses.number_format
    trends = rows(wb["12-month trends"])
    assert isinstance(trends["Dec 2025"][0].value, int)
    definitions = rows(wb["Report"])
    assert definitions["declines_by_reason"][0].value == "Declines by reason"


def test_text_is_never_a_formula(cli, scheme, tmp_path, db_path):
    import sqlite3

    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE volunteers SET faith = '+44 7700 900123' WHERE id = 1")
    conn.execute("UPDATE volunteers SET ethnicity = '@SUM(A1)' WHERE id = 3")
    conn.execute("UPDATE volunteers SET status = 'approved', faith = '-2+3' WHERE id = 3")
    conn.execute("UPDATE volunteers SET faith = '#N/A' WHERE id = 2")
    conn.commit()
    conn.close()
    out = tmp_path / "annual.xlsx"
    cli(*YEAR, "--format", "xlsx", "--output", str(out))
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    pool = rows(openpyxl.load_workbook(out)["Volunteer pool"])
    for text in (FORMULA, "+44 7700 900123", "@SUM(A1)", "-2+3", "#N/A"):
        cell = next(c for c in openpyxl.load_workbook(out)["Volunteer pool"].iter_rows()
                    if c[0].value == text)[0]
        assert cell.data_type == "s", text
        assert text in pool


def test_published_workbook_hides_small_counts_and_names_no_one(cli, scheme, tmp_path):
    out = tmp_path / "published.xlsx"
    cli(*YEAR, "--format", "xlsx", "--output", str(out), "--publish")
    wb = openpyxl.load_workbook(out)
    declines = rows(wb["Referrals"])
    assert declines["The young person did not consent"][0].value in ("<5", "*")
    assert declines["The young person did not consent"][0].data_type == "s"
    text = [c.value for ws in wb for r in ws.iter_rows() for c in r
            if isinstance(c.value, str)]
    assert not [n for n in NAMES if any(n in t for t in text)]


def test_an_xlsx_never_replaces_the_database(cli, scheme, db_path):
    before = db_path.read_bytes()
    result = cli(*YEAR, "--format", "xlsx", "--output", str(db_path), code=1)
    assert "live database" in result.stderr
    assert db_path.read_bytes() == before
