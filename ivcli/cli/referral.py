"""ivcli referral: intake, screening and decisions."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ivcli.cli.common import (
    CsvEncoding,
    CsvMap,
    DryRun,
    Format,
    Quiet,
    date_option,
    require,
    state,
    warn_unknown_columns,
)
from ivcli.enums import (
    OutputFormat,
    ReferralStatus,
)

app = typer.Typer(
    help="Referrals of young people: add, import a council CSV, review, accept or decline.",
    no_args_is_help=True,
)

YN = "YES/NO"


def _opt(help: str, metavar: str | None = None) -> typer.models.OptionInfo:
    return typer.Option(help=help, metavar=metavar, show_default=False)


# The best-interest criteria, as options of `add` and `update` (yes/no; blank: not known).
LongTermCarePlan = Annotated[str | None, _opt("Core: a long-term care plan.", YN)]
Consent = Annotated[str | None, _opt("Core: the young person consents.", YN)]
CarerSupport = Annotated[str | None, _opt("Core: carers support it.", YN)]
SocialIsolation = Annotated[str | None, _opt("Additional: socially isolated.", YN)]
PlacementInstability = Annotated[str | None, _opt("Additional: placement instability.", YN)]
NoFamilyContact = Annotated[str | None, _opt("Additional: no family contact.", YN)]
SingleCarerPlacement = Annotated[str | None, _opt("Additional: single-carer placement.", YN)]
RelationshipDifficulty = Annotated[
    str | None, _opt("Additional: difficulty forming relationships.", YN)
]


@app.command("add")
def add(
    ctx: typer.Context,
    reference: Annotated[str | None, _opt("Council case number.")] = None,
    first_name: Annotated[str | None, _opt("First name.")] = None,
    last_name: Annotated[str | None, _opt("Last name.")] = None,
    date_of_birth: Annotated[str | None, _opt("Date of birth (31/01/2015).", "DATE")] = None,
    gender: Annotated[str | None, _opt("female, male, non-binary or as described.")] = None,
    ethnicity: Annotated[str | None, _opt("Ethnicity, as the council records it.")] = None,
    disability: Annotated[str | None, _opt("Disability or additional needs.", YN)] = None,
    care_leaver: Annotated[str | None, _opt("A care leaver (not looked after).", YN)] = None,
    local_authority: Annotated[str | None, _opt("The responsible local authority.")] = None,
    area: Annotated[str | None, _opt("Where the young person lives (area or district).")] = None,
    placement_type: Annotated[str | None, _opt("Foster, residential, kinship, ...")] = None,
    referral_date: Annotated[str | None, _opt("Date referred; default today.", "DATE")] = None,
    referrer_name: Annotated[str | None, _opt("Who referred.")] = None,
    referrer_role: Annotated[
        str | None,
        _opt("social_worker, iro, personal_adviser, other_professional or self."),
    ] = None,
    referrer_email: Annotated[str | None, _opt("The referrer's email.")] = None,
    long_term_care_plan: LongTermCarePlan = None,
    consent: Consent = None,
    carer_support: CarerSupport = None,
    social_isolation: SocialIsolation = None,
    placement_instability: PlacementInstability = None,
    no_family_contact: NoFamilyContact = None,
    single_carer_placement: SingleCarerPlacement = None,
    relationship_difficulty: RelationshipDifficulty = None,
    interests: Annotated[str | None, _opt("Interests, separated by ; or ,")] = None,
    notes: Annotated[str | None, _opt("Notes.")] = None,
    fmt: Format = OutputFormat.table,
) -> None:
    """Add one referral. At a terminal, asks for what is missing; otherwise give every flag.

    Links to the young person already held (same name and date of birth, and the same council
    reference when both have one) instead of creating a second record. A reference held for a
    different name or date of birth is refused.
    """
    raw: dict[str, str | None] = {
        k: v for k, v in locals().items() if k not in ("ctx", "fmt")
    }
    from ivcli.render import emit_one, message
    from ivcli.services import intake, referrals

    app_state = state(ctx)
    if app_state.can_prompt():
        from ivcli import prompts

        prompts.ask_referral(raw)
    if not raw.get("referral_date"):
        raw["referral_date"] = date.today().isoformat()
    require([f"--{k.replace('_', '-')}" for k in ("first_name", "last_name", "date_of_birth")
             if not raw.get(k)])
    with app_state.writing() as conn:
        linked = intake.add(conn, {k: v for k, v in raw.items() if v is not None},
                            date.today())
        dupes = conn.info.get("possible_duplicates", [])
        record = referrals.show(conn, linked.referral_id or 0)
    who = "an existing young person" if linked.existing_person else "a new young person"
    message(f"Added referral {linked.referral_id} for {who} (id {linked.young_person_id}).")
    for yp in dupes:
        message(
            f"Possible duplicate: young person {yp} has the same date of birth and a similar "
            "name. Not merged; check both records.",
            style="yellow",
        )
    if fmt != OutputFormat.table:
        emit_one(fmt.value, record)
    else:
        typer.echo(linked.referral_id)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A CSV file of referrals.", show_default=False)],
    map_: CsvMap = None,
    encoding: CsvEncoding = "utf-8",
    dry_run: DryRun = False,
    quiet: Quiet = False,
) -> None:
    """Import referrals from a council CSV, all or nothing.

    Any invalid row means nothing is written; every problem is listed with its line number.
    Importing the same file again adds nothing.
    """
    from ivcli.cli.progress import byte_progress
    from ivcli.render import message
    from ivcli.services import intake

    with byte_progress(file, enabled=not quiet) as on_bytes:
        with state(ctx).importing(dry_run=dry_run) as conn:
            report = intake.import_csv(
                conn, file, today=date.today(), maps=map_ or [], encoding=encoding,
                dry_run=dry_run, on_bytes=on_bytes,
            )
    r = report.result
    warn_unknown_columns(report.unknown_columns)
    lead = "Dry run, nothing written: would add" if dry_run else "Added"
    lines = [
        f"{lead} {r.added} referral(s); {r.unchanged} unchanged (already held).",
        f"Young people: {r.new_people} new, {r.linked_existing} linked to existing records.",
    ]
    if report.blank_rows:
        lines.append(f"Blank rows skipped: {report.blank_rows}.")
    if r.duplicate_count:
        lines.append(f"Possible duplicates (not merged): {r.duplicate_count}.")
        for line, yp in r.possible_duplicates[:20]:
            lines.append(f"  line {line} may be the same child as young person {yp}")
        if r.duplicate_count > 20:
            lines.append(f"  ... and {r.duplicate_count - 20} more")
    message("\n".join(lines))


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[
        ReferralStatus | None, typer.Option(help="Only referrals with this status.")
    ] = None,
    fmt: Format = OutputFormat.table,
) -> None:
    """List referrals, oldest first."""
    from ivcli.render import emit, write_stream
    from ivcli.services import referrals

    wanted = status.value if status else None
    with state(ctx).reading() as conn:
        if fmt != OutputFormat.table:  # streamed: memory stays flat however many there are
            write_stream(fmt.value, referrals.LIST_COLUMNS,
                         referrals.iter_referrals(conn, wanted))
            return
        rows = referrals.list_referrals(conn, wanted)
    emit(fmt.value, referrals.LIST_COLUMNS, rows, title="Referrals", empty="No referrals.")


@app.command("show")
def show(
    ctx: typer.Context,
    referral_id: Annotated[int, typer.Argument(metavar="ID", help="The referral's id.")],
    fmt: Format = OutputFormat.table,
) -> None:
    """Show one referral with its young person and screening."""
    from ivcli.render import emit_one
    from ivcli.services import referrals

    with state(ctx).reading() as conn:
        record = referrals.show(conn, referral_id)
    emit_one(fmt.value, record, title=f"Referral {referral_id}")


@app.command("update")
def update(
    ctx: typer.Context,
    referral_id: Annotated[int, typer.Argument(metavar="ID", help="The referral's id.")],
    long_term_care_plan: LongTermCarePlan = None,
    consent: Consent = None,
    carer_support: CarerSupport = None,
    social_isolation: SocialIsolation = None,
    placement_instability: PlacementInstability = None,
    no_family_contact: NoFamilyContact = None,
    single_carer_placement: SingleCarerPlacement = None,
    relationship_difficulty: RelationshipDifficulty = None,
    referrer_name: Annotated[str | None, _opt("Who referred.")] = None,
    referrer_role: Annotated[str | None, _opt("The referrer's role.")] = None,
    referrer_email: Annotated[str | None, _opt("The referrer's email.")] = None,
    notes: Annotated[str | None, _opt("Notes (replaces the old notes).")] = None,
) -> None:
    """Record screening answers or referrer details on a referral."""
    changes = {k: v for k, v in locals().items() if k not in ("ctx", "referral_id")
               and v is not None}
    from ivcli.render import message
    from ivcli.services import referrals

    if not changes:
        require(["at least one field to change (see --help)"])
    with state(ctx).writing() as conn:
        changed = referrals.update(conn, referral_id, changes)
    message(f"Updated referral {referral_id}: {', '.join(changed) or 'no change'}.")


@app.command("accept")
def accept(
    ctx: typer.Context,
    referral_id: Annotated[int, typer.Argument(metavar="ID", help="The referral's id.")],
    on: Annotated[date | None, date_option("Decision date; default today", "--date")] = None,
) -> None:
    """Accept a referral onto the waiting list.

    Refused unless all three core best-interest criteria are yes and the young person is
    eligible by age on the referral date. Warns when no additional criterion is met.
    """
    from ivcli.render import message
    from ivcli.services import referrals

    with state(ctx).writing() as conn:
        warnings = referrals.accept(conn, referral_id, on or date.today())
    for w in warnings:
        message(f"Warning: {w}", style="yellow")
    message(f"Accepted referral {referral_id}: the young person is on the waiting list.")


def _reason(reason: str | None, ctx: typer.Context, what: str) -> str:
    if reason:
        return reason
    if state(ctx).can_prompt():
        from ivcli import prompts

        return prompts.text(f"Reason for {what}:", required=True)
    require(["--reason"])
    return ""


@app.command("decline")
def decline(
    ctx: typer.Context,
    referral_id: Annotated[int, typer.Argument(metavar="ID", help="The referral's id.")],
    reason: Annotated[str | None, typer.Option(help="Why it was declined.")] = None,
    on: Annotated[date | None, date_option("Decision date; default today", "--date")] = None,
) -> None:
    """Decline a referral, with a reason."""
    from ivcli.render import message
    from ivcli.services import referrals

    text = _reason(reason, ctx, "declining")
    with state(ctx).writing() as conn:
        referrals.decline(conn, referral_id, text, on or date.today())
    message(f"Declined referral {referral_id}.")


@app.command("withdraw")
def withdraw(
    ctx: typer.Context,
    referral_id: Annotated[int, typer.Argument(metavar="ID", help="The referral's id.")],
    reason: Annotated[str | None, typer.Option(help="Why it was withdrawn.")] = None,
    on: Annotated[date | None, date_option("Date; default today", "--date")] = None,
) -> None:
    """Withdraw a referral (received or waiting), with a reason."""
    from ivcli.render import message
    from ivcli.services import referrals

    text = _reason(reason, ctx, "withdrawing")
    with state(ctx).writing() as conn:
        referrals.withdraw(conn, referral_id, text, on or date.today())
    message(f"Withdrew referral {referral_id}.")


