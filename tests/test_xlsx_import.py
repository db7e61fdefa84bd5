"""Issue 15 item 2: Excel workbooks (.xlsx) import through the same rules as CSV, for referrals,
volunteers and visit sheets: the first sheet or --sheet, date cells read as dates, whole
numbers without ".0", formulas by the value Excel saved, and problems named by cell (C7)."""

from __future__ import annotations

import re
import sqlite3
import sys
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
import pytest

from ivcli.importing.xlsxfile import cell_text, column_letter

HEADER = ["Reference", "Forename", "DOB", "Surname", "Referral Date", "Notes"]


def workbook(path: Path, rows: list[list[object]], *, sheets: tuple[str, ...] = ("Referrals",),
             header: list[str] = HEADER) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheets[0]
    ws.append(header)
    for row in rows:
        ws.append(row)
    for cell in ws["C"][1:]:
        cell.number_format = "dd/mm/yyyy"
    for name in sheets[1:]:
        book.create_sheet(name)
    book.save(path)
    return path


def child(n: int, **change: object) -> list[object]:
    row: dict[str, object] = {"Reference": f"LA-{n}", "Forename": f"Amy{n}",
                              "DOB": datetime(2014, 2, 1), "Surname": "Lee",
                              "Referral Date": datetime(2025, 3, 1), "Notes": None}
    row.update(change)
    return [row[h] for h in HEADER]


def people(db_path: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT y.reference, y.first_name, y.last_name, y.date_of_birth, "
                            "r.referral_date, r.notes FROM young_people y JOIN referrals r "
                            "ON r.young_person_id = y.id ORDER BY y.id").fetchall()
    finally:
        conn.close()


def test_a_workbook_with_date_cells_imports_like_the_same_csv(cli, tmp_path, db_path,
                                                               monkeypatch):
    book = workbook(tmp_path / "council.xlsx", [child(1), child(2, Notes="Keen on art")])
    r = cli("referral", "import", str(book), "-q")
    assert "Added 2 referral(s)" in r.stderr
    from_xlsx = people(db_path)
    assert from_xlsx[0] == ("LA-1", "Amy1", "Lee", "2014-02-01", "2025-03-01", None)
    other = tmp_path / "other.db"
    csv_file = tmp_path / "council.csv"
    csv_file.write_text(",".join(HEADER) + "\nLA-1,Amy1,01/02/2014,Lee,01/03/2025,\n"
                        "LA-2,Amy2,01/02/2014,Lee,01/03/2025,Keen on art\n", encoding="utf-8")
    monkeypatch.setenv("IVCLI_DB", str(other))
    cli("referral", "import", str(csv_file), "-q")
    assert people(other) == from_xlsx


def test_a_bad_cell_is_named_by_its_cell_reference(cli, tmp_path, db_path):
    rows = [child(n) for n in range(1, 6)] + [child(6, DOB="31/02/2014")]  # row 7
    book = workbook(tmp_path / "council.xlsx", rows)
    r = cli("referral", "import", str(book), "-q", code=1)
    assert "council.xlsx: 1 invalid row(s); nothing was imported" in r.stderr
    assert "C7, date_of_birth: not a real date" in r.stderr
    assert "line 7" not in r.stderr
    assert "correct those cells" in r.stderr
    assert not db_path.exists()


def test_text_dates_and_midnight_times_follow_the_csv_rules(cli, tmp_path, db_path):
    rows = [child(1, DOB="01/02/2014"), child(2, DOB=datetime(2014, 2, 1, 0, 0)),
            child(3, DOB=datetime(2014, 2, 1, 14, 30))]
    r = cli("referral", "import", str(workbook(tmp_path / "t.xlsx", rows)), "-q", code=1)
    assert "C4, date_of_birth: has a time of day" in r.stderr
    assert "C2" not in r.stderr and "C3" not in r.stderr


def test_whole_numbers_read_without_a_decimal_point(cli, tmp_path, db_path):
    rows = [child(1, Reference=12345), child(2, Reference=67890.0, Notes=2.5)]
    cli("referral", "import", str(workbook(tmp_path / "n.xlsx", rows)), "-q")
    got = people(db_path)
    assert [g[0] for g in got] == ["12345", "67890"]
    assert got[1][5] == "2.5"


def _patch_cell(path: Path, ref: str, xml: str) -> None:
    """Replace the XML of cell ``ref`` in the first sheet (openpyxl cannot write a formula's
    saved value; Excel always does)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text, n = re.subn(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', xml, data.decode())
                assert n == 1
                data = text.encode()
            zout.writestr(item, data)
    tmp.replace(path)


def test_a_formula_gives_the_value_excel_saved_and_is_never_evaluated(cli, tmp_path, db_path):
    book = workbook(tmp_path / "f.xlsx", [child(1, Notes="x"), child(2)])
    _patch_cell(book, "B2", '<c r="B2" t="str"><f>UPPER("amy")</f><v>AMY</v></c>')
    _patch_cell(book, "F2", '<c r="F2" t="str"><f>1+1</f><v>=2+2</v></c>')
    _patch_cell(book, "B3", '<c r="B3"><f>UPPER("ben")</f></c>')  # never calculated: empty
    r = cli("referral", "import", str(book), "-q", code=1)
    assert "B3, first_name: is required" in r.stderr
    book = workbook(tmp_path / "f.xlsx", [child(1, Notes="x")])
    _patch_cell(book, "B2", '<c r="B2" t="str"><f>UPPER("amy")</f><v>AMY</v></c>')
    _patch_cell(book, "F2", '<c r="F2" t="str"><f>1+1</f><v>=2+2</v></c>')
    cli("referral", "import", str(book), "-q")
    assert people(db_path)[0][1] == "AMY"
    assert people(db_path)[0][5] == "=2+2"  # text, as saved


def test_sheet_option(cli, tmp_path, db_path):
    book = openpyxl.Workbook()
    book.active.title = "Cover"
    book.active.append(["This workbook holds the referrals on the next sheet"])
    ws = book.create_sheet("Referrals")
    ws.append(HEADER)
    ws.append(child(1))
    path = tmp_path / "two.xlsx"
    book.save(path)
    r = cli("referral", "import", str(path), "-q", code=1)  # the first sheet: not referrals
    assert "two.xlsx has no column for" in r.stderr
    r = cli("referral", "import", str(path), "-q", "--sheet", "Referals", code=1)
    assert "two.xlsx has no sheet 'Referals'" in r.stderr
    assert "its sheets are: 'Cover', 'Referrals'" in r.stderr
    cli("referral", "import", str(path), "-q", "--sheet", "Referrals")
    assert len(people(db_path)) == 1


def test_sheet_is_refused_for_a_csv(cli, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("first_name,last_name,date_of_birth,referral_date\n", encoding="utf-8")
    r = cli("referral", "import", str(f), "--sheet", "Sheet1", code=1)
    assert "r.csv is not an Excel workbook" in r.stderr


@pytest.mark.parametrize(("content", "expected"), [
    (b"first_name,last_name\n", "it is not an Excel workbook"),
    (b"", "the file is empty"),
    (b"PK\x03\x04 not really a zip", "it is damaged or not a workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "Excel 97-2003 file (.xls)"),
])
def test_a_file_that_is_not_a_workbook_is_refused_clearly(cli, tmp_path, db_path, content,
                                                          expected):
    f = tmp_path / "council.xlsx"
    f.write_bytes(content)
    r = cli("referral", "import", str(f), "-q", code=1)
    assert "council.xlsx cannot be read as an Excel workbook (.xlsx)" in r.stderr
    assert expected in r.stderr
    assert "save it again as .xlsx" in r.stderr
    assert "Traceback" not in r.output
    assert not db_path.exists()


def test_a_truncated_workbook_is_refused(cli, tmp_path):
    book = workbook(tmp_path / "whole.xlsx", [child(1)])
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(book.read_bytes()[:2000])
    r = cli("referral", "import", str(cut), "-q", code=1)
    assert "cut.xlsx cannot be read as an Excel workbook" in r.stderr


def test_a_workbook_under_another_name_is_read_as_one(cli, tmp_path, db_path):
    book = workbook(tmp_path / "export.xlsx", [child(1)])
    renamed = tmp_path / "export.csv"
    book.rename(renamed)
    cli("referral", "import", str(renamed), "-q")
    assert len(people(db_path)) == 1


def test_rows_blank_rows_and_a_value_without_a_header(cli, tmp_path, db_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append([])  # the header is the first row with a value: row 2
    ws.append(HEADER)
    ws.append(child(1))
    ws.append([])
    ws.append(child(2))
    ws["H6"] = "stray"
    ws["A20"] = None
    ws["B30"].number_format = "dd/mm/yyyy"  # formatted empty rows at the end are not rows
    path = tmp_path / "b.xlsx"
    book.save(path)
    r = cli("referral", "import", str(path), "-q", code=1)
    assert ("row 6: cell H6 holds a value but its column has no header" in r.stderr)
    ws["H6"] = None
    book.save(path)
    r = cli("referral", "import", str(path), "-q")
    assert "Added 2 referral(s)" in r.stderr
    assert "Blank rows skipped: 1." in r.stderr


def test_header_problems_name_the_file(cli, tmp_path):
    path = workbook(tmp_path / "h.xlsx", [child(1)],
                    header=["Reference", "Child Given", "DOB", "Surname", "Referral Date",
                            "Notes"])
    r = cli("referral", "import", str(path), "-q", code=1)
    assert "h.xlsx has no column for first_name" in r.stderr
    assert 'headers not recognised: "Child Given"' in r.stderr


def test_a_saved_mapping_applies_to_a_workbook(cli, tmp_path, db_path):
    header = ["Reference", "Child Given", "DOB", "Surname", "Referral Date", "Notes"]
    path = workbook(tmp_path / "oct.xlsx", [child(1)], header=header)
    cli("referral", "import", str(path), "-q", "--map", "Child Given=first_name",
        "--save-map", "council")
    path = workbook(tmp_path / "nov.xlsx", [child(2)], header=header)
    r = cli("referral", "import", str(path), "-q")
    assert "Used saved mapping 'council'" in r.stderr
    assert len(people(db_path)) == 2


def test_volunteers_and_visit_sheets_import_from_workbooks(cli, tmp_path, db_path):
    from tests.visits_helpers import matched_young_person

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["first_name", "last_name", "date_of_birth", "application_date", "dbs_number",
               "dbs_issue_date", "dbs_update_service"])
    ws.append(["Priya", "Shah", datetime(1986, 3, 14), datetime(2025, 1, 6), 123456789012.0,
               datetime(2025, 2, 10), True])
    ws.append(["Tom", "Neill", "1979-11-02", "31/13/2025", None, None, None])
    path = tmp_path / "vols.xlsx"
    book.save(path)
    r = cli("volunteer", "import", str(path), code=1)
    assert "D3, application_date" in r.stderr
    ws["D3"] = datetime(2025, 4, 1)
    book.save(path)
    cli("volunteer", "import", str(path))
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT number FROM volunteer_checks WHERE step = 'dbs'"
                            ).fetchall() == [("123456789012",)]
        assert conn.execute("SELECT count(*) FROM volunteers").fetchone()[0] == 2
    finally:
        conn.close()

    _, match_id = matched_young_person(cli, db_path)
    day = date.today() - timedelta(days=10)
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Match", "Visit date", "Hours", "Activity", "Cost", "Cost type"])
    ws.append([match_id, datetime.combine(day, time()), time(2, 30), "Bowling", 6.5,
               "activity"])
    ws.append([float(match_id), datetime.combine(day, time()), 1.5, "Cinema", "abc",
               "activity"])
    path = tmp_path / "visits.xlsx"
    book.save(path)
    r = cli("visit", "import", str(path), code=1)
    assert "E3, cost" in r.stderr
    ws["E3"] = 12.35
    book.save(path)
    r = cli("visit", "import", str(path))
    assert "Added 2 visit(s)" in r.stderr
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute(
            "SELECT v.minutes, c.amount_pence FROM visits v JOIN visit_costs c "
            "ON c.visit_id = v.id ORDER BY v.id").fetchall() == [(150, 650), (90, 1235)]
    finally:
        conn.close()


def test_a_csv_import_never_loads_openpyxl(cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # importing it would now fail
    f = tmp_path / "r.csv"
    f.write_text("first_name,last_name,date_of_birth,referral_date\n"
                 "Amy,Lee,01/02/2014,01/03/2025\n", encoding="utf-8")
    cli("referral", "import", str(f), "-q")


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), ("  as typed ", "  as typed "), (True, "yes"), (False, "no"), (7, "7"),
    (7.0, "7"), (-3.0, "-3"), (12.65, "12.65"), (0.1 + 0.2, "0.3"), (1e20, "1e+20"),
    (datetime(2012, 6, 7), "2012-06-07"), (datetime(2012, 6, 7, 9, 5), "2012-06-07 09:05:00"),
    (date(2012, 6, 7), "2012-06-07"), (time(2, 30), "02:30"),
    (timedelta(hours=1, minutes=45), "1:45"),
])
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_column_letters():
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]


def test_a_text_file_named_xls_is_read_as_text(cli, tmp_path, db_path):
    f = tmp_path / "export.xls"
    f.write_text("first_name\tlast_name\tdate_of_birth\treferral_date\n"
                 "Amy\tLee\t01/02/2014\t01/03/2025\n", encoding="utf-8")
    cli("referral", "import", str(f), "-q")
    assert len(people(db_path)) == 1
