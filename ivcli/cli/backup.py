"""ivcli backup and ivcli restore: a verified copy of the database, and putting one back."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ivcli.cli.common import YES, confirmed, state

app = typer.Typer()


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
    if app_state.db_url is not None:
        _server_backups(app_state.db_url)
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


def _server_backups(url: str, restore: bool = False) -> None:
    """On PostgreSQL the server's own tools back up and restore (docs/team.md): print the
    command that does, and refuse (exit 1): ivcli wrote nothing."""
    from ivcli import db
    from ivcli.errors import Refused

    command = db.pg_dump_command(url)
    typer.echo(command)
    raise Refused(
        ("ivcli restore" if restore else "ivcli backup")
        + " works on a database file; this database is on a PostgreSQL server, where the "
        "server's backups (pg_dump, pg_restore) do it; nothing was written",
        hint=("restore a dump with 'pg_restore --clean --dbname=...' (see docs/team.md)"
              if restore else f"run the command printed above: {command}"))


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
    if app_state.db_url is not None:
        _server_backups(app_state.db_url, restore=True)
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
