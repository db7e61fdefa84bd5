"""ivcli visit: log visits, import visit sheets, list them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ivcli.cli.common import (
    YES,
    CsvEncoding,
    CsvMap,
    DryRun,
    Format,
    MappingName,
    Names,
    Quiet,
    SaveMap,
    Sheet,
    confirmed,
    date_option,
    mapped_import,
    month_option,
    require,
    state,
    warn_unknown_columns,
)
from ivcli.enums import CostType, OutputFormat
from ivcli.errors import InvalidInput, Refused

app = typer.Typer(
    help="Visits of a match: log one, correct or delete one, import a visit sheet, list "
    "them.",
    no_args_is_help=True,
)


VisitDate = Annotated[date | None, date_option("The day of the visit", "--date")]
Hours = Annotated[
    str | None, typer.Option(help="How long: hours (2.5, 2:30 or 2h30m).", show_default=False)
]
Activity = Annotated[str | None, typer.Option(help="What they did.", show_default=False)]
High = Annotated[
    str | None,
    typer.Option("--high", metavar="TEXT", show_default=False,
                 help="The young person's high point of the visit, in their words (personal "
                 "data)."),
]
Low = Annotated[
    str | None,
    typer.Option("--low", metavar="TEXT", show_default=False,
                 help="The young person's low point of the visit, in their words (personal "
                 "data)."),
]
CostOption = Annotated[
    list[str] | None,
    typer.Option("--cost", help="Money to claim, in pounds (12.65); repeat it for each cost of "
                 "the visit, each with its --cost-type.", show_default=False),
]
CostTypeOption = Annotated[
    list[CostType] | None,
    typer.Option("--cost-type", help="What the cost was for; one for each --cost, in the same "
                 "order.", show_default=False),
]


def cost_pairs(costs: list[str] | None, types: list[CostType] | None) -> list[list[str | None]]:
    """The --cost and --cost-type options paired in order: [amount, type] each (type None when
    no --cost-type was given at all: asked for, or missing). Exit 1 when both are given and
    their numbers differ."""
    amounts, kinds = costs or [], [t.value for t in types or []]
    if kinds and len(kinds) != len(amounts):
        raise InvalidInput(
            f"{len(amounts)} --cost and {len(kinds)} --cost-type: they pair in order, one "
            "--cost-type for each --cost; nothing was written",
            hint="e.g. --cost 3.50 --cost-type travel --cost 8.00 --cost-type activity",
        )
    return [[a, kinds[i] if kinds else None] for i, a in enumerate(amounts)]


def require_cost_types(pairs: list[list[str | None]]) -> None:
    """Exit 2 when a cost that claims money has no type (and nobody to ask)."""
    from ivcli.visits.rows import claims

    if any(claims(a) and not t for a, t in pairs):
        require(["--cost-type"])


@app.command("log")
def log(
    ctx: typer.Context,
    match_id: Annotated[int, typer.Argument(metavar="MATCH_ID", help="The match visited.")],
    on: VisitDate = None,
    hours: Hours = None,
    activity: Activity = None,
    cost: CostOption = None,
    cost_type: CostTypeOption = None,
    note: Annotated[str | None, typer.Option(help="A short note.", show_default=False)] = None,
    concern: Annotated[
        str | None,
        typer.Option(help="Something to follow up (safeguarding): opens a concern that stays "
                     "on 'ivcli today' until closed.", show_default=False),
    ] = None,
    high: High = None,
    low: Low = None,
) -> None:
    """Log one visit, with none, one or several costs (--cost 3.50 --cost-type travel --cost
    8.00 --cost-type activity). At a terminal, asks for what is missing, checking each answer
    as it is given; otherwise give --date, --hours and --activity.

    Refused (exit 1, nothing written) on a match that is not active or paused (an ended match
    takes visits up to the day it ended), for a day before the match started, after it ended,
    or in the future, or with costs adding up to more than the setting visit.max_cost (default
    1000.00 a visit). Warns when the match goes over its monthly or yearly budget (settings
    budget.monthly, budget.yearly).
    """
    from ivcli.render import message
    from ivcli.visits import log as visits
    from ivcli.visits.rows import validate

    raw: dict[str, str | None] = {
        "match_id": str(match_id), "date": on.isoformat() if on else None, "hours": hours,
        "activity": activity, "note": note, "concern": concern, "high": high, "low": low,
    }
    pairs = cost_pairs(cost, cost_type)
    app_state = state(ctx)
    if app_state.can_prompt():
        from ivcli import prompts

        with app_state.reading() as conn:  # the match and the limit, before any question
            date_problem = visits.date_check(conn, match_id, date.today())
            limit = visits.max_cost(conn)
        if on is not None and (problem := date_problem(on)):
            raise Refused(f"{problem}; nothing was logged")
        prompts.ask_visit(raw, pairs, date_problem=date_problem, max_cost=limit)
    require([f"--{k}" for k in ("date", "hours", "activity") if not raw.get(k)])
    require_cost_types(pairs)
    with app_state.writing() as conn:
        row, problems = validate(raw, 0, visits.max_cost(conn),
                                 costs=[(a, t) for a, t in pairs])
        if problems or row is None:
            raise InvalidInput("the visit is not valid; nothing was logged",
                               details=[str(p) for p in problems])
        logged = visits.log(conn, row, date.today())
    message(f"Logged visit {logged.visit_id} on match {match_id}.")
    if logged.concern_id is not None:
        message(f"Opened concern {logged.concern_id}: it stays on 'ivcli today' until you close "
                f"it with 'ivcli concern close {logged.concern_id} --outcome ...'.", style="yellow")
    for w in logged.warnings:
        message(f"Warning: {w}", style="yellow")
    typer.echo(logged.visit_id)


@app.command("update")
def update(
    ctx: typer.Context,
    visit_id: Annotated[int, typer.Argument(metavar="ID", help="The visit's id.")],
    on: VisitDate = None,
    hours: Hours = None,
    activity: Activity = None,
    note: Annotated[
        str | None, typer.Option(help="A short note (replaces the old one; \"\" clears it).",
                                 show_default=False)
    ] = None,
    cost: Annotated[
        list[str] | None,
        typer.Option("--cost", help="The visit's costs, in pounds: replace all its cost lines "
                     "(repeat it for each, each with its --cost-type).", show_default=False),
    ] = None,
    cost_type: CostTypeOption = None,
    no_costs: Annotated[
        bool, typer.Option("--no-costs", help="Remove all the visit's cost lines.")
    ] = False,
    high: High = None,
    low: Low = None,
) -> None:
    """Correct a visit: its date, length, activity, note, high, low or costs, by the rules of
    'visit log' (the match's dates, the same visit twice, visit.max_cost); "" clears a note,
    high or low.

    Refused (exit 1, nothing changed) when the visit as changed breaks one, or when its costs
    would change and a line was already paid ('expenses mark-paid'). A concern it opened is
    changed with 'ivcli concern'.
    """
    from ivcli.errors import ConflictingOptions
    from ivcli.render import message
    from ivcli.visits import edit

    if no_costs and (cost or cost_type):
        raise ConflictingOptions("--no-costs cannot go with --cost or --cost-type")
    pairs = cost_pairs(cost, cost_type)
    if cost_type and not cost:
        raise InvalidInput("--cost-type without --cost: give the visit's costs with their "
                           "types; nothing was changed")
    require_cost_types(pairs)
    changes = {"date": on.isoformat() if on else None, "hours": hours, "activity": activity,
               "note": note, "high": high, "low": low}
    costs = [] if no_costs else [(a, t) for a, t in pairs] if pairs else None
    if costs is None and all(v is None for v in changes.values()):
        require(["at least one thing to change (see --help)"])
    with state(ctx).writing() as conn:
        updated = edit.update(conn, visit_id, changes, costs, date.today())
    message(f"Updated visit {visit_id}: {', '.join(updated.fields) or 'no change'}.")
    for w in updated.warnings:
        message(f"Warning: {w}", style="yellow")


@app.command("delete")
def delete(
    ctx: typer.Context,
    visit_id: Annotated[int, typer.Argument(metavar="ID", help="The visit's id.")],
    yes: Annotated[bool, YES] = False,
) -> None:
    """Delete a visit logged by mistake, with its cost lines. Asks first at a terminal;
    otherwise give --yes.

    Refused (exit 1) when one of its costs was already paid. A concern it opened is kept
    (no longer linked to a visit).
    """
    from ivcli.render import message
    from ivcli.visits import edit

    app_state = state(ctx)
    with app_state.reading() as conn:
        held = edit.get(conn, visit_id)
        edit.check_deletable(held)  # before asking
    if not confirmed(app_state, yes, f"Delete {edit.describe(held)}?"):
        message("Nothing was deleted.")
        raise typer.Exit(0)
    with app_state.writing() as conn:
        deleted = edit.delete_visit(conn, visit_id)
    message(f"Deleted visit {visit_id} and its {deleted.lines} cost line(s).")
    for concern_id in deleted.concerns:
        message(f"Concern {concern_id} is kept; it no longer names a visit.", style="yellow")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A visit sheet: CSV or .xlsx.",
                                         show_default=False)],
    map_: CsvMap = None,
    save_map: SaveMap = None,
    mapping: MappingName = None,
    sheet: Sheet = None,
    encoding: CsvEncoding = "utf-8",
    dry_run: DryRun = False,
    quiet: Quiet = False,
) -> None:
    """Import a visit sheet (CSV or .xlsx), all or nothing.

    Columns: match_id, date, hours (or minutes), activity, and optionally cost, cost_type,
    travel_cost, activity_cost, food_cost (one row, several costs), note, concern (see
    docs/visit-csv.md). Any invalid row means nothing is written; every problem is listed
    with its line number (in a workbook, its cell: C7). The same match, date and activity is
    the same visit, so importing a sheet again adds nothing.
    """
    from ivcli.cli.progress import byte_progress
    from ivcli.importing.mapping import summary
    from ivcli.render import message
    from ivcli.visits import log as visits

    with byte_progress(file, enabled=not quiet) as progress:
        with mapped_import(ctx, "visit", dry_run=dry_run, maps=map_, mapping=mapping,
                           save_map=save_map) as (conn, choice):
            report = visits.import_csv(conn, file, today=date.today(), maps=choice.maps,
                                       encoding=encoding, dry_run=dry_run, progress=progress,
                                       mapping=choice, sheet=sheet)
    warn_unknown_columns(report.unknown_columns)
    lead = "Dry run, nothing written: would add" if dry_run else "Added"
    lines = [f"{lead} {report.added} visit(s); {report.unchanged} unchanged (already held)."]
    if report.concerns:
        verb = "would open" if dry_run else "opened"
        lines.append(f"Concerns {verb}: {report.concerns} (see 'ivcli concern list').")
    if report.blank_rows:
        lines.append(f"Blank rows skipped: {report.blank_rows}.")
    message("\n".join(lines + summary(choice, dry_run=dry_run)))
    if report.uncleared:
        message(f"Warning: {report.uncleared} visit(s) were on days their volunteer was not "
                "cleared (a check lapsed, or on hold): recorded, and on 'ivcli today'.",
                style="yellow")
    for w in report.warnings:
        message(f"Warning: {w}", style="yellow")


@app.command("list")
def list_(
    ctx: typer.Context,
    match_id: Annotated[
        int | None, typer.Argument(metavar="[MATCH_ID]", help="Only this match's visits.",
                                   show_default=False)
    ] = None,
    month: Annotated[str | None, month_option("Only this month")] = None,
    names: Names = False,
    fmt: Format = OutputFormat.table,
) -> None:
    """List visits, oldest first. 'concern' says whether a visit opened a concern; the
    concern itself is only in 'ivcli concern list'."""
    from ivcli import names as people
    from ivcli.periods import month_bounds, parse_month
    from ivcli.render import emit
    from ivcli.visits import log as visits

    bounds = month_bounds(parse_month(month, date.today())) if month else None
    columns: tuple[str, ...] = visits.LIST_COLUMNS
    with state(ctx).reading() as conn:
        rows = visits.list_visits(conn, match_id, bounds)
        if names:
            people.add(conn, rows)
            columns = people.columns(columns)
    emit(fmt.value, columns, rows, title="Visits", empty="No visits.")
