"""Correcting a visit (``visit update``) and removing one logged by mistake (``visit delete``).

Rules:
- A visit is corrected by the rules it was logged by (``rows.validate``, the match's dates,
  the same visit twice, visit.max_cost for the cost lines given), each one checked against
  the visit as it will be.
- Cost lines given replace all the visit's lines; lines already paid (``expenses mark-paid``)
  are never changed or removed, so a visit with a paid line keeps its costs and cannot be
  deleted.
- Deleting a visit deletes its cost lines; a concern it opened stays (a safeguarding record
  is never lost with a visit), no longer linked to it.
Every change is recorded in the audit trail by field name only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import text

from ivcli.errors import InvalidInput, NotFound, Refused
from ivcli.parsing import format_pence
from ivcli.visits import log as visits
from ivcli.visits.rows import CostLine, costs_key, format_minutes, validate

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

UPDATABLE = ("date", "hours", "activity", "note", "high", "low")


@dataclass
class Held:
    id: int
    match_id: int
    date: date
    minutes: int
    activity: str
    note: str | None
    lines: list[tuple[int, CostLine, str | None]]  # (line id, line, paid_on)
    high: str | None = None
    low: str | None = None

    @property
    def paid(self) -> list[int]:
        return [i for i, _, paid_on in self.lines if paid_on is not None]


def get(conn: Connection, visit_id: int) -> Held:
    row = conn.execute(text("SELECT id, match_id, date, minutes, activity, note, high, low "
                            "FROM visits WHERE id = :id"), {"id": visit_id}).first()
    if row is None:
        raise NotFound(f"there is no visit {visit_id}", hint="'ivcli visit list' shows them")
    lines = [(int(i), CostLine(int(p), t), paid_on) for i, p, t, paid_on in conn.execute(text(
        "SELECT id, amount_pence, cost_type, paid_on FROM visit_costs WHERE visit_id = :id "
        "ORDER BY id"), {"id": visit_id})]
    return Held(int(row[0]), int(row[1]), date.fromisoformat(str(row[2])), int(row[3]),
                str(row[4] or ""), row[5], lines, row[6], row[7])


def _paid_refusal(held: Held, outcome: str) -> Refused:
    n = len(held.paid)
    return Refused(f"visit {held.id} has {n} cost line(s) already paid; {outcome}",
                   hint="paid claims stay on record; log a correcting visit or ask the "
                   "finance team")


@dataclass
class Updated:
    visit_id: int
    fields: list[str] = field(default_factory=list)  # "costs" when its lines were replaced
    warnings: list[str] = field(default_factory=list)


def update(conn: Connection, visit_id: int, changes: Mapping[str, str | None],
           costs: Sequence[tuple[str | None, str | None]] | None, today: date) -> Updated:
    """Change the fields in ``changes`` (``UPDATABLE``; None: unchanged, "" clears the note,
    the high or the low) and, when ``costs`` is given, replace the cost lines with them (an
    empty list removes them). InvalidInput or Refused (nothing written) when the visit as
    changed breaks a rule.
    """
    held = get(conn, visit_id)
    raw: dict[str, str | None] = {
        "match_id": str(held.match_id), "date": held.date.isoformat(),
        "minutes": str(held.minutes), "activity": held.activity, "note": held.note,
        "high": held.high, "low": held.low,
    }
    for key, value in changes.items():
        if value is None:
            continue
        if key == "hours":
            raw.pop("minutes")
        raw[key] = value
    row, problems = validate(raw, 0, visits.max_cost(conn), costs=list(costs or []))
    if problems or row is None:
        raise InvalidInput(f"visit {visit_id} as changed is not valid; nothing was changed",
                           details=[str(p) for p in problems])
    match = visits.get_match(conn, held.match_id)
    problem = visits.match_problem(held.match_id, match.status, match.start_date,
                                   match.end_date, row.date, today)
    if problem:
        raise Refused(f"{problem[1]}; visit {visit_id} was not changed")
    visits.refuse_same(conn, row, f"visit {visit_id} was not changed", other_than=visit_id)
    old_lines = [c for _, c, _ in held.lines]
    replace = costs is not None and costs_key(row.costs) != costs_key(old_lines)
    if replace and held.paid:
        raise _paid_refusal(held, "its costs were not changed")
    new = {"date": row.date, "minutes": row.minutes, "activity": row.activity,
           "note": row.note, "high": row.high, "low": row.low}
    old = {"date": held.date, "minutes": held.minutes, "activity": held.activity,
           "note": held.note, "high": held.high, "low": held.low}
    fields = [k for k in new if new[k] != old[k]]
    out = Updated(visit_id, [*fields, *(["costs"] if replace else [])])
    if not out.fields:
        return out
    from sqlalchemy import delete
    from sqlalchemy import update as sql_update

    from ivcli.db import now
    from ivcli.matching.lifecycle import table_of
    from ivcli.models import Visit, VisitCost
    from ivcli.safety import audit

    if fields:
        conn.execute(sql_update(table_of(Visit)).where(table_of(Visit).c.id == visit_id)
                     .values({k: new[k] for k in fields}))
        audit.record(conn, [("visits", str(visit_id), "update", fields)])
    if replace:
        costs_table = table_of(VisitCost)
        conn.execute(delete(costs_table).where(costs_table.c.visit_id == visit_id))
        audit.record(conn, [("visit_costs", str(i), "delete", []) for i, _, _ in held.lines])
        visits.insert_costs(conn, [(visit_id, c) for c in row.costs], now())
    out.warnings = visits.budget_warnings(conn, held.match_id, row.date)
    return out


@dataclass
class Deleted:
    visit_id: int
    lines: int
    concerns: list[int]


def describe(held: Held) -> str:
    """The visit in a question, by ids, date and amounts only (no activity or note: they may
    name a child)."""
    total = sum(c.pence for _, c, _ in held.lines)
    cost = f", {len(held.lines)} cost line(s), £{format_pence(total)}" if held.lines else ""
    return (f"visit {held.id} on match {held.match_id}, {held.date.isoformat()}, "
            f"{format_minutes(held.minutes)}{cost}")


def check_deletable(held: Held) -> None:
    """Refused when a cost line of the visit was paid."""
    if held.paid:
        raise _paid_refusal(held, "it was not deleted")


def delete_visit(conn: Connection, visit_id: int) -> Deleted:
    """Delete a visit and its cost lines, unlinking a concern it opened. Refused (nothing
    written) when a line was paid."""
    from sqlalchemy import delete
    from sqlalchemy import update as sql_update

    from ivcli.matching.lifecycle import table_of
    from ivcli.models import Concern, Visit, VisitCost
    from ivcli.safety import audit

    held = get(conn, visit_id)
    check_deletable(held)
    concern_ids = [int(r[0]) for r in conn.execute(text(
        "SELECT id FROM concerns WHERE visit_id = :id ORDER BY id"), {"id": visit_id})]
    entries: list[tuple[str, str | None, str, Sequence[str]]] = []
    if concern_ids:
        concerns = table_of(Concern)
        conn.execute(sql_update(concerns).where(concerns.c.visit_id == visit_id)
                     .values(visit_id=None))
        entries += [("concerns", str(i), "update", ["visit_id"]) for i in concern_ids]
    costs_table = table_of(VisitCost)
    conn.execute(delete(costs_table).where(costs_table.c.visit_id == visit_id))
    entries += [("visit_costs", str(i), "delete", []) for i, _, _ in held.lines]
    conn.execute(delete(table_of(Visit)).where(table_of(Visit).c.id == visit_id))
    entries.append(("visits", str(visit_id), "delete", []))
    audit.record(conn, entries)
    return Deleted(visit_id, len(held.lines), concern_ids)
