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
    MappingName,
    Quiet,
    SaveMap,
    Sheet,
    date_option,
    ethnicity_warning,
    ethnicity_warning_one,
    field_options,
    mapped_import,
    require,
    state,
    warn_unknown_columns,
)
from ivcli.enums import (
    OutputFormat,
    ReferralStatus,
)
from ivcli.specs import REFERRAL, YOUNG_PERSON

app = typer.Typer(
    help="Referrals of young people: add, import a council CSV, review, accept or decline.",
    no_args_is_help=True,
)

# The options of `add` and `update`: the fields of the young person and referral specs.
ADD_FIELDS = [f for f in YOUNG_PERSON.inputs + REFERRAL.inputs if f.cli]
# Every field of the referral: screening answers first, then the rest (the young person's
# record is corrected with 'young-person update').
UPDATE_FIELDS = sorted((f for f in REFERRAL.fields if f.updatable),
                       key=lambda f: f.kind != "bool")


@app.command("add")
@field_options(ADD_FIELDS)
def add(
    ctx: typer.Context,
    *,
    fmt: Format = OutputFormat.table,
    **values: str | None,
) -> None:
    """Add one referral. At a terminal, asks for what is missing; otherwise give every flag.

    Links to the young person already held (same name and date of birth, and the same council
    reference when both have one) instead of creating a second record. A reference held for a
    different name or date of birth is refused.
    """
    raw: dict[str, str | None] = dict(values)
    from ivcli.referrals import intake
    from ivcli.referrals import screening as referrals
    from ivcli.render import emit_one, message

    app_state = state(ctx)
    if app_state.can_prompt():
        from ivcli import prompts

        prompts.ask_referral(raw)
    if not raw.get("referral_date"):
        raw["referral_date"] = date.today().isoformat()
    require([f.option for f in ADD_FIELDS if f.required and not raw.get(f.name)])
    with app_state.writing() as conn:
        linked = intake.add(conn, {k: v for k, v in raw.items() if v is not None},
                            date.today())
        dupes = conn.info.get("possible_duplicates", [])
        leavers = conn.info.get("now_care_leavers", [])
        unmapped = conn.info.get("ethnicity_not_mapped", False)
        record = referrals.show(conn, linked.referral_id or 0)
    who = "an existing young person" if linked.existing_person else "a new young person"
    message(f"Added referral {linked.referral_id} for {who} (id {linked.young_person_id}).")
    if record.get("status") == ReferralStatus.deferred:
        message(f"Deferred (\"not now\"): 'ivcli today' lists it from {record['reoffer_date']}.")
    if unmapped:
        message(ethnicity_warning_one(f"young person {linked.young_person_id}"), style="yellow")
    for yp in leavers:
        message(f"Young person {yp} is now recorded as a care leaver, from the referral date "
                "(was looked after).", style="yellow")
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
    file: Annotated[Path, typer.Argument(help="A CSV or .xlsx file of referrals.",
                                         show_default=False)],
    map_: CsvMap = None,
    save_map: SaveMap = None,
    mapping: MappingName = None,
    sheet: Sheet = None,
    encoding: CsvEncoding = "utf-8",
    dry_run: DryRun = False,
    quiet: Quiet = False,
) -> None:
    """Import referrals from a council CSV or Excel workbook (.xlsx), all or nothing.

    Any invalid row means nothing is written; every problem is listed with its line number
    (in a workbook, its cell: C7). Importing the same file again adds nothing.
    """
    from ivcli.cli.progress import byte_progress
    from ivcli.importing.mapping import summary
    from ivcli.referrals import intake
    from ivcli.render import message

    with byte_progress(file, enabled=not quiet) as progress:
        with mapped_import(ctx, "referral", dry_run=dry_run, maps=map_, mapping=mapping,
                           save_map=save_map) as (conn, choice):
            report = intake.import_csv(
                conn, file, today=date.today(), maps=choice.maps, encoding=encoding,
                dry_run=dry_run, progress=progress, mapping=choice, sheet=sheet,
            )
    r = report.result
    warn_unknown_columns(report.unknown_columns)
    lead = "Dry run, nothing written: would add" if dry_run else "Added"
    lines = [
        f"{lead} {r.added} referral(s); {r.unchanged} unchanged (already held).",
        f"Young people: {r.new_people} new, {r.linked_existing} linked to existing records.",
    ]
    if r.already_open_count:
        lines.append(f"Already open (not added): {r.already_open_count}: a child has one open "
                     "referral at a time.")
        for line, ref_id in r.already_open[:20]:
            lines.append(f"  line {line}: the young person already has open referral {ref_id}")
        if r.already_open_count > 20:
            lines.append(f"  ... and {r.already_open_count - 20} more")
    for line, yp in r.now_care_leavers[:20]:
        lines.append(f"Young person {yp} is now recorded as a care leaver (line {line}).")
    if warning := ethnicity_warning(r.ethnicity_not_mapped, r.ethnicity_not_mapped_count):
        lines.append(warning)
    if report.blank_rows:
        lines.append(f"Blank rows skipped: {report.blank_rows}.")
    if r.duplicate_count:
        lines.append(f"Possible duplicates (not merged): {r.duplicate_count}.")
        for line, yp in r.possible_duplicates[:20]:
            lines.append(f"  line {line} may be the same child as young person {yp}")
        if r.duplicate_count > 20:
            lines.append(f"  ... and {r.duplicate_count - 20} more")
    message("\n".join(lines + summary(choice, dry_run=dry_run)))


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[
        ReferralStatus | None, typer.Option(help="Only referrals with this status.")
    ] = None,
    fmt: Format = OutputFormat.table,
) -> None:
    """List referrals, oldest first."""
    from ivcli.referrals import screening as referrals
    from ivcli.render import emit, write_stream

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
    from ivcli.referrals import screening as referrals
    from ivcli.render import emit_one

    with state(ctx).reading() as conn:
        record = referrals.show(conn, referral_id)
    emit_one(fmt.value, record, title=f"Referral {referral_id}")


@app.command("acknowledge")
def acknowledge(
    ctx: typer.Context,
    referral_id: Annotated[int, typer.Argument(metavar="ID", help="The referral's id.")],
    on: Annotated[date | None, date_option("Date it was acknowledged; default today",
                                           "--date")] = None,
    fmt: Format = OutputFormat.table,
) -> None:
    """Record that the referral was acknowledged to the referrer (the reply the scheme
    promises within referral.acknowledge_working_days working days)."""
    from ivcli.referrals import screening as referrals
    from ivcli.render import emit_one, message

    with state(ctx).writing() as conn:
        referrals.acknowledge(conn, referral_id, on or date.today(), date.today())
        record = referrals.show(conn, referral_id)
    message(f"Referral {referral_id} acknowledged on {record['acknowledged_date']}.")
    if fmt != OutputFormat.table:
        emit_one(fmt.value, {k: record[k] for k in ("id", "status", "acknowledged_date")})


@app.command("update")
@field_options(UPDATE_FIELDS, update=True)
def update(
    ctx: typer.Context,
    referral_id: Annotated[int, typer.Argument(metavar="ID", help="The referral's id.")],
    **values: str | None,
) -> None:
    """Correct any field of a referral: screening answers, referral date, referrer, interests,
    notes. The young person's own record: 'ivcli young-person update'."""
    changes = {k: v for k, v in values.items() if v is not None}
    from ivcli.referrals import screening as referrals
    from ivcli.render import message

    if not changes:
        require(["at least one field to change (see --help)"])
    with state(ctx).writing() as conn:
        changed = referrals.update(conn, referral_id, changes)
        status = referrals.show(conn, referral_id)["status"]
    message(f"Updated referral {referral_id}: {', '.join(changed) or 'no change'}.")
    if "status" in changed:
        message(f"Referral {referral_id} is now {status}"
                + (" (\"not now\": 'ivcli today' lists it from its re-offer date)."
                   if status == ReferralStatus.deferred else ", for a decision."))


@app.command("accept")
def accept(
    ctx: typer.Context,
    referral_id: Annotated[int, typer.Argument(metavar="ID", help="The referral's id.")],
    on: Annotated[date | None, date_option("Decision date; default today", "--date")] = None,
) -> None:
    """Accept a referral onto the waiting list.

    Refused unless the core best-interest criteria are yes (a looked-after child's: a
    long-term care plan, consent, carer support; a care leaver's: the setting
    screening.care_leaver_core), consent is yes or best_interest, and the young person is
    eligible by age and legal status on the decision date. Warns when no additional criterion
    is met.
    """
    from ivcli.referrals import screening as referrals
    from ivcli.render import message

    with state(ctx).writing() as conn:
        warnings = referrals.accept(conn, referral_id, on or date.today())
    for w in warnings:
        message(f"Warning: {w}", style="yellow")
    message(f"Accepted referral {referral_id}: the young person is on the waiting list.")


def _reason(ctx: typer.Context, kind: str, reason: str | None, note: str | None,
            referral_id: int, on: date | None) -> None:
    """Decline or withdraw (``kind``) with a reason code; at a terminal, a missing code is
    chosen from the list (code: label) and a missing note asked for."""
    from ivcli.referrals import screening as referrals

    app_state = state(ctx)
    if reason is None and app_state.can_prompt():
        from ivcli import prompts

        with app_state.reading() as conn:  # no write lock held while the coordinator chooses
            codes = referrals.reason_codes(conn, kind)
        picked = prompts.select(f"Why {kind} it?",
                                [f"{c}: {label}" for c, label in codes.items()])
        reason = picked.split(":", 1)[0]
        if note is None:
            note = prompts.text("Note (optional):") or None
    if reason is None:
        require(["--reason"])
    act = referrals.decline if kind == "decline" else referrals.withdraw
    with app_state.writing() as conn:
        act(conn, referral_id, reason or "", on or date.today(), note)


ReasonCode = Annotated[str | None, typer.Option(
    "--reason", metavar="CODE", show_default=False,
    help="The reason code (docs/getting-started.md lists them; an unknown code lists them too).")]
ReasonNote = Annotated[str | None, typer.Option(
    "--note", metavar="TEXT", show_default=False,
    help="Free text beside the code (personal data: never in a report).")]


@app.command("decline")
def decline(
    ctx: typer.Context,
    referral_id: Annotated[int, typer.Argument(metavar="ID", help="The referral's id.")],
    reason: ReasonCode = None,
    note: ReasonNote = None,
    on: Annotated[date | None, date_option("Decision date; default today", "--date")] = None,
) -> None:
    """Decline a received referral, with a reason code: no_consent, carers_not_supportive,
    no_long_term_plan, returning_home, needs_advocacy, not_eligible, other (and the scheme's
    own, setting reasons.decline_extra)."""
    from ivcli.render import message

    _reason(ctx, "decline", reason, note, referral_id, on)
    message(f"Declined referral {referral_id}.")


@app.command("withdraw")
def withdraw(
    ctx: typer.Context,
    referral_id: Annotated[int, typer.Argument(metavar="ID", help="The referral's id.")],
    reason: ReasonCode = None,
    note: ReasonNote = None,
    on: Annotated[date | None, date_option("Date; default today", "--date")] = None,
) -> None:
    """Withdraw a referral (received or waiting), with a reason code: moved_away, left_care,
    young_person_choice, referrer_withdrew, other (and the scheme's own, setting
    reasons.withdraw_extra)."""
    from ivcli.render import message

    _reason(ctx, "withdraw", reason, note, referral_id, on)
    message(f"Withdrew referral {referral_id}.")


