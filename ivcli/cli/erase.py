"""ivcli erase: erase a young person's or a volunteer's personal data."""

from __future__ import annotations

from typing import Annotated

import typer

from ivcli.cli.common import YES, confirmed, state

app = typer.Typer(
    help="Erase a person's personal data, keeping anonymous counts. Cannot be undone.",
    no_args_is_help=True,
)


def _erase(ctx: typer.Context, kind: str, person_id: int, yes: bool) -> None:
    from ivcli import db
    from ivcli.render import message
    from ivcli.safety import privacy

    app_state = state(ctx)
    what = f"{kind.replace('_', ' ')} {person_id}"
    with app_state.reading() as conn:
        privacy.check_erasable(conn, kind, person_id)  # before asking: refused, or not found
    if not confirmed(app_state, yes, f"Erase the personal data of {what}? This cannot be "
                     "undone."):
        message("Nothing was erased.")
        raise typer.Exit(0)
    with app_state.writing() as conn:
        done = privacy.erase(conn, kind, person_id)
    db.scrub(app_state.target)
    counts = ", ".join(f"{n} {t}" for t, n in sorted(done.records.items()))
    message(f"Erased the personal data of {what} ({counts} record(s) anonymised); the records "
            "stay in the counts.\nBackups made before now still hold it: delete or overwrite "
            "them under your retention policy.")


@app.command("young-person")
def erase_young_person(
    ctx: typer.Context,
    young_person_id: Annotated[int, typer.Argument(metavar="ID", help="The young person's id.")],
    yes: Annotated[bool, YES] = False,
) -> None:
    """Erase a young person: names, reference, profile, notes and the free text of their
    matches' visits, reviews and concerns go; the date of birth keeps only its month (setting
    privacy.erase_dob_to); referrals, matches and visits stay as counts.

    Refused (exit 1, nothing changed) while the young person is in an open match (proposed,
    accepted, active or paused): end or decline it first."""
    _erase(ctx, "young_person", young_person_id, yes)


@app.command("volunteer")
def erase_volunteer(
    ctx: typer.Context,
    volunteer_id: Annotated[int, typer.Argument(metavar="ID", help="The volunteer's id.")],
    yes: Annotated[bool, YES] = False,
) -> None:
    """Erase a volunteer: names, contact details, profile, notes, certificate numbers and the
    free text of their matches' visits, reviews and concerns go; checks and matches stay as
    counts.

    Refused (exit 1, nothing changed) while the volunteer is in an open match (proposed,
    accepted, active or paused): end or decline it first."""
    _erase(ctx, "volunteer", volunteer_id, yes)
