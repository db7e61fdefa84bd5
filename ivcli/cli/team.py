"""ivcli team: set up and share a PostgreSQL database (docs/team.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ivcli.cli.common import Format, state
from ivcli.enums import OutputFormat

app = typer.Typer(
    help="Team mode: one PostgreSQL database shared by several coordinators (docs/team.md).",
    no_args_is_help=True,
)


@app.command("init")
def init(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(
        metavar="URL", help="The database: postgresql+psycopg://host/dbname (no password in "
        "it).", show_default=False)],
    fmt: Format = OutputFormat.table,
) -> None:
    """Set a PostgreSQL database up for a team: create its schema (or upgrade it), the roles
    ivcli_coordinator (read and write) and ivcli_reporting (reads what 'report' and 'today'
    need: no names, contact details or concern text), and their grants.

    Run it as the database's owner with a login that can create roles (CREATEROLE, or a
    superuser); otherwise it is refused (exit 1). Run again (after upgrading ivcli, say) it
    upgrades the schema and re-applies the grants. Prints what it did.
    """
    from ivcli import db
    from ivcli.render import emit
    from ivcli.team import roles

    target = db.server_url(url, "URL")
    state(ctx)
    with db.pg_session(target) as conn:
        steps = roles.init(conn, target)
    emit(fmt.value, roles.STEP_COLUMNS, [s.as_row() for s in steps],
         title=f"Team set-up of {target}")


@app.command("add-user")
def add_user(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(
        metavar="NAME", help="An existing login on the server (createuser NAME).",
        show_default=False)],
    role: Annotated[str, typer.Option(
        "--role", metavar="coordinator|reporting", help="coordinator: reads and writes "
        "everything; reporting: runs 'report' and 'today' only.", show_default=False)],
    fmt: Format = OutputFormat.table,
) -> None:
    """Give the login NAME an ivcli role on the shared database (--db or IVCLI_DB, a
    PostgreSQL URL); the other ivcli role, if it had it, is taken away.

    Run it with a login that can grant roles (CREATEROLE, or a superuser), after 'ivcli team
    init'. An unknown NAME is exit 1; a NAME that cannot log in (a NOLOGIN group) gets the
    role for its members, with a note that it cannot connect itself.
    """
    from ivcli import db
    from ivcli.errors import InvalidInput
    from ivcli.render import emit_one, message
    from ivcli.team import roles

    app_state = state(ctx)
    if app_state.db_url is None:
        raise InvalidInput(f"--db: {app_state.db_path} is a file; team add-user needs the "
                           "shared PostgreSQL database",
                           hint="give --db postgresql+psycopg://host/dbname (or set IVCLI_DB)")
    with db.pg_session(app_state.db_url) as conn:
        done, note = roles.add_user(conn, name, role.strip().lower())
    emit_one(fmt.value, done, title=f"Login {name}")
    if note:
        message(f"Note: {note}.", style="yellow")


@app.command("import-sqlite")
def import_sqlite(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE.db", help="The ivcli database file to "
                                         "move (read only, never changed).",
                                         show_default=False)],
    url: Annotated[str, typer.Argument(metavar="URL", help="The new, empty PostgreSQL "
                                       "database: postgresql+psycopg://host/dbname (no "
                                       "password in it).", show_default=False)],
    fmt: Format = OutputFormat.table,
) -> None:
    """Move a lone coordinator's database file into a new, empty PostgreSQL database.

    Creates the schema and copies every table in one transaction, then checks that each
    table holds the file's number of rows and that the audit chain verifies: any difference
    and nothing is imported. A database already holding ivcli records is refused (exit 1).
    The file is only read; one of an older ivcli is read through an up-to-date temporary
    copy.
    """
    from ivcli.render import emit, message
    from ivcli.team import transfer

    done = transfer.import_sqlite(file, url, command=state(ctx).command)
    emit(fmt.value, ("table", "rows"), [{"table": t, "rows": n} for t, n in done.tables],
         title=f"Copied from {file}")
    message(f"Audit chain verified on the target: {done.audit_entries} entries, last hash "
            f"{done.audit_head.hex()[:16]} (as in the file); the import is recorded in it.")
