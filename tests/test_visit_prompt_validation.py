"""Interactive `visit log` checks each answer as it is given, by the rules its flags meet:
the date against the match (read before the first question), the hours, the cost against
visit.max_cost."""

from __future__ import annotations

import pytest

from tests.test_prompts import ENTER, keys
from tests.visits_helpers import add_match, count, days_ago, matched_young_person

CLEAR = "\x7f" * 10  # rubs out the date offered (today, dd/mm/yyyy)


@pytest.fixture
def match(cli, db_path) -> int:
    """An active match that started 30 days ago."""
    return matched_young_person(cli, db_path, start=days_ago(30))[1]


@pytest.fixture
def at_terminal(match: int, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Prompting allowed (once the match is made); returns the labels of the text questions as
    they are asked."""
    from ivcli import prompts
    from ivcli.cli.common import AppState

    monkeypatch.setattr(AppState, "can_prompt", lambda self: True)
    asked: list[str] = []
    original = prompts.text

    def text(label: str, **kw):  # type: ignore[no-untyped-def]
        asked.append(label)
        return original(label, **kw)

    monkeypatch.setattr(prompts, "text", text)
    return asked


def _visit_dates(db_path) -> list[str]:
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        return [r[0] for r in conn.execute("SELECT date FROM visits ORDER BY id")]
    finally:
        conn.close()


def test_a_wrong_date_is_rejected_on_the_spot_and_a_good_one_accepted(cli, db_path, match,
                                                                       at_terminal):
    good = days_ago(3)
    with keys(
        CLEAR + "31/02/2026" + ENTER,                  # not a real date: asked again
        CLEAR + good.strftime("%d/%m/%Y") + ENTER,
        "2" + ENTER, "Park" + ENTER, ENTER, ENTER, "n",
    ):
        result = cli("visit", "log", str(match))
    assert result.stdout.strip() == "1"
    assert _visit_dates(db_path) == [good.isoformat()]
    assert at_terminal[:2] == ["Date of the visit:", "How long (hours, e.g. 2.5 or 2:30):"]


@pytest.mark.parametrize("bad", [days_ago(31), days_ago(-1)], ids=["before-start", "future"])
def test_a_date_the_match_refuses_is_rejected_at_the_date_question(cli, db_path, match,
                                                                    at_terminal, bad):
    with keys(CLEAR + bad.strftime("%d/%m/%Y") + ENTER):  # and then the input ends
        result = cli("visit", "log", str(match), code=2)
    assert at_terminal == ["Date of the visit:"]  # no later question was asked
    assert "nothing was changed" in result.stderr
    assert count(db_path, "visits") == 0


def test_then_a_date_within_the_match_is_accepted(cli, db_path, match, at_terminal):
    with keys(
        CLEAR + days_ago(31).strftime("%d/%m/%Y") + ENTER,  # the day before it started
        CLEAR + days_ago(30).strftime("%d/%m/%Y") + ENTER,  # the day it started
        "1:30" + ENTER, "Bowling" + ENTER, ENTER, ENTER, "n",
    ):
        cli("visit", "log", str(match))
    assert _visit_dates(db_path) == [days_ago(30).isoformat()]


def test_hours_and_a_cost_over_the_limit_are_asked_again(cli, db_path, match, at_terminal):
    cli("settings", "set", "visit.max_cost", "50")
    with keys(
        ENTER,                                  # today
        "0" + ENTER, "\x7f2" + ENTER,           # no time at all: asked again
        "Cinema" + ENTER,
        "60" + ENTER, "\x7f\x7f12.50" + ENTER,  # over visit.max_cost: asked again
        ENTER,                                  # cost type: travel
        ENTER,                                  # no other cost
        ENTER, "n",
    ):
        cli("visit", "log", str(match))
    shown = cli.json("visit", "list", str(match))
    assert len(shown) == 1
    assert at_terminal.count("Cost to claim (e.g. 12.65; blank if none):") == 1
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT minutes, amount_pence, cost_type FROM visits v "
                            "JOIN visit_costs c ON c.visit_id = v.id").fetchone() == (
            120, 1250, "travel")
    finally:
        conn.close()


def test_a_match_that_takes_no_visits_is_refused_before_any_question(cli, db_path, match,
                                                                     at_terminal):
    proposed = add_match(db_path, 1, status="proposed")
    with keys():
        result = cli("visit", "log", str(proposed), code=1)
    assert at_terminal == []
    assert f"match {proposed} is proposed" in result.stderr


def test_a_date_flag_the_match_refuses_is_refused_before_any_question(cli, db_path, match,
                                                                      at_terminal):
    with keys():
        result = cli("visit", "log", str(match), "--date", days_ago(31).isoformat(), code=1)
    assert at_terminal == []
    assert f"before match {match} started" in result.stderr


def test_a_cost_flag_that_is_not_money_is_reported_not_a_traceback(cli, db_path, match,
                                                                   at_terminal):
    with keys("Park" + ENTER, ENTER, "n"):  # activity, no note, no concern
        result = cli("visit", "log", str(match), "--date", days_ago(2).isoformat(),
                     "--hours", "2", "--cost", "lots", code=1)
    assert "cost" in result.stderr and "Traceback" not in result.stderr
    assert count(db_path, "visits") == 0
