"""Every test gets its own database file; none touches a real home folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivcli.cli.main import app


@pytest.fixture(autouse=True)
def real_processes_are_slow(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """A test that starts a real process must be marked slow (`-m "not slow"` stays quick)."""
    if request.node.get_closest_marker("slow"):
        return
    import subprocess

    popen = subprocess.Popen

    def refuse(args, *rest, **kwargs):  # type: ignore[no-untyped-def]
        if list(args)[:1] == ["fc-list"]:  # matplotlib listing the fonts, once per process
            return popen(args, *rest, **kwargs)
        raise AssertionError(f"{request.node.nodeid} starts a process: mark it @pytest.mark.slow")

    monkeypatch.setattr(subprocess, "Popen", refuse)


@pytest.fixture(autouse=True)
def env_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "ivcli.db"
    monkeypatch.setenv("IVCLI_DB", str(db))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / "data"))
    monkeypatch.delenv("IVCLI_NO_INPUT", raising=False)
    monkeypatch.delenv("IVCLI_DEBUG", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    return db


@pytest.fixture
def db_path(env_setup: Path) -> Path:
    return env_setup


class Cli:
    """Runs ivcli in-process; stdout and stderr are kept apart."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, code: int | None = 0):  # noqa: A002
        result = self.runner.invoke(app, list(args), input=input)
        if code is not None:
            assert result.exit_code == code, (
                f"ivcli {' '.join(args)} exited {result.exit_code}, expected {code}\n"
                f"stdout: {result.stdout}\nstderr: {result.stderr}\n{result.exception!r}"
            )
        return result

    def json(self, *args: str):
        return json.loads(self(*args, "--format", "json").stdout)


@pytest.fixture
def cli() -> Cli:
    return Cli()


FIXTURES = Path(__file__).parent / "data"


def file_sha256(path: Path) -> str:
    """A file's bytes as one digest: a refused command must leave a database file unchanged."""
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


HEAVY = ("sqlalchemy.orm", "sqlmodel", "pydantic", "ivcli.models")


def run_noting_imports(*args: str) -> tuple[int, str, str, list[str]]:
    """Run ``ivcli ARGS`` in a fresh interpreter; return its exit code, stdout, stderr and which
    of the ORM, the models and pydantic it imported (for commands that must start without)."""
    import subprocess
    import sys

    code = (
        "import atexit, sys\n"
        f"atexit.register(lambda: sys.stderr.write('\\nHEAVY=' + ','.join(m for m in {HEAVY!r}"
        " if m in sys.modules)))\n"
        "from ivcli.cli.main import run\n"
        "run()\n"
    )
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         cwd=Path(__file__).parent.parent)
    stderr, _, heavy = out.stderr.rpartition("\nHEAVY=")
    return out.returncode, out.stdout, stderr, [m for m in heavy.strip().split(",") if m]


def vet_fully(cli: Cli, volunteer_id: int, on: str | None = None, *,
              dbs_on: str | None = None, update_service: bool = False) -> None:
    """Every safer-recruitment step of one volunteer through the CLI, each passed, on ``on``
    (default today; the DBS certificate issued on ``dbs_on``): the interview and two references
    satisfactory, an enhanced_barred certificate with nothing disclosed, training (the
    `training` step: the induction course; and the safeguarding course: the default
    training.required), the panel's approve and a declaration of no link to the council's
    children's services. After it `volunteer approve` approves them."""
    from datetime import date

    day = on or date.today().strftime("%d/%m/%Y")
    vid = str(volunteer_id)
    ok = ("--outcome", "satisfactory")
    for step, extra in (
        ("interview", ok), ("reference", (*ok, "--number", "1")),
        ("reference", (*ok, "--number", "2")),
        ("dbs", ("--number", "001234567890", "--level", "enhanced_barred", "--outcome", "clear",
                 "--update-service", "yes" if update_service else "no")),
        ("training", ()), ("panel", ("--decision", "approve")),
    ):
        cli("volunteer", "check", vid, step, "--date", dbs_on or day if step == "dbs" else day,
            *extra)
        if step == "training":
            cli("volunteer", "training", vid, "--course", "safeguarding", "--date", day)
    cli("volunteer", "declare", vid, "--la-children-services", "no", "--date", day)
