"""ivcli expenses: the month's claims list for the finance team, and recording payment."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from ivcli.cli.common import Format, date_option, month_option, state
from ivcli.enums import OutputFormat

app = typer.Typer(invoke_without_command=True)


def _bounds(month: str | None) -> tuple[date, date]:
    from ivcli.periods import month_bounds, parse_month

    return month_bounds(parse_month(month or "this", date.today()))


@app.callback()
def expenses(
    ctx: typer.Context,
    month: Annotated[str | None, month_option("The month to claim; default this")] = None,
    fmt: Format = OutputFormat.table,
) -> None:
    """The claims list: every visit cost line in a month, with the volunteer to repay and
    whether it was paid, the total per volunteer, and the month's total; 'expenses mark-paid'
    records a payment.

    Amounts are exact pounds and pence. JSON is {"total": "12.65", "items": [...],
    "by_volunteer": [...]} with amounts as strings, never floats; CSV has the items only.
    Names no young person.
    """
    if ctx.invoked_subcommand is not None:
        return
    from ivcli.render import emit, message, write_json
    from ivcli.visits import expenses as claims_list
    from ivcli.visits.expenses import EXPENSE_COLUMNS, VOLUNTEER_COLUMNS

    bounds = _bounds(month)
    with state(ctx).reading() as conn:
        claims = claims_list.expenses(conn, bounds)
    label = bounds[0].strftime("%Y-%m")
    if fmt == OutputFormat.json:
        write_json(claims.as_json())
        return
    if fmt == OutputFormat.csv:
        emit("csv", EXPENSE_COLUMNS, claims.items)
        return
    total = claims.as_json()["total"]
    if claims.items:
        rows = [*claims.items, {"visit_id": "Total", "amount": total}]
        emit("table", EXPENSE_COLUMNS, rows, title=f"Expenses {label}")
        emit("table", VOLUNTEER_COLUMNS, claims.by_volunteer, title=f"By volunteer {label}")
    else:
        message(f"No expenses in {label}.")


@app.command("mark-paid")
def mark_paid(
    ctx: typer.Context,
    volunteer: Annotated[
        int, typer.Option("--volunteer", help="The volunteer paid (their id).",
                          show_default=False)
    ],
    month: Annotated[str, month_option("The month of the visits paid for")],
    on: Annotated[date | None, date_option("The day it was paid; default today",
                                           "--date")] = None,
    fmt: Format = OutputFormat.table,
) -> None:
    """Record that a volunteer's claims for a month were paid: every unpaid cost line of their
    visits in that month is marked paid (on --date, default today). Lines already paid keep
    their day, so running it again marks nothing. Says how many lines and their sum.
    """
    from ivcli.render import emit, message, write_json
    from ivcli.visits import expenses as claims_list

    bounds = _bounds(month)
    with state(ctx).writing() as conn:
        paid = claims_list.mark_paid(conn, volunteer, bounds, on or date.today())
    label = bounds[0].strftime("%Y-%m")
    record = {"month": label, **paid.as_json()}
    if fmt == OutputFormat.json:
        write_json(record)
        return
    if fmt == OutputFormat.csv:
        emit("csv", list(record), [record])
        return
    already = f" ({paid.already} already paid)" if paid.already else ""
    if paid.lines:
        message(f"Marked {paid.lines} cost line(s) of volunteer {volunteer} in {label} paid, "
                f"£{record['amount']}{already}.")
    else:
        message(f"No unpaid cost lines of volunteer {volunteer} in {label}{already}; nothing "
                "was changed.")
