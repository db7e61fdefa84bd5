"""ivcli settings: the scheme's limits (age ranges, check renewals, ...)."""

from __future__ import annotations

from typing import Annotated

import typer

from ivcli.cli.common import Format, state
from ivcli.enums import OutputFormat

app = typer.Typer(help="The scheme's settings: list, set and reset them.", no_args_is_help=True)


@app.command("list")
def list_(ctx: typer.Context, fmt: Format = OutputFormat.table) -> None:
    """Every setting with its value, its default and what it means."""
    from ivcli import stored_settings as settings
    from ivcli.render import emit

    with state(ctx).reading() as conn:
        rows = settings.all_values(conn)
    emit(fmt.value, ["key", "value", "default", "changed", "help"], rows, title="Settings")


@app.command("set")
def set_(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The setting, e.g. eligibility.min_age.")],
    value: Annotated[str, typer.Argument(help="Its new value.")],
) -> None:
    """Change a setting."""
    from ivcli import stored_settings as settings
    from ivcli.render import message

    with state(ctx).writing() as conn:
        parsed = settings.set_value(conn, key, value)
    message(f"{key} = {parsed}")


@app.command("reset")
def reset(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The setting to return to its default.")],
) -> None:
    """Return a setting to its default."""
    from ivcli import stored_settings as settings
    from ivcli.render import message

    with state(ctx).writing() as conn:
        settings.reset(conn, key)
    message(f"{key} is back to its default.")
