"""Issue 13, points 1 and 2: correct any record (young person, volunteer, referral) and find
people by name without case, accents or punctuation."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from ivcli.parsing import name_key
from ivcli.specs import REFERRAL, VOLUNTEER, YOUNG_PERSON
from tests.conftest import file_sha256
from tests.test_matching import add_volunteer, add_young, suggest
from tests.visits_helpers import add_match


def audit_fields(db: Path, table: str, record: int) -> list[str | None]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute(
            "SELECT fields FROM audit_log WHERE table_name = ? AND record_id = ? "
            "AND action = 'update' ORDER BY id", (table, str(record)))]
    finally:
        conn.close()


def referral(cli, first="Zoë", last="Brontë", dob="01/02/2014", on="01/09/2025", **flags):
    args = ["--no-input", "referral", "add", "--first-name", first, "--last-name", last,
            "--date-of-birth", dob, "--referral-date", on]
    for key, value in flags.items():
        args += [f"--{key.replace('_', '-')}", value]
    return cli.json(*args)


def _options(app, command: str) -> set[str]:
    import typer.main

    group = typer.main.get_command(app)
    cmd = group.commands[command]  # type: ignore[attr-defined]
    return {o for p in cmd.params if p.param_type_name == "option" for o in p.opts}


# ---------------------------------------------------------------------------------------------
# The options come from the record specs


def test_update_options_are_the_specs_updatable_fields():
    from ivcli.cli import referral, volunteer, young_person

    # The spec's updatable fields, and the life events with their own rules (issue 13, point 4).
    life_events = {"--legal-status", "--date", "--reason", "--pathway-plan"}
    yp = _options(young_person.app, "update") - {"--help", "--format", "-f"}
    assert yp == {f.option for f in YOUNG_PERSON.fields if f.updatable} | life_events
    assert {"--first-name", "--date-of-birth", "--gender", "--reference", "--uasc",
            "--interpreter-language", "--placement-type", "--local-authority"} <= yp
    assert not any(f.updatable for f in YOUNG_PERSON.fields if f.name == "legal_status")
    vol = _options(volunteer.app, "update") - {"--help"}
    assert vol == {f.option for f in VOLUNTEER.fields if f.updatable}
    assert {"--gender", "--email", "--phone", "--area", "--coordinator"} <= vol
    # Every field of a referral can be corrected.
    ref = _options(referral.app, "update") - {"--help"}
    assert ref == {f.option for f in REFERRAL.inputs}


def test_volunteer_add_options_come_from_the_spec():
    from ivcli.cli import volunteer

    options = _options(volunteer.app, "add") - {"--help", "--format", "-f"}
    assert options == {f.option for f in VOLUNTEER.inputs if f.cli}


# ---------------------------------------------------------------------------------------------
# Volunteers


def test_a_volunteer_given_a_gender_is_matched_with_a_child_who_asked_for_a_woman(cli, db_path):
    """Acceptance: added without a gender, then `volunteer update ID --gender female`."""
    yp = add_young(db_path, profile={"iv_gender": "female", "interests": ["art"]})
    vol = add_volunteer(db_path, gender=None, profile={"interests": ["art"]})
    assert [r["volunteer_id"] for r in suggest(cli, str(yp))] == []
    result = cli("volunteer", "update", str(vol), "--gender", "Female")
    assert "gender" in result.stderr
    rows = suggest(cli, str(yp))
    assert [r["volunteer_id"] for r in rows] == [vol]
    assert "a woman, as the young person asked" in rows[0]["reasons"]
    assert audit_fields(db_path, "volunteers", vol)[-1].removesuffix(",updated_at") == "gender"


def test_volunteer_update_checks_values_as_add_does(cli, db_path):
    vid = int(cli("--no-input", "volunteer", "add", "--first-name", "Jo", "--last-name",
                  "Bloggs", "--date-of-birth", "05/05/1980",
                  "--application-date", "01/01/2026").stdout)
    before = file_sha256(db_path)
    bad = cli("volunteer", "update", str(vid), "--email", "not-an-email", "--phone", "abc",
              "--first-name", " ", code=1)
    assert "email: not an email address" in bad.stderr
    assert "phone: not a phone number" in bad.stderr
    assert "first_name: is required" in bad.stderr
    # Under 18 on the application date: the rule of 'volunteer add'.
    young = cli("volunteer", "update", str(vid), "--date-of-birth", "01/06/2010", code=1)
    assert "volunteer.min_age" in young.stderr
    assert file_sha256(db_path) == before
    cli("volunteer", "update", "99", "--gender", "male", code=1)
    cli("--no-input", "volunteer", "update", str(vid), code=2)
    cli("volunteer", "update", str(vid), "--first-name", "Joë", "--email", "jo@example.org")
    shown = cli.json("volunteer", "show", str(vid))
    assert (shown["first_name"], shown["email"]) == ("Joë", "jo@example.org")
    assert set(audit_fields(db_path, "volunteers", vid)[-1].split(",")) - {"updated_at"} == {
        "first_name", "name_key", "email"}
    # The name key follows the name: found without the accent.
    found = cli.json("volunteer", "list", "--name", "JOE")
    assert [r["id"] for r in found] == [vid]
    unchanged = cli("volunteer", "update", str(vid), "--first-name", "Joë")
    assert "no change" in unchanged.stderr


# ---------------------------------------------------------------------------------------------
# Young people


def test_young_person_update_corrects_the_record_and_audits_the_fields(cli, db_path):
    added = referral(cli)
    yp = added["young_person_id"]
    result = cli("young-person", "update", str(yp), "--gender", "f", "--area", "North",
                 "--placement-type", "kinship", "--uasc", "yes", "--interpreter-language",
                 "Tigrinya", "--disability", "no", "--reference", "C-77", "--ethnicity", "x")
    assert "Updated young person" in result.stderr
    shown = cli.json("young-person", "show", str(yp))
    assert (shown["gender"], shown["area"], shown["placement_type"], shown["uasc"],
            shown["interpreter_language"], shown["reference"]) == (
        "female", "North", "kinship", True, "Tigrinya", "C-77")
    # Two entries: the correction, then area and placement type with their dated history.
    corrected, placed = audit_fields(db_path, "young_people", yp)[-2:]
    assert "gender" in corrected and "Tigrinya" not in corrected + placed
    assert set(placed.split(",")) - {"updated_at"} == {"area", "placement_type"}
    cli("young-person", "update", str(yp), "--first-name", "Zoé", "--last-name", "Brontë-Smith")
    # Zoé folds as Zoë did: the first name's key is unchanged.
    assert set(audit_fields(db_path, "young_people", yp)[-1].split(",")) - {"updated_at"} == {
        "first_name", "last_name", "name_key", "last_key"}
    assert [r["id"] for r in cli.json("young-person", "list", "--name", "zoe smith")] == [yp]


def test_young_person_update_refuses_bad_values_and_writes_nothing(cli, db_path):
    yp = referral(cli)["young_person_id"]
    other = referral(cli, first="Amy", last="Lee", reference="R-1")["young_person_id"]
    before = file_sha256(db_path)
    bad = cli("young-person", "update", str(yp), "--date-of-birth", "31/02/2014",
              "--disability", "perhaps", "--first-name", "", code=1)
    assert "date_of_birth:" in bad.stderr and "disability: not yes or no" in bad.stderr
    assert "first_name: is required" in bad.stderr
    future = (date.today() + timedelta(days=3)).strftime("%d/%m/%Y")
    assert "is in the future" in cli("young-person", "update", str(yp), "--date-of-birth",
                                     future, code=1).stderr
    late = cli("young-person", "update", str(yp), "--date-of-birth", "01/01/2026", code=1)
    assert "after their referral" in late.stderr
    taken = cli("young-person", "update", str(yp), "--reference", "R-1", code=1)
    assert f"young person {other}" in taken.stderr
    assert "1.23457E+11" not in cli("young-person", "update", str(yp), "--reference",
                                    "1.23457E+11", code=1).stderr.split("like")[0]
    assert file_sha256(db_path) == before
    assert "there is no young person 99" in cli("young-person", "update", "99", "--gender",
                                                "male", code=1).stderr
    cli("--no-input", "young-person", "update", str(yp), code=2)
    for result in (bad, taken, late):
        assert "Zoë" not in result.stderr and "Brontë" not in result.stderr
        assert "Traceback" not in result.stderr


def test_referral_update_covers_every_referral_field(cli, db_path):
    added = referral(cli)
    rid = added["id"]
    cli("referral", "update", str(rid), "--referral-date", "02/09/2025", "--interests",
        "art; music", "--referrer-name", "S. Worker")
    shown = cli.json("referral", "show", str(rid))
    assert (shown["referral_date"], shown["interests"], shown["referrer_name"]) == (
        "2025-09-02", "art; music", "S. Worker")
    future = (date.today() + timedelta(days=2)).strftime("%d/%m/%Y")
    cli("referral", "update", str(rid), "--referral-date", future, code=1)
    assert "before the date of birth" in cli("referral", "update", str(rid), "--referral-date",
                                             "01/01/2014", code=1).stderr
    cli("referral", "withdraw", str(rid), "--reason", "moved away")  # one open at a time
    second = referral(cli, on="01/10/2025")
    clash = cli("referral", "update", str(second["id"]), "--referral-date", "02/09/2025", code=1)
    assert f"referral {rid}" in clash.stderr


def test_a_corrected_date_of_birth_that_breaks_eligibility_is_raised_on_today(cli, db_path):
    added = referral(cli, dob="01/02/2014")
    yp = added["young_person_id"]
    match = add_match(db_path, yp, referral_id=added["id"])
    kinds = [i["kind"] for i in cli.json("today")]
    assert "eligibility" not in kinds
    result = cli("young-person", "update", str(yp), "--date-of-birth", "01/02/2005")
    assert "Warning" in result.stderr and f"open match {match}" in result.stderr
    assert cli.json("young-person", "show", str(yp))["date_of_birth"] == "2005-02-01"
    items = [i for i in cli.json("today") if i["kind"] == "eligibility"]
    assert [i["id"] for i in items] == [yp]
    assert "eligibility.looked_after_max_age" in items[0]["summary"]
    assert items[0]["days"] == (date.today() - date(2023, 2, 1)).days
    assert "Zoë" not in items[0]["summary"]
    screen = cli("today").stdout
    assert "Outside the age limits of their legal status" in screen
    # Too young: an 8-year-old in a match.
    cli("young-person", "update", str(yp), "--date-of-birth",
        (date.today() - timedelta(days=365 * 3)).strftime("%d/%m/%Y"))
    young = [i for i in cli.json("today") if i["kind"] == "eligibility"]
    assert young[0]["days"] == 0 and "eligibility.min_age" in young[0]["summary"]


# ---------------------------------------------------------------------------------------------
# Finding people


@pytest.mark.parametrize("typed", ["zoe bronte", "ZOË", "bronte", "Brontë, Zoë", "zo bron"])
def test_young_person_list_finds_names_without_case_accents_or_punctuation(cli, db_path, typed):
    yp = referral(cli)["young_person_id"]
    referral(cli, first="Amy", last="O'Neill")
    assert [r["id"] for r in cli.json("young-person", "list", "--name", typed)] == [yp]


def test_young_person_list_json_and_status(cli, db_path):
    first = referral(cli)
    other = referral(cli, first="Amy", last="O’Neill", dob="05/05/2013")
    cli("referral", "withdraw", str(other["id"]), "--reason", "moved away")
    rows = cli.json("young-person", "list")
    assert rows == [
        {"id": first["young_person_id"], "first_name": "Zoë", "last_name": "Brontë",
         "date_of_birth": "2014-02-01", "legal_status": "looked_after", "status": "received"},
        {"id": other["young_person_id"], "first_name": "Amy", "last_name": "O’Neill",
         "date_of_birth": "2013-05-05", "legal_status": "looked_after", "status": None},
    ]
    assert [r["id"] for r in cli.json("young-person", "list", "--name", "oneill")] == [
        other["young_person_id"]]
    assert [r["id"] for r in cli.json("young-person", "list", "--status", "none")] == [
        other["young_person_id"]]
    assert [r["id"] for r in cli.json("young-person", "list", "--status", "received")] == [
        first["young_person_id"]]
    assert cli.json("young-person", "list", "--status", "accepted") == []
    assert "not one of" in cli("young-person", "list", "--status", "lost", code=1).stderr
    assert "letter or digit" in cli("young-person", "list", "--name", "%_", code=1).stderr
    csv_out = cli("young-person", "list", "--format", "csv").stdout.splitlines()
    assert csv_out[0] == "id,first_name,last_name,date_of_birth,legal_status,status"
    assert "Young people" in cli("young-person", "list").stdout


def test_young_person_show_json_keys(cli, db_path):
    yp = referral(cli, local_authority="Leeds", placement_type="foster")["young_person_id"]
    shown = cli.json("young-person", "show", str(yp))
    for key in ("id", "first_name", "last_name", "date_of_birth", "legal_status", "status",
                "gender", "area", "placement_type", "local_authority"):
        assert key in shown, key
    assert shown["legal_status_history"] == [] and shown["contacts"] == []
    assert shown["placement_type"] == "foster" and shown["status"] == "received"
    assert "legal_status_history" not in cli("young-person", "show", str(yp), "--format",
                                             "csv").stdout
    cli("young-person", "show", "99", code=1)


def test_volunteer_list_finds_names_without_accents(cli, db_path):
    vid = int(cli("--no-input", "volunteer", "add", "--first-name", "Renée", "--last-name",
                  "O'Hara", "--date-of-birth", "05/05/1980").stdout)
    cli("--no-input", "volunteer", "add", "--first-name", "Jo", "--last-name", "Bloggs",
        "--date-of-birth", "05/05/1981")
    assert [r["id"] for r in cli.json("volunteer", "list", "--name", "renee ohara")] == [vid]
    assert cli.json("volunteer", "list", "--name", "renee", "--status", "approved") == []
    assert "email" not in cli.json("volunteer", "list", "--name", "renee")[0]


def test_the_one_folding():
    assert name_key("Zoë Brontë") == name_key("zoe bronte") == "zoe bronte"
    assert name_key("  O’Brien-Smith ") == name_key("O'BRIEN  SMITH") == "obrien smith"
    assert name_key("J.R. Ñúñez") == "jr nunez"
    assert name_key("ﬁona") == "fiona"
    assert name_key("a|b") == "ab"  # the separator of the stored first|last key


def test_the_migration_folds_the_names_already_held(tmp_path):
    """A database of schema 007: keys folded the old way (accents kept) are folded again, and
    the pairs already held are kept as possible duplicates."""
    from ivcli import db, migrations

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (seq INTEGER PRIMARY KEY, name TEXT NOT NULL "
                 "UNIQUE, applied_at DATETIME NOT NULL)")
    for name, fn in migrations.MIGRATIONS[:7]:
        fn(conn)
        conn.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                     (name, db.now()))
    stamp = db.now()
    for first, last, ref in (("Zoë", "Brontë", "A"), ("Zoe", "Bronte", "B")):
        conn.execute(
            "INSERT INTO young_people (reference, first_name, last_name, name_key, first_key, "
            "last_key, date_of_birth, care_leaver, created_at, updated_at) VALUES "
            "(?, ?, ?, ?, ?, ?, '2014-02-01', 1, ?, ?)",
            (ref, first, last, f"{first.lower()}|{last.lower()}", first.lower(), last.lower(),
             stamp, stamp))
    conn.commit()
    conn.close()
    db.prepare(path, write=True)
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT DISTINCT name_key, legal_status FROM young_people"
                            ).fetchall() == [("zoe|bronte", "care_leaver")]
        assert conn.execute("SELECT young_person_id, other_id, reason FROM possible_duplicates"
                            ).fetchall() == [(2, 1, "same_name_and_date_of_birth")]
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.parametrize("args", [("young-person", "list", "--name", "amy"),
                                  ("young-person", "show", "1"),
                                  ("young-person", "duplicates"),
                                  ("young-person", "contact", "1", "list"),
                                  ("volunteer", "list", "--name", "jo")], ids=" ".join)
def test_the_new_read_commands_start_without_the_orm(cli, db_path, args):
    from tests.conftest import run_noting_imports

    referral(cli, first="Amy", last="Lee")
    code, _, err, heavy = run_noting_imports("--db", str(db_path), *args)
    assert code == 0, err
    assert heavy == []
