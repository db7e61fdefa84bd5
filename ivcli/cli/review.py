"""ivcli match review: record a review of a match. Self-contained so it can join the matching
command group."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from ivcli.cli.common import date_option, require, state
from ivcli.enums import ReviewOutcome, ReviewTheme, ReviewWith
from ivcli.report_figures import RATING_QUESTION, RATINGS

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
    their_words: Annotated[
        str | None,
        typer.Option("--their-words", metavar="TEXT", show_default=False,
                     help="What the young person said, in their words (personal data; needs "
                     "--with young-person)."),
    ] = None,
    rating: Annotated[
        int | None,
        typer.Option("--rating", metavar="1-5", min=1, max=5, show_default=False,
                     help=f"The young person's answer to \"{RATING_QUESTION}\": "
                     + ", ".join(f"{n} {label.lower()}" for n, label in RATINGS) + "."),
    ] = None,
    theme: Annotated[
        list[ReviewTheme] | None,
        typer.Option("--theme", show_default=False,
                     help="What the young person says their IV makes a difference to "
                     "(repeatable)."),
    ] = None,
    quote_ok: Annotated[
        bool,
        typer.Option("--quote-ok", help="The young person agreed to their words being quoted "
                     "(without their name) in the annual report."),
    ] = False,
    outcome: Annotated[
        ReviewOutcome | None,
        typer.Option("--outcome", show_default=False,
                     help="What the review decided: continue, change (carry on with something "
                     "changed) or end."),
    ] = None,
) -> None:
    """Record a review of a match with the young person, the volunteer, the carer, the
    social worker or the IRO, and show when the next is due.

    With the young person, record what they said (--their-words), their rating (--rating)
    and the themes they named (--theme); --quote-ok if they agreed to be quoted.

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
    voice = reviews.Voice(their_words, rating, tuple(t.value for t in theme or []), quote_ok,
                          outcome.value if outcome else None)
    with app_state.writing() as conn:
        recorded = reviews.record(conn, match_id, day, people,
                                  str(raw["note"]) if raw.get("note") else None, date.today(),
                                  voice)
    who = " and ".join(f"the {w.replace('-', ' ')}" for w in dict.fromkeys(people))
    ids = ", ".join(str(i) for i in recorded.review_ids)
    message(f"Recorded the review of match {match_id} with {who} (review {ids}). "
            f"Next review due {recorded.next_due.isoformat()}.")


app.command("review")(review)
