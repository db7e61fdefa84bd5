"""The claims list for the finance team: every cost line of the month's visits, the total per
volunteer, and the record of what has been paid.

Rules:
- A claim is one cost line (``visit_costs``) of a visit dated in the month; a visit with two
  lines is two claims (and one visit in the reports).
- The volunteer to repay is the match's volunteer. No young person is named.
- ``mark_paid`` records the day a volunteer's unpaid lines of a month were paid; lines already
  paid keep their day, so marking again changes nothing.
Amounts are exact strings of pounds and pence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import text

from ivcli.errors import NotFound
from ivcli.parsing import format_pence

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

EXPENSE_COLUMNS = ("visit_id", "date", "match_id", "volunteer_id", "volunteer", "cost_type",
                   "amount", "paid", "paid_on")
VOLUNTEER_COLUMNS = ("volunteer_id", "volunteer", "lines", "total", "paid_total",
                     "unpaid_total")

_LINES = (
    "SELECT c.id, v.id, v.date, v.match_id, m.volunteer_id, "
    "vo.first_name || ' ' || vo.last_name, c.cost_type, c.amount_pence, c.paid_on "
    "FROM visit_costs c JOIN visits v ON v.id = c.visit_id "
    "JOIN matches m ON m.id = v.match_id JOIN volunteers vo ON vo.id = m.volunteer_id "
    "WHERE v.date >= :a AND v.date < :b AND c.amount_pence > 0"
)


@dataclass
class Expenses:
    total_pence: int
    items: list[dict[str, object]]
    by_volunteer: list[dict[str, object]]

    def as_json(self) -> dict[str, object]:
        return {"total": format_pence(self.total_pence), "items": self.items,
                "by_volunteer": self.by_volunteer}


def expenses(conn: Connection, month: tuple[date, date]) -> Expenses:
    """The claims list of ``month`` (its first day and the next month's): each cost line with
    the volunteer to repay and whether it was paid, and each volunteer's total."""
    rows = conn.execute(text(_LINES + " ORDER BY v.date, v.id, c.id"),
                        _bounds(month)).all()
    items = [
        {"visit_id": vid, "date": d, "match_id": mid, "volunteer_id": vol, "volunteer": name,
         "cost_type": ctype, "amount": format_pence(pence), "paid": paid_on is not None,
         "paid_on": paid_on}
        for _, vid, d, mid, vol, name, ctype, pence, paid_on in rows
    ]
    people: dict[int, dict[str, object]] = {}
    sums: dict[int, list[int]] = {}  # volunteer -> [lines, total, paid]
    for _, _, _, _, vol, name, _, pence, paid_on in sorted(rows, key=lambda r: r[4]):
        people.setdefault(vol, {"volunteer_id": vol, "volunteer": name})
        s = sums.setdefault(vol, [0, 0, 0])
        s[0] += 1
        s[1] += pence
        s[2] += pence if paid_on is not None else 0
    by_volunteer = [
        {**people[vol], "lines": n, "total": format_pence(total),
         "paid_total": format_pence(paid), "unpaid_total": format_pence(total - paid)}
        for vol, (n, total, paid) in sums.items()
    ]
    return Expenses(sum(r[7] for r in rows), items, by_volunteer)


@dataclass
class Paid:
    volunteer_id: int
    lines: int  # marked paid now
    pence: int  # their sum
    already: int  # lines of the month paid before

    def as_json(self) -> dict[str, object]:
        return {"volunteer_id": self.volunteer_id, "lines": self.lines,
                "amount": format_pence(self.pence), "already_paid": self.already}


def mark_paid(conn: Connection, volunteer_id: int, month: tuple[date, date], on: date) -> Paid:
    """Record that ``volunteer_id``'s unpaid cost lines of ``month`` were paid on ``on``, in
    the audit trail (field ``paid_on``). NotFound for an unknown volunteer."""
    from sqlalchemy import update

    from ivcli.matching.lifecycle import table_of
    from ivcli.models import VisitCost
    from ivcli.safety import audit

    if conn.execute(text("SELECT 1 FROM volunteers WHERE id = :v"),
                    {"v": volunteer_id}).first() is None:
        raise NotFound(f"there is no volunteer {volunteer_id}",
                       hint="'ivcli expenses --month ...' lists the volunteers to repay")
    lines = conn.execute(text(_LINES + " AND m.volunteer_id = :vol ORDER BY c.id"),
                         {**_bounds(month), "vol": volunteer_id}).all()
    unpaid = [(int(r[0]), int(r[7])) for r in lines if r[8] is None]
    if unpaid:
        table = table_of(VisitCost)
        conn.execute(update(table).where(table.c.id.in_([i for i, _ in unpaid]))
                     .values(paid_on=on))
        audit.record(conn, [("visit_costs", str(i), "update", ["paid_on"]) for i, _ in unpaid])
    return Paid(volunteer_id, len(unpaid), sum(p for _, p in unpaid), len(lines) - len(unpaid))


def _bounds(month: tuple[date, date]) -> dict[str, str]:
    return {"a": month[0].isoformat(), "b": month[1].isoformat()}
