"""ivcli check: the database's integrity, the audit chain and the scheme's rules."""

from __future__ import annotations

from typing import Annotated

import typer

from ivcli.cli.common import Format, state
from ivcli.enums import OutputFormat

app = typer.Typer()


@app.command("check")
def check(
    ctx: typer.Context,
    scrub: Annotated[
        bool, typer.Option("--scrub", help="Also rebuild the file so no unused space keeps "
                           "old (e.g. erased) content.")
    ] = False,
    fmt: Format = OutputFormat.table,
) -> None:
    """Check the database: SQLite's integrity and foreign-key checks, the audit chain, and
    ivcli's own rules (one open match per young person, statuses that agree).

    Exits 1 when anything is wrong.
    """
    from ivcli.render import emit, message
    from ivcli.safety.check import run_checks

    app_state = state(ctx)
    with app_state.reading() as conn:
        checks = run_checks(conn)
    if scrub:
        from ivcli import db

        db.scrub(app_state.target)
    emit(fmt.value, ("check", "ok", "detail"), [c.as_row() for c in checks],
         title=f"Checks of {app_state.where}")
    if not all(c.ok for c in checks):
        message("Problems found: restore a backup ('ivcli restore') or correct the records "
                "named above.", style="red")
        raise typer.Exit(1)
