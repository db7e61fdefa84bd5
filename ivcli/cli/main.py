"""The root command: global options, sub-apps, and the one error boundary."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.main
from typer.core import TyperGroup

from ivcli import __version__
from ivcli.cli.common import AppState, default_db_path
from ivcli.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, InvalidInput, IvcliError

if TYPE_CHECKING:
    from typer._click import Command, Context


def report_error(exc: IvcliError) -> None:
    from ivcli.render import safe_text

    lines = [f"Error: {safe_text(exc.message)}"]
    lines += [f"  {safe_text(d)}" for d in exc.details]
    if exc.hint:
        lines.append(f"Hint: {safe_text(exc.hint)}")
    sys.stderr.write("\n".join(lines) + "\n")


# The root's own options, with whether each takes a value: they are accepted after the command
# too (`ivcli referral list --db other.db`), as people and scripts write them.
ROOT_OPTIONS = {"--db": True, "--no-input": False}


def hoist_root_options(args: list[str]) -> list[str]:
    """``args`` with the root's options that follow the command moved in front of it, so
    Click parses them as the root's. Nothing after ``--`` is moved."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        name = arg.split("=", 1)[0]
        if name in ROOT_OPTIONS:
            takes_value = ROOT_OPTIONS[name] and "=" not in arg
            front += args[i:i + 2] if takes_value else [arg]
            i += 2 if takes_value else 1
            continue
        rest.append(arg)
        i += 1
    return front + rest


class IvcliGroup(TyperGroup):
    """Turns every error into one clean message and a documented exit code. No tracebacks,
    except on stderr with IVCLI_DEBUG=1; the exit code is the same either way."""

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_root_options(args))

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except typer.BadParameter as exc:
            # A value given on the command line that is not acceptable (not a date, not one
            # of the choices, not a whole number, ...): exit 1 like every other bad value
            # (docs/exit-codes.md). Its subclasses (a missing argument) stay usage errors.
            if exc.__class__ is not typer.BadParameter:
                raise
            where = exc.ctx.command_path if exc.ctx is not None else "ivcli"
            bad = InvalidInput(exc.format_message(), hint=f"see '{where} --help'")
            report_error(bad)
            raise typer.Exit(bad.exit_code) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except IvcliError as exc:
            report_error(exc)
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:
            # The reader went away (e.g. `ivcli referral list | head`): stop quietly.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(0) from None
        except KeyboardInterrupt:
            sys.stderr.write("Interrupted; nothing was changed.\n")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Exception as exc:
            from ivcli.db import translate, translate_pg

            url = getattr(ctx.obj, "db_url", None)
            known = translate_pg(exc, url) if url else translate(
                exc, getattr(ctx.obj, "db_path", None))
            if known is not None:  # busy, disk full, read-only or damaged database
                report_error(known)
                raise typer.Exit(known.exit_code) from None
            debug = os.environ.get("IVCLI_DEBUG", "") not in ("", "0")
            if debug:
                import traceback

                traceback.print_exception(exc, file=sys.stderr)
            sys.stderr.write(
                f"Error: ivcli failed unexpectedly ({type(exc).__name__}); nothing was changed.\n"
                + ("Hint: please report it, with the details above.\n" if debug else
                   "Hint: run again with IVCLI_DEBUG=1 to see details, and report it.\n")
            )
            raise typer.Exit(EXIT_INTERNAL) from None


# Every command group and top-level command, in the order `ivcli --help` lists them: the module
# under ivcli.cli whose Typer ``app`` holds it, the name it is registered under (None: its
# commands join the root, e.g. `ivcli today`), and the root commands it gives. The names are
# written out so that a run imports only the module of the command it runs; a test checks them
# against the Typer registrations (``sub_apps``).
COMMANDS: list[tuple[str, str | None, tuple[str, ...]]] = [
    ("referral", "referral", ("referral",)),
    ("match", "match", ("match",)),
    ("settings", "settings", ("settings",)),
    ("volunteer", "volunteer", ("volunteer",)),
    ("young_person", "young-person", ("young-person",)),
    ("demo", None, ("demo",)),
    ("report", "report", ("report",)),
    ("visit", "visit", ("visit",)),
    ("concern", "concern", ("concern",)),
    ("mappings", "mappings", ("mappings",)),
    ("expenses", "expenses", ("expenses",)),
    ("today", None, ("today",)),
    ("audit", None, ("audit",)),
    ("check", None, ("check",)),
    ("backup", None, ("backup", "restore")),
    ("subject_export", None, ("subject-export",)),
    ("retention", None, ("retention",)),
    ("erase", "erase", ("erase",)),
    ("team", "team", ("team",)),
]


def _sub_app(module: str) -> typer.Typer:
    from importlib import import_module

    sub = import_module(f"ivcli.cli.{module}").app
    assert isinstance(sub, typer.Typer)
    return sub


def sub_apps() -> list[tuple[typer.Typer, str | None]]:
    """Every sub-app (importing every command module) and the name it is registered under, in
    ``COMMANDS`` order."""
    return [(_sub_app(module), group) for module, group, _ in COMMANDS]


def registered_names(sub: typer.Typer, group: str | None) -> list[str]:
    """The root commands ``sub`` gives when registered under ``group``, read from its Typer
    registrations, nothing built."""
    return [group] if group else [
        *(c.name or typer.main.get_command_name(c.callback.__name__)
          for c in sub.registered_commands if c.callback),
        *(g.name for g in sub.registered_groups if isinstance(g.name, str)),
    ]


@cache
def _module_of() -> dict[str, tuple[str, str | None]]:
    """Each root command's name, in COMMANDS order, and the module and group that hold it."""
    return {name: (module, group) for module, group, names in COMMANDS for name in names}


class LazyGroup(IvcliGroup):
    """The root group, loading its commands lazily (Click's pattern for lazily loading
    subcommands: list_commands names them, get_command builds one): importing every command
    module and building the whole Typer tree costs tens of milliseconds, and a run needs only
    the sub-app of the command it runs, and of a group only the command it runs
    (``resolve_command`` notes it). `--help` builds every sub-app (it shows each command's
    short help), and so does an unknown name (Typer's "Did you mean" looks through the built
    commands)."""

    _next_word: str | None = None

    def list_commands(self, ctx: Context) -> list[str]:
        lazy = list(_module_of())
        return [*lazy, *(n for n in super().list_commands(ctx) if n not in lazy)]

    def resolve_command(self, ctx: Context, args: list[str]) -> Any:
        # The word after the command: for a group, the one command of it to build.
        self._next_word = args[1] if len(args) > 1 else None
        try:
            return super().resolve_command(ctx, args)
        finally:
            self._next_word = None

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        if cmd_name not in self.commands:
            where = _module_of()
            for module, group in [where[cmd_name]] if cmd_name in where else [
                    (module, group) for module, group, _ in COMMANDS]:
                self.commands.update(self._build(_sub_app(module), group))
        return super().get_command(ctx, cmd_name)

    def _build(self, sub: typer.Typer, group: str | None) -> dict[str, Command]:
        """The commands `root_app.add_typer(sub, name=group)` would give the root: Typer builds
        them under a holder with the root's settings (the ones a sub-app inherits). Of a group
        run with one of its commands named (``ivcli referral list``), only that command is
        built: the group holds it alone."""
        if group and self._next_word is not None:
            only = _only(sub, self._next_word)
            if only is not None:
                sub = only
        holder = typer.Typer(rich_markup_mode=self.rich_markup_mode,
                             suggest_commands=self.suggest_commands,
                             options_metavar=self.options_metavar or "[OPTIONS]")
        holder.add_typer(sub, name=group) if group else holder.add_typer(sub)
        return dict(typer.main.get_group(holder).commands)


def _only(sub: typer.Typer, name: str) -> typer.Typer | None:
    """A copy of ``sub`` holding only its command ``name``; None when it has none of that
    name (then the group is built whole: its help, or Typer's "No such command")."""
    import copy

    commands = [c for c in sub.registered_commands
                if c.callback and (c.name or typer.main.get_command_name(c.callback.__name__))
                == name]
    if not commands:
        return None
    only = copy.copy(sub)
    only.registered_commands = commands
    only.registered_groups = []
    return only


def build_app() -> typer.Typer:
    """The root Typer app; its commands are built as they are looked up (LazyGroup)."""
    root_app = typer.Typer(
        cls=LazyGroup,
        name="ivcli",
        help="Run an Independent Visitor scheme: referrals, volunteers, matches, visits and "
        "reports.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    root_app.callback()(root)
    return root_app


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ivcli {__version__}")
        raise typer.Exit()


def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="IVCLI_DB",
            metavar="PATH|URL",
            help="The database file, or a PostgreSQL URL (postgresql+psycopg://host/dbname, no "
            "password in it; docs/team.md). Default: ivcli.db in your user data folder.",
            show_default=False,
        ),
    ] = None,
    no_input: Annotated[
        bool,
        typer.Option(
            "--no-input",
            envvar="IVCLI_NO_INPUT",
            help="Never prompt: a missing value is an error (exit 2). Prompts are also off "
            "whenever input or output is not a terminal.",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    os.umask(0o077)  # every file ivcli creates (database, backups, exports, reports) is private
    url = None
    if db and "://" in db:
        from ivcli.db import pg_url

        try:
            pg_url(db)  # refused here (exit 1) when it holds a password or is not PostgreSQL
        except IvcliError as exc:
            report_error(exc)
            raise typer.Exit(exc.exit_code) from None
        url = db
    ctx.obj = AppState(
        db_path=(Path(db) if db and url is None else default_db_path()).expanduser(),
        no_input=no_input, explicit_db=bool(db), db_url=url,
    )


app = build_app()


def run() -> None:
    """Console-script entry point."""
    from ivcli import gcstart

    gcstart.pause()  # until the database is open (``ivcli.gcstart``)
    try:
        app(prog_name="ivcli")
    finally:
        gcstart.resume()
