"""ivcli subject-export: everything held about one person, for a subject access request."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ivcli.cli.common import require, state

app = typer.Typer()


@app.command("subject-export")
def subject_export(
    ctx: typer.Context,
    young_person_id: Annotated[
        int | None, typer.Argument(metavar="[YOUNG_PERSON_ID]", help="The young person's id.",
                                   show_default=False)
    ] = None,
    volunteer: Annotated[
        int | None, typer.Option("--volunteer", metavar="ID", help="A volunteer's id instead.",
                                 show_default=False)
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (readable only by "
                                  "you) instead of standard output.", show_default=False)
    ] = None,
) -> None:
    """Everything held about one person, as JSON, for a subject access request."""
    from ivcli import outfile
    from ivcli.errors import InvalidInput
    from ivcli.render import message, to_json
    from ivcli.safety import privacy

    if (young_person_id is None) == (volunteer is None):
        if young_person_id is None:
            require(["YOUNG_PERSON_ID or --volunteer ID"])
        raise InvalidInput("give a young person's id or --volunteer ID, not both")
    kind, person_id = (("volunteer", volunteer) if volunteer is not None
                       else ("young_person", young_person_id))
    assert person_id is not None
    live = state(ctx).db_path
    if output is not None:
        outfile.check_writable(output, live)
    with state(ctx).reading() as conn:
        data = privacy.subject_export(conn, kind, person_id)
    text = to_json(data) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    outfile.write_atomic(output, text, live)
    message(f"Wrote everything held about {kind.replace('_', ' ')} {person_id} to {output} "
            "(readable only by you).")
