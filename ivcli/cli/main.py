"""The root command: global options, sub-apps, and the one error boundary."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ivcli import __version__
from ivcli.cli import (
    concern,
    demo,
    expenses,
    match,
    referral,
    report,
    safety,
    settings,
    today,
    visit,
    volunteer,
    young_person,
)
from ivcli.cli.common import AppState, default_db_path
from ivcli.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, InvalidInput, IvcliError


def report_error(exc: IvcliError) -> None:
    from ivcli.render import safe_text

    lines = [f"Error: {safe_text(exc.message)}"]
    lines += [f"  {safe_text(d)}" for d in exc.details]
    if exc.hint:
        lines.append(f"Hint: {safe_text(exc.hint)}")
    sys.stderr.write("\n".join(lines) + "\n")


class IvcliGroup(TyperGroup):
    """Turns every error into one clean message and a documented exit code. No tracebacks,
    except on stderr with IVCLI_DEBUG=1; the exit code is the same either way."""

    def invoke(self, ctx: typer.Context) -> Any:
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
            from ivcli.db import translate

            known = translate(exc, getattr(ctx.obj, "db_path", None))
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


# Every command group and top-level command, in the order `ivcli --help` lists them: the
# Typer sub-app that holds it and the name it is registered under (None: its commands join the
# root, e.g. `ivcli today`).
SUB_APPS: list[tuple[typer.Typer, str | None]] = [
    (referral.app, "referral"),
    (match.app, "match"),
    (settings.app, "settings"),
    (volunteer.app, "volunteer"),
    (young_person.app, "young-person"),
    (demo.app, None),
    (report.app, "report"),
    (visit.app, "visit"),
    (concern.app, "concern"),
    (expenses.app, None),
    (today.app, None),
    (safety.app, None),
]


def build_app(sub_apps: list[tuple[typer.Typer, str | None]]) -> typer.Typer:
    root_app = typer.Typer(
        cls=IvcliGroup,
        name="ivcli",
        help="Run an Independent Visitor scheme: referrals, volunteers, matches, visits and "
        "reports.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    root_app.callback()(root)
    for sub, name in sub_apps:
        root_app.add_typer(sub, name=name) if name else root_app.add_typer(sub)
    return root_app


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ivcli {__version__}")
        raise typer.Exit()


def root(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            envvar="IVCLI_DB",
            help="The database file. Default: ivcli.db in your user data folder.",
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
    ctx.obj = AppState(
        db_path=(db or default_db_path()).expanduser(), no_input=no_input, explicit_db=bool(db)
    )


app = build_app(SUB_APPS)


def _command_name(args: list[str]) -> str | None:
    """The first word of the command line that is not a root option (or --db's value)."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--db":
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def _needed(name: str | None) -> list[tuple[typer.Typer, str | None]]:
    """Only the sub-app that holds the command being run: Typer builds every command of the
    apps it is given on each run, which costs about 0.1 s for the whole tree."""
    if name is None:
        return SUB_APPS
    for sub, group in SUB_APPS:
        if group == name:
            return [(sub, group)]
        if group is None and any(
            (c.name or (c.callback.__name__.replace("_", "-") if c.callback else None)) == name
            for c in sub.registered_commands
        ) or group is None and any(g.name == name for g in sub.registered_groups):
            return [(sub, group)]
    return SUB_APPS  # unknown: the full tree gives the usual "No such command" error


def run() -> None:
    """Console-script entry point: builds only the part of the command tree being run."""
    build_app(_needed(_command_name(sys.argv[1:])))(prog_name="ivcli")
