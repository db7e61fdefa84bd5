"""ivcli team: team mode on a shared PostgreSQL database (docs/team.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ivcli.cli.common import Format, state
from ivcli.enums import OutputFormat

app = typer.Typer(help="Team mode: several coordinators on one PostgreSQL database "
                  "(docs/team.md).", no_args_is_help=True)


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
