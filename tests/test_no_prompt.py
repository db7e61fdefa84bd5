"""No prompt without a terminal: every command in the tree, run with nothing on standard input
and only its required arguments, finishes (never waits for input) with 0, 1 or 2 and no
traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from ivcli.cli.main import app
from tests.conftest import FIXTURES

ROOT = Path(__file__).parent.parent


def leaf_commands():  # type: ignore[no-untyped-def]
    """Every leaf command, found as Click finds them (list_commands, get_command): the root
    builds its commands lazily."""
    root = typer.main.get_command(app)

    def walk(cmd, path, parent):  # type: ignore[no-untyped-def]
        if isinstance(cmd, TyperGroup):
            ctx = typer.Context(cmd, parent=parent, info_name=cmd.name)
            for name in sorted(cmd.list_commands(ctx)):
                yield from walk(cmd.get_command(ctx, name), [*path, name], ctx)
        else:
            yield path, cmd

    yield from walk(root, [], None)


def required_args(cmd, tmp: Path) -> list[str]:  # type: ignore[no-untyped-def]
    args: list[str] = []
    for p in cmd.params:
        if not getattr(p, "required", False):
            continue
        desc = getattr(p, "type_descriptor", None)
        kind = getattr(desc, "annotation", None) if desc else getattr(p, "type", None)
        text = str(kind)
        is_int = "int" in text.lower()  # an int argument reads "INT" here
        value = "1" if is_int else str(tmp / "missing.csv") if "Path" in text else "x"
        if getattr(p, "param_type_name", "") == "option":
            args += [p.opts[0], value]
        else:
            args += [value] * (p.nargs if p.nargs and p.nargs > 0 else 1)
    return args


def test_every_command_completes_without_a_terminal(tmp_path: Path):
    db = tmp_path / "ivcli.db"
    shutil.copy(FIXTURES / "safety" / "v001.db", db)
    commands = list(leaf_commands())
    assert len(commands) >= 15
    seen = []
    for path, cmd in commands:
        args = ["--db", str(db), *path, *required_args(cmd, tmp_path)]
        box: dict[str, object] = {}

        def go(args=args, box=box) -> None:  # type: ignore[no-untyped-def]
            box["r"] = CliRunner().invoke(app, args, input="")

        t = threading.Thread(target=go, daemon=True)
        t.start()
        t.join(timeout=60)
        assert not t.is_alive(), f"ivcli {' '.join(path)} hung"
        r = box["r"]
        out = r.stdout + r.stderr  # type: ignore[attr-defined]
        assert r.exit_code in (0, 1, 2), (path, r.exit_code, out, r.exception)  # type: ignore[attr-defined]
        assert "Traceback" not in out, path
        seen.append((" ".join(path), r.exit_code))  # type: ignore[attr-defined]
    # Destructive commands refuse without --yes (exit 2) rather than asking or acting;
    # volunteer 1 is in active match 1, so erasing them is refused before any question (exit 1).
    codes = dict(seen)
    assert codes["erase young-person"] == 2 and codes["erase volunteer"] == 1
    assert codes["restore"] == 1  # not a backup
    from tests.test_safety import rows

    assert rows(db, "SELECT count(*) FROM young_people WHERE first_name = 'erased'") == [(0,)]


@pytest.mark.slow
def test_real_process_with_stdin_from_dev_null_exits_2_naming_flags(tmp_path: Path):
    env = {"IVCLI_DB": str(tmp_path / "ivcli.db"), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin"}
    for args, flag in ((["referral", "add"], "--first-name"),
                       (["erase", "young-person", "1"], "--yes")):
        if args[0] == "erase":
            shutil.copy(FIXTURES / "safety" / "v001.db", tmp_path / "ivcli.db")
        with open("/dev/null") as null:
            r = subprocess.run([sys.executable, "-m", "ivcli", *args], stdin=null, env=env,
                               cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert r.returncode == 2, r.stderr
        assert flag in r.stderr
