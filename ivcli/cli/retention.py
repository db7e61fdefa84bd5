"""ivcli retention: records past their retention period, and anonymising them."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from ivcli.cli.common import YES, Format, confirmed, date_option, state
from ivcli.enums import OutputFormat

app = typer.Typer()


@app.command("retention")
def retention(
    ctx: typer.Context,
    apply: Annotated[bool, typer.Option("--apply", help="Anonymise the records listed.")] = False,
    as_of: Annotated[date | None, date_option("Judge as on this date; default today",
                                              "--as-of")] = None,
    yes: Annotated[bool, YES] = False,
    fmt: Format = OutputFormat.table,
) -> None:
    """List records past their retention period; with --apply, anonymise them (as 'ivcli
    erase'). Periods are settings: retention.young_person_until_age, retention.volunteer_years.

    A person still in an open match is not listed or anonymised: a warning names them and the
    match to end first. Nor is a person with an allegation or safeguarding concern, or a match
    ended for safeguarding, before retention.safeguarding_years (10) after it, a volunteer
    before retention.safeguarding_until_age (65): a warning names the records that hold them,
    by id (docs/safeguarding.md).
    """
    from ivcli import db
    from ivcli.render import emit, message
    from ivcli.safety import privacy

    app_state = state(ctx)
    on = as_of or date.today()
    with app_state.reading() as conn:
        due, held = privacy.retention_review(conn, on)
    emit(fmt.value, ("kind", "id", "due_since", "reason"), [d.as_row() for d in due],
         title=f"Past their retention period on {on.isoformat()}",
         empty="Nothing is past its retention period.")
    for d in held:
        message(f"Warning: {d.kind.replace('_', ' ')} {d.id} is past its retention period "
                f"(since {d.due_since.isoformat()}) but is not anonymised while {d.reason}.",
                style="yellow")
    if not apply or not due:
        return
    if not confirmed(app_state, yes, f"Anonymise these {len(due)} record(s)? This cannot be "
                     "undone."):
        message("Nothing was anonymised.")
        raise typer.Exit(0)
    with app_state.writing() as conn:
        done = privacy.apply_retention(conn, privacy.retention_due(conn, on))
    db.scrub(app_state.target)
    message(f"Anonymised {len(done)} record(s). Backups made before now still hold them.")
