"""Issue 13, point 4: legal status and life events, eligibility by legal status."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from tests.conftest import FIXTURES, file_sha256
from tests.test_matching import add_volunteer, add_young

TODAY = date.today()


def born_aged(years: int, days: int = 0) -> date:
    """Born so as to be ``years`` old today (and ``days`` more)."""
    try:
        d = TODAY.replace(year=TODAY.year - years)
    except ValueError:
        d = TODAY.replace(year=TODAY.year - years, day=28)
    return d - timedelta(days=days)


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def update(cli, yp: int, *args: str, code: int = 0):
    return cli("--no-input", "young-person", "update", str(yp), *args, code=code)


def test_a_ten_year_old_cannot_be_recorded_as_a_care_leaver(cli, db_path):
    yp = add_young(db_path, born=born_aged(10))
    before = file_sha256(db_path)
    r = update(cli, yp, "--legal-status", "care_leaver", "--date", TODAY.isoformat(), code=1)
    assert "cannot be recorded as a care leaver: aged 10" in r.stderr
    assert "a care leaver is 16 or over (rule care_leaver_min_age)" in r.stderr
    assert file_sha256(db_path) == before
    # Nor by a referral: the row is refused, naming the rule.
    r = cli("referral", "add", "--first-name", "Cy", "--last-name", "Dee", "--date-of-birth",
            born_aged(8).isoformat(), "--care-leaver", "yes", code=1)
    assert "care_leaver: aged 8" in r.stderr and "16 or over" in r.stderr


def test_an_eighteen_year_old_looked_after_child_is_proposed_only_as_a_care_leaver(cli,
                                                                                    db_path):
    yp = add_young(db_path, born=born_aged(18, 10), accepted=TODAY - timedelta(days=30))
    vol = add_volunteer(db_path, born=date(1980, 1, 1))
    before = file_sha256(db_path)
    r = cli("match", "propose", str(yp), str(vol), code=1)
    assert "aged 18" in r.stderr and "a looked-after child is eligible until 18" in r.stderr
    assert "setting eligibility.looked_after_max_age" in r.stderr
    assert f"young-person update {yp} --legal-status care_leaver" in r.stderr
    assert file_sha256(db_path) == before
    # Turning 18 while looked after is on today, as past the limit of their status.
    items = [i for i in cli.json("today") if i["kind"] == "eligibility"]
    assert [i["id"] for i in items] == [yp] and items[0]["days"] == 10
    r = update(cli, yp, "--legal-status", "care_leaver", "--date",
               (TODAY - timedelta(days=5)).isoformat())
    assert "legal status care_leaver" in r.stderr
    assert [i for i in cli.json("today") if i["kind"] == "eligibility"] == []
    m = cli.json("match", "propose", str(yp), str(vol))
    assert m["status"] == "proposed"
    shown = cli.json("young-person", "show", str(yp))
    assert shown["legal_status"] == "care_leaver" and shown["care_leaver"] is True
    assert shown["legal_status_history"] == [
        {"status": "care_leaver", "date": (TODAY - timedelta(days=5)).isoformat(),
         "reason": None}]


def test_turning_18_while_looked_after_shows_as_an_age_threshold(cli, db_path):
    yp = add_young(db_path, born=born_aged(18, -20))  # 18 in 20 days
    items = [i for i in cli.json("today") if i["kind"] == "age_threshold"]
    assert [(i["id"], i["days"]) for i in items] == [(yp, 20)]
    update(cli, yp, "--legal-status", "care_leaver", "--date", TODAY.isoformat())
    # A care leaver's limit is 21: no longer near one.
    assert [i for i in cli.json("today") if i["kind"] == "age_threshold"] == []


def test_start_checks_eligibility_on_the_start_date(cli, db_path):
    yp = add_young(db_path, born=born_aged(18, -3), accepted=TODAY - timedelta(days=30))
    vol = add_volunteer(db_path, born=date(1980, 1, 1))
    m = cli("match", "propose", str(yp), str(vol), "--date",
            (TODAY - timedelta(days=10)).isoformat()).stdout.strip()
    cli("match", "accept", m, "--date", (TODAY - timedelta(days=9)).isoformat())
    # By the start date they have turned 18: refused on that date, accepted a day before.
    cli("match", "start", m, "--date", (TODAY + timedelta(days=0)).isoformat())
    assert cli.json("match", "show", m)["status"] == "active"
    yp2 = add_young(db_path, born=born_aged(18, 1), accepted=TODAY - timedelta(days=30),
                    first_name="Zed")
    vol2 = add_volunteer(db_path, born=date(1980, 1, 1), first_name="Val")
    m2 = cli("match", "propose", str(yp2), str(vol2), "--date",
             (TODAY - timedelta(days=10)).isoformat()).stdout.strip()
    cli("match", "accept", m2, "--date", (TODAY - timedelta(days=9)).isoformat())
    r = cli("match", "start", m2, "--date", TODAY.isoformat(), code=1)
    assert "eligible until 18" in r.stderr
    assert cli.json("match", "show", m2)["status"] == "accepted"


def test_left_care_ends_the_active_match_and_closes_the_referral(cli, db_path):
    yp = add_young(db_path, born=born_aged(12), accepted=TODAY - timedelta(days=100))
    vol = add_volunteer(db_path, born=date(1980, 1, 1))
    m = cli("match", "propose", str(yp), str(vol), "--date",
            (TODAY - timedelta(days=90)).isoformat()).stdout.strip()
    cli("match", "accept", m, "--date", (TODAY - timedelta(days=89)).isoformat())
    cli("match", "start", m, "--date", (TODAY - timedelta(days=80)).isoformat())
    day = (TODAY - timedelta(days=2)).isoformat()
    r = update(cli, yp, "--legal-status", "left_care", "--date", day, code=1)
    assert "leaving care needs a reason: --reason returned_home|adoption|sgo|other" in r.stderr
    r = update(cli, yp, "--legal-status", "left_care", "--date", day, "--reason",
               "returned_home")
    assert f"Match {m} ended on {day} (left_care)." in r.stderr
    assert "Referral(s) closed: 1." in r.stderr
    shown = cli.json("match", "show", m)
    assert (shown["status"], shown["end_reason"], shown["end_date"]) == ("ended", "left_care",
                                                                        day)
    assert cli.json("referral", "show", "1")["status"] == "closed"
    assert rows(db_path, "SELECT status, date, reason FROM legal_status_history") == [
        ("left_care", day, "returned_home")]
    # Audited: which fields changed, never values.
    audited = rows(db_path, "SELECT table_name, fields FROM audit_log WHERE command = "
                   "'young-person update'")
    assert ("legal_status_history", None) in audited or any(
        t == "legal_status_history" for t, _ in audited)
    assert any(t == "young_people" and "legal_status" in (f or "") for t, f in audited)
    # Not eligible now, whatever the age.
    r = cli("match", "propose", str(yp), str(vol), code=1)
    assert "waiting list" in r.stderr or "left care" in r.stderr


def test_left_care_json_and_unknown_young_person(cli, db_path):
    yp = add_young(db_path, born=born_aged(12))
    out = cli.json("--no-input", "young-person", "update", str(yp), "--legal-status",
                   "left_care", "--reason", "adoption")
    assert out == {"id": yp, "legal_status": "left_care", "changed": [], "ended_matches": [],
                   "declined_matches": [], "closed_referrals": [1]}
    r = update(cli, 99, "--legal-status", "care_leaver", code=1)
    assert "there is no young person 99" in r.stderr and "Traceback" not in r.stderr
    r = update(cli, yp, "--legal-status", "looked_after", "--date",
               (TODAY + timedelta(days=1)).isoformat(), code=1)
    assert "after today" in r.stderr
    update(cli, yp, code=2)  # nothing to change


def test_a_second_referral_saying_care_leaver_is_not_dropped(cli, db_path, tmp_path):
    dob = born_aged(17).strftime("%d/%m/%Y")
    cli("referral", "add", "--first-name", "Ann", "--last-name", "Bee", "--date-of-birth", dob,
        "--referral-date", (TODAY - timedelta(days=300)).strftime("%d/%m/%Y"))
    cli("referral", "withdraw", "1", "--reason", "moved_away")
    f = tmp_path / "again.csv"
    f.write_text("first_name,last_name,date_of_birth,referral_date,care_leaver\n"
                 f"Ann,Bee,{dob},{TODAY.strftime('%d/%m/%Y')},yes\n", encoding="utf-8")
    r = cli("referral", "import", str(f))
    assert "Young person 1 is now recorded as a care leaver (line 2)." in r.stderr
    shown = cli.json("young-person", "show", "1")
    assert shown["legal_status"] == "care_leaver" and shown["care_leaver"] is True
    assert [h["date"] for h in shown["legal_status_history"]] == [TODAY.isoformat()]


def test_care_leaver_core_criteria_are_a_setting(cli, db_path):
    cli("referral", "add", "--first-name", "Ann", "--last-name", "Bee", "--date-of-birth",
        born_aged(19).isoformat(), "--care-leaver", "yes", "--consent", "yes")
    r = cli("referral", "accept", "1", code=1)
    assert "a care leaver's core criteria not recorded as yes: a pathway plan" in r.stderr
    assert "long_term_care_plan" not in r.stderr and "carer_support" not in r.stderr
    cli("settings", "set", "screening.care_leaver_core", "consent")
    cli("referral", "accept", "1")
    r = cli("settings", "set", "screening.care_leaver_core", "consent,cake", code=1)
    assert "comma-separated list" in r.stderr


def test_pathway_plan_from_young_person_update(cli, db_path):
    cli("referral", "add", "--first-name", "Ann", "--last-name", "Bee", "--date-of-birth",
        born_aged(19).isoformat(), "--care-leaver", "yes", "--consent", "yes")
    r = update(cli, 1, "--pathway-plan", "yes")
    assert "pathway plan on referral 1" in r.stderr
    assert cli.json("referral", "show", "1")["pathway_plan"] is True
    cli("referral", "accept", "1")


def test_area_and_placement_changes_keep_dated_history(cli, db_path):
    yp = add_young(db_path, born=born_aged(12), area="north")
    day = (TODAY - timedelta(days=3)).isoformat()
    r = update(cli, yp, "--area", "South", "--placement-type", "kinship", "--date", day)
    assert "area, placement_type from" in r.stderr
    assert rows(db_path, "SELECT field, value, date FROM placement_history ORDER BY id") == [
        ("area", "South", day), ("placement_type", "kinship", day)]
    assert rows(db_path, "SELECT area, placement_type FROM young_people") == [("South",
                                                                              "kinship")]


def test_migration_011_keeps_care_leavers_and_consent(cli, db_path):
    shutil.copy(FIXTURES / "safety" / "v001.db", db_path)
    old = rows(db_path, "SELECT id, care_leaver FROM young_people ORDER BY id")
    old_consent = rows(db_path, "SELECT id, consent FROM referrals ORDER BY id")
    cli("check")
    new = dict(rows(db_path, "SELECT id, legal_status FROM young_people"))
    for yp, leaver in old:
        assert new[yp] == ("care_leaver" if leaver == 1 else "looked_after")
    consent = dict(rows(db_path, "SELECT id, consent FROM referrals"))
    for ref, was in old_consent:
        assert consent[ref] == {1: "yes", 0: "no", None: None}[was]
    assert rows(db_path, "SELECT count(*) FROM legal_status_history") == [(0,)]
