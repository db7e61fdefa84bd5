"""Who the volunteers are and how they leave (#14 points 8 and 9): voluntary monitoring
fields, the profile's culture_faith and personality, the capacity limit, and `volunteer leave`."""

from __future__ import annotations

import json

import pytest

from tests.conftest import file_sha256, vet_fully
from tests.test_independence import waiting

DAY = "10/01/2025"


def add(cli, *extra: str) -> int:
    r = cli("volunteer", "add", "--first-name", "Ann", "--last-name", "Smith",
            "--date-of-birth", "01/02/1980", "--application-date", "01/01/2025", *extra)
    return int(r.stdout.strip())


def shown(cli, vid: int) -> dict:
    return cli.json("volunteer", "show", str(vid))


# --- Leaving -------------------------------------------------------------------------------------


def test_leave_records_the_reason_note_and_exit_interview(cli):
    vid = add(cli)
    r = cli("volunteer", "leave", str(vid), "--reason", "moved", "--note", "To Cardiff",
            "--exit-interview", "05/02/2025", "--date", "01/02/2025")
    assert "has left (moved)" in r.stderr
    v = shown(cli, vid)
    assert (v["status"], v["status_reason"], v["status_date"]) == ("left", "moved", "2025-02-01")
    assert (v["leave_reason"], v["leave_note"], v["exit_interview_date"]) == (
        "moved", "To Cardiff", "2025-02-05")
    r = cli("volunteer", "leave", str(vid), "--reason", "time", code=1)
    assert "already left" in r.stderr


def test_leave_is_refused_while_a_match_is_open_naming_it(cli, db_path):
    vid = add(cli)
    vet_fully(cli, vid, DAY)
    cli("volunteer", "approve", str(vid))
    cli("match", "propose", str(waiting(cli)), str(vid))
    (match,) = cli.json("match", "list")
    cli("match", "accept", str(match["id"]))
    cli("match", "start", str(match["id"]))
    before = file_sha256(db_path)
    r = cli("volunteer", "leave", str(vid), "--reason", "health", code=1)
    assert f"still has open match(es): {match['id']}" in r.stderr
    assert f"match end {match['id']}" in r.stderr
    assert file_sha256(db_path) == before
    cli("match", "end", str(match["id"]), "--reason", "volunteer_left")
    cli("volunteer", "leave", str(vid), "--reason", "health")
    assert shown(cli, vid)["status"] == "left"


def test_leave_refusals(cli, db_path):
    vid = add(cli)
    before = file_sha256(db_path)
    cli("volunteer", "leave", str(vid), "--reason", "bored", code=1)  # not a reason
    assert "--reason" in cli("volunteer", "leave", str(vid), code=2).stderr
    r = cli("volunteer", "leave", str(vid), "--reason", "work", "--exit-interview",
            "01/01/2099", code=1)
    assert "exit interview" in r.stderr
    cli("volunteer", "leave", str(vid), "--reason", "work", "--date", "01/01/2099", code=1)
    cli("volunteer", "leave", str(vid), "--reason", "work", "--note", "x" * 2_001, code=1)
    assert "there is no volunteer 7" in cli("volunteer", "leave", "7", "--reason", "work",
                                            code=1).stderr
    assert file_sha256(db_path) == before


# --- Monitoring ----------------------------------------------------------------------------------


def test_monitoring_fields_through_add_with_prefer_not_to_say(cli):
    vid = add(cli, "--ethnicity", "Prefer not to say", "--faith", "Sikh", "--disability",
              "prefer-not-to-say")
    v = shown(cli, vid)
    assert (v["ethnicity"], v["faith"], v["disability"]) == (
        "prefer_not_to_say", "Sikh", "prefer_not_to_say")
    r = cli("volunteer", "add", "--first-name", "Bo", "--last-name", "Smith", "--date-of-birth",
            "01/02/1980", "--disability", "sometimes", code=1)
    assert "disability" in r.stderr


def test_monitoring_fields_through_import_by_their_synonyms(cli, tmp_path):
    f = tmp_path / "v.csv"
    f.write_text("first_name,last_name,date_of_birth,application_date,Ethnic group,Religion,"
                 "Disabled\nAnn,Smith,01/02/1980,01/01/2025,White British,prefer not to say,"
                 "No\nBo,Jones,01/02/1981,01/01/2025,,,perhaps\n")
    r = cli("volunteer", "import", str(f), code=1)
    assert "line 3, disability: not one of yes, no, prefer_not_to_say" in r.stderr
    f.write_text(f.read_text().replace("perhaps", "yes"))
    cli("volunteer", "import", str(f))
    assert [(v["ethnicity"], v["faith"], v["disability"]) for v in (shown(cli, 1), shown(cli, 2))
            ] == [("WBRI", "prefer_not_to_say", "no"), (None, None, "yes")]  # mapped (issue 16)


def test_monitoring_fields_are_in_the_spec_for_update_and_kept_on_erasure():
    from ivcli.specs import VOLUNTEER, VOLUNTEER_MONITORING

    for name in VOLUNTEER_MONITORING:
        f = VOLUNTEER[name]
        assert f.input and f.updatable and f.personal and f.erase == "keep", name


# --- Profile -------------------------------------------------------------------------------------


def profile(cli, tmp_path, vid: int, data: dict, code: int = 0):
    f = tmp_path / "p.json"
    f.write_text(json.dumps(data))
    return cli("volunteer", "profile", str(vid), "--from-json", str(f), code=code)


def test_the_profile_takes_culture_faith_and_personality(cli, tmp_path):
    vid = add(cli)
    profile(cli, tmp_path, vid, {"culture_faith": "Polish, Catholic",
                                 "personality": "  calm   and patient "})
    v = shown(cli, vid)
    assert (v["culture_faith"], v["personality"]) == ("Polish, Catholic", "calm and patient")
    r = profile(cli, tmp_path, vid, {"personality": 5}, code=1)
    assert "personality: not text" in r.stderr


@pytest.mark.parametrize("capacity", [3, 10])
def test_capacity_above_the_setting_is_refused(cli, tmp_path, capacity):
    vid = add(cli)
    profile(cli, tmp_path, vid, {"capacity": 2})
    r = profile(cli, tmp_path, vid, {"capacity": capacity}, code=1)
    assert "volunteer.max_capacity" in r.stderr and "siblings" in r.stderr
    assert shown(cli, vid)["capacity"] == 2
    cli("settings", "set", "volunteer.max_capacity", str(capacity))
    profile(cli, tmp_path, vid, {"capacity": capacity})
    assert shown(cli, vid)["capacity"] == capacity
    cli("settings", "set", "volunteer.max_capacity", "0", code=1)
