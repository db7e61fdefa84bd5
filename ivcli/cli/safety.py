"""Data safety and data protection: audit, check, backup, restore, subject-export, erase,
retention."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ivcli.cli.common import AppState, Format, date_option, require, state
from ivcli.enums import OutputFormat

app = typer.Typer()
erase_app = typer.Typer(
    help="Erase a person's personal data, keeping anonymous counts. Cannot be undone.",
    no_args_is_help=True,
)
app.add_typer(erase_app, name="erase")

YES = typer.Option("--yes", "-y", help="Do it without asking (needed when not at a terminal).")


def confirmed(app_state: AppState, yes: bool, question: str) -> bool:
    """True to go ahead. At a terminal ask (default No); otherwise --yes is required (exit 2)."""
    if yes:
        return True
    if app_state.can_prompt():
        from ivcli import prompts

        return prompts.confirm(question, default=False)
    require(["--yes"])
    return False


@app.command("audit")
def audit_(
    ctx: typer.Context,
    record: Annotated[
        str | None,
        typer.Option("--record", metavar="TABLE:ID",
                     help="Only one record, e.g. referrals:12 or young_people:3.",
                     show_default=False),
    ] = None,
    limit: Annotated[int, typer.Option(help="Show the latest N entries (0: all).", min=0)] = 50,
    fmt: Format = OutputFormat.table,
) -> None:
    """Show the audit trail: when, which command, which record and which fields changed.

    The trail never holds the values themselves. It is append-only and hash-chained; 'ivcli
    check' verifies it. An import's new records are one entry per table, for the ids from
    record_id to record_to.
    """
    from ivcli.render import emit
    from ivcli.services import audit

    table = record_id = None
    if record:
        table, sep, record_id = record.partition(":")
        if not sep or not table or not record_id:
            raise typer.BadParameter("use TABLE:ID, e.g. referrals:12", param_hint="--record")
    with state(ctx).reading() as conn:
        rows = audit.entries(conn, table, record_id, limit)
    emit(fmt.value, audit.COLUMNS, rows, title="Audit trail", empty="No audit entries.")


@app.command("check")
def check(
    ctx: typer.Context,
    scrub: Annotated[
        bool, typer.Option("--scrub", help="Also rebuild the file so no unused space keeps "
                           "old (e.g. erased) content.")
    ] = False,
    fmt: Format = OutputFormat.table,
) -> None:
    """Check the database: SQLite's integrity and foreign-key checks, the audit chain, and
    ivcli's own rules (one open match per young person, statuses that agree).

    Exits 1 when anything is wrong.
    """
    from ivcli.render import emit, message
    from ivcli.services.check import run_checks

    app_state = state(ctx)
    with app_state.reading() as conn:
        checks = run_checks(conn)
    if scrub:
        from ivcli import db

        db.scrub(app_state.db_path)
    emit(fmt.value, ("check", "ok", "detail"), [c.as_row() for c in checks],
         title=f"Checks of {app_state.db_path}")
    if not all(c.ok for c in checks):
        message("Problems found: restore a backup ('ivcli restore') or correct the records "
                "named above.", style="red")
        raise typer.Exit(1)


@app.command("backup")
def backup(
    ctx: typer.Context,
    path: Annotated[
        str | None,
        typer.Argument(metavar="[PATH]",
                       help="An existing folder for the copy, or a file name (e.g. "
                       "copy.db) in one. Default: a dated file in the backups folder next to "
                       "the database.", show_default=False),
    ] = None,
) -> None:
    """Copy the database safely while ivcli may be in use, then verify the copy.

    Uses SQLite's backup API (never a plain file copy), writes to a temporary name, syncs it to
    disk and renames it; the copy is readable only by you. A folder that does not exist (a
    drive not mounted, a typing mistake) is refused, never created: so is a PATH ending in /
    and a file name without an extension, unless it is an existing folder.
    """
    from ivcli import db, outfile
    from ivcli.errors import Refused
    from ivcli.render import message

    app_state = state(ctx)
    with app_state.reading():
        pass  # the file exists, is an ivcli database and is up to date
    if path is None:
        target = db.backup_name(app_state.db_path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise outfile.refuse(target, exc.strerror or type(exc).__name__) from None
    elif Path(path).is_dir():
        target = db.backup_name(app_state.db_path, folder=Path(path))
    elif path.endswith(("/", os.sep)) or not Path(path).suffix:
        # Meant as a folder: writing a file of that name would hide the mistake.
        raise outfile.refuse(
            Path(path), "there is no such folder",
            hint="check the path (is the drive mounted?) and create the folder first, or give "
            "a file name with an extension, e.g. copy.db")
    else:
        target = Path(path)
    outfile.check_writable(target, app_state.db_path, backup=True)
    if target.exists():
        raise Refused(f"{target} already exists; nothing was written",
                      hint="choose a new name or a folder")
    db.backup_database(app_state.db_path, target)
    message(f"Backed up to {target} (checked; readable only by you).")
    typer.echo(str(target))


@app.command("restore")
def restore(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A backup made by 'ivcli backup'.",
                                         show_default=False)],
    yes: Annotated[bool, YES] = False,
) -> None:
    """Replace the database with a backup. The current database is backed up first.

    Refuses a file that is not a sound ivcli database. Asks first at a terminal; needs --yes
    otherwise.
    """
    from ivcli import db
    from ivcli.errors import InvalidInput
    from ivcli.render import message

    app_state = state(ctx)
    problem = db.verify_file(path)
    if problem:
        raise InvalidInput(f"{path} cannot be restored: {problem}; nothing was changed",
                           hint="give a backup made by 'ivcli backup'")
    live = app_state.db_path
    if not confirmed(app_state, yes, f"Replace {live} with {path}?"):
        message("Nothing was changed.")
        raise typer.Exit(0)
    saved = None
    if live.exists() and live.stat().st_size:
        saved = db.backup_name(live, "before-restore")
        try:
            db.backup_database(live, saved)
        except db.BACKUP_FAILED:
            # Too damaged to copy through SQLite: keep the file itself, moved aside.
            import os

            saved.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            for suffix in ("", "-wal", "-shm"):
                part = live.with_name(live.name + suffix)
                if part.exists():
                    os.replace(part, saved.with_name(saved.name + suffix))
    db.restore_from(path, live, create_folder=app_state.default_folder)
    with app_state.reading():
        pass  # bring an older backup's schema up to date
    message(f"Restored {live} from {path}."
            + (f" The database as it was is saved at {saved}." if saved else ""))


@app.command("subject-export")
def subject_export(
    ctx: typer.Context,
    young_person_id: Annotated[
        int | None, typer.Argument(metavar="[YOUNG_PERSON_ID]", help="The young person's id.",
                                   show_default=False)
    ] = None,
    volunteer: Annotated[
        int | None, typer.Option("--volunteer", metavar="ID", help="A volunteer's id instead.",
                                 show_default=False)
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (readable only by "
                                  "you) instead of standard output.", show_default=False)
    ] = None,
) -> None:
    """Everything held about one person, as JSON, for a subject access request."""
    from ivcli import outfile
    from ivcli.errors import InvalidInput
    from ivcli.render import message, to_json
    from ivcli.services import privacy

    if (young_person_id is None) == (volunteer is None):
        if young_person_id is None:
            require(["YOUNG_PERSON_ID or --volunteer ID"])
        raise InvalidInput("give a young person's id or --volunteer ID, not both")
    kind, person_id = (("volunteer", volunteer) if volunteer is not None
                       else ("young_person", young_person_id))
    assert person_id is not None
    live = state(ctx).db_path
    if output is not None:
        outfile.check_writable(output, live)
    with state(ctx).reading() as conn:
        data = privacy.subject_export(conn, kind, person_id)
    text = to_json(data) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    outfile.write_atomic(output, text, live)
    message(f"Wrote everything held about {kind.replace('_', ' ')} {person_id} to {output} "
            "(readable only by you).")


def _erase(ctx: typer.Context, kind: str, person_id: int, yes: bool) -> None:
    from ivcli import db
    from ivcli.render import message
    from ivcli.services import privacy

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
    db.scrub(app_state.db_path)
    counts = ", ".join(f"{n} {t}" for t, n in sorted(done.records.items()))
    message(f"Erased the personal data of {what} ({counts} record(s) anonymised); the records "
            "stay in the counts.\nBackups made before now still hold it: delete or overwrite "
            "them under your retention policy.")


@erase_app.command("young-person")
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


@erase_app.command("volunteer")
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


@app.command("retention")
def retention(
    ctx: typer.Context,
    apply: Annotated[bool, typer.Option("--apply", help="Anonymise the records listed.")] = False,
    as_of: Annotated[date | None, date_option("Judge as on this date; default today",
                                              "--as-of")] = None,
    yes: Annotated[bool, YES] = False,
    fmt: Format = OutputFormat.table,
) -> None:
    """List records past their retention period; with --apply, anonymise them (as 'ivcli
    erase'). Periods are settings: retention.young_person_until_age, retention.volunteer_years.

    A person still in an open match is not listed or anonymised: a warning names them and the
    match to end first.
    """
    from ivcli import db
    from ivcli.render import emit, message
    from ivcli.services import privacy

    app_state = state(ctx)
    on = as_of or date.today()
    with app_state.reading() as conn:
        due, held = privacy.retention_review(conn, on)
    emit(fmt.value, ("kind", "id", "due_since", "reason"), [d.as_row() for d in due],
         title=f"Past their retention period on {on.isoformat()}",
         empty="Nothing is past its retention period.")
    for d in held:
        message(f"Warning: {d.kind.replace('_', ' ')} {d.id} is past its retention period "
                f"(since {d.due_since.isoformat()}) but is not anonymised while {d.reason}.",
                style="yellow")
    if not apply or not due:
        return
    if not confirmed(app_state, yes, f"Anonymise these {len(due)} record(s)? This cannot be "
                     "undone."):
        message("Nothing was anonymised.")
        raise typer.Exit(0)
    with app_state.writing() as conn:
        done = privacy.apply_retention(conn, privacy.retention_due(conn, on))
    db.scrub(app_state.db_path)
    message(f"Anonymised {len(done)} record(s). Backups made before now still hold them.")
