"""ivcli concern: worries about a young person, a volunteer or a match, who was told, and
their outcome."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from ivcli.cli.common import Format, Names, date_option, require, state
from ivcli.enums import ConcernCategory, ConcernTold, OutputFormat

app = typer.Typer(
    help="Concerns to follow up (safeguarding): open one about a young person, a volunteer or "
    "a match, record who was told, close it. Open ones are on 'ivcli today' until closed "
    "(docs/safeguarding.md).",
    no_args_is_help=True,
)
if TYPE_CHECKING:
    from ivcli.volunteers.support import Held

ConcernId = Annotated[int, typer.Argument(metavar="ID", help="The concern's id.")]


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
    """The open concerns, oldest first, with their text, who was told and by when they must
    be escalated. This is the only command that shows a concern's text: keep its output
    private."""
    from ivcli.render import emit
    from ivcli.visits import concerns

    columns: tuple[str, ...] = concerns.LIST_COLUMNS
    with state(ctx).reading() as conn:
        rows = concerns.list_concerns(conn, date.today(), include_closed=all_)
        if names:
            from ivcli import names as people

            concerns.add_names(conn, rows)
            at = columns.index("subject_id") + 1
            columns = columns[:at] + people.COLUMNS + columns[at:]
    if fmt != OutputFormat.json:
        for r in rows:
            r["told"] = "; ".join(f"{t['to']} {t['date']}" for t in r["told"])  # type: ignore
    emit(fmt.value, columns, rows, title="Concerns",
         empty="No concerns." if all_ else "No open concerns.")


def _subject(match_arg: int | None, match: int | None, young_person: int | None,
             volunteer: int | None) -> tuple[str, int]:
    from ivcli.errors import ConflictingOptions

    if match_arg is not None and match is not None and match_arg != match:
        raise ConflictingOptions("give the match once: MATCH_ID or --match")
    given = [(s, i) for s, i in (("match", match if match is not None else match_arg),
                                 ("young_person", young_person), ("volunteer", volunteer))
             if i is not None]
    if len(given) > 1:
        raise ConflictingOptions("a concern is about one of --young-person, --volunteer or "
                                 "--match; give exactly one")
    if not given:
        require(["--young-person, --volunteer or --match"])
    return given[0]


@app.command("open")
def open_(
    ctx: typer.Context,
    match_arg: Annotated[int | None, typer.Argument(
        metavar="[MATCH_ID]", help="The match it is about (the same as --match).",
        show_default=False)] = None,
    young_person: Annotated[int | None, typer.Option(
        "--young-person", metavar="ID", help="About a young person (matched or waiting).",
        show_default=False)] = None,
    volunteer: Annotated[int | None, typer.Option(
        "--volunteer", metavar="ID", help="About a volunteer (an allegation: the LADO route).",
        show_default=False)] = None,
    match: Annotated[int | None, typer.Option(
        "--match", metavar="ID", help="About a match that has started.",
        show_default=False)] = None,
    category: Annotated[ConcernCategory, typer.Option(
        help="safeguarding and allegation escalate (docs/safeguarding.md).")
    ] = ConcernCategory.other,
    body: Annotated[str | None, typer.Option("--summary", "--text", help="The concern.",
                                             show_default=False)] = None,
    on: Annotated[date | None, date_option("When it was raised; default today", "--date")] = None,
    no_hold: Annotated[bool, typer.Option(
        "--no-hold", help="An allegation about a volunteer: do not put them on hold (give "
        "--because).")] = False,
    because: Annotated[str | None, typer.Option(
        help="With --no-hold: why the volunteer is not put on hold.", show_default=False)
    ] = None,
) -> None:
    """Open a concern about exactly one young person, volunteer or match. An allegation about a
    volunteer puts them on hold and pauses their active matches at once, unless --no-hold
    --because TEXT. A concern noticed on a visit can be opened with 'ivcli visit log
    --concern'."""
    from ivcli.errors import ConflictingOptions
    from ivcli.render import message
    from ivcli.visits import concerns

    subject, subject_id = _subject(match_arg, match, young_person, volunteer)
    if because is not None and not no_hold:
        raise ConflictingOptions("--because goes with --no-hold")
    if no_hold and not because:
        require(["--because"])
    text = _ask(body, ctx, "The concern:", "--summary")
    with state(ctx).writing() as conn:
        opened = concerns.open_concern(conn, subject, subject_id, on or date.today(), text,
                                       date.today(), category=category.value,
                                       no_hold_because=because if no_hold else None)
    message(f"Opened concern {opened.id} ({category.value}) about "
            f"{subject.replace('_', ' ')} {subject_id}.")
    if category.value in concerns.ESCALATE_TO:
        who = "the LADO" if category == ConcernCategory.allegation else "someone"
        message(f"Tell {who} and record it with 'ivcli concern action {opened.id} --told ... "
                "--date DATE': until then it is an escalation on 'ivcli today'.", style="yellow")
    if opened.held is not None:
        held_messages(opened.held)
    typer.echo(opened.id)


def held_messages(held: Held) -> None:
    """What a hold did to the volunteer and their matches (``volunteer hold``, an allegation)."""
    from ivcli.render import message

    vid = held.volunteer_id
    if not held.already:
        message(f"Volunteer {vid} is on hold: not matchable until 'ivcli volunteer resume "
                f"{vid}'.", style="yellow")
    if held.paused:
        message(f"Paused match(es) {', '.join(map(str, held.paused))}: 'ivcli match resume ID' "
                "when they may continue.", style="yellow")
    if held.kept:
        message(f"Match(es) {', '.join(map(str, held.kept))} kept active (noted on each).",
                style="yellow")
    if held.not_started:
        message(f"Warning: volunteer {vid} also has match(es) not yet started: "
                f"{', '.join(map(str, held.not_started))}. Decline them or wait.",
                style="yellow")


@app.command("action")
def action(
    ctx: typer.Context,
    concern_id: ConcernId,
    told: Annotated[ConcernTold, typer.Option(help="Who was told.", show_default=False)],
    on: Annotated[date | None, date_option("When they were told; default today",
                                           "--date")] = None,
    note: Annotated[str | None, typer.Option(help="A note (e.g. their advice).",
                                             show_default=False)] = None,
) -> None:
    """Record who was told about a concern, and when: the LADO for an allegation, anyone for a
    safeguarding concern ends its escalation on 'ivcli today'."""
    from ivcli.render import message
    from ivcli.visits import concerns

    with state(ctx).writing() as conn:
        done = concerns.action(conn, concern_id, told.value, on or date.today(), note,
                               date.today())
    message(f"Concern {concern_id}: recorded {told.value} told on "
            f"{(on or date.today()).isoformat()}."
            + ("" if done else " It still needs the LADO told."))


@app.command("close")
def close(
    ctx: typer.Context,
    concern_id: ConcernId,
    note: Annotated[str | None, typer.Option("--outcome", "--note", help="The outcome: what "
                                             "was done.", show_default=False)] = None,
    on: Annotated[date | None, date_option("When it was closed; default today", "--date")] = None,
) -> None:
    """Close a concern with its outcome. A safeguarding concern or allegation not yet
    escalated (see 'concern action') is refused."""
    from ivcli.render import message
    from ivcli.visits import concerns

    text = _ask(note, ctx, "The outcome:", "--outcome (or --note)")
    with state(ctx).writing() as conn:
        concerns.close(conn, concern_id, text, on or date.today(), date.today())
    message(f"Closed concern {concern_id}.")
