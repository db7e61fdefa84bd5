"""Matching profiles for both sides: the questionnaire (driven by fed keystrokes), --from-json,
validation, the vocabulary, and the loaders matching uses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import pytest

from ivcli.vocab import INTERESTS

DOWN, SPACE, ENTER, CLEAR = "j", " ", "\r", "\x15"  # Ctrl-U clears a pre-filled answer


@contextmanager
def keyboard(keys: str) -> Iterator[None]:
    """Feed ``keys`` to questionary as a person would type them. The input is closed after the
    keys, so a question left unanswered fails at once instead of waiting for ever."""
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    with create_pipe_input() as inp:
        inp.send_text(keys)
        inp.close()
        with create_app_session(input=inp, output=DummyOutput()):
            yield


@pytest.fixture
def terminal(monkeypatch):
    """Pretend a person is at a terminal (CliRunner's streams are not terminals)."""
    import ivcli.prompts

    monkeypatch.setattr(ivcli.prompts, "can_prompt", lambda no_input: not no_input)


def tick(*tags: str, among=INTERESTS) -> str:
    """Keys for a checkbox: move down to each choice in turn and tick it, then enter."""
    keys, at = "", 0
    for index in sorted(among.index(t) for t in tags):
        keys += DOWN * (index - at) + SPACE
        at = index
    return keys + ENTER


def answer(text: str) -> str:
    return CLEAR + text + ENTER


def referral(cli, interests: str = "Football; drawing, swimmings") -> int:
    cli("--no-input", "referral", "add", "--first-name", "Amy", "--last-name", "Lee",
        "--date-of-birth", "01/02/2014", "--area", "Leeds North", "--interests", interests)
    return cli.json("referral", "list")[0]["young_person_id"]


def volunteer(cli) -> int:
    r = cli("--no-input", "volunteer", "add", "--first-name", "Ann", "--last-name", "Smith",
            "--date-of-birth", "01/02/1980", "--application-date", "01/01/2025",
            "--area", "Leeds South", "--gender", "F", "--interests", "cooking")
    return int(r.stdout)


# --- Acceptance: questionnaire ----------------------------------------------------------------


def test_young_person_questionnaire_by_keystrokes(cli, terminal):
    yp = referral(cli)
    keys = (
        tick("animals")  # football and drawing are already ticked from the referral
        + answer("kite flying; swimming")  # other interests (swimming is in the vocabulary)
        + answer("bowling; Cinema")  # activities
        + DOWN + ENTER  # visitor's gender: any -> female
        + answer("21") + answer("40")  # visitor's age range
        + answer("English; Polish")
        + answer("")  # culture or faith
        + answer("Calm and patient")
        + tick("saturday", "sunday", among=list(AVAILABILITY))
        + ENTER  # area: keep the recorded one
    )
    with keyboard(keys):
        r = cli("young-person", "profile", str(yp))
    assert "Saved the profile of young person" in r.stderr
    assert "kite flying" in r.stderr  # not in the vocabulary: kept, and listed
    shown = cli.json("young-person", "show", str(yp))
    assert shown["interests"] == ["animals", "drawing", "football", "swimming", "kite flying"]
    assert shown["activities"] == ["bowling", "cinema"]
    assert (shown["iv_gender"], shown["iv_age_min"], shown["iv_age_max"]) == ("female", 21, 40)
    assert shown["languages"] == ["english", "polish"]
    assert shown["personality"] == "Calm and patient"
    assert shown["availability"] == ["saturday", "sunday"]
    assert shown["profile_area"] == "Leeds North"
    assert shown["unknown_interests"] == ["kite flying"]


def test_volunteer_questionnaire_by_keystrokes(cli, terminal):
    vid = volunteer(cli)
    keys = (
        tick("football")  # cooking already ticked
        + answer("")
        + answer("first aid; driving")  # skills
        + answer("English, Urdu")
        + answer("Leeds South; Leeds North")  # areas they can reach
        + tick("weekday_evening", among=list(AVAILABILITY))
        + answer("8") + answer("16")
        + DOWN + ENTER  # capacity 2
        + answer("Muslim") + answer("Patient, good listener")
    )
    with keyboard(keys):
        cli("volunteer", "profile", str(vid))
    shown = cli.json("volunteer", "show", str(vid))
    assert (shown["culture_faith"], shown["personality"]) == ("Muslim", "Patient, good listener")
    assert shown["interests"] == ["cooking", "football"]
    assert shown["skills"] == ["first aid", "driving"]
    assert shown["languages"] == ["english", "urdu"]
    assert shown["areas"] == ["Leeds South", "Leeds North"]
    assert shown["availability"] == ["weekday_evening"]
    assert (shown["child_age_min"], shown["child_age_max"], shown["capacity"]) == (8, 16, 2)


def test_questionnaire_stops_cleanly_when_input_ends(cli, terminal):
    vid = volunteer(cli)
    with keyboard(tick("football") + answer("")):  # then nothing more
        r = cli("volunteer", "profile", str(vid), code=2)
    assert "input ended" in r.stderr
    assert cli.json("volunteer", "show", str(vid))["skills"] == []  # nothing saved


def test_profile_without_terminal_needs_from_json(cli):
    yp = referral(cli)
    r = cli("young-person", "profile", str(yp), code=2)
    assert "--from-json" in r.stderr


def test_volunteer_add_questionnaire(cli, terminal):
    keys = (answer("Ann") + answer("Smith") + answer("01/02/1980") + answer("01/01/2025")
            + DOWN + ENTER  # gender: male
            + answer("ann@example.org") + answer("") + answer("Leeds") + answer("English")
            + answer("Football")
            # the voluntary monitoring questions: ethnicity skipped, faith "prefer not to
            # say", disability no (skip, yes, no, prefer not to say)
            + ENTER + DOWN + ENTER + DOWN + DOWN + ENTER)
    with keyboard(keys):
        r = cli("volunteer", "add")
    shown = cli.json("volunteer", "show", r.stdout.strip())
    assert (shown["first_name"], shown["gender"], shown["email"], shown["application_date"]) \
        == ("Ann", "male", "ann@example.org", "2025-01-01")
    assert shown["interests"] == ["football"]
    assert (shown["ethnicity"], shown["faith"], shown["disability"]) == (
        None, "prefer_not_to_say", "no")


# --- Acceptance: --from-json ------------------------------------------------------------------


def test_young_person_profile_from_json(cli, tmp_path):
    yp = referral(cli)
    f = tmp_path / "p.json"
    f.write_text(json.dumps({
        "interests": ["Footballs", "Video Games", "Kite Flying"],
        "iv_gender": "non-binary",
        "iv_age_min": 20,
        "availability": ["weekends", "after school"],
        "area": "Leeds East",
    }))
    r = cli("young-person", "profile", str(yp), "--from-json", str(f))
    assert "kite flying" in r.stderr
    shown = cli.json("young-person", "show", str(yp))
    assert shown["interests"] == ["football", "gaming", "kite flying"]
    assert shown["iv_gender"] == "non-binary"
    assert shown["availability"] == ["weekday_after_school", "saturday", "sunday"]
    assert shown["profile_area"] == "Leeds East" and shown["area"] == "Leeds North"
    # Keys not given are kept.
    f.write_text(json.dumps({"personality": "Funny"}))
    cli("young-person", "profile", str(yp), "--from-json", str(f))
    shown = cli.json("young-person", "show", str(yp))
    assert shown["personality"] == "Funny" and shown["iv_age_min"] == 20


def test_volunteer_profile_from_stdin(cli):
    vid = volunteer(cli)
    cli("volunteer", "profile", str(vid), "--from-json", "-",
        input='{"skills": ["music"], "capacity": 2, "child_age_max": 17}')
    shown = cli.json("volunteer", "show", str(vid))
    assert (shown["skills"], shown["capacity"], shown["child_age_max"]) == (["music"], 2, 17)


def test_bad_profile_lists_every_problem_and_changes_nothing(cli, tmp_path):
    yp = referral(cli)
    f = tmp_path / "p.json"
    f.write_text(json.dumps({"intrests": ["x"], "availability": ["tuesdays"],
                             "iv_gender": "robot", "iv_age_min": "old"}))
    r = cli("young-person", "profile", str(yp), "--from-json", str(f), code=1)
    for key in ("intrests", "availability", "iv_gender", "iv_age_min"):
        assert key in r.stderr
    f.write_text(json.dumps({"iv_age_min": 40, "iv_age_max": 30}))
    r = cli("young-person", "profile", str(yp), "--from-json", str(f), code=1)
    assert "iv_age_min is above iv_age_max" in r.stderr
    f.write_text("{not json")
    cli("young-person", "profile", str(yp), "--from-json", str(f), code=1)
    cli("young-person", "profile", "999", "--from-json", str(f), code=1)
    assert cli.json("young-person", "show", str(yp))["iv_age_min"] == 18


# --- Referral interests seed the profile ------------------------------------------------------


def test_referral_interests_seed_the_profile(cli):
    yp = referral(cli, "Football; drawing, swimmings, Kite Flying")
    shown = cli.json("young-person", "show", str(yp))
    assert shown["interests"] == ["football", "drawing", "swimming", "kite flying"]
    assert shown["unknown_interests"] == ["kite flying"]
    assert "Kite" not in cli("young-person", "show", str(yp)).stderr


# --- The loaders matching uses ----------------------------------------------------------------


from ivcli.matching.profiles import (  # noqa: E402
    AVAILABILITY,
    VOLUNTEER_DEFAULTS,
    YOUNG_PERSON_DEFAULTS,
    load_volunteer_profile,
    load_young_person_profile,
)


def test_loaders_fill_every_key():
    yp = load_young_person_profile(SimpleNamespace(profile=None, area="Leeds"))
    assert set(yp) == set(YOUNG_PERSON_DEFAULTS)
    assert yp["area"] == "Leeds" and yp["iv_gender"] == "any" and yp["interests"] == []
    v = load_volunteer_profile(SimpleNamespace(profile='{"capacity": 2, "areas": ["York"]}',
                                               area="Leeds", gender="female"))
    assert set(v) == set(VOLUNTEER_DEFAULTS) | {"gender", "area"}
    assert v["areas"] == ["Leeds", "York"] and v["capacity"] == 2 and v["gender"] == "female"
    broken = load_volunteer_profile(SimpleNamespace(profile="{oops", area=None, gender=None))
    assert broken["capacity"] == 1 and broken["areas"] == []


def test_defaults_are_not_shared_between_calls():
    a = load_young_person_profile(SimpleNamespace(profile=None, area=None))
    a["interests"].append("x")
    assert load_young_person_profile(SimpleNamespace(profile=None, area=None))["interests"] == []
