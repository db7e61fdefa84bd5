"""ivcli young-person: the young person's record and matching profile."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ivcli.cli.common import (
    YES,
    Format,
    confirmed,
    date_option,
    field_options,
    require,
    state,
    yes_no_option,
)
from ivcli.enums import LeftCareReason, LegalStatus, OutputFormat
from ivcli.errors import InvalidInput
from ivcli.specs import CONTACT, YOUNG_PERSON

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

app = typer.Typer(
    help="Young people: find them, show and correct the record, fill in the matching "
    "profile, resolve possible duplicates, keep their network (ids as in 'young-person list' "
    "and 'referral list', column young_person_id).",
    no_args_is_help=True,
)

# The options of `update`: the updatable fields of the young person's record spec.
UPDATE_FIELDS = [f for f in YOUNG_PERSON.fields if f.updatable]

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


def _status_option(value: str | None) -> str | None:
    if value is None:
        return None
    from ivcli.enums import person_statuses

    wanted = value.strip().lower()
    if wanted not in person_statuses():
        raise typer.BadParameter(f"not one of {', '.join(person_statuses())}")
    return wanted


NameOpt = Annotated[str | None, typer.Option(
    "--name", help="Only those whose name holds these words (case, accents and punctuation "
    "ignored: 'zoe bronte' finds Zoë Brontë).", show_default=False)]


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(
        "--status", parser=_status_option, metavar="STATUS",
        help="Only those whose open referral has this status (received, accepted, matched), "
        "or none: no open referral.", show_default=False)] = None,
    name: NameOpt = None,
    fmt: Format = OutputFormat.table,
) -> None:
    """List young people: id, name, date of birth, legal status and the status of their open
    referral (empty when none is open). No contact details."""
    from ivcli.referrals import people
    from ivcli.render import emit

    with state(ctx).reading() as conn:
        rows = people.list_people(conn, status, name)
    emit(fmt.value, people.LIST_COLUMNS, rows, title="Young people", empty="No young people.")


@app.command("show")
def show(
    ctx: typer.Context,
    young_person_id: YoungPersonId,
    as_of: Annotated[date | None, date_option("Age on this day; default today",
                                              "--as-of")] = None,
    fmt: Format = OutputFormat.table,
) -> None:
    """Show a young person's record, referrals, matching profile, legal status history and
    current network (social worker, IRO, carer, personal adviser)."""
    from ivcli.referrals import contacts, people
    from ivcli.render import emit_one, print_table

    with state(ctx).reading() as conn:
        record = people.show(conn, young_person_id, as_of or date.today())
    if fmt == OutputFormat.json:
        emit_one("json", record)
        return
    network, history = record.pop("contacts"), record.pop("legal_status_history")
    if fmt == OutputFormat.csv:
        emit_one("csv", record)
        return
    emit_one("table", record, title=f"Young person {young_person_id}")
    if history:
        print_table(("status", "date", "reason"), history, title="Legal status")
    print_table(contacts.CURRENT_COLUMNS, network, title="Network",
                empty=f"No contacts: add them with 'ivcli young-person contact "
                f"{young_person_id} add'.")


# Area and placement type keep a dated history (``legal_status.record_placement``).
PLACEMENT = ("area", "placement_type")


@app.command("update")
@field_options(UPDATE_FIELDS, update=True)
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
    fmt: Format = OutputFormat.table,
    **values: str | None,
) -> None:
    """Correct a young person's record, or record a life event: a change of legal status,
    area or placement type, each kept with its date (docs/legal-status.md). Each value is
    checked as in 'referral add' and a CSV import; the audit trail records which fields changed
    (never the values). A correction that puts a child in an open match outside the age limits
    is made, and shown by 'ivcli today' (kind eligibility)."""
    from ivcli.referrals import legal_status as life
    from ivcli.referrals import people
    from ivcli.render import emit_one, message

    changes = {k: v for k, v in values.items() if v is not None and k not in PLACEMENT}
    placing = {k: v for k, v in values.items() if v is not None and k in PLACEMENT}
    if not changes and not placing and legal_status is None and pathway_plan is None:
        require(["at least one field to change or --legal-status / --pathway-plan (see --help)"])
    if reason is not None and legal_status is None:
        raise InvalidInput("--reason goes with --legal-status left_care")
    day = on or date.today()
    change = None
    changed: list[str] = []
    warnings: list[str] = []
    with state(ctx).writing() as conn:
        if changes:
            changed, warnings = people.update(conn, young_person_id, changes, date.today())
        if placing:
            clean, problems = people.clean_changes(placing)
            if problems:
                raise InvalidInput(f"young person {young_person_id} was not changed",
                                   details=problems)
            changed += life.record_placement(
                conn, young_person_id, {k: None if v is None else str(v)
                                        for k, v in clean.items()}, day)
        if legal_status is not None:
            change = life.change_legal_status(conn, young_person_id, legal_status.value, day,
                                              reason.value if reason else None)
        plan_on = life.set_pathway_plan(conn, young_person_id, pathway_plan) \
            if pathway_plan is not None else None
        status = life.current(conn, young_person_id)
    said = []
    corrected = [k for k in changed if k not in PLACEMENT]
    placed = [k for k in changed if k in PLACEMENT]
    if corrected:
        said.append(", ".join(corrected))
    if placed:
        said.append(", ".join(placed) + f" from {day.isoformat()}")
    if change is not None:
        said.append(f"legal status {change.status} from {day.isoformat()}")
    if plan_on is not None:
        said.append(f"pathway plan on referral {plan_on}")
    message(f"Updated young person {young_person_id}: {'; '.join(said) or 'no change'}.")
    if change is not None:
        for mid in change.ended_matches:
            message(f"Match {mid} ended on {day.isoformat()} (left_care).")
        for mid in change.declined_matches:
            message(f"Match {mid}, not started, declined on {day.isoformat()} (left_care).")
        if change.closed_referrals:
            message("Referral(s) closed: " + ", ".join(map(str, change.closed_referrals)) + ".")
    for w in warnings:
        message(f"Warning: {w}", style="yellow")
    if fmt != OutputFormat.table:
        emit_one(fmt.value, {
            "id": young_person_id, "legal_status": status, "changed": changed,
            "ended_matches": change.ended_matches if change else [],
            "declined_matches": change.declined_matches if change else [],
            "closed_referrals": change.closed_referrals if change else []})


@app.command("duplicates")
def duplicates(ctx: typer.Context, fmt: Format = OutputFormat.table) -> None:
    """Every pair of young people who may be one child (same date of birth and a similar
    name), still to resolve: merge them ('young-person merge KEEP DROP') or dismiss the pair
    for good ('young-person not-duplicate A B')."""
    from ivcli.referrals import duplicates as pairs
    from ivcli.render import emit

    with state(ctx).reading() as conn:
        rows = pairs.open_pairs(conn)
    emit(fmt.value, pairs.COLUMNS, rows, title="Possible duplicates",
         empty="No possible duplicates to resolve.")


PairId = Annotated[int, typer.Argument(help="A young person's id.", show_default=False)]


@app.command("not-duplicate")
def not_duplicate(ctx: typer.Context, first: PairId, second: PairId) -> None:
    """Record that two young people are two children: the pair is never flagged again."""
    from ivcli.referrals import duplicates as pairs
    from ivcli.render import message

    with state(ctx).writing() as conn:
        changed = pairs.dismiss(conn, first, second)
    if changed:
        message(f"Young people {first} and {second} are recorded as two children.")
    else:
        message(f"Young people {first} and {second} were already recorded as two children; "
                "nothing changed.")


@app.command("merge")
def merge(
    ctx: typer.Context,
    keep: Annotated[int, typer.Argument(help="The young person kept.", show_default=False)],
    drop: Annotated[int, typer.Argument(help="The young person merged into KEEP and removed.",
                                        show_default=False)],
    yes: Annotated[bool, YES] = False,
    fmt: Format = OutputFormat.table,
) -> None:
    """Merge two records of one child: DROP's referrals, matches (with their visits, reviews
    and concerns), contacts and other records move to KEEP, KEEP's blank fields and profile
    are filled from DROP, and DROP is removed. Shows what moves and asks first (--yes when not
    at a terminal). Refused when both have an open match."""
    from ivcli.referrals import merge as merging
    from ivcli.render import emit, message, write_json

    app_state = state(ctx)
    with app_state.reading() as conn:
        plan = merging.plan(conn, keep, drop)
    if fmt == OutputFormat.json:
        write_json(plan.as_dict())
    else:
        emit(fmt.value, merging.PLAN_COLUMNS, plan.rows(),
             title=f"Merging young person {drop} into {keep}")
    if not confirmed(app_state, yes, f"Merge young person {drop} into {keep}? DROP's record "
                     "is removed."):
        message("Nothing was merged.")
        raise typer.Exit(0)
    with app_state.writing() as conn:
        merging.merge(conn, keep, drop)
    message(f"Merged young person {drop} into {keep}.")


contact_app = typer.Typer(
    help="The young person's network: social worker, IRO, carer, personal adviser, with "
    "dated history. Shown by 'young-person show' and 'contact ID list' only.",
    no_args_is_help=True,
)
app.add_typer(contact_app, name="contact")


@contact_app.callback()
def contact(ctx: typer.Context, young_person_id: YoungPersonId) -> None:
    """The young person's network: add a contact, end one (the history is kept), list them."""
    ctx.meta["young_person_id"] = young_person_id


def _contact_opt(name: str) -> Any:
    f = CONTACT[name]
    return typer.Option(f"--{name}", help=f.help, show_default=False)


@contact_app.command("add")
def contact_add(
    ctx: typer.Context,
    role: Annotated[str | None, _contact_opt("role")] = None,
    name: Annotated[str | None, _contact_opt("name")] = None,
    email: Annotated[str | None, _contact_opt("email")] = None,
    phone: Annotated[str | None, _contact_opt("phone")] = None,
    organisation: Annotated[str | None, _contact_opt("organisation")] = None,
    since: Annotated[date | None, date_option(CONTACT["from_date"].help.removesuffix("."),
                                              "--from")] = None,
) -> None:
    """Add a contact to the young person's network."""
    from ivcli.referrals import contacts
    from ivcli.render import message

    young_person_id = ctx.meta["young_person_id"]
    require([f"--{k}" for k, v in (("role", role), ("name", name)) if not v])
    with state(ctx).writing() as conn:
        new_id = contacts.add(conn, young_person_id, {
            "role": role, "name": name, "email": email, "phone": phone,
            "organisation": organisation}, since, date.today())
    message(f"Added contact {new_id} to the network of young person {young_person_id}.")
    typer.echo(new_id)


@contact_app.command("end")
def contact_end(
    ctx: typer.Context,
    contact_id: Annotated[int, typer.Argument(metavar="CONTACT_ID", help="The contact's id.",
                                              show_default=False)],
    on: Annotated[date | None, date_option("The last day of their role", "--date")] = None,
) -> None:
    """End a contact's role with the young person (kept in the history)."""
    from ivcli.referrals import contacts
    from ivcli.render import message

    young_person_id = ctx.meta["young_person_id"]
    require([] if on else ["--date"])
    assert on is not None
    with state(ctx).writing() as conn:
        contacts.end(conn, young_person_id, contact_id, on, date.today())
    message(f"Ended contact {contact_id} of young person {young_person_id} on "
            f"{on.isoformat()}.")


@contact_app.command("list")
def contact_list(ctx: typer.Context, fmt: Format = OutputFormat.table) -> None:
    """Every contact of the young person, current and ended (to_date), by role."""
    from ivcli.referrals import contacts
    from ivcli.render import emit

    young_person_id = ctx.meta["young_person_id"]
    with state(ctx).reading() as conn:
        rows = contacts.history(conn, young_person_id)
    emit(fmt.value, contacts.LIST_COLUMNS, rows,
         title=f"Network of young person {young_person_id}", empty="No contacts.")
