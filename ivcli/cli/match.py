"""ivcli match: suggestions, proposals and the match life cycle."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import typer

from ivcli.cli.common import Format, Names, date_option, require, state, yes_no_option
from ivcli.cli.review import review
from ivcli.enums import EndReason, MatchStatus, OutputFormat
from ivcli.errors import ConflictingOptions, MissingValue

app = typer.Typer(
    help="Matches: suggest volunteers, propose, record the young person's decision, start, "
    "pause, resume and end.",
    no_args_is_help=True,
)

class MatchStep(StrEnum):
    proposed = "proposed"
    accepted = "accepted"
    started = "started"
    ended = "ended"


MatchId = Annotated[int, typer.Argument(metavar="ID", help="The match's id.")]
OnDate = Annotated[date | None, date_option("Date; default today", "--date")]


def _emit_match(fmt: OutputFormat, record: dict[str, object]) -> None:
    from ivcli.render import emit_one

    emit_one(fmt.value, record, title=f"Match {record['id']}")


def _done(message: str, fmt: OutputFormat, record: dict[str, object]) -> None:
    from ivcli.render import message as say

    say(message)
    if fmt != OutputFormat.table:
        _emit_match(fmt, record)


@app.command("suggest")
def suggest(
    ctx: typer.Context,
    young_person_id: Annotated[
        int | None,
        typer.Argument(metavar="YOUNG_PERSON_ID", help="The young person's id.",
                       show_default=False),
    ] = None,
    all_: Annotated[
        bool,
        typer.Option("--all", help="One proposal for the whole waiting list at once."),
    ] = False,
    top: Annotated[int, typer.Option("--top", min=1, help="How many volunteers to show.")] = 5,
    as_of: Annotated[
        date | None, date_option("Checks and ages as on this date; default today", "--as-of")
    ] = None,
    names: Names = False,
    fmt: Format = OutputFormat.table,
) -> None:
    """Suggest volunteers for a young person on the waiting list, best first, with reasons.

    Only approved volunteers with every check current and a free place are suggested, within
    the young person's wishes (IV gender, age), the volunteer's ages and reachable areas.
    With --all, proposes one volunteer per young person for the whole waiting list: as many
    matched as possible, then as many language needs met, then the best fit and longest
    waiting; a pair with no shared ground is not proposed. Nothing is written.
    """
    from ivcli.matching import assignment, suggestions
    from ivcli.names import add as add_names
    from ivcli.names import columns as name_columns
    from ivcli.render import emit, message

    if all_ and young_person_id is not None:
        raise ConflictingOptions("give a young person's id or --all, not both")
    if not all_ and young_person_id is None:
        raise MissingValue("missing YOUNG_PERSON_ID", hint="give a young person's id, or --all")
    on = as_of or date.today()
    with state(ctx).reading() as conn:
        if all_:
            whole = assignment.suggest_all(conn, on)
            rows = [dict(vars(p)) for p in whole.proposals]
        else:
            found = suggestions.suggest(conn, young_person_id or 0, on, top)
            rows = [dict(vars(s), young_person_id=young_person_id) for s in found]
        if names:
            add_names(conn, rows)
    if all_:
        columns = ["young_person_id", "volunteer_id", "score", "waiting_days", "reasons",
                   "concerns"]
        if names:
            columns = list(name_columns(columns))
        emit(fmt.value, columns, _joined(rows, fmt), title="Proposal for the waiting list",
             empty="No young person on the waiting list can be matched now.")
        message(f"{len(whole.proposals)} of {whole.waiting} young people on the waiting list "
                "matched in this proposal; nothing was written. Propose each with "
                "'ivcli match propose YOUNG_PERSON_ID VOLUNTEER_ID'.")
        apart = set(whole.no_shared_ground)
        others = [i for i in whole.unmatched if i not in apart]
        if others:
            message(f"No suitable volunteer free now for young people {_ids(others)}.",
                    style="yellow")
        if whole.no_shared_ground:
            message(f"Young people {_ids(whole.no_shared_ground)}: a free volunteer meets every "
                    "rule but shares nothing recorded in their profiles (no shared ground), so "
                    "none is proposed; see 'ivcli match suggest YOUNG_PERSON_ID', or record "
                    "more in the profile.", style="yellow")
        return
    columns = ["volunteer_id", "score", "reasons", "concerns"]
    if names:
        columns = list(name_columns(["young_person_id", *columns]))[1:]
    emit(fmt.value, columns, _joined(rows, fmt),
         title=f"Suggested volunteers for young person {young_person_id}",
         empty="No volunteer meets every rule for this young person now.")


def _ids(ids: list[int], most: int = 30) -> str:
    more = f" and {len(ids) - most} more" if len(ids) > most else ""
    return ", ".join(str(i) for i in ids[:most]) + more


def _joined(rows: list[dict[str, object]], fmt: OutputFormat) -> list[dict[str, object]]:
    """Lists of reasons as one cell ("a; b") for tables and CSV; JSON keeps arrays."""
    if fmt == OutputFormat.json:
        return rows
    return [{k: "; ".join(v) if isinstance(v, list) else v for k, v in r.items()} for r in rows]


@app.command("propose")
def propose(
    ctx: typer.Context,
    young_person_id: Annotated[int, typer.Argument(help="The young person's id.")],
    volunteer_id: Annotated[int, typer.Argument(help="The volunteer's id.")],
    on: OnDate = None,
    note: Annotated[str | None, typer.Option(help="A note.", show_default=False)] = None,
    fmt: Format = OutputFormat.table,
) -> None:
    """Propose a match for the young person to decide on. Prints the new match's id.

    Refused (exit 1, with the reason) when the volunteer is not approved, a check is missing
    or lapsed, they have no free place, or a hard rule is broken.
    """
    from ivcli.matching import lifecycle as matches

    with state(ctx).writing() as conn:
        m = matches.propose(conn, young_person_id, volunteer_id, on or date.today(), note)
        record = matches.as_row(m)
    _done(f"Proposed match {record['id']}: young person {young_person_id} with volunteer "
          f"{volunteer_id}. The young person decides: 'ivcli match accept|decline "
          f"{record['id']}'.", fmt, record)
    if fmt == OutputFormat.table:
        typer.echo(record["id"])


@app.command("accept")
def accept(ctx: typer.Context, match_id: MatchId, on: OnDate = None,
           fmt: Format = OutputFormat.table) -> None:
    """Record that the young person accepted the proposed match."""
    from ivcli.matching import lifecycle as matches

    with state(ctx).writing() as conn:
        record = matches.as_row(matches.accept(conn, match_id, on or date.today()))
    _done(f"Match {match_id} accepted by the young person; record the introduction with "
          f"'ivcli match start {match_id} --date DATE'.", fmt, record)


@app.command("decline")
def decline(
    ctx: typer.Context,
    match_id: MatchId,
    reason: Annotated[str | None, typer.Option(help="Why it was declined.",
                                               show_default=False)] = None,
    on: OnDate = None,
    fmt: Format = OutputFormat.table,
) -> None:
    """Record that the young person declined; they go back on the waiting list."""
    from ivcli.matching import lifecycle as matches

    if not reason:
        if state(ctx).can_prompt():
            from ivcli import prompts

            reason = prompts.text("Why was it declined?", required=True)
        else:
            require(["--reason"])
    with state(ctx).writing() as conn:
        m = matches.decline(conn, match_id, reason or "", on or date.today())
        record = matches.as_row(m)
    _done(f"Match {match_id} declined; young person {m.young_person_id} is back on the waiting "
          "list.", fmt, record)


@app.command("start")
def start(ctx: typer.Context, match_id: MatchId, on: OnDate = None,
          fmt: Format = OutputFormat.table) -> None:
    """Record the introduction meeting: the match is active from this date."""
    from ivcli.matching import lifecycle as matches

    with state(ctx).writing() as conn:
        record = matches.as_row(matches.start(conn, match_id, on or date.today()))
    _done(f"Match {match_id} started on {record['start_date']}.", fmt, record)


@app.command("pause")
def pause(ctx: typer.Context, match_id: MatchId, on: OnDate = None,
          note: Annotated[str | None, typer.Option(help="Why.", show_default=False)] = None,
          fmt: Format = OutputFormat.table) -> None:
    """Pause an active match, for illness or exams."""
    from ivcli.matching import lifecycle as matches

    with state(ctx).writing() as conn:
        record = matches.as_row(matches.pause(conn, match_id, on or date.today(), note))
    _done(f"Match {match_id} paused.", fmt, record)


@app.command("resume")
def resume(ctx: typer.Context, match_id: MatchId, on: OnDate = None,
           note: Annotated[str | None, typer.Option(help="A note.", show_default=False)] = None,
           fmt: Format = OutputFormat.table) -> None:
    """Resume a paused match."""
    from ivcli.matching import lifecycle as matches

    with state(ctx).writing() as conn:
        record = matches.as_row(matches.resume(conn, match_id, on or date.today(), note))
    _done(f"Match {match_id} resumed.", fmt, record)


@app.command("end")
def end(
    ctx: typer.Context,
    match_id: MatchId,
    reason: Annotated[EndReason | None, typer.Option(help="Why it ended.",
                                                     show_default=False)] = None,
    on: OnDate = None,
    note: Annotated[str | None, typer.Option(help="A note.", show_default=False)] = None,
    close: Annotated[
        bool,
        typer.Option("--close", help="Close the referral too. Without it the young person "
                     "goes back on the waiting list to be matched again."),
    ] = False,
    wants_another: Annotated[Any, yes_no_option(
        "With --reason young_person_choice (required): whether they want another visitor; "
        "no closes the referral, yes puts them back on the waiting list",
        "--wants-another")] = None,
    fmt: Format = OutputFormat.table,
) -> None:
    """End an active or paused match, with a reason."""
    from ivcli.matching import lifecycle as matches
    from ivcli.render import message

    code = reason.value if reason else None
    can_prompt = state(ctx).can_prompt()
    if code is None:
        if can_prompt:
            from ivcli import prompts

            code = prompts.select("Why did the match end?", [e.value for e in EndReason])
        else:
            require(["--reason"])
    if code == EndReason.young_person_choice and wants_another is None and can_prompt:
        from ivcli import prompts

        wants_another = prompts.yes_no("Does the young person want another visitor?")
    with state(ctx).writing() as conn:
        m = matches.end(conn, match_id, code or "", on or date.today(), note, close,
                        wants_another)
        record = matches.as_row(m)
    close = close or wants_another is False
    after = ("the referral is closed" if close else
             f"young person {m.young_person_id} is back on the waiting list")
    _done(f"Match {match_id} ended ({code}); {after}.", fmt, record)
    if not close and code in (EndReason.aged_out.value, EndReason.planned.value):
        message(f"If young person {m.young_person_id} is not to be matched again, close the "
                "referral: end with --close.", style="yellow")


@app.command("correct")
def correct(
    ctx: typer.Context,
    match_id: MatchId,
    step: Annotated[MatchStep, typer.Option(help="The step whose date was wrong.",
                                            show_default=False)],
    on: Annotated[date, date_option("The right date", "--date")],
    fmt: Format = OutputFormat.table,
) -> None:
    """Correct the date of one step of a match, within the rules every step keeps.

    Proposed on or after the referral's acceptance, accepted on or after the proposal, started
    on or after the acceptance (and on or before the first visit), ended on or after the start
    (and the last visit); no step after today. Refused (exit 1, nothing written) otherwise.
    The correction is in the audit trail.
    """
    from ivcli.matching import lifecycle as matches

    with state(ctx).writing() as conn:
        m, changed = matches.correct(conn, match_id, step.value, on)
        record = matches.as_row(m)
    _done(f"Match {match_id}: the {step.value} step is dated {on.isoformat()}"
          + ("" if changed else " (no change)") + ".", fmt, record)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[MatchStatus | None, typer.Option(help="Only matches with this status.",
                                                       show_default=False)] = None,
    names: Names = False,
    fmt: Format = OutputFormat.table,
) -> None:
    """List matches."""
    from ivcli import names as people
    from ivcli.matching import lifecycle as matches
    from ivcli.render import emit

    columns: tuple[str, ...] = matches.MATCH_COLUMNS
    with state(ctx).reading() as conn:
        rows = matches.list_matches(conn, status.value if status else None)
        if names:
            people.add(conn, rows)
            columns = people.columns(columns)
    emit(fmt.value, columns, rows, title="Matches", empty="No matches.")


@app.command("show")
def show(ctx: typer.Context, match_id: MatchId, names: Names = False,
         fmt: Format = OutputFormat.table) -> None:
    """Show one match and its history."""
    from ivcli import names as people
    from ivcli.matching import lifecycle as matches
    from ivcli.render import emit

    with state(ctx).reading() as conn:
        record = matches.as_row(matches.get(conn, match_id))
        history = matches.events(conn, match_id)
        if names:
            people.add(conn, [record])
            record = {c: record[c] for c in people.columns(list(record))}
    _emit_match(fmt, record)
    if fmt == OutputFormat.table:
        emit("table", matches.EVENT_COLUMNS, history, title="History")


app.command("review")(review)  # ivcli/cli/review.py: record a review, say when the next is due
