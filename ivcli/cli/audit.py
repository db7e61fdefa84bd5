"""ivcli audit: the audit trail."""

from __future__ import annotations

from typing import Annotated

import typer

from ivcli.cli.common import Format, state
from ivcli.enums import OutputFormat

app = typer.Typer()


@app.command("audit")
def audit_(
    ctx: typer.Context,
    record: Annotated[
        str | None,
        typer.Option("--record", metavar="TABLE:ID",
                     help="Only one record, e.g. referrals:12 or young_people:3.",
                     show_default=False),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", metavar="NAME",
                     help="Only the entries of one person, as the 'by' column shows them "
                     "(IVCLI_USER, or the database login).", show_default=False),
    ] = None,
    limit: Annotated[int, typer.Option(help="Show the latest N entries (0: all).", min=0)] = 50,
    fmt: Format = OutputFormat.table,
) -> None:
    """Show the audit trail: when, which command, which record and which fields changed, and by
    whom.

    The trail never holds the values themselves. It is append-only and hash-chained; 'ivcli
    check' verifies it. An import's new records are one entry per table, for the ids from
    record_id to record_to.
    """
    from ivcli.render import emit
    from ivcli.safety import audit

    table = record_id = None
    if record:
        table, sep, record_id = record.partition(":")
        if not sep or not table or not record_id:
            raise typer.BadParameter("use TABLE:ID, e.g. referrals:12", param_hint="--record")
    with state(ctx).reading() as conn:
        rows = audit.entries(conn, table, record_id, limit, by)
    emit(fmt.value, audit.COLUMNS, rows, title="Audit trail", empty="No audit entries.")
