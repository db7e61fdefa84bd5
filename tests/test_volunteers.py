"""Volunteers through the CLI: the pipeline, approval, checks that lapse, import, privacy."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

DATA = FIXTURES / "volunteers"
EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "volunteers.csv"


def add(cli, first="Ann", last="Smith", dob="01/02/1980", applied="01/01/2021", *extra: str):
    r = cli("volunteer", "add", "--first-name", first, "--last-name", last, "--date-of-birth",
            dob, "--application-date", applied, *extra)
    return int(r.stdout.strip())


POOL_COLUMNS = (
    "first_name", "last_name", "date_of_birth", "email", "phone", "application_date",
    "interview_date", "reference_1_date", "reference_2_date", "dbs_number", "dbs_issue_date",
    "dbs_level", "dbs_outcome", "dbs_update_service", "dbs_status_check_date", "training_date",
    "panel_date",
)


def pool(cli, tmp_path: Path, *people: dict[str, str]) -> list[int]:
    """Volunteers with every step recorded (one import, so the tests stay quick): steps in
    January 2020, training 01/03/2024 (the induction course), and the DBS each person gives
    (enhanced_barred, clear); each then declares no link to the council's children's services
    and does the safeguarding course on their training date (neither is in a CSV), so
    `volunteer approve` approves them."""
    lines = [",".join(POOL_COLUMNS)]
    for i, person in enumerate(people):
        row = dict.fromkeys(POOL_COLUMNS, "") | {
            "first_name": f"Vol{i}", "last_name": "Test", "date_of_birth": "01/02/1980",
            "application_date": "01/01/2020", "interview_date": "10/01/2020",
            "reference_1_date": "10/01/2020", "reference_2_date": "10/01/2020",
            "dbs_number": "001234567890", "dbs_update_service": "no",
            "dbs_level": "enhanced_barred", "dbs_outcome": "clear",
            "training_date": "01/03/2024", "panel_date": "10/01/2020",
        } | person
        lines.append(",".join(row[c] for c in POOL_COLUMNS))
    f = tmp_path / "pool.csv"
    f.write_text("\n".join(lines) + "\n")
    before = len(cli.json("volunteer", "list")) if (tmp_path / "ivcli.db").exists() else 0
    cli("volunteer", "import", str(f))
    ids = [r["id"] for r in cli.json("volunteer", "list")][before:]
    for vid, person in zip(ids, people, strict=True):
        cli("volunteer", "declare", str(vid), "--la-children-services", "no", "--date",
            "01/01/2020")
        cli("volunteer", "training", str(vid), "--course", "safeguarding", "--date",
            person.get("training_date", "01/03/2024"))
    return ids


# --- Acceptance: approval ---------------------------------------------------------------------


def test_approve_without_dbs_names_dbs_then_approves_when_complete(cli):
    vid = add(cli)
    cli("volunteer", "check", str(vid), "interview", "--date", "10/01/2021", "--outcome",
        "satisfactory")
    cli("volunteer", "check", str(vid), "panel", "--date", "10/01/2021", "--decision",
        "approve")
    cli("volunteer", "check", str(vid), "training", "--date", "10/01/2024")
    cli("volunteer", "training", str(vid), "--course", "safeguarding", "--date", "10/01/2024")
    cli("volunteer", "check", str(vid), "reference", "--date", "10/01/2021", "--outcome",
        "satisfactory")
    cli("volunteer", "check", str(vid), "reference", "--date", "11/01/2021", "--outcome",
        "satisfactory")
    cli("volunteer", "declare", str(vid), "--la-children-services", "no", "--date",
        "10/01/2021")
    r = cli("volunteer", "approve", str(vid), code=1)
    assert "DBS" in r.stderr
    assert "interview" not in r.stderr  # only what is missing is listed
    assert cli.json("volunteer", "show", str(vid))["status"] == "in_checks"
    cli("volunteer", "check", str(vid), "dbs", "--date", "01/02/2024", "--number",
        "0012 3456 7890", "--level", "enhanced_barred", "--outcome", "clear")
    r = cli("volunteer", "approve", str(vid), "--date", "02/02/2024")
    assert "Approved volunteer" in r.stderr
    shown = cli.json("volunteer", "show", str(vid), "--as-of", "2024-03-01")
    assert shown["status"] == "approved"
    assert shown["approved_date"] == "2024-02-02"
    assert shown["dbs_number"] == "001234567890"
    assert shown["matchable"] is True


def test_approve_lists_every_missing_and_lapsed_step(cli):
    vid = add(cli)
    cli("volunteer", "check", str(vid), "training", "--date", "01/01/2021")  # induction: once
    cli("volunteer", "training", str(vid), "--course", "safeguarding", "--date", "01/01/2021")
    cli("volunteer", "check", str(vid), "reference", "--date", "10/01/2021", "--outcome",
        "satisfactory")
    r = cli("volunteer", "approve", str(vid), "--date", "01/06/2024", code=1)
    assert "induction" not in r.stderr
    for words in ("interview: not recorded", "only 1 of 2", "enhanced DBS check: not recorded",
                  "safeguarding training: lapsed on 2024-01-01",
                  "approval panel: not recorded"):
        assert words in r.stderr
    assert cli.json("volunteer", "list")[0]["status"] == "in_checks"


def test_status_follows_the_steps(cli):
    vid = add(cli)
    assert cli.json("volunteer", "show", str(vid))["status"] == "applicant"
    ok = ("--outcome", "satisfactory")
    cli("volunteer", "check", str(vid), "interview", "--date", "10/01/2021", *ok)
    assert cli.json("volunteer", "show", str(vid))["status"] == "in_checks"
    cli("volunteer", "check", str(vid), "reference", "--date", "10/01/2021", *ok)
    cli("volunteer", "check", str(vid), "reference", "--date", "12/01/2021", *ok)
    cli("volunteer", "check", str(vid), "dbs", "--date", "01/02/2025", "--number",
        "001234567890", "--level", "enhanced_barred", "--outcome", "clear")
    cli("volunteer", "declare", str(vid), "--la-children-services", "no")
    r = cli("volunteer", "check", str(vid), "training", "--date", "01/03/2025")
    assert "Status: in_checks" in r.stderr and "safeguarding training: not recorded" in r.stderr
    cli("volunteer", "training", str(vid), "--course", "safeguarding", "--date", "01/03/2025")
    r = cli("volunteer", "check", str(vid), "training", "--date", "01/03/2025")
    assert "Status: ready_for_panel" in r.stderr
    assert "Ready for the approval panel" in r.stderr
    assert "approve" in r.stderr


# --- Acceptance: checks that lapse ------------------------------------------------------------


AS_OF = date(2025, 6, 1)


def test_lapsed_dbs_is_due_and_not_matchable_lapsing_shows_days_left(cli, tmp_path):
    # A: DBS issued 3 years and 1 day before AS_OF.  B: DBS lapses 30 days after AS_OF.
    a, b, c = pool(cli, tmp_path, {"dbs_issue_date": "31/05/2022"},
                   {"dbs_issue_date": "01/07/2022"}, {"dbs_issue_date": "01/01/2025"})
    for vid in (a, b, c):
        cli("volunteer", "approve", str(vid), "--date", "02/03/2025")

    rows = cli.json("volunteer", "due", "--as-of", AS_OF.isoformat())
    assert [(r["volunteer_id"], r["step"], r["state"]) for r in rows] == [
        (a, "enhanced DBS check", "lapsed"),
        (b, "enhanced DBS check", "lapsing"),
    ]
    assert rows[0]["days_left"] == -1
    assert rows[0]["matchable"] is False
    assert rows[1]["days_left"] == 30
    assert rows[1]["expires"] == "2025-07-01"
    assert rows[1]["matchable"] is True
    table = cli("volunteer", "due", "--as-of", "01/06/2025").stdout
    assert "Lapsed" in table and "30" in table  # the table shows the state's label
    # A narrower window leaves out B; the lapsed one always shows.
    narrow = cli.json("volunteer", "due", "--as-of", "2025-06-01", "--within", "10")
    assert [r["volunteer_id"] for r in narrow] == [a]
    listed = {r["id"]: r for r in cli.json("volunteer", "list", "--as-of", "2025-06-01")}
    assert listed[a]["matchable"] is False and "lapsed" in listed[a]["outstanding"]
    assert listed[b]["matchable"] is True


def test_matchable_ids_agree_with_due(cli, db_path, tmp_path):
    a, b = pool(cli, tmp_path, {"dbs_issue_date": "31/05/2022"},
                {"dbs_issue_date": "01/07/2022"})
    for vid in (a, b):
        cli("volunteer", "approve", str(vid), "--date", "02/03/2024")
    from ivcli import db
    from ivcli.volunteers import compliance

    with db.reader(db_path) as conn:
        assert compliance.matchable_ids(conn, AS_OF) == {b}


def test_update_service_status_check_keeps_dbs_current(cli, tmp_path):
    (vid,) = pool(cli, tmp_path, {"dbs_issue_date": "01/06/2020", "dbs_update_service": "yes",
                                  "training_date": "01/01/2021"})
    cli("volunteer", "approve", str(vid), "--date", "02/01/2021")
    due = cli.json("volunteer", "due", "--as-of", "2023-06-01")
    assert [(d["step"], d["state"], d["days_left"]) for d in due] == [
        ("enhanced DBS check", "lapsed", 0)]
    cli("volunteer", "check", str(vid), "dbs_status_check", "--date", "01/05/2023")
    assert cli.json("volunteer", "due", "--as-of", "2023-06-01") == []
    assert cli.json("volunteer", "show", str(vid), "--as-of", "2023-06-01")[
        "dbs_expires"] == "2024-05-01"


def test_status_check_refused_when_not_on_update_service(cli, tmp_path):
    (vid,) = pool(cli, tmp_path, {"dbs_issue_date": "01/06/2020"})
    r = cli("volunteer", "check", str(vid), "dbs_status_check", "--date", "01/05/2022", code=1)
    assert "Update Service" in r.stderr


# --- Acceptance: age --------------------------------------------------------------------------


def test_seventeen_on_application_date_is_refused(cli):
    r = cli("volunteer", "add", "--first-name", "Kid", "--last-name", "Young",
            "--date-of-birth", "10/06/2007", "--application-date", "01/06/2025", code=1)
    assert "aged 17 on the application date" in r.stderr
    assert "18 or over" in r.stderr
    assert "2007" not in r.stderr  # the date of birth is not echoed
    assert "no database at" in cli("volunteer", "list", code=1).stderr  # none was left behind


def test_eighteen_on_application_date_is_accepted_and_setting_is_used(cli):
    add(cli, "Just", "Eighteen", "01/06/2007", "01/06/2025")
    cli("settings", "set", "volunteer.min_age", "21")
    r = cli("volunteer", "add", "--first-name", "Not", "--last-name", "TwentyOne",
            "--date-of-birth", "01/06/2005", "--application-date", "01/06/2025", code=1)
    assert "21 or over" in r.stderr


def test_same_volunteer_is_not_added_twice(cli):
    vid = add(cli)
    r = cli("volunteer", "add", "--first-name", "ann", "--last-name", " SMITH ",
            "--date-of-birth", "1980-02-01", "--application-date", "01/01/2021", code=1)
    assert f"volunteer {vid} is already held" in r.stderr


def test_add_without_terminal_names_missing_flags(cli):
    r = cli("volunteer", "add", "--first-name", "Ann", code=2)
    assert "--last-name" in r.stderr and "--date-of-birth" in r.stderr


def test_check_refuses_future_and_wrong_options(cli):
    vid = add(cli)
    ok = ("--outcome", "satisfactory")
    cli("volunteer", "check", str(vid), "interview", "--date", "01/01/2099", *ok, code=1)
    r = cli("volunteer", "check", str(vid), "interview", "--date", "01/01/2022", "--number",
            "3", *ok, code=1)
    assert "does not apply" in r.stderr
    r = cli("volunteer", "check", str(vid), "dbs", "--date", "01/01/2022", code=2)
    assert "--number" in r.stderr
    r = cli("volunteer", "check", str(vid), "dbs", "--date", "01/01/2022", "--number", "12",
            code=1)
    assert "12 digits" in r.stderr
    cli("volunteer", "check", "999", "interview", "--date", "01/01/2022", *ok, code=1)
    # Month-first is never guessed.
    cli("volunteer", "check", str(vid), "interview", "--date", "01/13/2022", *ok, code=1)


def test_recording_the_same_step_again_changes_nothing(cli):
    vid = add(cli)
    ok = ("--outcome", "satisfactory")
    cli("volunteer", "check", str(vid), "interview", "--date", "01/02/2022", *ok)
    r = cli("volunteer", "check", str(vid), "interview", "--date", "2022-02-01", *ok)
    assert "already recorded" in r.stderr
    timeline = cli.json("volunteer", "show", str(vid))["timeline"]
    assert [e["event"] for e in timeline] == ["application", "interview"]


# --- Status changes ---------------------------------------------------------------------------


def test_hold_resume_leave(cli, tmp_path):
    (vid,) = pool(cli, tmp_path, {"dbs_issue_date": "01/01/2025"})
    cli("volunteer", "approve", str(vid), "--date", "02/01/2025")
    cli("volunteer", "hold", str(vid), code=2)  # reason required without a terminal
    cli("volunteer", "hold", str(vid), "--reason", "Moving house", "--date", "01/02/2025")
    shown = cli.json("volunteer", "show", str(vid))
    assert (shown["status"], shown["status_reason"], shown["matchable"]) == (
        "on_hold", "Moving house", False)
    assert cli.json("volunteer", "list", "--status", "on_hold")[0]["id"] == vid
    cli("volunteer", "resume", str(vid))
    assert cli.json("volunteer", "show", str(vid))["status"] == "approved"
    r = cli("volunteer", "withdraw", str(vid), "--reason", "x", code=1)
    assert "leave" in r.stderr
    cli("volunteer", "leave", str(vid), "--reason", "work", "--note", "New job")
    assert cli.json("volunteer", "show", str(vid))["status"] == "left"
    cli("volunteer", "approve", str(vid), code=1)


def test_withdraw_before_approval(cli):
    vid = add(cli)
    cli("volunteer", "withdraw", str(vid), "--reason", "Changed mind")
    assert cli.json("volunteer", "list")[0]["status"] == "withdrawn"
    assert cli.json("volunteer", "due", "--within", "5000") == []


# --- Privacy ----------------------------------------------------------------------------------


def test_contact_details_only_in_show(cli, tmp_path):
    (vid,) = pool(cli, tmp_path, {"dbs_issue_date": "01/01/2021", "email": "ann@example.org",
                                  "phone": "07700 900123"})
    for fmt in ("table", "json", "csv"):
        for cmd in (("volunteer", "list"), ("volunteer", "due", "--within", "5000")):
            out = cli(*cmd, "--format", fmt).stdout
            assert "ann@example.org" not in out and "900123" not in out, (cmd, fmt)
            assert "001234567890" not in out  # nor the DBS number
    shown = cli.json("volunteer", "show", str(vid))
    assert shown["email"] == "ann@example.org" and shown["phone"] == "07700 900123"
    assert "ann@example.org" in cli("volunteer", "show", str(vid)).stdout


def test_errors_do_not_echo_personal_values(cli):
    r = cli("volunteer", "add", "--first-name", "Ann", "--last-name", "Smith",
            "--date-of-birth", "01/02/1980", "--email", "not-an-email-secret", code=1)
    assert "email" in r.stderr and "secret" not in r.stderr


# --- Import -----------------------------------------------------------------------------------


def test_import_twice_adds_nothing_the_second_time(cli):
    r = cli("volunteer", "import", str(EXAMPLE))
    assert "Added 3 volunteer(s)" in r.stderr
    # The sheet has no DBS level or outcome and no declarations: a panel date alone is not an
    # approval.
    assert "Approved on their panel date" not in r.stderr
    assert "Not approved despite a panel date" in r.stderr
    first = cli.json("volunteer", "list")
    r = cli("volunteer", "import", str(EXAMPLE))
    assert "Added 0 volunteer(s) and 0 step record(s); 3 volunteer(s) already held" in r.stderr
    assert cli.json("volunteer", "list") == first
    by_ref = {v["reference"]: v for v in first}
    # The sheet's training date is the induction course; safeguarding is not in it.
    assert by_ref["V-001"]["status"] == "in_checks"
    assert "safeguarding training: not recorded" in by_ref["V-001"]["outstanding"]
    assert "independence declaration: not recorded" in by_ref["V-001"]["outstanding"]
    assert by_ref["V-002"]["status"] == "in_checks"
    assert by_ref["V-003"]["status"] == "applicant"
    shown = cli.json("volunteer", "show", str(by_ref["V-001"]["id"]))
    # Two references on the same day are two references.
    assert shown["reference_1_date"] == shown["reference_2_date"] == "2025-02-03"
    assert shown["dbs_update_service"] is True
    assert shown["panel_date"] == "2025-03-20"
    assert [c["outcome"] for c in shown["checks"] if c["step"] in ("reference", "panel")] == [
        "satisfactory", "satisfactory", "approve"]  # a spreadsheet's dates: passed steps
    assert shown["interests"] == ["cooking", "cinema", "walking"]
    assert shown["languages"] == ["english", "gujarati"]


def test_reimport_of_updated_sheet_adds_only_new_steps(cli, tmp_path):
    cli("volunteer", "import", str(EXAMPLE))
    text = EXAMPLE.read_text().replace(
        "V-002,Tom,O'Neill,02/11/1979,M,tom@example.org,07700 900002,Leeds South,English,"
        "Football; gaming; fishing,01/04/2025,15/04/2025,28/04/2025,,",
        "V-002,Tom,O'Neill,02/11/1979,M,tom@example.org,07700 900002,Leeds South,English,"
        "Football; gaming; fishing,01/04/2025,15/04/2025,28/04/2025,05/05/2025,")
    updated = tmp_path / "later.csv"
    updated.write_text(text)
    r = cli("volunteer", "import", str(updated))
    assert "Added 0 volunteer(s) and 1 step record(s)" in r.stderr


def test_identity_without_reference_is_name_and_date_of_birth(cli, tmp_path):
    f = tmp_path / "v.csv"
    f.write_text("first_name,last_name,date_of_birth,application_date\n"
                 "Ann,Smith,01/02/1980,01/01/2025\n")
    cli("volunteer", "import", str(f))
    f.write_text("first_name,last_name,date_of_birth,application_date\n"
                 " ANN , smith,1980-02-01,01/01/2025\n")
    r = cli("volunteer", "import", str(f))
    assert "Added 0 volunteer(s)" in r.stderr
    assert len(cli.json("volunteer", "list")) == 1


def test_import_is_all_or_nothing_with_line_and_column(cli):
    r = cli("volunteer", "import", str(DATA / "bad.csv"), code=1)
    err = r.stderr
    assert "4 invalid row(s); nothing was imported" in err
    assert "line 3, date_of_birth: aged 17 on the application date" in err
    assert "line 4, date_of_birth: not a real date" in err
    assert "line 4, application_date: there is no month 13" in err
    assert "line 5, dbs_number: is required with dbs_issue_date" in err
    assert "line 6, first_name: is required" in err
    assert "line 6, dbs_number: not a DBS certificate number" in err
    assert "line 6, interview_date: is in the future" in err
    assert "Young" not in err and "2007" not in err
    assert "no database at" in cli("volunteer", "list", code=1).stderr  # none was left behind


def test_dry_run_writes_nothing(cli, db_path):
    r = cli("volunteer", "import", str(EXAMPLE), "--dry-run")
    assert "Dry run, nothing written: would add 3 volunteer(s)" in r.stderr
    assert not db_path.exists()
    cli("settings", "set", "checks.warn_days", "60")
    cli("volunteer", "import", str(EXAMPLE), "--dry-run")
    assert cli.json("volunteer", "list") == []


def test_cp1252_semicolons_and_synonyms(cli):
    r = cli("volunteer", "import", str(DATA / "cp1252-semicolon.csv"), code=1)
    assert "cp1252" in r.stderr
    cli("volunteer", "import", str(DATA / "cp1252-semicolon.csv"), "--encoding", "cp1252")
    row = cli.json("volunteer", "list")[0]
    assert (row["reference"], row["first_name"], row["last_name"]) == ("C-1", "Zoë", "Brûlé")


def test_map_option(cli, tmp_path):
    f = tmp_path / "v.csv"
    f.write_text("Volunteer Surname,first_name,date_of_birth,application_date,Odd\n"
                 "Smith,Ann,01/02/1980,01/01/2025,x\n")
    r = cli("volunteer", "import", str(f), code=1)
    assert "no column for last_name" in r.stderr
    r = cli("volunteer", "import", str(f), "--map", "Volunteer Surname=last_name")
    assert "Ignored columns (not stored): Odd" in r.stderr
    assert cli.json("volunteer", "list")[0]["last_name"] == "Smith"


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_show_and_list_formats(cli, fmt):
    cli("volunteer", "import", str(EXAMPLE))
    assert cli("volunteer", "show", "1", "--format", fmt).stdout
    assert cli("volunteer", "list", "--format", fmt).stdout
    assert cli("volunteer", "due", "--format", fmt, "--as-of", "2028-01-01").stdout


def test_large_pool_import_settles_every_status(cli, tmp_path):
    """Over 900 volunteers the statuses are settled from one read of every check."""
    rows = ["first_name,last_name,date_of_birth,application_date,interview_date"]
    rows += [f"F{i},L{i},01/01/1980,01/01/2025,{'02/01/2025' if i % 2 else ''}"
             for i in range(950)]
    f = tmp_path / "big.csv"
    f.write_text("\n".join(rows) + "\n")
    cli("volunteer", "import", str(f), "--quiet")
    statuses = [v["status"] for v in cli.json("volunteer", "list")]
    assert statuses.count("in_checks") == 475 and statuses.count("applicant") == 475


@pytest.mark.slow
def test_volunteer_import_starts_without_the_orm(tmp_path):
    """``volunteer import`` writes with SQL on a Core connection: neither the ORM nor the models
    are imported (benchmarks/bench_volunteers.py holds its time to the referral import's)."""
    from tests.conftest import run_noting_imports

    db = tmp_path / "v.db"
    csv_file = tmp_path / "pool.csv"
    csv_file.write_text(
        "first_name,last_name,date_of_birth,application_date\nVera,Tester,01/05/1990,"
        "01/01/2025\n", encoding="utf-8")
    code, _, stderr, heavy = run_noting_imports("--db", str(db), "volunteer", "import",
                                                 str(csv_file), "--quiet")
    assert code == 0, stderr
    assert "Added 1 volunteer(s)" in stderr
    assert heavy == []


def test_import_audits_each_volunteer_whose_status_it_sets(cli, tmp_path):
    """An import's inserts are range entries and every status it sets is an entry naming the
    volunteer (not a table-wide one); the trail still verifies."""
    from datetime import date as _date

    recent = _date.today().replace(day=1).strftime("%d/%m/%Y")
    ids = pool(cli, tmp_path, {"dbs_issue_date": recent}, {"dbs_issue_date": recent,
                                                            "panel_date": ""})
    entries = cli.json("audit", "--limit", "0")
    mine = [e for e in entries if e["command"] == "volunteer import"]
    assert {(e["table_name"], e["action"]) for e in mine} >= {
        ("volunteers", "insert"), ("volunteer_checks", "insert"), ("volunteers", "update")}
    inserts = [e for e in mine if (e["table_name"], e["action"]) == ("volunteers", "insert")]
    assert [(e["record_id"], e["record_to"]) for e in inserts] == [(str(ids[0]), str(ids[1]))]
    updates = {e["record_id"]: e["fields"] for e in mine if e["action"] == "update"}
    assert updates == {str(ids[0]): "status,updated_at", str(ids[1]): "status,updated_at"}
    # Declared (by ``pool``), the one with a panel date is approved by the same sheet again.
    r = cli("volunteer", "import", str(tmp_path / "pool.csv"))
    assert "Approved on their panel date: 1" in r.stderr
    entries = cli.json("audit", "--limit", "0")
    again = [e for e in entries if e["command"] == "volunteer import"][len(mine):]
    assert {e["record_id"]: e["fields"] for e in again if e["action"] == "update"} == {
        str(ids[0]): "approved_date,status,status_date,updated_at"}
    cli("check")
