"""The period a report covers: a month (``report monthly``), a year or any span
(``report annual``), capped at the as-of date when it has not finished yet, and the
12 months of a trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ivcli.parsing import add_months
from ivcli.periods import month_end, month_label, parse_month


@dataclass(frozen=True)
class Period:
    kind: str  # "monthly" or "annual"
    start: date
    end: date  # inclusive; capped at as_of for a period not yet over
    label: str
    complete: bool  # False when the period had not finished on the as-of date

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat(),
                "label": self.label, "complete": self.complete}


def _capped(kind: str, start: date, end: date, label: str, as_of: date) -> Period:
    if start > as_of:
        raise ValueError(f"the period starts on {start.isoformat()}, after {as_of.isoformat()}; "
                         "there is nothing to report yet")
    if end > as_of:
        return Period(kind, start, as_of, f"{label} (to {as_of.isoformat()})", False)
    return Period(kind, start, end, label, True)


def monthly_period(month: str | None, as_of: date) -> Period:
    """The month ``--month`` names (``periods.parse_month``; default ``last``, the month before
    ``as_of``)."""
    first = parse_month(month or "last", as_of)
    return _capped("monthly", first, month_end(first), month_label(first), as_of)


def annual_period(year: int | None, start: date | None, end: date | None, as_of: date) -> Period:
    """A calendar year (default: the last whole one), or any span from ``start`` to ``end``."""
    from ivcli.errors import ConflictingOptions, MissingValue

    if year is not None and (start or end):
        raise ConflictingOptions("give either --year or --from and --to, not both")
    if start or end:
        if not (start and end):
            raise MissingValue("give both --from and --to")
        if start > end:
            raise ValueError("--from is after --to")
        return _capped("annual", start, end, f"{start.isoformat()} to {end.isoformat()}", as_of)
    if year is None:
        year = as_of.year - 1
    if year < 1900 or year > 9998:
        raise ValueError("use a four-digit year, e.g. 2025")
    return _capped("annual", date(year, 1, 1), date(year, 12, 31), f"Year {year}", as_of)


def trend_months(end: date) -> list[tuple[str, date, date]]:
    """The 12 months ending with the month of ``end``: (YYYY-MM, first day, last day counted)."""
    first = date(end.year, end.month, 1)
    out = []
    for i in range(-11, 1):
        s = add_months(first, i)
        e = min(month_end(s), end)
        out.append((f"{s.year:04d}-{s.month:02d}", s, e))
    return out
