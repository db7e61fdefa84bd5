"""ivcli young-person: the young person's record and matching profile."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ivcli.cli.common import Format, date_option, require, state, yes_no_option
from ivcli.enums import LeftCareReason, LegalStatus, OutputFormat
from ivcli.errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

app = typer.Typer(
    help="Young people: show the record, record life events (legal status, area, placement) "
    "and fill in the matching profile (ids as in 'referral list', column young_person_id).",
    no_args_is_help=True,
)

YoungPersonId = Annotated[int, typer.Argument(
    metavar="ID", help="The young person's id (young_person_id in 'referral list').",
    show_default=False)]


def _read_json(source: str) -> dict[str, Any]:
    from ivcli.matching.profiles import read_json_file

    if source == "-":
        return read_json_file(sys.stdin.read(), "standard input")
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"no file at {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}"
                           ) from None
    return read_json_file(text, path.name)


def _load(conn: Connection, side: str, record_id: int) -> tuple[Any, dict[str, Any]]:
    from ivcli.matching import profiles

    if side == "young_person":
        yp = profiles.get_young_person(conn, record_id)
        return yp, profiles.load_young_person_profile(yp)
    from ivcli.volunteers import records as volunteers

    v = volunteers.get(conn, record_id)
    return v, profiles.load_volunteer_profile(v)


def run_profile(ctx: typer.Context, side: str, record_id: int, from_json: str | None) -> None:
    """Shared by 'young-person profile' and 'volunteer profile'."""
    from ivcli.matching import profiles
    from ivcli.render import message

    app_state = state(ctx)
    who = "young person" if side == "young_person" else "volunteer"
    if from_json is not None:
        answers = _read_json(from_json)
    elif app_state.can_prompt():
        from ivcli import prompts

        with app_state.reading() as conn:  # no lock held while the questions are asked
            _, current = _load(conn, side, record_id)
            if side == "volunteer":
                from ivcli import stored_settings

                most = stored_settings.get_int(conn, "volunteer.max_capacity")
        if side == "young_person":
            answers = prompts.ask_young_person_profile(current)
        else:
            answers = prompts.ask_volunteer_profile(current, most)
            answers.pop("gender", None)
            answers.pop("area", None)
    else:
        require(["--from-json"])
        return
    with app_state.writing() as conn:
        record, current = _load(conn, side, record_id)
        merged = profiles.merge(side, current, answers)
        profiles.save(conn, side, record, merged)
    message(f"Saved the profile of {who} {record_id}.")
    unknown = profiles.unknown_interests(merged)
    if unknown:
        message("Not in the interest vocabulary (kept as typed; see docs/profiles.md): "
                + ", ".join(unknown), style="yellow")


@app.command("profile")
def profile(
    ctx: typer.Context,
    young_person_id: YoungPersonId,
    from_json: Annotated[str | None, typer.Option(
        "--from-json", metavar="FILE",
        help="Read the profile from a JSON file ('-' for standard input); keys given replace "
        "those held. Keys: docs/profiles.md.", show_default=False)] = None,
) -> None:
    """Fill in the young person's matching profile with them: a questionnaire at a terminal,
    or a JSON file."""
    run_profile(ctx, "young_person", young_person_id, from_json)


@app.command("show")
def show(
    ctx: typer.Context,
    young_person_id: YoungPersonId,
    as_of: Annotated[date | None, date_option("Age on this day; default today",
                                              "--as-of")] = None,
    fmt: Format = OutputFormat.table,
) -> None:
    """Show a young person's record, referrals and matching profile."""
    from ivcli.matching import profiles
    from ivcli.referrals import legal_status
    from ivcli.render import emit_one

    with state(ctx).reading() as conn:
        record = profiles.show_young_person(conn, young_person_id, as_of or date.today())
        record["legal_status"] = legal_status.current(conn, young_person_id)
        history = legal_status.history(conn, young_person_id)
    if fmt == OutputFormat.table:
        record["legal_status_history"] = "; ".join(
            f"{h['status']} from {h['date']}" + (f" ({h['reason']})" if h["reason"] else "")
            for h in history)
    else:
        record["legal_status_history"] = history
    emit_one(fmt.value, record, title=f"Young person {young_person_id}")


@app.command("update")
def update(
    ctx: typer.Context,
    young_person_id: YoungPersonId,
    legal_status: Annotated[LegalStatus | None, typer.Option(
        "--legal-status", help="Their legal status from --date: looked_after, care_leaver "
        "(16 or over) or left_care (ends each open match and closes open referrals; needs "
        "--reason).", show_default=False)] = None,
    on: Annotated[date | None, date_option(
        "The day it changed (legal status, area, placement type); default today",
        "--date")] = None,
    reason: Annotated[LeftCareReason | None, typer.Option(
        help="Why they left care (with --legal-status left_care).", show_default=False)] = None,
    pathway_plan: Annotated[Any, yes_no_option(
        "A care leaver's pathway plan, on their open referral", "--pathway-plan")] = None,
    area: Annotated[str | None, typer.Option(
        help="Where they now live (area or district), from --date.", metavar="TEXT",
        show_default=False)] = None,
    placement_type: Annotated[str | None, typer.Option(
        help="Their placement type from --date (foster, residential, kinship, ...).",
        metavar="TEXT", show_default=False)] = None,
    fmt: Format = OutputFormat.table,
) -> None:
    """Record a life event: a change of legal status, area or placement type, each kept with
    its date (docs/legal-status.md)."""
    from ivcli.referrals import legal_status as life
    from ivcli.render import emit_one, message

    if legal_status is None and pathway_plan is None and area is None \
            and placement_type is None:
        require(["at least one of --legal-status, --pathway-plan, --area, --placement-type"])
    if reason is not None and legal_status is None:
        raise InvalidInput("--reason goes with --legal-status left_care")
    day = on or date.today()
    change = None
    with state(ctx).writing() as conn:
        placed = life.record_placement(
            conn, young_person_id,
            {k: v for k, v in (("area", area), ("placement_type", placement_type))
             if v is not None}, day) if area is not None or placement_type is not None else []
        if legal_status is not None:
            change = life.change_legal_status(conn, young_person_id, legal_status.value, day,
                                              reason.value if reason else None)
        plan_on = life.set_pathway_plan(conn, young_person_id, pathway_plan) \
            if pathway_plan is not None else None
        status = life.current(conn, young_person_id)
    said = []
    if change is not None:
        said.append(f"legal status {change.status} from {day.isoformat()}")
    if placed:
        said.append(", ".join(placed) + f" from {day.isoformat()}")
    if plan_on is not None:
        said.append(f"pathway plan on referral {plan_on}")
    message(f"Young person {young_person_id}: {'; '.join(said) or 'no change'}.")
    if change is not None:
        for mid in change.ended_matches:
            message(f"Match {mid} ended on {day.isoformat()} (left_care).")
        for mid in change.declined_matches:
            message(f"Match {mid}, not started, declined on {day.isoformat()} (left_care).")
        if change.closed_referrals:
            message("Referral(s) closed: " + ", ".join(map(str, change.closed_referrals)) + ".")
    if fmt != OutputFormat.table:
        emit_one(fmt.value, {
            "id": young_person_id, "legal_status": status,
            "ended_matches": change.ended_matches if change else [],
            "declined_matches": change.declined_matches if change else [],
            "closed_referrals": change.closed_referrals if change else []})
