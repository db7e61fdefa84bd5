"""ivcli volunteer: safer recruitment from application to approval, checks that lapse, profiles."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    parse_yes_no_option,
    require,
    state,
    warn_unknown_columns,
)
from ivcli.enums import (
    CheckStep,
    LaChildrenServices,
    LeaveReason,
    OutputFormat,
    PanelDecision,
    RiskDecision,
    SupervisionKind,
    VolunteerStatus,
)
from ivcli.specs import VOLUNTEER

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

app = typer.Typer(
    help="Volunteers: add or import, record each safer-recruitment step, approve, see checks "
    "due, and fill in their matching profile.",
    no_args_is_help=True,
)

VolunteerId = Annotated[int, typer.Argument(metavar="ID", help="The volunteer's id.",
                                            show_default=False)]


def _opt(help: str, metavar: str | None = None) -> typer.models.OptionInfo:
    return typer.Option(help=help, metavar=metavar, show_default=False)


# The options of `add` and `update`: the fields of the volunteer's record spec.
ADD_FIELDS = [f for f in VOLUNTEER.inputs if f.cli]
UPDATE_FIELDS = [f for f in VOLUNTEER.fields if f.updatable]


@app.command("add")
@field_options(ADD_FIELDS)
def add(
    ctx: typer.Context,
    *,
    fmt: Format = OutputFormat.table,
    **values: str | None,
) -> None:
    """Add a volunteer with their application. At a terminal, asks for what is missing.

    They must be 18 or over (setting volunteer.min_age) on the application date. Someone
    already held (same reference, or same name and date of birth) is not added twice.
    """
    from ivcli.render import emit_one, message
    from ivcli.volunteers import enrolment, records

    raw: dict[str, str | None] = dict(values)
    app_state = state(ctx)
    if app_state.can_prompt():
        from ivcli import prompts

        prompts.ask_volunteer(raw)
    if not raw.get("application_date"):
        raw["application_date"] = date.today().isoformat()
    require([f.option for f in ADD_FIELDS if f.required and not raw.get(f.name)])
    today = date.today()
    with app_state.writing() as conn:
        v = enrolment.add(conn, {k: x for k, x in raw.items() if x is not None}, today)
        shown = records.show(conn, v.id, today)
    message(f"Added volunteer {v.id} ({v.status}). Next: record each step with "
            f"'ivcli volunteer check {v.id} STEP --date DATE'.")
    from ivcli.ethnicity import not_mapped

    if not_mapped(v.ethnicity):
        message(ethnicity_warning_one(f"volunteer {v.id}"), style="yellow")
    if fmt != OutputFormat.table:
        emit_one(fmt.value, shown.record)
    else:
        typer.echo(v.id)


@app.command("update")
@field_options(UPDATE_FIELDS, update=True)
def update(
    ctx: typer.Context,
    volunteer_id: VolunteerId,
    **values: str | None,
) -> None:
    """Correct a volunteer's record: names, date of birth, gender, contact details, area,
    coordinator. Each value is checked as in 'volunteer add'; the audit trail records which
    fields changed (never the values)."""
    changes = {k: v for k, v in values.items() if v is not None}
    from ivcli.render import message
    from ivcli.volunteers import enrolment

    if not changes:
        require(["at least one field to change (see --help)"])
    with state(ctx).writing() as conn:
        changed = enrolment.update(conn, volunteer_id, changes, date.today())
    message(f"Updated volunteer {volunteer_id}: {', '.join(changed) or 'no change'}.")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A CSV or .xlsx file of volunteers.",
                                         show_default=False)],
    map_: CsvMap = None,
    save_map: SaveMap = None,
    mapping: MappingName = None,
    sheet: Sheet = None,
    encoding: CsvEncoding = "utf-8",
    dry_run: DryRun = False,
    quiet: Quiet = False,
) -> None:
    """Import volunteers and their step dates from a CSV or .xlsx, all or nothing.

    Any invalid row means nothing is written; every problem is listed with its line and
    column (in a workbook, its cell: C7). Importing the same file again adds nothing; a later
    copy of the spreadsheet adds only the new step dates. A row with a panel date and every
    check current is approved on its panel date. The columns are in docs/volunteer-csv.md.
    """
    from ivcli.cli.progress import byte_progress
    from ivcli.importing.mapping import summary
    from ivcli.render import message
    from ivcli.volunteers import intake as volunteer_intake

    with byte_progress(file, enabled=not quiet) as progress:
        with mapped_import(ctx, "volunteer", dry_run=dry_run, maps=map_, mapping=mapping,
                           save_map=save_map) as (conn, choice):
            r = volunteer_intake.import_csv(conn, file, today=date.today(), maps=choice.maps,
                                            encoding=encoding, progress=progress,
                                            mapping=choice, sheet=sheet)
    warn_unknown_columns(r.unknown_columns)
    lead = "Dry run, nothing written: would add" if dry_run else "Added"
    lines = [
        f"{lead} {r.new_volunteers} volunteer(s) and {r.checks_added} step record(s); "
        f"{r.existing} volunteer(s) already held.",
    ]
    if r.approved:
        lines.append(f"Approved on their panel date: {len(r.approved)}.")
    if r.panel_not_approved:
        ids = ", ".join(str(i) for i in r.panel_not_approved[:20])
        lines.append(f"Not approved despite a panel date (a step missing or lapsed, or a "
                     f"decision or the independence declaration not recorded): {ids}"
                     + (" ..." if len(r.panel_not_approved) > 20 else "")
                     + ". See 'ivcli volunteer show ID'.")
    if warning := ethnicity_warning(r.ethnicity_not_mapped):
        lines.append(warning)
    if r.blank_rows:
        lines.append(f"Blank rows skipped: {r.blank_rows}.")
    message("\n".join(lines + summary(choice, dry_run=dry_run)))


@app.command("check")
def check(
    ctx: typer.Context,
    volunteer_id: VolunteerId,
    step: Annotated[CheckStep, typer.Argument(
        help="application, interview, reference (record two), dbs, dbs_status_check (Update "
        "Service), training (the induction course; other courses: 'volunteer training') or "
        "panel.", show_default=False)],
    on: Annotated[date | None, date_option("The date it happened (DBS: the issue date)",
                                           "--date")] = None,
    outcome: Annotated[str | None, _opt(
        "reference, interview: satisfactory or unsatisfactory (required); dbs: clear or "
        "information_disclosed (never the certificate's content).")] = None,
    decision: Annotated[PanelDecision | None, typer.Option(
        help="panel: approve, defer or decline (required).", show_default=False)] = None,
    number: Annotated[str | None, _opt(
        "dbs: the certificate number (12 digits); reference: which referee, 1 or 2.")] = None,
    level: Annotated[str | None, _opt("dbs: enhanced, or enhanced_barred (with the children's "
                                      "barred list; needed for approval).")] = None,
    update_service: Annotated[str | None, _opt(
        "dbs: the certificate is on the DBS Update Service (yes/no).", "YES/NO")] = None,
    note: Annotated[str | None, _opt("reference, interview, panel: a note (kept on their "
                                     "record).")] = None,
) -> None:
    """Record one safer-recruitment step with its date and its outcome or decision. Recording
    the same again changes nothing; the same step, date and referee (or certificate) with
    another outcome corrects it.

    A reference or interview needs --outcome, a panel --decision: an unsatisfactory outcome or
    a panel decline stops the pipeline (status not_approved, with the reason). A DBS
    certificate lapses after dbs.valid_years (3) unless it is on the Update Service and a
    status check (step dbs_status_check) was done within dbs.status_check_months (12).
    The training step records the induction course ('volunteer training ID --course induction');
    the courses approval needs are the setting training.required.
    """
    from ivcli.render import message
    from ivcli.volunteers import enrolment as volunteers

    on_update_service = parse_yes_no_option(update_service)
    app_state = state(ctx)
    needs_outcome = step in (CheckStep.reference, CheckStep.interview) and outcome is None
    needs_decision = step == CheckStep.panel and decision is None
    if (on is None or (step == CheckStep.dbs and not number) or needs_outcome
            or needs_decision) and app_state.can_prompt():
        from ivcli import prompts
        from ivcli.parsing import parse_date

        if on is None:
            on = parse_date(prompts.date_text("Date:", default=date.today().strftime("%d/%m/%Y")))
        if step == CheckStep.dbs and not number:
            number = prompts.text("DBS certificate number:", required=True)
            if on_update_service is None:
                on_update_service = prompts.confirm("On the DBS Update Service?")
        if needs_outcome:
            outcome = prompts.select("Outcome:", ["satisfactory", "unsatisfactory"])
        if needs_decision:
            decision = PanelDecision(prompts.select("The panel's decision:",
                                                    [d.value for d in PanelDecision]))
    require((["--date"] if on is None else [])
            + (["--number"] if step == CheckStep.dbs and not number else [])
            + (["--outcome"] if needs_outcome and outcome is None else [])
            + (["--decision"] if needs_decision and decision is None else []))
    assert on is not None
    today = date.today()
    with app_state.writing() as conn:
        r = volunteers.record_check(conn, volunteer_id, step.value, on, today=today,
                                    number=number, level=level, outcome=outcome,
                                    update_service=on_update_service,
                                    decision=decision.value if decision else None, note=note)
    what = step.value + (f" {r.number}" if step == CheckStep.reference else "")
    if r.changed:
        message(f"Volunteer {volunteer_id}: {what} on {on.isoformat()} corrected "
                f"({', '.join(r.changed)}).")
    elif not r.added:
        message(f"Volunteer {volunteer_id}: {what} on {on.isoformat()} was already recorded; "
                "nothing changed.")
    else:
        lapse = ""
        if r.state is not None and r.state.expires is not None:
            verb = "lapsed on" if r.state.status == "lapsed" else "current until"
            lapse = f" ({r.state.label} {verb} {r.state.expires.isoformat()})"
        message(f"Volunteer {volunteer_id}: recorded {what} on {on.isoformat()}{lapse}.")
    _next_steps(volunteer_id, r.status, r.outstanding, r.open_matches)


def _next_steps(volunteer_id: int, status: str, outstanding: list[str],
                matches: list[int]) -> None:
    """What the status now is, and what is left before approval."""
    from ivcli.render import message

    message(f"Status: {status}.")
    if status == VolunteerStatus.not_approved.value:
        message(f"The pipeline has stopped: volunteer {volunteer_id} cannot be approved "
                "(see 'ivcli volunteer show').", style="yellow")
        if matches:
            message(f"Warning: volunteer {volunteer_id} still has open match(es): "
                    f"{', '.join(str(m) for m in matches)}. Pause or end them.", style="yellow")
        return
    from ivcli.volunteers.compliance import STEP_LABELS

    if (status == VolunteerStatus.ready_for_panel.value and len(outstanding) == 1
            and outstanding[0].startswith(STEP_LABELS[CheckStep.panel.value])):
        message(f"Ready for the approval panel. After it: 'ivcli volunteer check {volunteer_id} "
                f"panel --date DATE --decision approve', then "
                f"'ivcli volunteer approve {volunteer_id}'.")
    elif outstanding:
        message("Still to do: " + "; ".join(outstanding) + ".")
    elif status != VolunteerStatus.approved.value:
        message(f"Every step is recorded, current and decided: approve with "
                f"'ivcli volunteer approve {volunteer_id}'.")


@app.command("risk-assessment")
def risk_assessment(
    ctx: typer.Context,
    volunteer_id: VolunteerId,
    decision: Annotated[RiskDecision | None, typer.Option(
        help="proceed or decline (decline stops the pipeline).", show_default=False)] = None,
    by: Annotated[str | None, _opt("Who made the decision (name and role).", "NAME")] = None,
    on: Annotated[date | None, date_option("The date of the decision; default today",
                                           "--date")] = None,
    note: Annotated[str | None, _opt(
        "The assessment's reasoning (required); never the certificate's content.")] = None,
) -> None:
    """Record the risk assessment of a DBS certificate with information disclosed: approval
    waits for one that decided to proceed. Only the decision, who made it, its date and the
    note are stored."""
    from ivcli.volunteers import enrolment as volunteers

    app_state = state(ctx)
    if app_state.can_prompt():
        from ivcli import prompts

        if decision is None:
            decision = RiskDecision(prompts.select("Decision:", [d.value for d in RiskDecision]))
        if not by:
            by = prompts.text("Who decided:", required=True)
        if not note:
            note = prompts.text("The reasoning (not the certificate's content):",
                                required=True)
    require((["--decision"] if decision is None else []) + ([] if by else ["--by"])
            + ([] if note else ["--note"]))
    assert decision is not None and by is not None and note is not None
    today = date.today()
    with app_state.writing() as conn:
        r = volunteers.risk_assessment(conn, volunteer_id, decision.value, by, on or today,
                                       note, today)
    from ivcli.render import message

    message(f"Volunteer {volunteer_id}: recorded the risk assessment ({decision.value}).")
    _next_steps(volunteer_id, r.status, r.outstanding, r.open_matches)


@app.command("declare")
def declare(
    ctx: typer.Context,
    volunteer_id: VolunteerId,
    la_children_services: Annotated[LaChildrenServices | None, typer.Option(
        help="Their link to the local authority's children's services: no, officer, member or "
        "partner (of an officer or member). Only 'no' can be approved.",
        show_default=False)] = None,
    connections: Annotated[list[str] | None, typer.Option(
        "--connections", metavar="TEXT",
        help="An organisation, school or placement they are connected to (repeat for each). "
        "match propose refuses a young person whose local authority or placement it names.",
        show_default=False)] = None,
    on: Annotated[date | None, date_option("The date of the declaration; default today",
                                           "--date")] = None,
) -> None:
    """Record the volunteer's declaration of independence. The latest one counts: approval
    needs one saying 'no' link to the local authority's children's services."""
    from ivcli.render import message
    from ivcli.volunteers import enrolment as volunteers

    app_state = state(ctx)
    if la_children_services is None and app_state.can_prompt():
        from ivcli import prompts

        la_children_services = LaChildrenServices(prompts.select(
            "Link to the local authority's children's services:",
            [c.value for c in LaChildrenServices]))
    require([] if la_children_services else ["--la-children-services"])
    assert la_children_services is not None
    today = date.today()
    with app_state.writing() as conn:
        r = volunteers.declare(conn, volunteer_id, la_children_services.value,
                               list(connections or []), on or today, today)
    message(f"Volunteer {volunteer_id}: recorded the declaration "
            f"(children's services: {la_children_services.value}"
            + (f"; {len(connections)} connection(s)" if connections else "") + ").")
    _next_steps(volunteer_id, r.status, r.outstanding, r.open_matches)


@app.command("approve")
def approve(
    ctx: typer.Context,
    volunteer_id: VolunteerId,
    on: Annotated[date | None, date_option("Approval date; default today", "--date")] = None,
) -> None:
    """Approve a volunteer after the panel. Refused (exit 1), listing every step missing or
    lapsed on that date, until every check is recorded and current."""
    from ivcli.render import message
    from ivcli.volunteers import approval as volunteers

    today = date.today()
    with state(ctx).writing() as conn:
        changed = volunteers.approve(conn, volunteer_id, on or today, today)
    if changed:
        message(f"Approved volunteer {volunteer_id}: they can now be matched.")
    else:
        message(f"Volunteer {volunteer_id} is already approved; nothing changed.")


def _reason(reason: str | None, ctx: typer.Context, what: str) -> str:
    if reason:
        return reason
    if state(ctx).can_prompt():
        from ivcli import prompts

        return prompts.text(f"Reason for {what}:", required=True)
    require(["--reason"])
    return ""


def _set_status(ctx: typer.Context, volunteer_id: int, status: VolunteerStatus,
                reason: str | None, on: date | None, what: str, done: str) -> None:
    from ivcli.render import message
    from ivcli.volunteers import status as volunteers

    text = _reason(reason, ctx, what)
    today = date.today()
    with state(ctx).writing() as conn:
        matches = volunteers.set_status(conn, volunteer_id, status, text, on or today, today)
    message(f"Volunteer {volunteer_id} {done}.")
    if matches:
        message(f"Warning: volunteer {volunteer_id} still has open match(es): "
                f"{', '.join(str(m) for m in matches)}. Pause or end them.", style="yellow")


ReasonOpt = Annotated[str | None, _opt("Why (kept on their record).")]
DateOpt = Annotated[date | None, date_option("Date; default today", "--date")]


@app.command("withdraw")
def withdraw(ctx: typer.Context, volunteer_id: VolunteerId, reason: ReasonOpt = None,
             on: DateOpt = None) -> None:
    """Record that a volunteer withdrew before approval, with a reason."""
    _set_status(ctx, volunteer_id, VolunteerStatus.withdrawn, reason, on, "withdrawing",
                "has withdrawn")


@app.command("leave")
def leave(
    ctx: typer.Context,
    volunteer_id: VolunteerId,
    reason: Annotated[LeaveReason | None, typer.Option(
        help="Why: moved, time, work, health, personal, not_suitable or other.",
        show_default=False)] = None,
    note: Annotated[str | None, _opt("A note (kept on their record).")] = None,
    exit_interview: Annotated[date | None, date_option("The date of their exit interview",
                                                       "--exit-interview")] = None,
    on: DateOpt = None,
) -> None:
    """Record that a volunteer has left the scheme, why, and their exit interview. Refused
    (exit 1, naming them) while they have an open match: end it first."""
    from ivcli.render import message
    from ivcli.volunteers import status as volunteers

    app_state = state(ctx)
    if reason is None and app_state.can_prompt():
        from ivcli import prompts

        reason = LeaveReason(prompts.select("Why are they leaving?",
                                            [r.value for r in LeaveReason]))
    require([] if reason else ["--reason"])
    assert reason is not None
    today = date.today()
    with app_state.writing() as conn:
        volunteers.leave(conn, volunteer_id, reason.value, on or today, today, note,
                         exit_interview)
    message(f"Volunteer {volunteer_id} has left ({reason.value}).")


@app.command("resume")
def resume(ctx: typer.Context, volunteer_id: VolunteerId, on: DateOpt = None) -> None:
    """End a hold (approved again if they were approved), or take back a volunteer who
    withdrew or left (into the pipeline; they need approving again). Their matches the hold
    paused stay paused, each for 'ivcli match resume ID' once it may continue: they are
    listed."""
    from ivcli.render import message
    from ivcli.volunteers import status as volunteers
    from ivcli.volunteers.support import paused_matches

    today = date.today()
    with state(ctx).writing() as conn:
        status = volunteers.resume(conn, volunteer_id, on or today, today)
        paused = paused_matches(conn, volunteer_id)
    message(f"Volunteer {volunteer_id} is {status}.")
    if paused:
        message(f"Still paused: match(es) {', '.join(map(str, paused))}: 'ivcli match resume "
                "ID' restarts each once it may continue.")


@app.command("due")
def due(
    ctx: typer.Context,
    within: Annotated[int | None, typer.Option(
        help="Days ahead to look; default the setting checks.warn_days (60).",
        show_default=False)] = None,
    as_of: Annotated[date | None, date_option("Count from this day; default today",
                                              "--as-of")] = None,
    fmt: Format = OutputFormat.table,
) -> None:
    """Checks lapsing within the window or already lapsed, most urgent first, and the required
    training courses (setting training.required) an approved volunteer has never done (state
    missing). An approved volunteer with a lapsed check is shown as not matchable."""
    from ivcli.render import emit
    from ivcli.volunteers import records as volunteers

    with state(ctx).reading() as conn:
        rows = volunteers.due(conn, as_of or date.today(), within)
    emit(fmt.value, volunteers.DUE_COLUMNS, rows, title="Checks due",
         empty="No checks due.")


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[VolunteerStatus | None, typer.Option(
        help="Only volunteers with this status.")] = None,
    name: Annotated[str | None, typer.Option(
        "--name", help="Only those whose name holds these words (case, accents and "
        "punctuation ignored: 'zoe bronte' finds Zoë Brontë).", show_default=False)] = None,
    as_of: Annotated[date | None, date_option("Judge checks on this day; default today",
                                              "--as-of")] = None,
    fmt: Format = OutputFormat.table,
) -> None:
    """List volunteers with their status and what is outstanding. No contact details."""
    from ivcli.render import emit
    from ivcli.volunteers import records as volunteers

    with state(ctx).reading() as conn:
        rows = volunteers.list_volunteers(conn, status.value if status else None,
                                          as_of or date.today(), name)
    emit(fmt.value, volunteers.LIST_COLUMNS, rows, title="Volunteers", empty="No volunteers.")


@app.command("show")
def show(
    ctx: typer.Context,
    volunteer_id: VolunteerId,
    as_of: Annotated[date | None, date_option("Judge checks on this day; default today",
                                              "--as-of")] = None,
    fmt: Format = OutputFormat.table,
) -> None:
    """Show one volunteer: details, contact, profile and the pipeline as a timeline."""
    from ivcli.render import emit_one, print_table, write_json
    from ivcli.volunteers import records as volunteers

    with state(ctx).reading() as conn:
        shown = volunteers.show(conn, volunteer_id, as_of or date.today())
        extra = _support_records(conn, volunteer_id)
    if fmt == OutputFormat.json:
        write_json({**shown.record, "timeline": shown.timeline, "steps": shown.steps,
                    "checks": shown.checks, "declaration": shown.declaration, **extra})
    elif fmt == OutputFormat.csv:
        emit_one("csv", shown.record)
    else:
        emit_one("table", shown.record, title=f"Volunteer {volunteer_id}")
        print_table(volunteers.TIMELINE_COLUMNS, shown.timeline, title="Timeline",
                    empty="No steps recorded.")
        print_table(volunteers.STEP_COLUMNS, shown.steps, title="Safer recruitment")
        _print_support(extra)


@app.command("profile")
def profile(
    ctx: typer.Context,
    volunteer_id: VolunteerId,
    from_json: Annotated[str | None, typer.Option(
        "--from-json", metavar="FILE",
        help="Read the profile from a JSON file ('-' for standard input); keys given replace "
        "those held. Keys: docs/profiles.md.", show_default=False)] = None,
) -> None:
    """Fill in the volunteer's matching profile: a questionnaire at a terminal, or a JSON
    file."""
    from ivcli.cli.young_person import run_profile

    run_profile(ctx, "volunteer", volunteer_id, from_json)


# ---------------------------------------------------------------------------------------------
# Keeping volunteers safe once approved (ivcli/volunteers/support.py): hold, supervision,
# training.


@app.command("hold")
def hold(
    ctx: typer.Context,
    volunteer_id: VolunteerId,
    reason: ReasonOpt = None,
    on: DateOpt = None,
    keep_matches: Annotated[bool, typer.Option(
        "--keep-matches", help="Keep their active matches going (give --because).")] = False,
    because: Annotated[str | None, _opt("With --keep-matches: why the matches continue "
                                        "(noted on each).")] = None,
) -> None:
    """Put a volunteer on hold (not matchable) with a reason, and pause each of their active
    matches (the reason noted on each), unless --keep-matches --because TEXT. 'resume' ends
    the hold; 'ivcli match resume ID' restarts a match."""
    from ivcli.cli.concern import held_messages
    from ivcli.errors import ConflictingOptions
    from ivcli.volunteers import support

    if because is not None and not keep_matches:
        raise ConflictingOptions("--because goes with --keep-matches")
    if keep_matches and not because:
        require(["--because"])
    text = _reason(reason, ctx, "the hold")
    today = date.today()
    with state(ctx).writing() as conn:
        held = support.hold(conn, volunteer_id, text, on or today, today,
                            keep_because=because if keep_matches else None)
    held_messages(held)


@app.command("supervision")
def supervision(
    ctx: typer.Context,
    volunteer_id: VolunteerId,
    kind: Annotated[SupervisionKind, typer.Option(help="How it was held.", show_default=False)],
    on: Annotated[date | None, date_option("When it was held; default today", "--date")] = None,
    note: Annotated[str | None, _opt("A note (kept on their record).")] = None,
) -> None:
    """Record a supervision meeting. 'ivcli today' shows supervision due every
    supervision.every_weeks (6) weeks after the last (or after the match started) for a
    volunteer with an active match."""
    from ivcli.render import message
    from ivcli.volunteers import support

    today = date.today()
    with state(ctx).writing() as conn:
        sid = support.add_supervision(conn, volunteer_id, on or today, kind.value, note, today)
    message(f"Volunteer {volunteer_id}: recorded {kind.value} supervision on "
            f"{(on or today).isoformat()}.")
    typer.echo(sid)


@app.command("training")
def training(
    ctx: typer.Context,
    volunteer_id: VolunteerId,
    course: Annotated[str, typer.Option(help="The course, e.g. induction, safeguarding.",
                                        show_default=False)],
    on: Annotated[date | None, date_option("When they completed it; default today",
                                           "--date")] = None,
) -> None:
    """Record a training course a volunteer completed; many per volunteer. Recording the same
    course on the same date again changes nothing. Approval needs each course of the setting
    training.required (default: induction once, safeguarding every 3 years); 'volunteer due'
    and 'ivcli today' show a course due for refresh."""
    from ivcli.render import message
    from ivcli.volunteers import support

    today = date.today()
    with state(ctx).writing() as conn:
        tid, name = support.add_training(conn, volunteer_id, course, on or today, today)
    when = (on or today).isoformat()
    if tid is None:
        message(f"Volunteer {volunteer_id}: {name} on {when} was already recorded; nothing "
                "changed.")
    else:
        message(f"Volunteer {volunteer_id}: recorded {name} training on {when}.")
        typer.echo(tid)


def _support_records(conn: Connection, volunteer_id: int
                     ) -> dict[str, list[dict[str, object]]]:
    """``volunteer show``'s supervisions and trainings."""
    from ivcli.volunteers import support

    return {"supervisions": support.supervisions(conn, volunteer_id),
            "trainings": support.trainings(conn, volunteer_id)}


def _print_support(extra: dict[str, list[dict[str, object]]]) -> None:
    from ivcli.render import print_table
    from ivcli.volunteers import support

    print_table(support.SUPERVISION_COLUMNS, extra["supervisions"], title="Supervision",
                empty="No supervision recorded.")
    print_table(support.TRAINING_COLUMNS, extra["trainings"], title="Training",
                empty="No training recorded.")
