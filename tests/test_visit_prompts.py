"""The visit and review questions at a terminal, driven by keystrokes."""

from __future__ import annotations

from datetime import date

from tests.test_prompts import DOWN, ENTER, SPACE, keys


def test_visit_form_asks_for_what_is_missing():
    from ivcli import prompts

    raw: dict[str, str | None] = {"match_id": "3", "date": None, "hours": None,
                                  "activity": None, "note": None, "concern": None}
    costs: list[list[str | None]] = []
    with keys(
        ENTER,                      # date: today (default)
        "2:30" + ENTER,             # hours
        "Climbing wall" + ENTER,    # activity
        "4.80" + ENTER,             # cost
        DOWN + ENTER,               # cost type: activity
        ENTER,                      # another cost: none
        ENTER,                      # note: none
        "y",                        # a concern? yes
        "Seemed withdrawn" + ENTER,
    ):
        prompts.ask_visit(raw, costs)
    assert raw["date"] == date.today().strftime("%d/%m/%Y")
    assert raw["hours"] == "2:30"
    assert raw["activity"] == "Climbing wall"
    assert costs == [["4.80", "activity"]]
    assert raw["note"] == ""
    assert raw["concern"] == "Seemed withdrawn"


def test_visit_form_with_the_essentials_given_asks_nothing_more():
    from ivcli import prompts

    raw: dict[str, str | None] = {"match_id": "3", "date": "2026-01-05", "hours": "2",
                                  "activity": "park", "note": None, "concern": None}
    costs: list[list[str | None]] = []
    with keys():
        prompts.ask_visit(raw, costs)
    assert costs == [] and raw["concern"] is None


def test_review_form():
    from ivcli import prompts

    raw: dict[str, object] = {"date": None, "with_whom": [], "note": None}
    with keys(ENTER, SPACE + DOWN + SPACE + ENTER, "Settled" + ENTER):
        prompts.ask_review(raw)
    assert raw["with_whom"] == ["young-person", "volunteer"]
    assert raw["note"] == "Settled"
