"""The referral questionnaire, driven by keystrokes through prompt_toolkit's pipe input."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

DOWN = "\x1b[B"
ENTER = "\r"
SPACE = " "


@contextmanager
def keys(*typed: str) -> Iterator[None]:
    """Feed keystrokes, then close the input so a prompt with no answer fails, not hangs."""
    with create_pipe_input() as inp:
        inp.send_text("".join(typed))
        inp.close()
        with create_app_session(input=inp, output=DummyOutput()):
            yield


def test_questionnaire_fills_what_is_missing():
    from ivcli import prompts

    raw: dict[str, str | None] = {"first_name": "Amy", "last_name": None}
    with keys(
        "Lee" + ENTER,            # last name
        "01/02/2014" + ENTER,     # date of birth
        ENTER,                    # referral date: today (default)
        "R-1" + ENTER,            # reference
        ENTER,                    # gender: female
        DOWN + DOWN + ENTER,      # care leaver: no (not known, yes, no: no default, issue 13)
        ENTER,                    # disability: not known
        "North" + ENTER,          # area
        "Exampleshire" + ENTER,   # local authority
        "foster" + ENTER,         # placement type
        ENTER,                    # role: social_worker
        "Sam Worker" + ENTER,     # referrer
        DOWN + ENTER,             # core: long-term care plan yes
        DOWN + ENTER,             # understanding: sufficient
        DOWN + ENTER,             # consent: yes
        DOWN + DOWN + ENTER,      # core: carer support no
        SPACE + DOWN + SPACE + ENTER,  # additional: the first two
        "football; art" + ENTER,  # interests
    ):
        prompts.ask_referral(raw)
    assert raw["first_name"] == "Amy"
    assert raw["last_name"] == "Lee"
    assert raw["date_of_birth"] == "01/02/2014"
    assert raw["reference"] == "R-1"
    assert raw["gender"] == "female"
    assert raw["care_leaver"] == "no"
    assert raw["disability"] == ""
    assert raw["referrer_role"] == "social_worker"
    assert (raw["area"], raw["local_authority"], raw["placement_type"]) == (
        "North", "Exampleshire", "foster")
    assert (raw["long_term_care_plan"], raw["consent"], raw["carer_support"]) == (
        "yes", "yes", "no")
    assert raw["understanding"] == "sufficient"
    assert raw["social_isolation"] == "yes"
    assert raw["placement_instability"] == "yes"
    assert raw["no_family_contact"] == "no"
    assert raw["interests"] == "football; art"


def test_a_bad_date_is_asked_again():
    from ivcli import prompts

    raw: dict[str, str | None] = {"first_name": "A", "last_name": "B", "gender": "male",
                                  "reference": "R", "care_leaver": "no", "disability": "no",
                                  "referrer_role": "self", "interests": "x",
                                  "referral_date": "01/01/2026", "area": "",
                                  "local_authority": "", "placement_type": "",
                                  "understanding": ""}
    for k in ("long_term_care_plan", "consent", "carer_support", "social_isolation",
              "placement_instability", "no_family_contact", "single_carer_placement",
              "relationship_difficulty"):
        raw[k] = "no"
    with keys("01/13/2014" + ENTER, "\x7f" * 10 + "13/01/2014" + ENTER):
        prompts.ask_referral(raw)
    assert raw["date_of_birth"] == "13/01/2014"


def test_missing_answer_fails_instead_of_hanging():
    from ivcli import prompts
    from ivcli.errors import MissingValue

    with keys("Lee"), pytest.raises(MissingValue):
        prompts.ask_referral({"first_name": "Amy"})


def test_cli_asks_at_a_terminal(cli, monkeypatch):
    from ivcli.cli.common import AppState

    monkeypatch.setattr(AppState, "can_prompt", lambda self: True)
    with keys(
        "Lee" + ENTER, "01/02/2014" + ENTER, ENTER, ENTER, ENTER,
        DOWN + DOWN + ENTER, DOWN + DOWN + ENTER,  # care leaver no, disability no
        ENTER, ENTER, ENTER,  # area, local authority, placement type: blank
        ENTER, "Sam" + ENTER,
        DOWN + ENTER, ENTER, DOWN + ENTER, DOWN + ENTER,  # care plan, understanding, consent,
        ENTER, ENTER,  # carers; no additional criterion; no interests
    ):
        result = cli("referral", "add", "--first-name", "Amy")
    assert result.stdout.strip() == "1"
    shown = cli.json("referral", "show", "1")
    assert (shown["last_name"], shown["consent"], shown["care_leaver"]) == ("Lee", "yes", False)
