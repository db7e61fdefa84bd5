"""ivcli concern: follow-ups opened by visits (or between visits) until they are closed."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from ivcli.cli.common import Format, Names, date_option, require, state
from ivcli.enums import OutputFormat

app = typer.Typer(
    help="Concerns to follow up (safeguarding): list, open, close. Open ones are on "
    "'ivcli today' until closed.",
    no_args_is_help=True,
)


def _ask(value: str | None, ctx: typer.Context, label: str, flag: str) -> str:
    if value:
        return value
    if state(ctx).can_prompt():
        from ivcli import prompts

        return prompts.text(label, required=True)
    require([flag])
    return ""


@app.command("list")
def list_(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Closed concerns too.")] = False,
    names: Names = False,
    fmt: Format = OutputFormat.table,
) -> None:
    """The open concerns, oldest first, with their text. This is the only command that shows
    a concern's text: keep its output private."""
    from ivcli import names as people
    from ivcli.render import emit
    from ivcli.visits import concerns

    columns: tuple[str, ...] = concerns.LIST_COLUMNS
    with state(ctx).reading() as conn:
        rows = concerns.list_concerns(conn, date.today(), include_closed=all_)
        if names:
            people.add(conn, rows)
            columns = people.columns(columns)
    emit(fmt.value, columns, rows, title="Concerns",
         empty="No concerns." if all_ else "No open concerns.")


@app.command("open")
def open_(
    ctx: typer.Context,
    match_id: Annotated[int, typer.Argument(metavar="MATCH_ID", help="The match it is about.")],
    body: Annotated[str | None, typer.Option("--text", help="The concern.",
                                             show_default=False)] = None,
    on: Annotated[date | None, date_option("When it was raised; default today", "--date")] = None,
) -> None:
    """Open a concern raised between visits (a call, a message). A concern noticed on a visit is
    opened with 'ivcli visit log --concern'."""
    from ivcli.render import message
    from ivcli.visits import concerns

    text = _ask(body, ctx, "The concern:", "--text")
    with state(ctx).writing() as conn:
        concern_id = concerns.open_concern(conn, match_id, on or date.today(), text,
                                           date.today())
    message(f"Opened concern {concern_id} on match {match_id}.")
    typer.echo(concern_id)


@app.command("close")
def close(
    ctx: typer.Context,
    concern_id: Annotated[int, typer.Argument(metavar="ID", help="The concern's id.")],
    note: Annotated[str | None, typer.Option(help="What was done.", show_default=False)] = None,
    on: Annotated[date | None, date_option("When it was closed; default today", "--date")] = None,
) -> None:
    """Close a concern with a note of what was done."""
    from ivcli.render import message
    from ivcli.visits import concerns

    text = _ask(note, ctx, "What was done:", "--note")
    with state(ctx).writing() as conn:
        concerns.close(conn, concern_id, text, on or date.today(), date.today())
    message(f"Closed concern {concern_id}.")
