"""Required training courses (issue 14 point 7): the setting training.required, approval,
`volunteer due`, `ivcli today`, visits by a volunteer whose course lapsed, the old single
training date as the induction course, migration 016, and volunteers approved before it."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest

from ivcli.parsing import add_years
from tests.conftest import file_sha256, vet_fully
from tests.visits_helpers import (
    TODAY,
    add_checks,
    add_match,
    add_trainings,
    add_volunteer,
    add_young_person,
    days_ago,
    log,
)

DAY = "10/01/2025"
YES = {"long_term_care_plan": "yes", "consent": "yes", "carer_support": "yes"}
ALL_STEPS = ["application", "interview", "reference", "reference", "dbs", "panel"]


def add(cli, first: str = "Ann") -> int:
    return int(cli("volunteer", "add", "--first-name", first, "--last-name", "Smith",
                   "--date-of-birth", "01/02/1980", "--application-date", "01/01/2025").stdout)


def vetted_without_safeguarding(cli, first: str = "Ann") -> int:
    """Every step passed and declared, with only the induction course (the training step)."""
    vid = add(cli, first)
    ok = ("--outcome", "satisfactory")
    for step, extra in (
        ("interview", ok), ("reference", (*ok, "--number", "1")),
        ("reference", (*ok, "--number", "2")),
        ("dbs", ("--number", "001234567890", "--level", "enhanced_barred", "--outcome", "clear")),
        ("training", ()), ("panel", ("--decision", "approve")),
    ):
        cli("volunteer", "check", str(vid), step, "--date", DAY, *extra)
    cli("volunteer", "declare", str(vid), "--la-children-services", "no", "--date", DAY)
    return vid


def approved_volunteer(db_path, *, courses: list[tuple[str, date]], first: str = "Jo",
                       dbs: date | None = None) -> int:
    """An approved volunteer with every step recorded (a current DBS) and ``courses``."""
    vol = add_volunteer(db_path, first=first)
    add_checks(db_path, vol, [(s, days_ago(400 + i)) for i, s in enumerate(ALL_STEPS)
                              if s != "dbs"]
               + [("dbs", dbs or days_ago(100))])
    add_trainings(db_path, vol, courses)
    return vol


def kinds(cli, kind: str, *args: str) -> list[dict]:
    return [i for i in cli.json("today", *args) if i["kind"] == kind]


# --- The setting -------------------------------------------------------------------------------


def new_database(cli) -> None:
    cli("settings", "set", "checks.warn_days", "60")


def test_the_default_is_induction_once_and_safeguarding_every_three_years(cli):
    new_database(cli)
    [row] = [s for s in cli.json("settings", "list") if s["key"] == "training.required"]
    assert row["value"] == row["default"] == "induction, safeguarding=3"


def test_the_setting_is_kept_in_one_form(cli):
    cli("settings", "set", "training.required", " Induction ; Safeguarding Level 2 = 2;")
    [row] = [s for s in cli.json("settings", "list") if s["key"] == "training.required"]
    assert row["value"] == "induction, safeguarding_level_2=2"


@pytest.mark.parametrize("value, words", [
    ("induction, Induction", "names induction twice"),
    ("safeguarding=0", "whole number of years"),
    ("safeguarding=three", "whole number of years"),
    ("safeguarding=2.5", "whole number of years"),
    ("safeguarding=51", "from 1 to 50"),
    ("=3", "has no course name"),
])
def test_a_badly_written_setting_is_refused(cli, db_path, value, words):
    new_database(cli)
    before = file_sha256(db_path)
    r = cli("settings", "set", "training.required", value, code=1)
    assert words in r.stderr
    assert file_sha256(db_path) == before


def test_a_refresh_period_shorter_than_the_warning_window_is_refused(cli, db_path):
    cli("settings", "set", "checks.warn_days", "400")  # fine: 3 years is 1095 days
    before = file_sha256(db_path)
    r = cli("settings", "set", "training.required", "induction, safeguarding=1", code=1)
    assert "checks.warn_days (400)" in r.stderr and "safeguarding=1" in r.stderr
    assert file_sha256(db_path) == before
    cli("settings", "set", "checks.warn_days", "60")
    cli("settings", "set", "training.required", "induction, safeguarding=1")
    r = cli("settings", "set", "checks.warn_days", "365", code=1)
    assert "training.required" in r.stderr


# --- Approval ----------------------------------------------------------------------------------


def test_approval_needs_each_required_course_naming_the_missing_one(cli, db_path):
    vid = vetted_without_safeguarding(cli)
    before = file_sha256(db_path)
    r = cli("volunteer", "approve", str(vid), code=1)
    assert "safeguarding training: not recorded" in r.stderr
    assert "induction" not in r.stderr  # the training step recorded it
    assert "volunteer training" in r.stderr  # the hint says how
    assert file_sha256(db_path) == before
    assert cli.json("volunteer", "show", str(vid))["status"] == "in_checks"
    cli("volunteer", "training", str(vid), "--course", "Safeguarding", "--date", DAY)
    # Recording the course brings them to the panel's decision (their status follows).
    assert cli.json("volunteer", "show", str(vid))["status"] == "ready_for_panel"
    cli("volunteer", "approve", str(vid))
    assert cli.json("volunteer", "show", str(vid))["matchable"] is True


def test_approval_refuses_a_lapsed_course_naming_it(cli):
    vid = vetted_without_safeguarding(cli)
    cli("volunteer", "training", str(vid), "--course", "safeguarding", "--date", "09/01/2021")
    r = cli("volunteer", "approve", str(vid), code=1)
    assert "safeguarding training: lapsed on 2024-01-09" in r.stderr
    cli("volunteer", "training", str(vid), "--course", "safeguarding", "--date", DAY)
    cli("volunteer", "approve", str(vid))


def test_the_courses_are_the_schemes_own(cli):
    cli("settings", "set", "training.required", "induction, first aid=2")
    vid = vetted_without_safeguarding(cli)
    r = cli("volunteer", "approve", str(vid), code=1)
    assert "first_aid training: not recorded" in r.stderr
    assert "safeguarding" not in r.stderr
    cli("volunteer", "training", str(vid), "--course", "First Aid", "--date", DAY)
    cli("volunteer", "approve", str(vid))
    shown = cli.json("volunteer", "show", str(vid))
    assert shown["training_expires"] == "2027-01-10"  # first aid, 2 years on
    assert [s["step"] for s in shown["steps"]][-3:] == [
        "induction training", "first_aid training", "approval panel"]


def test_no_course_required(cli):
    cli("settings", "set", "training.required", "")
    vid = add(cli)
    ok = ("--outcome", "satisfactory")
    for step, extra in (
        ("interview", ok), ("reference", (*ok, "--number", "1")),
        ("reference", (*ok, "--number", "2")),
        ("dbs", ("--number", "001234567890", "--level", "enhanced_barred", "--outcome", "clear")),
        ("panel", ("--decision", "approve")),
    ):
        cli("volunteer", "check", str(vid), step, "--date", DAY, *extra)
    cli("volunteer", "declare", str(vid), "--la-children-services", "no", "--date", DAY)
    cli("volunteer", "approve", str(vid))


def test_vet_fully_gives_both_courses(cli):
    vid = add(cli)
    vet_fully(cli, vid, DAY)
    cli("volunteer", "approve", str(vid))
    shown = cli.json("volunteer", "show", str(vid))
    assert sorted(t["course"] for t in shown["trainings"]) == ["induction", "safeguarding"]
    assert shown["training_date"] == "2025-01-10"


# --- volunteer due and ivcli today ---------------------------------------------------------------


def test_a_course_due_for_refresh_within_the_window_is_due(cli, db_path):
    taken = add_years(TODAY + timedelta(days=30), -3)  # safeguarding lapses in 30 days
    vol = approved_volunteer(db_path, courses=[("induction", days_ago(2000)),
                                               ("safeguarding", taken)])
    [row] = cli.json("volunteer", "due")
    assert (row["volunteer_id"], row["step"], row["state"], row["days_left"]) == (
        vol, "safeguarding training", "lapsing", 30)
    assert row["expires"] == (TODAY + timedelta(days=30)).isoformat()
    assert row["matchable"] is True
    assert cli.json("volunteer", "due", "--within", "10") == []
    [item] = kinds(cli, "check_lapsing")
    assert item["id"] == vol and item["days"] == 30
    assert "safeguarding training lapses on" in item["summary"]
    later = (TODAY + timedelta(days=31)).isoformat()
    [lapsed] = cli.json("volunteer", "due", "--as-of", later)
    assert (lapsed["state"], lapsed["matchable"]) == ("lapsed", False)
    [item] = kinds(cli, "check_lapsing", "--as-of", later)
    assert "safeguarding training lapsed on" in item["summary"]
    assert "not matchable" in item["summary"]
    # The induction course is done once: it never lapses.
    assert all("induction" not in r["step"] for r in
               cli.json("volunteer", "due", "--within", "9000"))


def test_a_lapsed_course_stops_matching(cli, db_path):
    vol = approved_volunteer(db_path, courses=[("induction", days_ago(2000)),
                                               ("safeguarding", days_ago(1200))])
    ref = add_young_person(cli, **YES)
    cli("referral", "accept", str(ref["id"]))
    r = cli("match", "propose", str(ref["young_person_id"]), str(vol), code=1)
    assert "safeguarding training lapsed on" in r.stderr
    assert cli.json("volunteer", "list")[0]["matchable"] is False


def test_an_approved_volunteer_missing_a_course_is_due_and_still_matchable(cli, db_path):
    vol = approved_volunteer(db_path, courses=[("induction", days_ago(400))])
    [row] = cli.json("volunteer", "due")
    assert (row["volunteer_id"], row["step"], row["state"]) == (
        vol, "safeguarding training", "missing")
    assert (row["expires"], row["days_left"], row["matchable"]) == (None, None, True)
    assert "Missing" in cli("volunteer", "due").stdout  # the state's label
    cli("volunteer", "due", "--format", "csv")
    [item] = kinds(cli, "check_lapsing")
    assert item["id"] == vol and item["days"] == 0
    assert "safeguarding training not recorded" in item["summary"]
    assert f"ivcli volunteer training {vol} --course safeguarding" in item["summary"]
    shown = cli.json("volunteer", "show", str(vol))
    assert shown["matchable"] is True
    assert "safeguarding training: not recorded" in shown["outstanding"]
    # A volunteer still in the pipeline is not "due" a course: approval will ask for it.
    add_volunteer(db_path, first="Pip", status="in_checks")
    assert [r["volunteer_id"] for r in cli.json("volunteer", "due")] == [vol]
    cli("volunteer", "training", str(vol), "--course", "safeguarding")
    assert cli.json("volunteer", "due") == []
    assert kinds(cli, "check_lapsing") == []


def test_suggestions_mention_a_missing_course(cli, db_path):
    vol = approved_volunteer(db_path, courses=[("induction", days_ago(400))])
    ref = add_young_person(cli, **YES)
    cli("referral", "accept", str(ref["id"]))
    [s] = cli.json("match", "suggest", str(ref["young_person_id"]))
    assert s["volunteer_id"] == vol
    assert "safeguarding training not recorded (due)" in str(s)


def test_the_monthly_report_counts_a_lapsed_course(cli, db_path):
    from ivcli import db
    from ivcli.reports import aggregates

    approved_volunteer(db_path, courses=[("induction", days_ago(2000)),
                                         ("safeguarding", days_ago(1200))])
    approved_volunteer(db_path, first="Al", courses=[("induction", days_ago(10))])
    with db.reader(db_path) as conn:
        assert aggregates._checks(conn, TODAY) == (0, 1)  # a course never done is not lapsed


# --- Visits by a volunteer whose course lapsed -------------------------------------------------


def test_a_visit_after_a_required_course_lapsed_is_uncleared(cli, db_path):
    taken = days_ago(3 * 365 + 20)
    vol = approved_volunteer(db_path, courses=[("induction", days_ago(2000)),
                                               ("safeguarding", taken)])
    ref = add_young_person(cli)
    m = add_match(db_path, ref["young_person_id"], volunteer_id=vol, start=days_ago(1200))
    result = log(cli, m, days_ago(5))
    assert "was not cleared" in result.stderr
    assert f"safeguarding training lapsed on {add_years(taken, 3).isoformat()}" in result.stderr
    [item] = kinds(cli, "uncleared_visit")
    assert "safeguarding training" in item["summary"]
    # before it lapsed: no warning
    assert "not cleared" not in log(cli, m, add_years(taken, 3) - timedelta(days=1),
                                    activity="zoo").stderr


def test_a_visit_by_a_volunteer_missing_a_course_is_not_uncleared(cli, db_path):
    vol = approved_volunteer(db_path, courses=[("induction", days_ago(400))])
    ref = add_young_person(cli)
    m = add_match(db_path, ref["young_person_id"], volunteer_id=vol, start=days_ago(100))
    assert "not cleared" not in log(cli, m, days_ago(5)).stderr
    assert kinds(cli, "uncleared_visit") == []


# --- The single training date of old -----------------------------------------------------------


def test_the_training_step_records_the_induction_course(cli, db_path):
    vid = add(cli)
    r = cli("volunteer", "check", str(vid), "training", "--date", DAY)
    assert "recorded training on 2025-01-10" in r.stderr
    again = cli("volunteer", "check", str(vid), "training", "--date", DAY)
    assert "already recorded" in again.stderr
    shown = cli.json("volunteer", "show", str(vid))
    assert [(t["course"], t["date"]) for t in shown["trainings"]] == [("induction", "2025-01-10")]
    assert "training" not in [c["step"] for c in shown["checks"]]
    assert shown["training_date"] == "2025-01-10"
    cli("volunteer", "check", str(vid), "training", "--date", "01/01/2099", code=1)
    cli("volunteer", "check", str(vid), "training", "--date", "01/01/1970", code=1)  # before birth
    cli("volunteer", "check", "99", "training", "--date", DAY, code=1)


def test_a_csv_training_date_records_the_induction_course(cli, tmp_path):
    f = tmp_path / "v.csv"
    f.write_text("first_name,last_name,date_of_birth,application_date,training_date\n"
                 "Ann,Smith,01/02/1980,01/01/2025,05/01/2025\n")
    r = cli("volunteer", "import", str(f))
    assert "2 step record(s)" in r.stderr  # the application and the course
    shown = cli.json("volunteer", "show", "1")
    assert [(t["course"], t["date"]) for t in shown["trainings"]] == [("induction", "2025-01-05")]
    assert shown["training_date"] == "2025-01-05"
    r = cli("volunteer", "import", str(f))
    assert "Added 0 volunteer(s) and 0 step record(s)" in r.stderr
    assert len(cli.json("volunteer", "show", "1")["trainings"]) == 1


def test_a_sheet_with_a_panel_date_approves_without_the_courses_it_lacks(cli, tmp_path):
    """The sheet records an approval made before ivcli held the volunteer: the course it does
    not give is then due, not a bar (docs/volunteers.md)."""
    cli("volunteer", "add", "--first-name", "Ann", "--last-name", "Smith", "--date-of-birth",
        "01/02/1980", "--application-date", "01/01/2025")
    cli("volunteer", "declare", "1", "--la-children-services", "no", "--date", "01/01/2025")
    f = tmp_path / "v.csv"
    f.write_text("first_name,last_name,date_of_birth,application_date,interview_date,"
                 "reference_1_date,reference_2_date,dbs_number,dbs_issue_date,dbs_level,"
                 "dbs_outcome,training_date,panel_date\n"
                 "Ann,Smith,01/02/1980,01/01/2025,02/01/2025,03/01/2025,03/01/2025,"
                 "001234567890,04/01/2025,enhanced_barred,clear,05/01/2025,06/01/2025\n")
    r = cli("volunteer", "import", str(f))
    assert "Approved on their panel date: 1" in r.stderr
    assert [r["state"] for r in cli.json("volunteer", "due")] == ["missing"]


# --- Migration 016 -----------------------------------------------------------------------------


def _database_before_016(path):
    from ivcli import migrations

    conn = sqlite3.connect(path)
    conn.execute("BEGIN")
    conn.execute("CREATE TABLE schema_migrations (seq INTEGER PRIMARY KEY, name TEXT NOT NULL "
                 "UNIQUE, applied_at DATETIME NOT NULL)")
    for name, fn in migrations.MIGRATIONS:
        if name >= "016":
            break
        fn(conn)
        conn.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, 'x')",
                     (name,))
    return conn


def test_migration_016_copies_each_training_check_as_induction(tmp_path):
    from ivcli.migrations import MIGRATIONS

    conn = _database_before_016(tmp_path / "old.db")
    stamp = "2024-01-01T00:00:00+00:00"
    for vid in (1, 2):
        conn.execute("INSERT INTO volunteers (id, first_name, last_name, name_key, "
                     "date_of_birth, status, created_at, updated_at) VALUES (?, 'A', 'B', "
                     "'a|b', '1980-01-01', 'approved', ?, ?)", (vid, stamp, stamp))
    for vid, day in ((1, "2021-05-01"), (1, "2024-05-01"), (2, "2023-02-02")):
        conn.execute("INSERT INTO volunteer_checks (volunteer_id, step, date, created_at) "
                     "VALUES (?, 'training', ?, ?)", (vid, day, stamp))
    conn.execute("INSERT INTO volunteer_trainings (volunteer_id, course, date, created_at) "
                 "VALUES (2, 'induction', '2023-02-02', ?)", (stamp,))  # held already
    conn.execute("INSERT INTO settings (key, value) VALUES ('training.valid_years', '2')")
    migrate = dict(MIGRATIONS)["016_training_courses"]
    migrate(conn)
    migrate(conn)  # idempotent
    assert conn.execute("SELECT volunteer_id, course, date FROM volunteer_trainings "
                        "ORDER BY volunteer_id, date").fetchall() == [
        (1, "induction", "2021-05-01"), (1, "induction", "2024-05-01"),
        (2, "induction", "2023-02-02")]
    assert conn.execute("SELECT count(*) FROM volunteer_checks WHERE step = 'training'"
                        ).fetchone() == (3,)  # kept, as history
    assert dict(conn.execute("SELECT key, value FROM settings").fetchall()) == {
        "training.required": "induction, safeguarding=2"}


def test_a_volunteer_approved_before_016_stays_matchable_and_is_due_safeguarding(tmp_path):
    from ivcli import db
    from ivcli.volunteers import compliance

    path = tmp_path / "old.db"
    conn = _database_before_016(path)
    stamp = "2024-01-01T00:00:00+00:00"
    conn.execute("INSERT INTO volunteers (id, first_name, last_name, name_key, date_of_birth, "
                 "status, approved_date, created_at, updated_at) VALUES (1, 'A', 'B', 'a|b', "
                 "'1980-01-01', 'approved', ?, ?, ?)", (days_ago(300).isoformat(), stamp, stamp))
    for i, step in enumerate([*ALL_STEPS, "training"]):
        conn.execute("INSERT INTO volunteer_checks (volunteer_id, step, date, level, outcome, "
                     "created_at) VALUES (1, ?, ?, ?, ?, ?)", (
                         step, days_ago(320 + i).isoformat(),
                         "enhanced_barred" if step == "dbs" else None,
                         {"dbs": "clear", "interview": "satisfactory",
                          "reference": "satisfactory", "panel": "approve"}.get(step), stamp))
    conn.commit()
    conn.close()
    db.prepare(path, write=True)
    with db.reader(path) as conn:
        assert compliance.matchable_ids(conn, TODAY) == {1}
        [due] = compliance.due(conn, TODAY, 60)
    assert (due.volunteer_id, due.label, due.state, due.matchable) == (
        1, "safeguarding training", "missing", True)


# --- volunteer add asks the voluntary monitoring questions -------------------------------------


def test_volunteer_add_asks_the_monitoring_questions_each_skippable(cli, monkeypatch):
    from tests.test_profiles import DOWN, ENTER, answer, keyboard

    monkeypatch.setattr("ivcli.prompts.can_prompt", lambda no_input: not no_input)
    person = (answer("Ann") + answer("Smith") + answer("01/02/1980") + answer("01/01/2025")
              + ENTER + answer("") + answer("") + answer("") + answer("") + answer(""))
    # ethnicity typed (a bad answer first: too long), faith skipped, disability prefer not
    keys = (person + DOWN + DOWN + ENTER + answer("x" * 201) + answer("Black British")
            + ENTER + DOWN + DOWN + DOWN + ENTER)
    with keyboard(keys):
        r = cli("volunteer", "add")
    shown = cli.json("volunteer", "show", r.stdout.strip())
    assert (shown["ethnicity"], shown["faith"], shown["disability"]) == (
        "Black British", None, "prefer_not_to_say")
    # Given as flags, they are not asked again; all skipped records nothing.
    with keyboard(person.replace(answer("Ann"), answer("Bo"), 1) + ENTER + ENTER):
        r = cli("volunteer", "add", "--disability", "yes")
    shown = cli.json("volunteer", "show", r.stdout.strip())
    assert (shown["ethnicity"], shown["faith"], shown["disability"]) == (None, None, "yes")
    # The input ending before the questions are answered adds nobody (exit 2).
    with keyboard(person.replace(answer("Ann"), answer("Cy"), 1) + ENTER):
        cli("volunteer", "add", code=2)
    assert len(cli.json("volunteer", "list")) == 2
