"""When a match's next review is due (see ``visits/reviews.py``). Kept apart from the
models so ``ivcli today`` can work it out without loading them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ivcli import stored_settings as settings_service
from ivcli.parsing import add_months

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class Schedule:
    """The first review ``first_weeks`` after the start, the second ``second_months`` after
    the first, then every ``then_months``."""

    first_weeks: int
    second_months: int
    then_months: int

    @classmethod
    def load(cls, conn: Connection) -> Schedule:
        g = settings_service.get_int
        return cls(g(conn, "review.first_weeks"), g(conn, "review.second_months"),
                   g(conn, "review.then_months"))

    def next_due(self, start: date, reviews_held: int, last: date | None) -> date:
        """When the next review is due, given how many were held and the latest one."""
        if reviews_held == 0 or last is None:
            return start + timedelta(weeks=self.first_weeks)
        if reviews_held == 1:
            return add_months(last, self.second_months)
        return add_months(last, self.then_months)
