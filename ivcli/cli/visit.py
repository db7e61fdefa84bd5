"""ivcli visit: log visits, import visit sheets, list them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ivcli.cli.common import (
    CsvEncoding,
    CsvMap,
    DryRun,
    Format,
    MappingName,
    Names,
    Quiet,
    SaveMap,
    Sheet,
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
    help="Visits of a match: log one, import a visit sheet, list them.",
    no_args_is_help=True,
)


@app.command("log")
def log(
    ctx: typer.Context,
    match_id: Annotated[int, typer.Argument(metavar="MATCH_ID", help="The match visited.")],
    on: Annotated[date | None, date_option("The day of the visit", "--date")] = None,
    hours: Annotated[
        str | None,
        typer.Option(help="How long: hours (2.5, 2:30 or 2h30m).", show_default=False),
    ] = None,
    activity: Annotated[
        str | None, typer.Option(help="What they did.", show_default=False)
    ] = None,
    cost: Annotated[
        str | None,
        typer.Option(help="Money to claim, in pounds (12.65).", show_default=False),
    ] = None,
    cost_type: Annotated[
        CostType | None, typer.Option(help="What the cost was for.", show_default=False)
    ] = None,
    note: Annotated[str | None, typer.Option(help="A short note.", show_default=False)] = None,
    concern: Annotated[
        str | None,
        typer.Option(help="Something to follow up (safeguarding): opens a concern that stays "
                     "on 'ivcli today' until closed.", show_default=False),
    ] = None,
) -> None:
    """Log one visit. At a terminal, asks for what is missing, checking each answer as it is
    given; otherwise give --date, --hours and --activity.

    Refused (exit 1, nothing written) on a match that is not active or paused, or for a day
    before the match started, after it ended, or in the future, or with a cost over the setting
    visit.max_cost (default 1000.00). Warns when the match goes over
    its monthly or yearly budget (settings budget.monthly, budget.yearly).
    """
    from ivcli.render import message
    from ivcli.visits import log as visits
    from ivcli.visits.rows import validate

    raw: dict[str, str | None] = {
        "match_id": str(match_id), "date": on.isoformat() if on else None, "hours": hours,
        "activity": activity, "cost": cost, "cost_type": cost_type.value if cost_type else None,
        "note": note, "concern": concern,
    }
    app_state = state(ctx)
    if app_state.can_prompt():
        from ivcli import prompts

        with app_state.reading() as conn:  # the match and the limit, before any question
            date_problem = visits.date_check(conn, match_id, date.today())
            limit = visits.max_cost(conn)
        if on is not None and (problem := date_problem(on)):
            raise Refused(f"{problem}; nothing was logged")
        prompts.ask_visit(raw, date_problem=date_problem, max_cost=limit)
    require([f"--{k}" for k in ("date", "hours", "activity") if not raw.get(k)])
    if raw.get("cost") and not raw.get("cost_type"):
        from ivcli.parsing import parse_money

        try:
            needs_type = parse_money(raw["cost"] or "") > 0
        except ValueError:
            needs_type = False
        if needs_type:
            require(["--cost-type"])
    with app_state.writing() as conn:
        row, problems = validate(raw, 0, visits.max_cost(conn))
        if problems or row is None:
            raise InvalidInput("the visit is not valid; nothing was logged",
                               details=[str(p) for p in problems])
        logged = visits.log(conn, row, date.today())
    message(f"Logged visit {logged.visit_id} on match {match_id}.")
    if logged.concern_id is not None:
        message(f"Opened concern {logged.concern_id}: it stays on 'ivcli today' until you close "
                f"it with 'ivcli concern close {logged.concern_id} --note ...'.", style="yellow")
    for w in logged.warnings:
        message(f"Warning: {w}", style="yellow")
    typer.echo(logged.visit_id)


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
    note, concern (see docs/visit-csv.md). Any invalid row means nothing is written; every
    problem is listed with its line number (in a workbook, its cell: C7). The same match,
    date and activity is the same visit, so importing a sheet again adds nothing.
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
