"""Suggestions that make sense (issue 15, point 5) and people-facing labels for codes (point 7):
reasons say only what was asked, a thin profile is not a perfect match, a needed language
outweighs hobbies, the whole list does not strand the one young person a volunteer can serve,
no pair without shared ground is proposed, and the worked example in docs/matching.md is what
the code computes. Tables and prompts show labels; JSON and CSV keep the codes."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from tests.test_matching import ON, add_volunteer, add_young, suggest
from tests.visits_helpers import add_trainings

DOC = Path(__file__).resolve().parent.parent / "docs" / "matching.md"
AGE_REASON = "within the age range the young person asked for"


# ---------------------------------------------------------------------------------------------
# Reasons say what both sides asked for


def test_no_age_range_reason_when_none_was_asked(cli, db_path):
    yp = add_young(db_path, profile={"interests": ["football"]})
    add_volunteer(db_path, profile={"interests": ["football"]})
    for rows in (suggest(cli, str(yp)), suggest(cli, "--all")):
        assert rows and not any(AGE_REASON in r for r in rows[0]["reasons"]), rows
        assert not any("18 to 120" in r for r in rows[0]["reasons"])
    # A profile saved with every key keeps the defaults 18 and 120: still nothing asked.
    cli("young-person", "profile", str(yp), "--from-json", "-",
        input=json.dumps({"interests": ["football"], "iv_age_min": 18, "iv_age_max": 120}))
    assert not any(AGE_REASON in r for r in suggest(cli, str(yp))[0]["reasons"])


@pytest.mark.parametrize(("asked", "said"), [
    ({"iv_age_min": 25}, "(25 or over)"),
    ({"iv_age_max": 40}, "(up to 40)"),
    ({"iv_age_min": 25, "iv_age_max": 40}, "(25 to 40)"),
])
def test_an_asked_age_range_is_a_reason_in_its_own_words(cli, db_path, asked, said):
    yp = add_young(db_path, profile={"interests": ["art"], **asked})
    add_volunteer(db_path, born=date(1990, 5, 1), profile={"interests": ["art"]})
    assert f"{AGE_REASON} {said}" in suggest(cli, str(yp))[0]["reasons"]


def test_the_volunteers_wished_ages_are_a_reason_only_when_given(cli, db_path):
    yp = add_young(db_path, born=date(2013, 6, 1), profile={"interests": ["art"]})
    plain = add_volunteer(db_path, profile={"interests": ["art"]})
    picky = add_volunteer(db_path, profile={"interests": ["art"], "child_age_min": 10,
                                            "child_age_max": 14})
    rows = {r["volunteer_id"]: r["reasons"] for r in suggest(cli, str(yp))}
    wished = ("the young person's age is within the ages the volunteer would like to visit "
              "(10 to 14)")
    assert wished in rows[picky]
    assert not any("ages the volunteer" in r for r in rows[plain])


def test_a_refusal_does_not_claim_an_age_range_was_asked(cli, db_path):
    yp = add_young(db_path)
    young = add_volunteer(db_path, born=date(2009, 1, 1))  # 17 on the day
    err = cli("match", "propose", str(yp), str(young), "--date", ON.isoformat(), code=1).stderr
    assert "asked for none" in err and "range the young person asked for" not in err


# ---------------------------------------------------------------------------------------------
# Scores scale with what both profiles say


def test_one_shared_interest_is_not_a_perfect_match(cli, db_path):
    only_football = add_young(db_path, profile={"interests": ["football"]})
    add_volunteer(db_path, profile={"interests": ["football", "art", "music", "cooking"]})
    assert suggest(cli, str(only_football))[0]["score"] == 33
    three = add_young(db_path, profile={"interests": ["football", "art", "music", "dance"]})
    assert suggest(cli, str(three))[0]["score"] == 100


def test_one_in_common_out_of_many_scores_a_third_of_the_part(cli, db_path):
    many = add_young(db_path, profile={"interests": ["football", "art", "music", "dance",
                                                     "cooking", "reading"]})
    add_volunteer(db_path, profile={"interests": ["football", "climbing"]})
    assert suggest(cli, str(many))[0]["score"] == 33


def test_a_needed_language_outweighs_shared_hobbies(cli, db_path):
    yp = add_young(db_path, profile={
        "interests": ["football", "art", "music"], "activities": ["swimming", "climbing"],
        "languages": ["English", "Polish"]})
    hobbies = add_volunteer(db_path, profile={"interests": ["football", "art", "music"],
                                              "skills": ["swimming", "climbing"]})
    polish = add_volunteer(db_path, profile={"languages": ["Polish"]})
    rows = suggest(cli, str(yp))
    assert [r["volunteer_id"] for r in rows] == [polish, hobbies]
    assert rows[0]["score"] > rows[1]["score"]
    assert "speaks Polish, as the young person asked" in rows[0]["reasons"]


# ---------------------------------------------------------------------------------------------
# The whole list: as many matched, then needs met, then score and wait


def _pairs(cli) -> set[tuple[int, int]]:
    return {(r["young_person_id"], r["volunteer_id"]) for r in suggest(cli, "--all")}


def test_the_only_polish_speaker_goes_to_the_child_who_needs_polish(cli, db_path):
    # The football child waited longest, and the Polish-speaking volunteer also likes football;
    # another volunteer who likes football is free too (the scarce case is the next test).
    football = add_young(db_path, accepted=date(2024, 3, 1), profile={"interests": ["football"]})
    polish = add_young(db_path, accepted=date(2026, 1, 1),
                       profile={"languages": ["polish"], "interests": ["drawing"]})
    speaker = add_volunteer(db_path, profile={"languages": ["polish"],
                                              "interests": ["football", "drawing"]})
    other = add_volunteer(db_path, profile={"interests": ["football"]})
    assert _pairs(cli) == {(football, other), (polish, speaker)}


def test_a_scarce_volunteer_meets_the_need_before_a_longer_wait(cli, db_path):
    football = add_young(db_path, accepted=date(2024, 3, 1), profile={"interests": ["football"]})
    polish = add_young(db_path, accepted=date(2026, 2, 1), profile={"languages": ["polish"]})
    speaker = add_volunteer(db_path, profile={"languages": ["polish"], "interests": ["football"]})
    result = cli("match", "suggest", "--all", "--as-of", ON.isoformat(), "--format", "json")
    assert {(r["young_person_id"], r["volunteer_id"]) for r in json.loads(result.stdout)} == {
        (polish, speaker)}
    assert f"young people {football}" in result.stderr  # still waiting, and told


def test_matching_more_young_people_still_comes_before_a_language_need(cli, db_path):
    # The Polish speaker is the only volunteer who reaches the south: giving them to the
    # Polish-speaking young person in the north would leave the south waiting.
    south = add_young(db_path, area="south", profile={"interests": ["art"]})
    north = add_young(db_path, area="north", profile={"languages": ["polish"],
                                                      "interests": ["art"]})
    speaker = add_volunteer(db_path, area="south", profile={
        "areas": ["north"], "languages": ["polish"], "interests": ["art"]})
    northern = add_volunteer(db_path, area="north", profile={"interests": ["art"]})
    assert _pairs(cli) == {(south, speaker), (north, northern)}


def test_no_pair_without_shared_ground_is_proposed(cli, db_path):
    fits = add_young(db_path, profile={"interests": ["art"]})
    empty = add_young(db_path, profile={})
    unlike = add_young(db_path, profile={"interests": ["cooking"]})
    add_volunteer(db_path, profile={"interests": ["art"], "capacity": 3})
    result = cli("match", "suggest", "--all", "--as-of", ON.isoformat(), "--format", "json")
    rows = json.loads(result.stdout)
    assert [r["young_person_id"] for r in rows] == [fits]
    assert all(r["score"] > 0 for r in rows)
    assert f"Young people {empty}, {unlike}: " in result.stderr
    assert "no shared ground" in result.stderr
    assert "No suitable volunteer" not in result.stderr


def test_a_single_suggestion_without_shared_ground_says_so(cli, db_path):
    yp = add_young(db_path, profile={"interests": ["art"]})
    art = add_volunteer(db_path, profile={"interests": ["art"]})
    unlike = add_volunteer(db_path, profile={"interests": ["cooking"]})
    rows = suggest(cli, str(yp))
    assert [r["volunteer_id"] for r in rows] == [art, unlike]
    assert rows[1]["score"] == 0 and rows[1]["concerns"][0].startswith("no shared ground")
    assert not any(c.startswith("no shared ground") for c in rows[0]["concerns"])
    table = cli("match", "suggest", str(yp), "--as-of", ON.isoformat()).stdout
    assert "no shared ground" in table


def test_assign_tiers_matches_then_needs_then_value():
    import numpy as np

    from ivcli.matching.assignment import assign

    feasible = np.ones((2, 1), dtype=bool)
    value = np.array([[100.0], [0.0]], dtype=np.float32)
    bonus = np.array([120.0, 0.0])
    needs = np.array([[False], [True]])
    rows, cols = assign(value, feasible, bonus)
    assert rows.tolist() == [0]
    rows, cols = assign(value, feasible, bonus, needs)
    assert rows.tolist() == [1]  # the need outweighs score and wait together
    # One more matched outweighs a need.
    feasible = np.array([[True, False], [True, True]])
    value = np.zeros((2, 2), dtype=np.float32)
    needs = np.array([[False, False], [True, False]])
    rows, cols = assign(value, feasible, np.zeros(2), needs)
    assert sorted(zip(rows.tolist(), cols.tolist(), strict=True)) == [(0, 0), (1, 1)]


# ---------------------------------------------------------------------------------------------
# The worked example in docs/matching.md is what the code computes


def _example() -> tuple[dict, list[list[str]], str]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("### A worked example"):text.index("## Reading a suggestion")]
    profiles = json.loads(section[section.index("```json") + 7:section.index("```\n\n")])
    table = [[c.strip() for c in line.strip().strip("|").split("|")]
             for line in section.splitlines() if line.startswith("| ")]
    return profiles, table[2:], text


def _points(cell: str) -> float | None:
    if cell == "-":
        return None
    return float(cell.rpartition("=")[2]) if "=" in cell else float(cell)


def test_the_worked_example_matches_the_code(cli, db_path):
    from ivcli.matching import scoring, sides
    from ivcli.settings import SETTINGS

    profiles, table, text = _example()
    young = sides.young_from(1, 1, 12, ON, "north", json.dumps(profiles["young person"]))
    vols = [sides.vol_from(i, 30, "female", "north", None, None, json.dumps(profiles[k]))
            for i, k in ((1, "volunteer A"), (2, "volunteer B"))]
    parts = {"other wishes": "wishes"}
    totals = [0.0, 0.0]
    weight_total = 0
    for row in table[:-1]:
        part = parts.get(row[0], row[0])
        weight = int(row[1])
        assert weight == SETTINGS[f"match.weight.{part}"].default, row
        assert int(row[2]) == sides.CAPS[part], row
        only = scoring.Weights({c: float(c == part) for c in sides.COMPONENTS})
        values = scoring.score_matrix([young], vols, only)[0] / 100
        asked = bool(getattr(young, part))
        for k, (shares, points) in enumerate(((row[3], row[4]), (row[5], row[6]))):
            if not asked:
                assert shares == "not asked" and points == "-", row
                continue
            assert int(shares) == round(float(values[k]) * sides.CAPS[part]), row
            assert _points(points) == pytest.approx(weight * float(values[k])), row
            totals[k] += weight * float(values[k])
        weight_total += weight if asked else 0
    last = table[-1]
    assert last[0] == "total" and int(last[1]) == weight_total
    assert [float(last[4]), float(last[6])] == pytest.approx(totals)
    scores = scoring.score_matrix([young], vols, scoring.Weights(
        {c: float(SETTINGS[f"match.weight.{c}"].default) for c in sides.COMPONENTS}))[0]
    shown = [int(n) for n in re.findall(r"Volunteer [AB]: [^*]*\*\*(\d+)\*\*", text)]
    assert shown == [round(float(s)) for s in scores]
    # The same through the command, with the reasons and concerns the doc shows.
    yp = add_young(db_path, area="north", profile=profiles["young person"])
    a = add_volunteer(db_path, area="north", profile=profiles["volunteer A"])
    b = add_volunteer(db_path, area="north", profile=profiles["volunteer B"])
    for vol in (a, b):  # trained, as approved volunteers are (setting training.required)
        add_trainings(db_path, vol, [("induction", ON), ("safeguarding", ON)])
    rows = suggest(cli, str(yp))
    assert (yp, a, b) == (1, 1, 2)  # as the doc says
    assert [(r["volunteer_id"], r["score"]) for r in rows] == [(b, shown[1]), (a, shown[0])]
    sample = text[text.index("## Reading a suggestion"):].split("```json")[1].split("```")[0]
    assert json.loads(sample) == rows


# ---------------------------------------------------------------------------------------------
# Labels: tables and prompts show them, JSON and CSV keep the codes


def test_labels_for_codes():
    from ivcli.labels import label, shown

    assert label("weekday_after_school") == "Weekday after school"
    assert label("social_worker") == "Social worker"
    assert label("young-person") == "Young person"
    assert label("iro").startswith("IRO")
    assert label("young_person_choice") == "Young person's choice"
    assert label("non-binary") == "Non-binary"
    assert label("3") == "3" and label("a long-term care plan") == "a long-term care plan"
    assert label("Already Words") == "Already Words"
    assert shown("availability", ["saturday", "weekday_evening"]) == ["Saturday",
                                                                      "Weekday evening"]
    assert shown("first_name", "active") == "active"  # only fields that hold codes


def test_tables_show_labels_and_json_csv_keep_codes(cli, db_path):
    yp = add_young(db_path)
    vol = add_volunteer(db_path)
    m = cli("match", "propose", str(yp), str(vol), "--date", "2026-02-01").stdout.strip()
    cli("match", "accept", m, "--date", "2026-02-02")
    cli("match", "start", m, "--date", "2026-02-03")
    cli("match", "end", m, "--reason", "young_person_choice", "--date", "2026-02-20",
        "--wants-another", "yes")
    table = cli("match", "list").stdout
    assert "Young person's choice" in table and "Ended" in table
    assert "young_person_choice" not in table
    assert "Young person's choice" in cli("match", "show", m).stdout
    assert cli.json("match", "list")[0]["end_reason"] == "young_person_choice"
    assert "young_person_choice" in cli("match", "list", "--format", "csv").stdout
    shown = cli("volunteer", "show", str(vol)).stdout
    assert "Approved" in shown
    cli("volunteer", "profile", str(vol), "--from-json", "-",
        input=json.dumps({"availability": ["weekday_after_school"]}))
    assert "Weekday after school" in cli("volunteer", "show", str(vol)).stdout
    assert cli.json("volunteer", "show", str(vol))["availability"] == ["weekday_after_school"]


def test_a_referral_table_shows_the_role_label(cli):
    cli("referral", "add", "--first-name", "Amy", "--last-name", "Lee", "--date-of-birth",
        "01/02/2014", "--referral-date", "01/02/2026", "--referrer-role", "social_worker",
        "--no-input")
    shown = cli("referral", "show", "1").stdout
    assert "Social worker" in shown and "social_worker" not in shown
    assert cli.json("referral", "show", "1")["referrer_role"] == "social_worker"


def test_prompts_show_labels_and_return_codes(monkeypatch):
    import questionary

    from ivcli import prompts

    seen: dict[str, list] = {}

    class Answer:
        def __init__(self, value):
            self.value = value

        def unsafe_ask(self):
            return self.value

    def select(label, choices, default=None):
        seen[label] = [(c.title, c.value) for c in choices]
        return Answer(choices[-1].value)

    def checkbox(label, choices):
        seen[label] = [(c.title, c.value) for c in choices]
        return Answer([c.value for c in choices[:1]])

    monkeypatch.setattr(questionary, "select", select)
    monkeypatch.setattr(questionary, "checkbox", checkbox)
    assert prompts.select("Role:", ["social_worker", "iro"]) == "iro"
    assert seen["Role:"][0] == ("Social worker", "social_worker")
    assert prompts.checkbox("When?", ["weekday_after_school", "sunday"]) == [
        "weekday_after_school"]
    assert seen["When?"] == [("Weekday after school", "weekday_after_school"),
                             ("Sunday", "sunday")]
    # "Not known" comes first, so Enter alone records nothing (issue 13, point 10).
    assert prompts.yes_no_unknown("Consent?") is False  # the last choice, "No"
    assert [t for t, _ in seen["Consent?"]] == ["Not known", "Yes", "No"]
