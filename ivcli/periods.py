"""Months and periods: the one reading of ``--month`` and the bounds of a month or year.

Every command that takes a month (``report monthly``, ``visit list``, ``expenses``) reads it with
``parse_month``: ``2026-01``, ``01/2026``, ``last`` (the month before today, or before
``--as-of``) or ``this``. Standard library only and light: the CLI imports it at start-up
(for ``MONTH_HELP``), so ``ivcli.parsing`` is imported only when a month is read.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

MONTH_FORMATS = "YYYY-MM (2026-01), MM/YYYY (01/2026), last or this"
MONTH_METAVAR = "YYYY-MM|last|this"
MONTH_HELP = "2026-01, 01/2026, last or this"
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_UK_MONTH = re.compile(r"^(\d{1,2})/(\d{4})$")


def parse_month(text: str, today: date) -> date:
    """The first day of the month ``text`` names; ``last`` and ``this`` count from ``today``.
    Raises ValueError saying what is expected."""
    from ivcli.parsing import add_months

    s = text.strip().lower()
    if s == "last":
        return add_months(today.replace(day=1), -1)
    if s == "this":
        return today.replace(day=1)
    m = _ISO_MONTH.match(s)
    if m:
        year, month = int(m.group(1)), int(m.group(2))
    else:
        m = _UK_MONTH.match(s)
        if not m:
            raise ValueError(f"not a month; use {MONTH_FORMATS}")
        year, month = int(m.group(2)), int(m.group(1))
    if not 1 <= month <= 12:
        raise ValueError(f"there is no month {month}; use {MONTH_FORMATS}")
    if year < 1900:
        raise ValueError("use a four-digit year from 1900, e.g. 2026-01")
    return date(year, month, 1)


def month_bounds(d: date) -> tuple[date, date]:
    """The first day of ``d``'s month and the first day of the next (half open)."""
    first = d.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1)


def month_end(d: date) -> date:
    """The last day of ``d``'s month."""
    return month_bounds(d)[1] - timedelta(days=1)


def month_label(d: date) -> str:
    """``March 2026``."""
    return f"{MONTH_NAMES[d.month - 1]} {d.year}"


def year_bounds(d: date) -> tuple[date, date]:
    """1 January of ``d``'s year and of the next (half open)."""
    return date(d.year, 1, 1), date(d.year + 1, 1, 1)


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th Monday-to-Friday day after ``start`` (``start`` itself with 0): a
    concern opened on a Friday with 1 working day to escalate is due by Monday. Bank holidays
    are not known."""
    d = start
    while days > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            days -= 1
    return d
