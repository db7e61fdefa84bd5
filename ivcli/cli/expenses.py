"""ivcli expenses: the month's claims list for the finance team."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from ivcli.cli.common import Format, month_option, state
from ivcli.enums import OutputFormat

app = typer.Typer()


@app.command("expenses")
def expenses(
    ctx: typer.Context,
    month: Annotated[str | None, month_option("The month to claim; default this")] = None,
    fmt: Format = OutputFormat.table,
) -> None:
    """The claims list: every visit cost in a month, with the volunteer to repay, and the total.

    Amounts are exact pounds and pence. JSON is {"total": "12.65", "items": [...]} with amounts
    as strings, never floats. Names no young person.
    """
    from ivcli.periods import month_bounds, parse_month
    from ivcli.render import emit, message, write_json
    from ivcli.visits import log as visits

    bounds = month_bounds(parse_month(month or "this", date.today()))
    with state(ctx).reading() as conn:
        claims = visits.expenses(conn, bounds)
    label = bounds[0].strftime("%Y-%m")
    if fmt == OutputFormat.json:
        write_json(claims.as_json())
        return
    if fmt == OutputFormat.csv:
        emit("csv", visits.EXPENSE_COLUMNS, claims.items)
        return
    total = claims.as_json()["total"]
    if claims.items:
        rows = [*claims.items, {"visit_id": "Total", "amount": total}]
        emit("table", visits.EXPENSE_COLUMNS, rows, title=f"Expenses {label}")
    else:
        message(f"No expenses in {label}.")
