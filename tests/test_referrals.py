"""Referral intake, screening and decisions, end to end through the CLI."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "referrals"


def counts(db_path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(db_path)
    try:
        return (conn.execute("SELECT count(*) FROM young_people").fetchone()[0],
                conn.execute("SELECT count(*) FROM referrals").fetchone()[0])
    finally:
        conn.close()


def add(cli, first="Amy", last="Lee", dob="01/02/2014", *extra: str, code: int = 0):
    return cli("referral", "add", "--first-name", first, "--last-name", last,
               "--date-of-birth", dob, *extra, code=code)


def ago(years: int, days: int = 0) -> str:
    today = date.today()
    try:
        d = today.replace(year=today.year - years)
    except ValueError:
        d = today.replace(year=today.year - years, day=28)
    return (d - timedelta(days=days)).strftime("%d/%m/%Y")


# --- CSV import -------------------------------------------------------------------------------

def test_excel_csv_imports_once(cli, db_path):
    result = cli("referral", "import", str(DATA / "excel_25.csv"))
    assert "Added 25 referral(s); 0 unchanged" in result.stderr
    again = cli("referral", "import", str(DATA / "excel_25.csv"))
    assert "Added 0 referral(s); 25 unchanged" in again.stderr
    rows = cli.json("referral", "list")
    assert len(rows) == 25
    assert set(rows[0]) >= {"id", "young_person_id", "status", "referral_date", "reference",
                            "first_name", "last_name", "date_of_birth"}
    assert all(r["status"] == "received" for r in rows)
    for r in rows:
        date.fromisoformat(r["referral_date"])
        date.fromisoformat(r["date_of_birth"])
    # BOM is not part of the first header; UK date read day first.
    first = next(r for r in rows if r["reference"] == "MOS-1000")
    assert first["first_name"] == "Amira"
    notes = [cli.json("referral", "show", str(r["id"]))["notes"] for r in rows]
    assert "Met at school.\nPrefers weekends." in notes
    assert counts(db_path) == (25, 25)


def test_bad_rows_write_nothing_and_are_listed(cli, db_path):
    cli("referral", "import", str(DATA / "excel_25.csv"))
    before = counts(db_path)
    result = cli("referral", "import", str(DATA / "bad_50.csv"), code=1)
    err = result.stderr
    assert "4 invalid row(s); nothing was imported" in err
    assert "line 11, date_of_birth: not a real date" in err
    assert "line 21, referral_date: there is no month 13" in err
    assert "day first" in err
    assert "line 31, date_of_birth: is in the future" in err
    assert "line 41, first_name: is required" in err
    assert "Traceback" not in err
    assert counts(db_path) == before


def test_dry_run_writes_nothing(cli, db_path):
    result = cli("referral", "import", "--dry-run", str(DATA / "excel_25.csv"))
    assert "would add 25" in result.stderr
    assert not db_path.exists()
    cli("settings", "set", "eligibility.min_age", "5")
    cli("referral", "import", "--dry-run", str(DATA / "excel_25.csv"))
    assert counts(db_path) == (0, 0)


def test_cp1252_needs_encoding_and_semicolons_are_sniffed(cli, db_path):
    path = DATA / "excel_cp1252_semicolon.csv"
    result = cli("referral", "import", str(path), code=1)
    assert "--encoding cp1252" in result.stderr
    assert not db_path.exists() or counts(db_path) == (0, 0)
    cli("referral", "import", "--encoding", "cp1252", str(path))
    names = {(r["first_name"], r["last_name"]) for r in cli.json("referral", "list")}
    assert names == {("Zoë", "Brontë"), ("Renée", "O’Hara")}


def test_tab_file_with_map_unknown_column_and_blank_rows(cli):
    path = DATA / "tab_custom.tsv"
    missing = cli("referral", "import", str(path), code=1)
    assert "no column for first_name" in missing.stderr
    assert "--map" in missing.stderr
    result = cli("referral", "import", str(path), "--map", "Child First=first_name")
    assert "Ignored columns (not stored): Favourite Colour" in result.stderr
    assert "Blank rows skipped: 2" in result.stderr
    # Same date of birth and surname, different first name: two children, flagged.
    assert "Possible duplicates (not merged): 1" in result.stderr
    assert len(cli.json("referral", "list")) == 2


def test_bad_map_and_missing_file(cli):
    r = cli("referral", "import", str(DATA / "tab_custom.tsv"), "--map", "x=nonsense", code=1)
    assert "no field 'nonsense'" in r.stderr
    r = cli("referral", "import", "nowhere.csv", code=1)
    assert "no file at" in r.stderr


def test_two_digit_year_and_empty_file(cli, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("first_name,last_name,date_of_birth,referral_date\nA,B,01/02/13,01/02/2026\n")
    r = cli("referral", "import", str(f), code=1)
    assert "line 2, date_of_birth: two-digit year" in r.stderr
    f.write_text("")
    r = cli("referral", "import", str(f), code=1)
    assert "empty" in r.stderr


def test_reimport_links_to_same_child_and_reference_fills_in(cli, tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("first_name,last_name,date_of_birth,referral_date\n"
                 "Jo,O'Brien,01/02/2013,01/02/2025\n")
    cli("referral", "import", str(f))
    cli("referral", "decline", "1", "--reason", "other")  # one open referral per child (issue 13)
    g = tmp_path / "b.csv"
    # New referral date, apostrophe and case differ, and now a council reference.
    g.write_text("reference,first_name,last_name,date_of_birth,referral_date\n"
                 "R-77,JO,OBrien,2013-02-01,01/06/2026\n")
    r = cli("referral", "import", str(g))
    assert "1 linked to existing" in r.stderr
    rows = cli.json("referral", "list")
    assert len(rows) == 2
    assert {r["young_person_id"] for r in rows} == {rows[0]["young_person_id"]}
    assert {r["reference"] for r in rows} == {"R-77"}


def test_same_child_twice_in_one_file_is_one_person(cli, tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("reference,first_name,last_name,date_of_birth,referral_date\n"
                 ",Sam,Ng,01/02/2013,01/02/2025\n"
                 "X1,Sam,Ng,01/02/2013,01/03/2025\n"
                 "X1,SAM,Ng,01/02/2013,01/04/2025\n"
                 ",Sam,Ng,01/02/2013,01/02/2025\n")
    r = cli("referral", "import", str(f))
    # One open referral per child (issue 13): the first is added, the same again unchanged,
    # the two later dates are already open.
    assert "Added 1 referral(s); 1 unchanged" in r.stderr
    assert "Already open (not added): 2" in r.stderr
    assert "line 3: the young person already has open referral 1" in r.stderr
    rows = cli.json("referral", "list")
    assert len({r["young_person_id"] for r in rows}) == 1


# --- One referral -----------------------------------------------------------------------------

def test_add_without_terminal_names_missing_flags(cli, db_path):
    r = cli("referral", "add", "--first-name", "Amy", code=2)
    assert "--last-name" in r.stderr and "--date-of-birth" in r.stderr
    assert not db_path.exists()
    r = cli("--no-input", "referral", "add", code=2)
    assert "--first-name" in r.stderr


def test_add_links_and_warns_about_near_miss(cli):
    assert add(cli).stdout.strip() == "1"
    cli("referral", "decline", "1", "--reason", "other")  # one open referral per child (issue 13)
    r = add(cli, "Amy", "Lee", "2014-02-01", "--referral-date", "01/01/2025")
    assert "an existing young person" in r.stderr
    r = add(cli, "Amelia", "Lee", "01/02/2014")
    assert "Possible duplicate: young person 1" in r.stderr
    assert "Amy" not in r.stderr
    people = {row["young_person_id"] for row in cli.json("referral", "list")}
    assert people == {1, 2}
    add(cli, code=1)  # the same referral date again is refused


def test_add_rejects_bad_values_and_writes_nothing(cli, db_path):
    r = add(cli, "Amy", "Lee", "01/13/2014", "--consent", "maybe", "--referrer-role", "x",
            code=1)
    assert "date_of_birth: there is no month 13" in r.stderr
    assert "consent: not one of yes, no, not_now, best_interest" in r.stderr
    assert "referrer_role" in r.stderr
    assert not db_path.exists()  # a failed write leaves no new database behind


def test_accept_needs_core_criteria(cli):
    add(cli, "Amy", "Lee", ago(10), "--consent", "no", "--long-term-care-plan", "yes",
        "--carer-support", "yes")
    r = cli("referral", "accept", "1", code=1)
    assert "consent" in r.stderr
    assert "--consent yes" in r.stderr
    assert cli.json("referral", "show", "1")["status"] == "received"
    cli("referral", "update", "1", "--consent", "yes")
    r = cli("referral", "accept", "1")
    assert "no additional best-interest criterion" in r.stderr
    shown = cli.json("referral", "show", "1")
    assert shown["status"] == "accepted"
    assert shown["decision_date"] == date.today().isoformat()
    cli("referral", "accept", "1", code=1)  # not twice


@pytest.mark.parametrize(
    ("age_years", "care_leaver", "disability", "ok"),
    [
        (4, "no", "no", False),
        (5, "no", "no", True),
        (17, "no", "no", True),
        (18, "no", "no", False),
        (20, "yes", "no", True),
        (21, "yes", "no", False),
        (24, "yes", "yes", True),
        (25, "yes", "yes", False),
    ],
)
def test_accept_checks_age_limits(cli, age_years, care_leaver, disability, ok):
    add(cli, "Amy", "Lee", ago(age_years, 1), "--care-leaver", care_leaver, "--disability",
        disability, "--consent", "y", "--long-term-care-plan", "y", "--carer-support", "y",
        "--social-isolation", "y", "--pathway-plan", "y")
    r = cli("referral", "accept", "1", code=0 if ok else 1)
    if not ok:
        assert "eligible" in r.stderr or "minimum" in r.stderr


def test_age_limits_are_settings(cli):
    add(cli, "Amy", "Lee", ago(4, 1), "--consent", "y", "--long-term-care-plan", "y",
        "--carer-support", "y")
    cli("referral", "accept", "1", code=1)
    cli("settings", "set", "eligibility.min_age", "3")
    cli("referral", "accept", "1")
    r = cli("settings", "set", "eligibility.min_age", "three", code=1)
    assert "takes a int" in r.stderr or "whole" in r.stderr or "int" in r.stderr


def test_decline_and_withdraw_need_reasons(cli):
    add(cli)
    add(cli, "Bo", "Ray", "01/01/2012")
    r = cli("referral", "decline", "1", code=2)
    assert "--reason" in r.stderr
    cli("referral", "decline", "1", "--reason", "no_consent", "--note", "Not the right time")
    shown = cli.json("referral", "show", "1")
    assert (shown["status"], shown["reason_code"], shown["decision_reason"]) == (
        "declined", "no_consent", "Not the right time")
    cli("referral", "withdraw", "1", "--reason", "moved_away", code=1)
    cli("referral", "withdraw", "2", "--reason", "Moved away")
    assert cli.json("referral", "list", "--status", "withdrawn")[0]["id"] == 2
    cli("referral", "show", "99", code=1)


# --- Safe output ------------------------------------------------------------------------------

def test_markup_and_escapes_print_literally(cli):
    add(cli, "Jo [/]", "[red]x[/red]", "01/02/2014", "--notes", "a\x1b[31mred\u202egnp")
    table = cli("referral", "list").stdout
    assert "Jo [/]" in table
    assert "[red]x[/red]" in table
    shown = cli("referral", "show", "1").stdout
    assert "\x1b" not in shown and "\u202e" not in shown
    assert "\\x1b[31mred\\u202egnp" in shown
    raw = cli("referral", "show", "1", "--format", "json").stdout
    assert "\x1b" not in raw and "\u202e" not in raw
    data = json.loads(raw)
    assert data["first_name"] == "Jo [/]"
    assert data["notes"] == "a\x1b[31mred\u202egnp"


def test_csv_output_neutralises_formulas(cli):
    add(cli, "=HYPERLINK(\"http://x\")", "+Lee", "01/02/2014", "--notes", "@SUM(A1)")
    out = cli("referral", "list", "--format", "csv").stdout
    assert "'=HYPERLINK" in out
    assert ",'+Lee," in out
    lines = out.splitlines()
    assert lines[0] == ("id,young_person_id,status,reason_code,referral_date,reference,first_name,"
                        "last_name,date_of_birth")


@pytest.mark.parametrize("today", [date(2026, 11, 30), date(2021, 6, 15)])
def test_fast_path_agrees_with_the_full_check(today):
    """The validator's fast path (values already seen in valid rows) gives exactly what the
    full check gives, row by row, problems included; an earlier ``today`` makes many learned
    dates future ones, and edited rows reuse learned values to break one rule each."""
    from ivcli.demo import HEADER, referral_rows
    from ivcli.referrals.rows import RowValidator

    positions = {h: i for i, h in enumerate(HEADER)}
    rows = [list(r) for r in referral_rows(3000, seed=7)]
    col = positions.__getitem__
    edited = []
    for i, r in enumerate(rows[:600]):
        e = list(r)
        kind = i % 6
        if kind == 0:  # referred before birth, with learned dates
            e[col("referral_date")], e[col("date_of_birth")] = r[col("date_of_birth")], \
                r[col("referral_date")]
        elif kind == 1:
            e[col("area")] = "North\nside"
        elif kind == 2:
            e[col("ethnicity")] = "x" * 201
        elif kind == 3:
            e[col("notes")] = "n" * 10_001
        elif kind == 4:
            e[col("consent")] = "maybe"
        else:
            e = e[:10]  # a short row: the missing cells read as blank
        edited.append(e)
    warm = RowValidator(today, positions)
    for line, cells in enumerate(rows + edited + rows, start=2):
        fast = warm(line, list(cells))
        full = RowValidator(today, positions)(line, list(cells))
        assert fast == full, line


@pytest.mark.slow
def test_import_starts_without_the_orm(db_path):
    """``referral import`` writes with SQL on a Core connection: neither the ORM nor the models
    (and pydantic) are imported, which keeps it near its target (benchmarks/bench_import.py)."""
    from tests.conftest import run_noting_imports

    code, _, stderr, heavy = run_noting_imports("--db", str(db_path), "referral", "import",
                                                 str(DATA / "excel_25.csv"), "--quiet")
    assert code == 0, stderr
    assert counts(db_path) == (25, 25)
    assert heavy == []


def index_sql(db_path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                            "AND sql IS NOT NULL ORDER BY name").fetchall()
    finally:
        conn.close()


def test_big_load_builds_the_same_indexes_again_or_rolls_back(cli, db_path, tmp_path):
    """A load bigger than the tables drops their secondary indexes for the insert and builds
    them again: the schema after is the schema before; an error part-way restores them."""
    from ivcli import db
    from ivcli.demo import write_referrals_csv
    from ivcli.referrals import intake

    add(cli)  # creates the database with one young person and referral
    schema = index_sql(db_path)
    assert any(name == "ix_referrals_status" for name, _ in schema)
    big = write_referrals_csv(tmp_path / "big.csv", intake.BATCH + 500, seed=3)
    statements: list[str] = []
    with pytest.raises(RuntimeError), db.writer(db_path, command="test") as conn:
        db.dbapi(conn).set_trace_callback(statements.append)
        intake.import_csv(conn, big, today=date.today())
        assert any(s.startswith("DROP INDEX") for s in statements)  # a big load
        inside = db.dbapi(conn).execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "ORDER BY name").fetchall()
        assert inside == schema  # built again within the transaction
        raise RuntimeError("stop after the load")
    assert index_sql(db_path) == schema
    assert counts(db_path) == (1, 1)
    cli("referral", "import", str(big), "--quiet")
    assert index_sql(db_path) == schema
    assert counts(db_path)[1] == 1 + intake.BATCH + 500
    cli("check")



def test_reimport_of_a_big_file_keeps_the_indexes(cli, db_path, tmp_path):
    """Indexes are deferred by the rows really new: the same big file again adds nothing, so
    nothing is dropped or built again."""
    from ivcli import db
    from ivcli.demo import write_referrals_csv
    from ivcli.referrals import intake

    big = write_referrals_csv(tmp_path / "big.csv", intake.BATCH + 500, seed=3)
    cli("referral", "import", str(big), "--quiet")
    statements: list[str] = []
    with db.writer(db_path, command="test") as conn:
        db.dbapi(conn).set_trace_callback(statements.append)
        report = intake.import_csv(conn, big, today=date.today())
    assert report.result.added == 0 and report.result.unchanged == intake.BATCH + 500
    assert not any(s.startswith(("DROP INDEX", "CREATE INDEX ix_")) for s in statements)
