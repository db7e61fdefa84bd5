"""ivcli today: what needs attention, most urgent first."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from ivcli.cli.common import Format, date_option, names_option, state
from ivcli.enums import OutputFormat

app = typer.Typer()
PER_KIND = 5


def screen(on: date, total: int, sections: list) -> str:  # list[reports.today.Section]
    """The agenda for a person: a heading per kind, the most urgent first, plain text (quick
    to print; user text escaped by ``render.safe_text``)."""
    from ivcli.render import safe_text

    lines = [f"Today, {on.isoformat()}: {total} to see to"]
    for sec in sections:
        lines += ["", f"{sec.heading}: {sec.total} ({sec.days_mean})"]
        width = max(len(str(i.days)) for i in sec.items)
        lines += [f"  {i.days:>{width}}  {safe_text(i.summary)}" for i in sec.items]
        if sec.hidden:
            lines.append(f"  {'':>{width}}  ... and {sec.hidden} more: 'ivcli today --all' "
                         "shows every one")
    return "\n".join(lines)


@app.command("today")
def today(
    ctx: typer.Context,
    as_of: Annotated[
        date | None, date_option("The day to look from; default today", "--as-of")
    ] = None,
    names: Annotated[bool, names_option(" in summaries")] = False,
    all_: Annotated[
        bool, typer.Option("--all", help=f"On screen, every item (without it, the "
                           f"{PER_KIND} most urgent of each kind and a count of the rest).")
    ] = False,
    fmt: Format = OutputFormat.table,
) -> None:
    """The agenda: concerns to escalate, open concerns, visits by a volunteer not cleared,
    overdue visits, reviews and supervision due, referrals waiting for a decision, volunteer
    checks lapsing, the longest waits for a match, and young people reaching an age limit.

    On screen (--format table) it shows the most urgent of each kind under a heading (--all
    for every one); JSON and CSV always hold everything: an array of {kind, id, days,
    summary} for a scheduled script (docs/month.md says what each kind's id and days mean).
    Summaries never name a child unless --names, and never quote a concern.
    """
    from ivcli.render import emit, message
    from ivcli.reports.today import COLUMNS, agenda, for_screen

    on = as_of or date.today()
    with state(ctx).reading() as conn:
        items = agenda(conn, on, names=names)
    if fmt != OutputFormat.table:
        emit(fmt.value, COLUMNS, [i.as_dict() for i in items])
        return
    if not items:
        message(f"Nothing needs attention on {on.isoformat()}.")
        return
    typer.echo(screen(on, len(items), for_screen(items, None if all_ else PER_KIND)))
