"""ivcli match review: record a review of a match. Self-contained so it can join the matching
command group."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from ivcli.cli.common import date_option, require, state
from ivcli.enums import ReviewWith

app = typer.Typer(help="Matches.", no_args_is_help=True)


def review(
    ctx: typer.Context,
    match_id: Annotated[int, typer.Argument(metavar="ID", help="The match reviewed.")],
    on: Annotated[date | None, date_option("The day of the review", "--date")] = None,
    with_whom: Annotated[
        list[ReviewWith] | None,
        typer.Option("--with", help="Who it was with (repeatable).", show_default=False),
    ] = None,
    note: Annotated[str | None, typer.Option(help="A short note.", show_default=False)] = None,
) -> None:
    """Record a review of a match with the young person, the volunteer, the carer, the
    social worker or the IRO, and show when the next is due.

    Reviews fall due 6 weeks after the start, 3 months after the first, then every 6 months
    (settings review.*). Talking to several people on one day is one review: give --with once
    for each.
    """
    from ivcli.render import message
    from ivcli.visits import reviews

    raw: dict[str, object] = {
        "date": on.isoformat() if on else None,
        "with_whom": [w.value for w in with_whom or []],
        "note": note,
    }
    app_state = state(ctx)
    if app_state.can_prompt():
        from ivcli import prompts

        prompts.ask_review(raw)
    require([flag for flag, key in (("--date", "date"), ("--with", "with_whom"))
             if not raw.get(key)])
    from ivcli.parsing import parse_date

    day = parse_date(str(raw["date"]))
    people = [str(w) for w in raw["with_whom"]]  # type: ignore[attr-defined]
    with app_state.writing() as conn:
        recorded = reviews.record(conn, match_id, day, people,
                                  str(raw["note"]) if raw.get("note") else None, date.today())
    who = " and ".join(f"the {w.replace('-', ' ')}" for w in dict.fromkeys(people))
    ids = ", ".join(str(i) for i in recorded.review_ids)
    message(f"Recorded the review of match {match_id} with {who} (review {ids}). "
            f"Next review due {recorded.next_due.isoformat()}.")


app.command("review")(review)
