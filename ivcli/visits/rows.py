"""A visit as it arrives (a row of a visit sheet or the flags of ``visit log``) and its validation.

Standard library only, so the same rules check one visit typed at the terminal and a sheet of
thousands, quickly. Problems name the line and the column, never the value (a note may name a
child).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ivcli.enums import CostType
from ivcli.importing.problems import RowProblem as BaseRowProblem
from ivcli.parsing import MAX_PENCE, format_pence, parse_date, parse_money
from ivcli.periods import month_bounds, year_bounds  # noqa: F401  (visits reads them here)
from ivcli.specs import VISIT

# The fields of a row, in CSV order, their synonyms and limits: the visit's record spec.
FIELDS: tuple[str, ...] = tuple(f.name for f in VISIT.inputs)
REQUIRED = VISIT.required
SYNONYMS: dict[str, tuple[str, ...]] = VISIT.synonyms

MAX_COST_SETTING = "visit.max_cost"
MAX_TEXT = VISIT.max_text
MAX_MINUTES = 24 * 60

_H_MM = re.compile(r"^(\d{1,2}):([0-5]\d)$")
_H_M = re.compile(r"^(?:(\d{1,2})\s*h(?:ours?|rs?)?)?\s*(?:(\d{1,3})\s*m(?:in(?:ute)?s?)?)?$")


def parse_hours(text: str) -> int:
    """The length of a visit in whole minutes: ``2.5``, ``2:30``, ``2h30m`` or ``150m``."""
    s = text.strip().lower()
    minutes: Decimal | int | None = None
    m = _H_MM.match(s)
    if m:
        minutes = int(m.group(1)) * 60 + int(m.group(2))
    elif s and (m2 := _H_M.match(s)) and (m2.group(1) or m2.group(2)):
        minutes = int(m2.group(1) or 0) * 60 + int(m2.group(2) or 0)
    else:
        try:
            value = Decimal(s)
        except InvalidOperation:
            raise ValueError("not a length of time (hours, e.g. 2.5 or 2:30)") from None
        if not value.is_finite():
            raise ValueError("not a length of time (hours, e.g. 2.5 or 2:30)")
        minutes = (value * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    result = int(minutes)
    if result <= 0:
        raise ValueError("must be more than no time at all")
    if result > MAX_MINUTES:
        raise ValueError("longer than a day")
    return result


def parse_minutes(text: str) -> int:
    s = text.strip()
    if not s.isdigit():
        raise ValueError("not a whole number of minutes")
    result = int(s)
    if result <= 0:
        raise ValueError("must be more than no time at all")
    if result > MAX_MINUTES:
        raise ValueError("longer than a day")
    return result


def parse_cost(text: str, max_cost: int | None = None) -> int:
    """A visit's cost in pence; ``max_cost`` is the setting visit.max_cost in pence (without it
    only ivcli's own limit applies)."""
    if max_cost is None:
        return parse_money(text)
    return parse_money(text, max_cost, MAX_COST_SETTING)


def claims(cost: str | None, max_cost: int | None = None) -> bool:
    """Whether a cost as typed claims money (so needs its type); a blank one or one that is
    not valid does not (validation reports it)."""
    try:
        return parse_cost(cost or "", max_cost) > 0
    except ValueError:
        return False


def costs_key(lines: Sequence[CostLine]) -> list[tuple[int, str]]:
    """Cost lines compared as a whole, in any order (the same visit's costs twice)."""
    return sorted((c.pence, c.cost_type or "") for c in lines)


def total_problem(total: int, max_cost: int | None) -> str | None:
    """Why a visit's cost lines, adding up to ``total`` pence, claim too much: the setting
    visit.max_cost is the most one visit may claim, however many lines it has. None when
    they do not."""
    if max_cost is None or total <= max_cost:
        return None
    return (f"the visit's costs add up to £{format_pence(total)}, more than "
            f"£{format_pence(max_cost)}, the most one visit may claim (setting "
            f"{MAX_COST_SETTING})")


def parse_cost_type(text: str) -> str | None:
    s = text.strip().lower()
    if not s:
        return None
    try:
        return CostType(s).value
    except ValueError:
        raise ValueError("not a cost type (travel, activity or food)") from None


def activity_key(text: str) -> str:
    """An activity as compared to find the same visit twice: case and spacing ignored."""
    return " ".join(text.split()).casefold()


def format_minutes(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    return f"{h}:{m:02d}"


Day = date  # ``date`` inside VisitRow is its field

# The columns of a visit sheet that each claim one cost of their type.
TYPE_COLUMNS: tuple[tuple[str, str], ...] = tuple((f"{c.value}_cost", c.value) for c in CostType)


@dataclass(frozen=True)
class CostLine:
    """One cost of a visit: pence to repay the volunteer, and what it was for."""

    pence: int
    cost_type: str | None


@dataclass
class VisitRow:
    line: int
    match_id: int
    date: date
    minutes: int
    activity: str
    costs: tuple[CostLine, ...] = ()
    note: str | None = None
    concern: str | None = None
    high: str | None = None  # the young person's high and low points of the visit
    low: str | None = None

    @property
    def key(self) -> tuple[int, Day, str]:
        return (self.match_id, self.date, activity_key(self.activity))


class RowProblem(BaseRowProblem):
    record = "visit"


def _text(raw: Mapping[str, str | None], key: str, problems: list[BaseRowProblem],
          line: int) -> str | None:
    value = (raw.get(key) or "").strip()
    if not value:
        return None
    if len(value) > MAX_TEXT[key]:
        problems.append(RowProblem(line, key, f"longer than {MAX_TEXT[key]} characters"))
    if key == "activity":
        value = " ".join(value.split())
    return value


# SQL over ``visit_costs``: a stored cost line that ivcli could have written (0 to MAX_PENCE).
# Sums of costs add only these, so no sum can overflow, even over a line an older ivcli let
# through; ``ivcli check`` names the others.
COST_IN_RANGE = f"amount_pence BETWEEN 0 AND {MAX_PENCE}"
SUMMABLE_COST = f"CASE WHEN {COST_IN_RANGE} THEN amount_pence END"


def validate(raw: Mapping[str, str | None], line: int, max_cost: int | None = None,
             costs: Sequence[tuple[str | None, str | None]] | None = None,
             ) -> tuple[VisitRow | None, list[BaseRowProblem]]:
    """Check one raw visit; return it clean or its problems (every one of them). ``max_cost``
    is the setting visit.max_cost in pence (without it only ivcli's own limit applies): the
    most one line, and all the visit's lines together, may claim.

    The cost lines are ``costs``, (amount, type) pairs as typed (``visit log``, ``visit
    update``), or else the row's ``cost`` and ``cost_type`` and its per-type columns
    (``travel_cost``, ``activity_cost``, ``food_cost``: a visit sheet)."""
    problems: list[BaseRowProblem] = []
    match_id = None
    text = (raw.get("match_id") or "").strip()
    if not text:
        problems.append(RowProblem(line, "match_id", "is required"))
    elif not text.isdigit():
        problems.append(RowProblem(line, "match_id", "not a match id (a whole number)"))
    else:
        match_id = int(text)
    on = None
    text = (raw.get("date") or "").strip()
    if not text:
        problems.append(RowProblem(line, "date", "is required"))
    else:
        try:
            on = parse_date(text)
        except ValueError as exc:
            problems.append(RowProblem(line, "date", str(exc)))
    minutes = None
    hours_text = (raw.get("hours") or "").strip()
    minutes_text = (raw.get("minutes") or "").strip()
    if hours_text and minutes_text:
        problems.append(RowProblem(line, "hours", "give hours or minutes, not both"))
    elif hours_text:
        try:
            minutes = parse_hours(hours_text)
        except ValueError as exc:
            problems.append(RowProblem(line, "hours", str(exc)))
    elif minutes_text:
        try:
            minutes = parse_minutes(minutes_text)
        except ValueError as exc:
            problems.append(RowProblem(line, "minutes", str(exc)))
    else:
        problems.append(RowProblem(line, "hours", "is required"))
    activity = _text(raw, "activity", problems, line)
    if activity is None:
        problems.append(RowProblem(line, "activity", "is required"))
    pairs: list[tuple[str, str | None, str | None]] = (
        [("cost", raw.get("cost"), raw.get("cost_type"))] if costs is None
        else [(f"cost {i}" if len(costs) > 1 else "cost", c, t)
              for i, (c, t) in enumerate(costs, 1)])
    if costs is None:
        pairs += [(column, raw.get(column), kind) for column, kind in TYPE_COLUMNS]
    lines: list[CostLine] = []
    bad_cost = False
    for column, cost_text, type_text in pairs:
        found = cost_line(cost_text, type_text, line, max_cost, column)
        if isinstance(found, CostLine):
            lines.append(found)
        elif found:
            problems += found
            bad_cost = True
    if not bad_cost and (why := total_problem(sum(c.pence for c in lines), max_cost)):
        problems.append(RowProblem(line, "cost", why))
    note = _text(raw, "note", problems, line)
    concern = _text(raw, "concern", problems, line)
    high = _text(raw, "high", problems, line)
    low = _text(raw, "low", problems, line)
    if problems:
        return None, problems
    assert match_id is not None and on is not None and minutes is not None and activity
    return VisitRow(line, match_id, on, minutes, activity, tuple(lines), note, concern,
                    high, low), []


def cost_line(cost_text: str | None, type_text: str | None, line: int, max_cost: int | None,
              column: str = "cost") -> CostLine | list[BaseRowProblem] | None:
    """One cost line from its amount and type as typed: the line, its problems, or None when
    it claims nothing (blank or 0: a type alone claims nothing). ``column`` names the amount
    in problems (``cost``, ``cost 2``, ``travel_cost``); its type is ``cost_type`` (``cost_type
    2``)."""
    type_column = column.replace("cost", "cost_type", 1) if column.startswith("cost") else column
    problems: list[BaseRowProblem] = []
    cost = 0
    text = (cost_text or "").strip()
    if text:
        try:
            cost = parse_cost(text, max_cost)
        except ValueError as exc:
            problems.append(RowProblem(line, column, str(exc)))
    cost_type = None
    try:
        cost_type = parse_cost_type(type_text or "")
    except ValueError as exc:
        problems.append(RowProblem(line, type_column, str(exc)))
    if cost and cost_type is None and not problems:
        problems.append(RowProblem(line, type_column, "is required with a cost (travel, "
                                   "activity or food)"))
    if problems:
        return problems
    return CostLine(cost, cost_type) if cost else None
