"""Visits: the log of a match's meetings, their costs against a budget, and visit sheets.

Rules:
- A visit belongs to an active or paused match, on a day from the match's start to its end (if
  it has one), and not in the future; an ended match still takes the visits dated up to the day
  it ended (the last claims come in after the ending).
- Money is whole pence; the length is whole minutes. A visit has none, one or several cost
  lines (``visit_costs``); the setting visit.max_cost is the most one visit may claim, all its
  lines together.
- The same match, date and activity (case and spacing ignored) is the same visit: logging it
  twice is refused and importing it again adds nothing.
- A visit with a concern opens a concern (see ``visits/concerns.py``); the concern's text is
  kept only there, never in the visit.
- Budgets (settings ``budget.monthly`` and ``budget.yearly``, 0 for none) are per match per
  calendar month or year; going over one warns, it does not refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy import text

from ivcli import dialect
from ivcli import stored_settings as settings_service
from ivcli.enums import MatchStatus
from ivcli.errors import Refused
from ivcli.importing.problems import Problems
from ivcli.parsing import format_pence
from ivcli.visits.rows import (
    FIELDS,
    MAX_COST_SETTING,
    REQUIRED,
    SUMMABLE_COST,
    SYNONYMS,
    CostLine,
    RowProblem,
    VisitRow,
    activity_key,
    costs_key,
    month_bounds,
    validate,
    year_bounds,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ivcli.importing.mapping import HeaderChoice
    from ivcli.matching.lifecycle import MatchRecord

LOGGABLE = MatchStatus.running()
VISIT_RULE = ("visits are logged on an active or paused match, or on an ended one for a day up "
              "to the day it ended")
BATCH = 900  # ids per IN (...) query, under SQLite's variable limit


def get_match(conn: Connection, match_id: int) -> MatchRecord:
    """The match (``matching.lifecycle.get``); NotFound when there is none."""
    from ivcli.matching import lifecycle as matches

    return matches.get(conn, match_id)


def match_problem(match_id: int, status: str, start: date | None, end: date | None, on: date,
                  today: date) -> tuple[str, str] | None:
    """Why a visit on ``on`` cannot be logged on a match in this state, as (column, message),
    or None."""
    ended = status == MatchStatus.ended.value and end is not None
    if status not in LOGGABLE and not ended:
        return "match_id", f"match {match_id} is {status}; {VISIT_RULE}"
    if on > today:
        return "date", "the visit date is in the future"
    if start is None or on < start:
        when = f" ({start.isoformat()})" if start else ""
        return "date", f"the visit date is before match {match_id} started{when}"
    if end is not None and on > end:
        return "date", (f"the visit date is after match {match_id} ended ({end.isoformat()}); "
                        "a visit is logged only up to the day its match ended")
    return None


def date_check(conn: Connection, match_id: int, today: date) -> Callable[[date], str | None]:
    """``match_problem`` for a visit date on match ``match_id``, the match read now (before any
    question is asked): the check returns the problem or None. NotFound when there is no such
    match; Refused (nothing written) when the match takes no visits at all."""
    match = get_match(conn, match_id)
    status, start, end = match.status, match.start_date, match.end_date
    problem = match_problem(match_id, status, start, end, today, today)
    if problem and problem[0] == "match_id":
        raise Refused(f"{problem[1]}; nothing was logged")

    def check(on: date) -> str | None:
        found = match_problem(match_id, status, start, end, on, today)
        return found[1] if found else None

    return check


def max_cost(conn: Connection) -> int:
    """The setting visit.max_cost, in pence: the most one visit may claim (all its cost lines
    together; so each line too)."""
    return settings_service.get_pence(conn, MAX_COST_SETTING)


@dataclass
class Logged:
    visit_id: int
    concern_id: int | None
    warnings: list[str]


def insert_visits(conn: Connection, rows: Sequence[VisitRow]) -> list[tuple[int, int | None]]:
    """The one way visits are written (``visit log`` and visit sheets): the visits in one
    statement, then the concerns some of them open, both recorded in the audit trail. Returns
    each row's (visit id, concern id or None), in order. The rows are already checked."""
    from sqlalchemy import insert

    from ivcli.db import now
    from ivcli.matching.lifecycle import table_of
    from ivcli.models import Concern, Visit
    from ivcli.safety import audit
    from ivcli.volunteers.support import uncleared

    if not rows:
        return []
    stamp = now()
    first = dialect.next_id(conn, "visits")
    volunteer_of = _volunteers(conn, [r.match_id for r in rows])
    why = uncleared(conn, [(volunteer_of[r.match_id], r.date) for r in rows])
    dialect.insert_rows(conn, "visits", [
        {"match_id": r.match_id, "date": r.date, "minutes": r.minutes, "activity": r.activity,
         "note": r.note, "high": r.high, "low": r.low,
         "uncleared": why.get((volunteer_of[r.match_id], r.date)), "created_at": stamp}
        for r in rows], insert(table_of(Visit)))
    # Ids are given in order under the write lock; check it rather than trust it.
    last, count = conn.execute(text("SELECT max(id), count(*) FROM visits WHERE id >= :first"),
                               {"first": first}).one()
    if (last, count) != (first + len(rows) - 1, len(rows)):
        raise RuntimeError("visit ids were not given in order")
    audit.record_bulk(conn, "visits", (first, last), "insert", ())
    insert_costs(conn, [(first + i, c) for i, r in enumerate(rows) for c in r.costs], stamp)
    opened = [(first + i, r) for i, r in enumerate(rows) if r.concern]
    concern_ids: dict[int, int] = {}
    if opened:
        first_concern = dialect.next_id(conn, "concerns")
        dialect.insert_rows(conn, "concerns", [
            {"match_id": r.match_id, "visit_id": vid, "category": "other",
             "opened_date": r.date, "text": r.concern, "created_at": stamp}
            for vid, r in opened], insert(table_of(Concern)))
        concern_ids = {vid: first_concern + i for i, (vid, _) in enumerate(opened)}
        audit.record_bulk(conn, "concerns", (first_concern, first_concern + len(opened) - 1),
                          "insert", ())
    return [(first + i, concern_ids.get(first + i)) for i in range(len(rows))]


def _volunteers(conn: Connection, match_ids: Iterable[int]) -> dict[int, int]:
    """The volunteer of each match."""
    ids = sorted(set(match_ids))
    out: dict[int, int] = {}
    for i in range(0, len(ids), BATCH):
        marks = ", ".join(str(int(x)) for x in ids[i:i + BATCH])
        out.update((int(m), int(v)) for m, v in conn.execute(text(
            f"SELECT id, volunteer_id FROM matches WHERE id IN ({marks})")))
    return out


def uncleared_count(conn: Connection, visit_ids: Sequence[int]) -> int:
    """How many of these visits were logged while their volunteer was not cleared."""
    if not visit_ids:
        return 0
    return int(conn.execute(text(
        "SELECT count(*) FROM visits WHERE id >= :a AND id <= :b AND uncleared IS NOT NULL"),
        {"a": min(visit_ids), "b": max(visit_ids)}).scalar_one())


def insert_costs(conn: Connection, lines: Sequence[tuple[int, CostLine]], stamp: str) -> None:
    """Write cost lines, (visit id, line) each, in one statement, recorded in the audit
    trail as one range."""
    from sqlalchemy import insert

    from ivcli.matching.lifecycle import table_of
    from ivcli.models import VisitCost
    from ivcli.safety import audit

    if not lines:
        return
    first = dialect.next_id(conn, "visit_costs")
    dialect.insert_rows(conn, "visit_costs", [
        {"visit_id": vid, "amount_pence": c.pence, "cost_type": c.cost_type,
         "created_at": stamp} for vid, c in lines], insert(table_of(VisitCost)))
    audit.record_bulk(conn, "visit_costs", (first, None), "insert", ())


def log(conn: Connection, row: VisitRow, today: date) -> Logged:
    """Log one visit, validated with ``max_cost(conn)``. Raises Refused (nothing written)
    when the rules above are broken."""
    match = get_match(conn, row.match_id)
    problem = match_problem(row.match_id, match.status, match.start_date, match.end_date,
                            row.date, today)
    if problem:
        raise Refused(f"{problem[1]}; nothing was logged")
    refuse_same(conn, row, "nothing was logged")
    ((visit_id, concern_id),) = insert_visits(conn, [row])
    warnings = budget_warnings(conn, row.match_id, row.date)
    why = conn.execute(text("SELECT uncleared FROM visits WHERE id = :id"),
                       {"id": visit_id}).scalar()
    if why:
        warnings.insert(0, f"volunteer {match.volunteer_id} was not cleared to visit on "
                        f"{row.date.isoformat()} ({why}); the visit is recorded and on "
                        "'ivcli today'")
    return Logged(visit_id, concern_id, warnings)


def refuse_same(conn: Connection, row: VisitRow, outcome: str, *, other_than: int | None = None
                ) -> None:
    """Refused when the match already has the visit ``row`` is (same date and activity),
    ``other_than`` (the visit being changed) apart."""
    same = _existing_keys(conn, [row.match_id], other_than).get(row.key)
    if same is not None:
        raise Refused(
            f"match {row.match_id} already has visit {same} on that date with that activity; "
            f"{outcome}",
            hint=f"'ivcli visit list {row.match_id}' shows it; one visit can have several "
            "costs (--cost ... --cost-type ... again)",
        )


def _existing_keys(conn: Connection, match_ids: Iterable[int], other_than: int | None = None
                   ) -> dict[tuple, int]:
    ids = sorted(set(match_ids))
    out: dict[tuple, int] = {}
    for i in range(0, len(ids), BATCH):
        chunk = ids[i:i + BATCH]
        marks = ", ".join(str(int(x)) for x in chunk)
        for vid, mid, d, activity in conn.execute(text(
            f"SELECT id, match_id, date, activity FROM visits WHERE match_id IN ({marks})"
        )):
            if vid == other_than:
                continue
            out.setdefault((mid, date.fromisoformat(d), activity_key(activity or "")), vid)
    return out


# ---------------------------------------------------------------------------------------------
# Budget


def spent(conn: Connection, match_id: int, start: date, end: date) -> int:
    """Pence spent on a match's visits from ``start`` up to (not including) ``end`` (costs out
    of range, which ``ivcli check`` names, left out)."""
    return int(conn.execute(text(
        f"SELECT coalesce(sum({SUMMABLE_COST}), 0) FROM visit_costs c JOIN visits v "
        "ON v.id = c.visit_id WHERE v.match_id = :m AND v.date >= :a AND v.date < :b"
    ), {"m": match_id, "a": start.isoformat(), "b": end.isoformat()}).scalar_one())


def budget_warnings(conn: Connection, match_id: int, on: date) -> list[str]:
    """A line for each budget the match is over in the month or year of ``on``."""
    out = []
    for key, bounds, period in (
        ("budget.monthly", month_bounds(on), on.strftime("%Y-%m")),
        ("budget.yearly", year_bounds(on), str(on.year)),
    ):
        budget = settings_service.get_pence(conn, key)
        if budget <= 0:
            continue
        total = spent(conn, match_id, *bounds)
        if total > budget:
            word = "monthly" if key == "budget.monthly" else "yearly"
            out.append(
                f"match {match_id} has spent {format_pence(total)} in {period}, over its "
                f"{word} budget of {format_pence(budget)} (setting {key})"
            )
    return out


# ---------------------------------------------------------------------------------------------
# Visit sheets


@dataclass
class ImportReport:
    rows: int = 0
    added: int = 0
    unchanged: int = 0
    concerns: int = 0
    uncleared: int = 0  # visits logged while their volunteer was not cleared
    blank_rows: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def import_csv(
    conn: Connection,
    path: Path,
    *,
    today: date,
    maps: Iterable[str] = (),
    encoding: str = "utf-8",
    dry_run: bool = False,
    progress: Callable[[BinaryIO], BinaryIO] | None = None,
    mapping: HeaderChoice | None = None,
    sheet: str | None = None,
) -> ImportReport:
    """Import a visit sheet all or nothing. Raises ``ImportFailed`` listing every bad line.

    With ``dry_run`` nothing is written (the connection may be read-only)."""
    from ivcli.importing.csvfile import by_field, missing_columns, open_csv

    problems = Problems()
    source, close = open_csv(path, fields=FIELDS, synonyms=SYNONYMS, required=REQUIRED,
                             problems=problems, maps=list(maps), encoding=encoding,
                             progress=progress, mapping=mapping, sheet=sheet)
    report = ImportReport(unknown_columns=source.columns.unknown)
    try:
        if "hours" not in source.columns.index and "minutes" not in source.columns.index:
            raise missing_columns(path.name, ["hours"], source.columns.unknown, SYNONYMS,
                                  what="hours (or minutes)")
        record = by_field(source.columns.index, FIELDS)
        limit = max_cost(conn)
        rows = list(problems.valid(source.rows,
                                   lambda line, cells: validate(record(cells), line, limit)))
    finally:
        close()
    report.blank_rows = problems.blank_rows
    report.rows = len(rows) + problems.bad_rows
    # The matches the sheet names, in one pass.
    matches: dict[int, tuple[str, date | None, date | None]] = {}
    ids = sorted({r.match_id for r in rows})
    for i in range(0, len(ids), BATCH):
        marks = ", ".join(str(x) for x in ids[i:i + BATCH])
        for mid, status, start, end in conn.execute(text(
            f"SELECT id, status, start_date, end_date FROM matches WHERE id IN ({marks})"
        )):
            matches[mid] = (status, date.fromisoformat(start) if start else None,
                            date.fromisoformat(end) if end else None)
    for r in rows:
        state = matches.get(r.match_id)
        if state is None:
            problems.add([RowProblem(r.line, "match_id", f"there is no match {r.match_id}")])
            continue
        problem = match_problem(r.match_id, *state, r.date, today)
        if problem:
            problems.add([RowProblem(r.line, *problem)])
    problems.raise_if_any(path, source.columns.unknown)
    seen = _existing_keys(conn, ids)
    in_file: dict[tuple, VisitRow] = {}
    new: list[VisitRow] = []
    for r in rows:
        earlier = in_file.setdefault(r.key, r)
        if earlier is not r and (earlier.minutes, costs_key(earlier.costs)) != (
                r.minutes, costs_key(r.costs)):
            problems.add([RowProblem(r.line, "", (
                f"the same visit as line {earlier.line} (match, date and activity) with other "
                "hours or costs; put all of a visit's costs on its one row (cost and "
                "cost_type, or travel_cost, activity_cost, food_cost)"))])
        if r.key in seen:
            continue
        seen[r.key] = 0
        new.append(r)
    problems.raise_if_any(path, source.columns.unknown)
    report.added = len(new)
    report.unchanged = len(rows) - len(new)
    report.concerns = sum(1 for r in new if r.concern)
    if dry_run or not new:
        return report
    added = insert_visits(conn, new)
    report.uncleared = uncleared_count(conn, [vid for vid, _ in added])
    touched = sorted({(r.match_id, r.date.replace(day=1)) for r in new})
    for mid, month in touched:
        for w in budget_warnings(conn, mid, month):
            if w not in report.warnings:
                report.warnings.append(w)
    return report


# ---------------------------------------------------------------------------------------------
# Reading

LIST_COLUMNS = ("id", "match_id", "date", "minutes", "activity", "cost", "cost_type",
                "concern", "note", "high", "low")


def list_visits(conn: Connection, match_id: int | None = None,
                month: tuple[date, date] | None = None) -> list[dict[str, object]]:
    """Visits, oldest first. ``cost`` is the sum of a visit's cost lines and ``cost_type``
    their types in order ("travel, activity"); ``concern`` says whether the visit opened one
    (never its text)."""
    if match_id is not None:
        get_match(conn, match_id)
    where: list[str] = []
    params: dict[str, object] = {}
    if match_id is not None:
        where.append("v.match_id = :m")
        params["m"] = match_id
    if month is not None:
        where.append("v.date >= :a AND v.date < :b")
        params["a"], params["b"] = month[0].isoformat(), month[1].isoformat()
    sql = (
        f"SELECT v.id, v.match_id, v.date, v.minutes, v.activity, {SUMMABLE_COST}, c.cost_type, "
        "EXISTS (SELECT 1 FROM concerns k WHERE k.visit_id = v.id) AS concern, v.note, "
        "v.high, v.low "
        "FROM visits v LEFT JOIN visit_costs c ON c.visit_id = v.id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY v.date, v.id, c.id"
    )
    out: list[dict[str, object]] = []
    pence: dict[int, int] = {}
    types: dict[int, list[str]] = {}
    for vid, mid, d, minutes, activity, cost, cost_type, concern, note, high, low in \
            conn.execute(text(sql), params):
        if vid not in pence:
            pence[vid], types[vid] = 0, []
            out.append({"id": vid, "match_id": mid, "date": d, "minutes": minutes,
                        "activity": activity, "concern": bool(concern), "note": note,
                        "high": high, "low": low})
        pence[vid] += cost or 0
        if cost_type and cost_type not in types[vid]:
            types[vid].append(cost_type)
    for row in out:
        vid = int(str(row["id"]))
        row["cost"] = format_pence(pence[vid])
        row["cost_type"] = ", ".join(types[vid]) or None
    return out
