"""Vetting as decisions, not dates (#14 points 1 and 2): reference and interview outcomes, the
panel's decision, the DBS level and outcome, the risk assessment of a disclosure, and what
`volunteer show` says of them."""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import file_sha256, vet_fully

DAY = "10/01/2025"


def add(cli, first: str = "Ann") -> int:
    r = cli("volunteer", "add", "--first-name", first, "--last-name", "Smith",
            "--date-of-birth", "01/02/1980", "--application-date", "01/01/2025")
    return int(r.stdout.strip())


def check(cli, vid: int, step: str, *extra: str, code: int = 0, on: str = DAY):
    return cli("volunteer", "check", str(vid), step, "--date", on, *extra, code=code)


def shown(cli, vid: int) -> dict:
    return cli.json("volunteer", "show", str(vid))


# --- Acceptance: an unsatisfactory reference -----------------------------------------------------


def test_every_date_but_an_unsatisfactory_reference_cannot_be_approved(cli):
    vid = add(cli)
    vet_fully(cli, vid, DAY)
    r = check(cli, vid, "reference", "--number", "2", "--outcome", "unsatisfactory",
              on="11/01/2025")
    assert "Status: not_approved" in r.stderr and "stopped" in r.stderr
    v = shown(cli, vid)
    assert v["status"] == "not_approved"
    assert v["status_reason"] == "reference 2 (2025-01-11) was unsatisfactory"
    assert v["status_date"] == "2025-01-11"
    r = cli("volunteer", "approve", str(vid), code=1)
    assert "reference 2 (2025-01-11) was unsatisfactory" in r.stderr
    assert shown(cli, vid)["approved_date"] is None
    assert cli.json("volunteer", "list", "--status", "not_approved")[0]["id"] == vid


def test_correcting_the_outcome_lifts_the_stop(cli):
    vid = add(cli)
    vet_fully(cli, vid, DAY)
    check(cli, vid, "reference", "--number", "1", "--outcome", "unsatisfactory")
    assert shown(cli, vid)["status"] == "not_approved"
    r = check(cli, vid, "reference", "--number", "1", "--outcome", "satisfactory")
    assert "corrected (outcome)" in r.stderr
    v = shown(cli, vid)
    assert (v["status"], v["status_reason"]) == ("ready_for_panel", None)
    assert [c["outcome"] for c in v["checks"] if c["step"] == "reference"] == [
        "satisfactory", "satisfactory"]  # corrected in place, not a third record
    cli("volunteer", "approve", str(vid))


def test_the_same_day_reference_without_a_number_says_how_to_correct(cli):
    vid = add(cli)
    check(cli, vid, "reference", "--outcome", "satisfactory")
    r = check(cli, vid, "reference", "--outcome", "unsatisfactory", code=1)
    assert "--number 2" in r.stderr and "--number 1" in r.stderr


@pytest.mark.parametrize(("step", "extra", "reason"), [
    ("interview", ("--outcome", "unsatisfactory"), "the interview (2025-01-10) was unsatisfactory"),
    ("panel", ("--decision", "decline"), "the approval panel (2025-01-10) declined"),
])
def test_an_unsatisfactory_interview_or_a_panel_decline_stops_the_pipeline(cli, step, extra,
                                                                            reason):
    vid = add(cli)
    check(cli, vid, step, *extra)
    v = shown(cli, vid)
    assert (v["status"], v["status_reason"]) == ("not_approved", reason)
    assert reason in v["outstanding"]


def test_a_deferred_panel_is_not_an_approval_and_not_a_stop(cli):
    vid = add(cli)
    vet_fully(cli, vid, DAY)
    check(cli, vid, "panel", "--decision", "defer", "--note", "wants a second reference",
          on="11/01/2025")
    assert shown(cli, vid)["status"] == "ready_for_panel"
    r = cli("volunteer", "approve", str(vid), code=1)
    assert "approval panel (2025-01-11): deferred" in r.stderr
    check(cli, vid, "panel", "--decision", "approve", on="12/01/2025")
    cli("volunteer", "approve", str(vid))


def test_a_stop_on_an_approved_volunteer_warns_of_their_open_matches(cli, db_path):
    from tests.test_independence import waiting

    vid = add(cli)
    vet_fully(cli, vid, DAY)
    cli("volunteer", "approve", str(vid))
    cli("match", "propose", str(waiting(cli)), str(vid))
    r = check(cli, vid, "interview", "--outcome", "unsatisfactory", on="12/01/2025")
    assert "open match(es): 1" in r.stderr
    v = shown(cli, vid)
    assert (v["status"], v["matchable"]) == ("not_approved", False)


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("step", "option"), [
    ("reference", "--outcome"), ("interview", "--outcome"), ("panel", "--decision")])
def test_a_date_alone_is_not_a_decision(cli, db_path, step, option):
    """Without a terminal a missing outcome is exit 2 naming the option; the service refuses a
    step without its decision whoever calls it."""
    from datetime import date

    from ivcli import db
    from ivcli.errors import InvalidInput
    from ivcli.volunteers import enrolment

    vid = add(cli)
    before = file_sha256(db_path)
    assert option in check(cli, vid, step, code=2).stderr
    assert file_sha256(db_path) == before
    with db.writer(db_path) as conn, pytest.raises(InvalidInput, match=f"needs its .*{option}"):
        enrolment.record_check(conn, vid, step, date(2025, 1, 10), today=date.today())


@pytest.mark.parametrize(("step", "extra", "words"), [
    ("reference", ("--outcome", "fine"), "one of satisfactory, unsatisfactory"),
    ("reference", ("--outcome", "satisfactory", "--decision", "approve"), "does not apply"),
    ("panel", ("--decision", "approve", "--outcome", "satisfactory"), "does not apply"),
    ("training", ("--note", "x"), "does not apply"),
    ("dbs", ("--number", "001234567890", "--outcome", "satisfactory"), "not a DBS outcome"),
])
def test_a_step_without_its_decision_or_with_a_wrong_one_is_refused(cli, db_path, step, extra,
                                                                     words):
    vid = add(cli)
    before = file_sha256(db_path)
    r = check(cli, vid, step, *extra, code=1)
    assert words in r.stderr
    assert file_sha256(db_path) == before


def test_a_panel_decision_not_in_the_list_is_exit_1(cli):
    vid = add(cli)
    check(cli, vid, "panel", "--decision", "maybe", code=1)


# --- DBS -----------------------------------------------------------------------------------------


def test_an_enhanced_dbs_without_the_barred_list_blocks_approval(cli):
    vid = add(cli)
    vet_fully(cli, vid, DAY)
    check(cli, vid, "dbs", "--number", "001234567890", "--level", "enhanced")
    r = cli("volunteer", "approve", str(vid), code=1)
    assert "is enhanced: enhanced_barred" in r.stderr
    assert "vetting.required_dbs_level" in r.stderr
    # A scheme that needs no more than enhanced says so in a setting.
    cli("settings", "set", "vetting.required_dbs_level", "enhanced")
    cli("volunteer", "approve", str(vid))


def test_the_dbs_level_setting_takes_only_the_two_levels(cli):
    cli("settings", "set", "vetting.required_dbs_level", "basic", code=1)


def test_a_dbs_without_level_or_outcome_blocks_approval(cli):
    vid = add(cli)
    vet_fully(cli, vid, DAY)
    check(cli, vid, "dbs", "--number", "009999999999", on="11/01/2025")
    r = cli("volunteer", "approve", str(vid), code=1)
    assert "level not recorded" in r.stderr and "outcome not recorded" in r.stderr


def test_information_disclosed_blocks_until_a_proceed_risk_assessment(cli):
    vid = add(cli)
    vet_fully(cli, vid, DAY)
    check(cli, vid, "dbs", "--number", "001234567890", "--outcome", "information_disclosed")
    r = cli("volunteer", "approve", str(vid), code=1)
    assert "information disclosed; a risk assessment" in r.stderr
    r = cli("volunteer", "risk-assessment", str(vid), "--decision", "proceed", "--by",
            "Sam Lead, scheme manager", "--date", "12/01/2025", "--note",
            "Assessed with the DSL; not relevant to the role")
    assert "recorded the risk assessment (proceed)" in r.stderr
    v = shown(cli, vid)
    assert {"step": "risk_assessment", "date": "2025-01-12", "outcome": "proceed",
            "expires": None} in v["checks"]
    assert any(e["event"] == "risk_assessment" and "by Sam Lead" in e["detail"]
               for e in v["timeline"])
    cli("volunteer", "approve", str(vid))


def test_a_declined_risk_assessment_stops_the_pipeline(cli):
    vid = add(cli)
    vet_fully(cli, vid, DAY)
    check(cli, vid, "dbs", "--number", "001234567890", "--outcome", "information_disclosed")
    cli("volunteer", "risk-assessment", str(vid), "--decision", "decline", "--by", "Sam",
        "--date", "12/01/2025", "--note", "Not suitable for one-to-one work")
    v = shown(cli, vid)
    assert v["status"] == "not_approved"
    assert "risk assessment (2025-01-12)" in v["status_reason"]
    cli("volunteer", "approve", str(vid), code=1)


def test_a_risk_assessment_before_the_disclosure_does_not_count(cli):
    vid = add(cli)
    vet_fully(cli, vid, DAY)
    check(cli, vid, "dbs", "--number", "001234567890", "--outcome", "information_disclosed")
    cli("volunteer", "risk-assessment", str(vid), "--decision", "proceed", "--by", "Sam",
        "--date", DAY, "--note", "ok")
    # A newer certificate with a disclosure needs its own assessment.
    check(cli, vid, "dbs", "--number", "001234567891", "--level", "enhanced_barred",
          "--outcome", "information_disclosed", on="11/01/2025")
    r = cli("volunteer", "approve", str(vid), code=1)
    assert "a risk assessment deciding to proceed is needed" in r.stderr


def test_risk_assessment_refusals(cli, db_path):
    vid = add(cli)
    vet_fully(cli, vid, DAY)  # a clear certificate: nothing to assess
    before = file_sha256(db_path)
    args = ("--decision", "proceed", "--by", "Sam", "--note", "n", "--date", DAY)
    r = cli("volunteer", "risk-assessment", str(vid), *args, code=1)
    assert "no DBS certificate with information disclosed" in r.stderr
    assert "there is no volunteer 99" in cli("volunteer", "risk-assessment", "99", *args,
                                             code=1).stderr
    cli("volunteer", "risk-assessment", str(vid), "--decision", "maybe", "--by", "Sam",
        "--note", "n", code=1)
    r = cli("volunteer", "risk-assessment", str(vid), "--decision", "proceed", code=2)
    assert "--by" in r.stderr and "--note" in r.stderr
    cli("volunteer", "risk-assessment", str(vid), *args[:-2], "--date", "01/01/2099", code=1)
    assert file_sha256(db_path) == before


def test_the_certificate_content_has_nowhere_to_go(cli):
    """Only number, date, level, outcome and the decision are stored: `check dbs` takes no
    note, and the volunteer_checks columns are those."""
    vid = add(cli)
    check(cli, vid, "dbs", "--number", "001234567890", "--note", "conviction for ...", code=1)


# --- volunteer show --format json -----------------------------------------------------------------


def test_show_json_lists_every_check_with_its_outcome_and_expiry(cli):
    vid = add(cli)
    vet_fully(cli, vid, DAY, dbs_on="05/01/2025")
    checks = shown(cli, vid)["checks"]
    assert all(set(c) == {"step", "date", "outcome", "expires"} for c in checks)
    by_step = {c["step"]: c for c in checks}
    assert by_step["dbs"] == {"step": "dbs", "date": "2025-01-05", "outcome": "clear",
                              "expires": "2028-01-05"}
    assert "training" not in by_step  # the training step records a course: trainings
    assert [(t["course"], t["date"]) for t in shown(cli, vid)["trainings"]] == [
        ("induction", "2025-01-10"), ("safeguarding", "2025-01-10")]
    assert by_step["panel"]["outcome"] == "approve"
    assert by_step["application"] == {"step": "application", "date": "2025-01-01",
                                      "outcome": None, "expires": None}
    assert [c["step"] for c in checks].count("reference") == 2


# --- The dates held before -----------------------------------------------------------------------


def test_migration_011_takes_the_dates_held_before_as_satisfactory_and_approve():
    from ivcli.migrations import MIGRATIONS

    conn = sqlite3.connect(":memory:")
    for name, fn in MIGRATIONS:
        if name < "011":
            fn(conn)
    conn.execute("INSERT INTO volunteers (id, first_name, last_name, name_key, date_of_birth, "
                 "status, created_at, updated_at) VALUES (1, 'A', 'B', 'a|b', '1980-01-01', "
                 "'approved', 'x', 'x')")
    for i, step in enumerate(("application", "interview", "reference", "reference", "dbs",
                              "panel", "training"), start=1):
        conn.execute("INSERT INTO volunteer_checks (volunteer_id, step, date, number, "
                     "created_at) VALUES (1, ?, ?, ?, 'x')", (step, f"2024-01-{i:02d}", str(i)))
    dict(MIGRATIONS)["011_vetting_decisions"](conn)
    got = dict(conn.execute("SELECT step || number, outcome FROM volunteer_checks"))
    assert got == {"application1": None, "interview2": "satisfactory",
                   "reference3": "satisfactory", "reference4": "satisfactory", "dbs5": None,
                   "panel6": "approve", "training7": None}


def test_an_imported_sheet_records_passed_steps_and_its_dbs_outcome(cli, tmp_path):
    f = tmp_path / "v.csv"
    f.write_text("first_name,last_name,date_of_birth,application_date,interview_date,"
                 "dbs_number,dbs_issue_date,DBS Level,DBS Result\n"
                 "Ann,Smith,01/02/1980,01/01/2025,02/01/2025,001234567890,03/01/2025,"
                 "enhanced with barred list,Information disclosed\n")
    cli("volunteer", "import", str(f))
    checks = {c["step"]: c["outcome"] for c in shown(cli, 1)["checks"]}
    assert checks == {"application": None, "interview": "satisfactory",
                      "dbs": "information_disclosed"}
    assert shown(cli, 1)["dbs_level"] == "enhanced_barred"
    f.write_text("first_name,last_name,date_of_birth,application_date,dbs_outcome\n"
                 "Bo,Smith,01/02/1980,01/01/2025,clear\n")
    r = cli("volunteer", "import", str(f), code=1)
    assert "line 2, dbs_outcome: given without dbs_issue_date" in r.stderr
