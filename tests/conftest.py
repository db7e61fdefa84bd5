"""Every test gets its own database file; none touches a real home folder."""

from __future__ import annotations

import json
import os
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
    monkeypatch.delenv("IVCLI_USER", raising=False)  # the audit trail's acting person
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


# ---------------------------------------------------------------------------------------------
# Team mode: the same end-to-end tests on SQLite and on PostgreSQL (docs/team.md).
#
# IVCLI_TEST_PG is the URL of a throwaway server's maintenance database (``.ci/pg-start``
# starts one and prints it; ``.ci/run`` does so). Each test gets a new database there, dropped
# afterwards. Without it (or without psycopg) the PostgreSQL cases skip, saying why.

PG_ENV = "IVCLI_TEST_PG"


def pg_admin_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def pg_skip_reason() -> str | None:
    if not pg_admin_url():
        return f"no PostgreSQL for the tests: {PG_ENV} is not set (eval \"$(.ci/pg-start)\")"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "no PostgreSQL for the tests: psycopg is not installed (pip install '.[team]')"
    return None


def _pg_conninfo(url: str, dbname: str | None = None) -> str:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if dbname:
        u = u.set(database=dbname)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


def pg_url_for(dbname: str) -> str:
    from sqlalchemy.engine import make_url

    url = pg_admin_url()
    assert url
    return make_url(url).set(database=dbname).render_as_string(hide_password=False)


def pg_sql(sql: str, dbname: str | None = None) -> list[tuple]:
    """Run one statement on the test server (autocommit), as its superuser."""
    import psycopg

    url = pg_admin_url()
    assert url
    with psycopg.connect(_pg_conninfo(url, dbname), autocommit=True) as conn:
        cur = conn.execute(sql)
        return list(cur.fetchall()) if cur.description else []


@pytest.fixture
def pg_database(monkeypatch: pytest.MonkeyPatch) -> str:
    """A new, empty PostgreSQL database for this test; IVCLI_DB points at it. Its URL."""
    reason = pg_skip_reason()
    if reason:
        pytest.skip(reason)
    import uuid

    name = f"ivcli_t_{uuid.uuid4().hex[:12]}"
    pg_sql(f"CREATE DATABASE {name}")
    url = pg_url_for(name)
    monkeypatch.setenv("IVCLI_DB", url)
    yield url
    pg_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def backend(request: pytest.FixtureRequest, env_setup: Path) -> str:
    """Run the test on an SQLite file (``db_path``) and again on a PostgreSQL database (slow;
    skipped with the reason when there is none)."""
    if request.param == "postgresql":
        request.getfixturevalue("pg_database")
    return str(request.param)
