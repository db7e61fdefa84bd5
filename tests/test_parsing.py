"""Values as typed by people and found in council CSVs: general rules, checked as properties."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivcli.parsing import (
    MAX_PENCE,
    age_on,
    format_pence,
    name_key,
    parse_date,
    parse_money,
    parse_yes_no,
)
from ivcli.vocab import normalise_tag, split_tags

dates = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@given(dates)
def test_every_written_form_reads_back(d: date):
    forms = [
        d.isoformat(),
        f"{d.day:02d}/{d.month:02d}/{d.year}",
        f"{d.day}/{d.month}/{d.year}",
        f"{d.day:02d}-{d.month:02d}-{d.year}",
        f"{d.day:02d}.{d.month:02d}.{d.year}",
        f"{d.day} {MONTHS[d.month - 1]} {d.year}",
        f" {d.day} {d.strftime('%B')} {d.year} ",
    ]
    for text in forms:
        assert parse_date(text) == d, text


@given(st.integers(1, 12), st.integers(13, 31), st.integers(1900, 2100))
def test_month_first_is_never_guessed(month: int, day: int, year: int):
    with pytest.raises(ValueError, match="day first"):
        parse_date(f"{month:02d}/{day:02d}/{year}")


@given(dates)
def test_two_digit_years_are_refused(d: date):
    with pytest.raises(ValueError, match="two-digit year"):
        parse_date(f"{d.day:02d}/{d.month:02d}/{d.year % 100:02d}")


@pytest.mark.parametrize("text", ["31/02/2015", "29/02/2023", "00/01/2020", "2026/01/01",
                                  "tomorrow", "", "31 Foo 2020"])
def test_not_dates(text: str):
    with pytest.raises(ValueError):
        parse_date(text)


def test_error_messages_do_not_repeat_the_value():
    with pytest.raises(ValueError) as info:
        parse_date("31/02/2015")
    assert "2015" not in str(info.value)


@pytest.mark.parametrize(("text", "value"), [("Yes", True), ("y", True), ("TRUE", True),
                                             ("1", True), ("no", False), ("N", False),
                                             ("false", False), ("0", False), ("", None),
                                             ("  ", None)])
def test_yes_no(text: str, value: bool | None):
    assert parse_yes_no(text) is value


@given(st.integers(0, MAX_PENCE))
def test_money_round_trips_exactly(pence: int):
    assert parse_money(format_pence(pence)) == pence


def test_money_is_exact():
    assert sum(parse_money(x) for x in ("0.10", "0.20", "12.35")) == 1265
    assert format_pence(1265) == "12.65"
    for bad in ("1.234", "-1", "abc", "NaN", "inf"):
        with pytest.raises(ValueError):
            parse_money(bad)


@given(st.text())
def test_name_key_is_idempotent(text: str):
    assert name_key(name_key(text)) == name_key(text)


def test_name_key_ignores_case_apostrophes_and_spacing():
    assert name_key("  O’Brien-Smith ") == name_key("obrien smith") == name_key("O'BRIEN  SMITH")


def birthday(born: date, age: int) -> date:
    """The day one turns ``age``: born on 29 February, 1 March in a common year."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return date(born.year + age, 3, 1)


@given(dates, dates)
def test_age_is_exact_whole_years(born: date, on: date):
    """The age is the number of birthdays passed: this one has come, the next has not."""
    if on < born or on.year >= 9999:
        return
    age = age_on(born, on)
    assert birthday(born, age) <= on < birthday(born, age + 1)


@pytest.mark.parametrize(("born", "on", "age"), [
    (date(2014, 6, 15), date(2026, 6, 14), 11),  # the day before a birthday
    (date(2014, 6, 15), date(2026, 6, 15), 12),  # on it
    (date(2014, 6, 15), date(2014, 6, 15), 0),  # the day of birth
    (date(2013, 12, 31), date(2026, 1, 1), 12),  # across a new year
    (date(2012, 2, 29), date(2027, 2, 28), 14),  # 29 February, common year: not yet
    (date(2012, 2, 29), date(2027, 3, 1), 15),  # 1 March is the birthday
    (date(2012, 2, 29), date(2028, 2, 28), 15),  # leap year: the day before
    (date(2012, 2, 29), date(2028, 2, 29), 16),  # leap year: on it
])
def test_age_on_and_around_birthdays(born: date, on: date, age: int):
    assert age_on(born, on) == age


def test_tags_are_normalised():
    assert split_tags("Football; Drawings, swimming ,Video Games, knitting, football") == [
        "football", "drawing", "swimming", "gaming", "knitting"]
    assert normalise_tag("Soccer") == "football"
