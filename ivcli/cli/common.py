"""What every command module shares: the app state, option types, prompting rules.

Imported at start-up: standard library and Typer only.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ivcli.enums import OutputFormat
from ivcli.errors import MissingValue
from ivcli.periods import MONTH_HELP, MONTH_METAVAR

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ivcli.importing.mapping import HeaderChoice
    from ivcli.specs import Field


@dataclass
class AppState:
    db_path: Path
    no_input: bool = False
    quiet: bool = False
    explicit_db: bool = False  # --db or IVCLI_DB was given (the demo keeps apart otherwise)
    extra: dict[str, Any] = field(default_factory=dict)
    command: str = ""  # e.g. "referral accept": set by state(ctx), recorded in the audit trail
    db_url: str | None = None  # --db / IVCLI_DB as a PostgreSQL URL (team mode, docs/team.md)

    @property
    def target(self) -> Path | str:
        """What the commands run on: the database file, or the PostgreSQL URL."""
        return self.db_url if self.db_url is not None else self.db_path

    @property
    def where(self) -> str:
        """The database as messages name it."""
        return self.db_url if self.db_url is not None else str(self.db_path)

    @property
    def default_folder(self) -> bool:
        """A command that writes creates the default data folder when it is missing, never a
        folder named by --db or IVCLI_DB (a typing mistake, a drive not mounted)."""
        return not self.explicit_db

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only unit of work on one Core Connection. A missing database file is an
        error, never created."""
        from ivcli import db

        with db.open_reader(self.target) as conn:
            yield conn

    @contextmanager
    def writing(self, *, dry_run: bool = False) -> Iterator[Connection]:
        """One write transaction (BEGIN IMMEDIATE) on one Core Connection, with the audit
        trail's safety net; creates the database (0600) if needed, and removes it again if the
        command fails. With ``dry_run`` everything is rolled back at the end."""
        from ivcli import db
        from ivcli.safety import audit

        with db.open_writer(self.target, command=self.command or None, dry_run=dry_run,
                       create_folder=self.default_folder,
                       watch=audit.watch, complete=audit.complete) as conn:
            yield conn

    @contextmanager
    def importing(self, *, dry_run: bool) -> Iterator[Connection]:
        """The write transaction of a CSV import. A dry run is rolled back at the end, and on a
        database that does not exist yet it checks against a temporary one, creating
        nothing."""
        if self.db_url is not None or not (dry_run and not self.db_path.exists()):
            with self.writing(dry_run=dry_run) as conn:
                yield conn
            return
        import tempfile

        real = self.db_path
        with tempfile.TemporaryDirectory() as tmp:
            self.db_path = Path(tmp) / "dry-run.db"
            try:
                with self.writing(dry_run=True) as conn:
                    yield conn
            finally:
                self.db_path = real

    def can_prompt(self) -> bool:
        from ivcli.prompts import can_prompt

        return can_prompt(self.no_input)


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("ivcli", appauthor=False) / "ivcli.db"


def command_path(ctx: typer.Context) -> str:
    """The command as typed without the program name, e.g. "referral accept"."""
    names: list[str] = []
    c: Any = ctx
    while c is not None and c.parent is not None:
        if c.info_name:
            names.append(c.info_name)
        c = c.parent
    return " ".join(reversed(names))


def state(ctx: typer.Context) -> AppState:
    obj = ctx.find_root().obj
    assert isinstance(obj, AppState)
    path = command_path(ctx)
    if path:
        obj.command = path
    return obj


def parse_date_option(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    from ivcli.parsing import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def parse_month_option(value: str | None) -> str | None:
    """Check a ``--month`` as it is typed (``periods.parse_month``); the command reads it
    against its own day (today, or ``--as-of``)."""
    if value is None:
        return None
    from ivcli.periods import parse_month

    try:
        parse_month(value, date.today())
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value.strip()


def parse_yes_no_option(value: str | bool | None) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    from ivcli.parsing import parse_yes_no

    try:
        return parse_yes_no(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


Format = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="table for people; json or csv for scripts."),
]


# The options every import takes (referrals, volunteers, visit sheets; CSV or .xlsx).
CsvMap = Annotated[
    list[str] | None,
    typer.Option("--map", help='Map a column: "Their Header=field" (repeatable).',
                 show_default=False),
]
SaveMap = Annotated[
    str | None,
    typer.Option("--save-map", metavar="NAME", show_default=False,
                 help="Once the import succeeds, save its --map options under NAME: a later "
                 "file with the same headers uses them without flags (not with --dry-run)."),
]
MappingName = Annotated[
    str | None,
    typer.Option("--mapping", metavar="NAME", show_default=False,
                 help="Use the saved mapping NAME ('ivcli mappings' lists them). Without it, "
                 "a saved mapping whose headers match the file's exactly is used; --map adds "
                 "to either."),
]
Sheet = Annotated[
    str | None,
    typer.Option("--sheet", metavar="NAME", show_default=False,
                 help="The sheet of an .xlsx workbook to read (default: the first)."),
]
CsvEncoding = Annotated[
    str, typer.Option(help="A CSV's encoding: utf-8 (with or without BOM) or cp1252.")
]
DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Check the file and report; write nothing.")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]


@contextmanager
def mapped_import(ctx: typer.Context, kind: str, *, dry_run: bool, maps: list[str] | None,
                  mapping: str | None, save_map: str | None
                  ) -> Iterator[tuple[Connection, HeaderChoice]]:
    """The transaction of an import (``AppState.importing``) and how it maps the file's
    headers (``stored_mappings.choice``); the ``--save-map`` is kept once the import inside it
    succeeds, unless it is a dry run."""
    from ivcli import stored_mappings

    with state(ctx).importing(dry_run=dry_run) as conn:
        choice = stored_mappings.choice(conn, kind, maps=maps or [], mapping=mapping,
                                        save_as=save_map)
        yield conn, choice
        if not dry_run:
            stored_mappings.save(conn, choice)


def warn_unknown_columns(columns: list[str]) -> None:
    if columns:
        from ivcli.importing.problems import ignored_columns_note
        from ivcli.render import message

        message(ignored_columns_note(columns), style="yellow")


def names_option(where: str = "") -> Any:
    """``--names``, the same on every command that can name young people and volunteers
    (names are personal data: without it, records are named by id only)."""
    return typer.Option("--names", help=f"Name young people and volunteers{where} (without it, "
                        "records are named by id only).")


Names = Annotated[bool, names_option()]


def date_option(help: str, *names: str) -> Any:
    return typer.Option(
        *names, help=f"{help} (31/01/2026 or 2026-01-31)", parser=parse_date_option,
        metavar="DATE", show_default=False,
    )


def month_option(help: str) -> Any:
    """``--month``/``-m``, the same on every command that takes a month."""
    return typer.Option("--month", "-m", help=f"{help} ({MONTH_HELP})", parser=parse_month_option,
                        metavar=MONTH_METAVAR, show_default=False)


def yes_no_option(help: str, *names: str) -> Any:
    return typer.Option(*names, help=f"{help} (yes/no)", parser=parse_yes_no_option,
                        metavar="YES/NO", show_default=False)


def require(missing: list[str]) -> None:
    """Refuse with exit 2 naming every flag still needed (no terminal, or --no-input)."""
    if missing:
        flags = ", ".join(missing)
        raise MissingValue(
            f"missing {flags}",
            hint="give them as options, or run at a terminal without --no-input to be asked",
        )


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def field_options(fields: Sequence[Field], *, update: bool = False
                  ) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command one ``--field-name TEXT`` option per field of a record spec
    (``ivcli.specs``), with the field's help and metavar, in the fields' order. The command is
    written ``def cmd(ctx, ..., *, fmt=..., **values)``: the options come after its
    positional parameters and before its keyword-only ones, and each arrives in ``values``
    (None when not given). ``update``: the fields' ``update_help`` where they have one."""

    def options() -> list[inspect.Parameter]:
        return [
            inspect.Parameter(
                f.name, inspect.Parameter.KEYWORD_ONLY, default=None,
                annotation=Annotated[str | None, typer.Option(
                    help=(f.update_help or f.help) if update else f.help, metavar=f.metavar,
                    show_default=False)],
            )
            for f in fields
        ]

    def decorate(func: Callable[..., None]) -> Callable[..., None]:
        import typing

        hints = typing.get_type_hints(func, include_extras=True)
        own = [p.replace(annotation=hints.get(p.name, p.annotation))
               for p in inspect.signature(func).parameters.values()
               if p.kind is not inspect.Parameter.VAR_KEYWORD]
        params = ([p for p in own if p.kind is not inspect.Parameter.KEYWORD_ONLY] + options()
                  + [p for p in own if p.kind is inspect.Parameter.KEYWORD_ONLY])
        func.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        func.__annotations__ = {p.name: p.annotation for p in params}
        return func

    return decorate


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


def ethnicity_warning(lines: list[int], count: int | None = None) -> str | None:
    """The import's warning naming the lines whose ethnicity is not mapped to a DfE code
    (``lines``: the first of them; ``count``: how many in all), or None."""
    total = len(lines) if count is None else count
    if not total:
        return None
    more = total - min(20, len(lines))
    return (f"Warning: ethnicity not mapped to a DfE code (kept as given; docs/ethnicity.md): "
            f"{total} row(s), line(s) {', '.join(map(str, lines[:20]))}"
            + (f" and {more} more" if more > 0 else "") + ".")


def ethnicity_warning_one(record: str) -> str:
    """The warning of ``add`` when the ethnicity given is not mapped (``record``: whose)."""
    return (f"Warning: the ethnicity of {record} is not mapped to a DfE code; kept as given "
            "(docs/ethnicity.md lists the codes).")
