"""ivcli mappings: the saved header mappings of imports (``--save-map``)."""

from __future__ import annotations

from typing import Annotated

import typer

from ivcli.cli.common import Format, state
from ivcli.enums import OutputFormat

app = typer.Typer(
    help="Saved header mappings of imports (referral, volunteer, visit): list, delete. Save one "
    "with 'referral import FILE --map ... --save-map NAME'.",
    invoke_without_command=True,
)


@app.callback()
def mappings(ctx: typer.Context, fmt: Format = OutputFormat.table) -> None:
    """The saved header mappings; 'ivcli mappings' alone lists them, as 'ivcli mappings
    list' does."""
    if ctx.invoked_subcommand is None:
        list_(ctx, fmt)


@app.command("list")
def list_(ctx: typer.Context, fmt: Format = OutputFormat.table) -> None:
    """List the saved mappings by name: the import each belongs to (kind: referral,
    volunteer or visit), its maps (header=field) and the headers of the file it was saved
    from (a file with the same headers uses it without flags)."""
    from ivcli import stored_mappings
    from ivcli.importing.mapping import describe
    from ivcli.render import emit

    with state(ctx).reading() as conn:
        rows = stored_mappings.listing(conn)
    if fmt is not OutputFormat.json:
        rows = [{**r, "maps": describe(r["maps"]), "headers": "; ".join(r["headers"])}
                for r in rows]
    emit(fmt.value, stored_mappings.LIST_COLUMNS, rows, title="Saved mappings",
         empty="No saved mappings. Save one with 'ivcli referral import FILE --map "
         "\"Their Header=field\" --save-map NAME'.")


@app.command("delete")
def delete(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The mapping's name.", show_default=False)],
) -> None:
    """Delete a saved mapping (files with its headers then need --map again)."""
    from ivcli import stored_mappings
    from ivcli.render import message

    with state(ctx).writing() as conn:
        gone = stored_mappings.delete(conn, name)
    message(f"Deleted saved mapping {gone.name!r} ({gone.kind} import).")
