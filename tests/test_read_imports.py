"""Read commands are quick (issue 11): they start without the ORM, the models or pydantic, open
the database once, and import only the command module they run."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import run_noting_imports

# The read commands benchmarks/bench_reads.py times, as it runs them.
BENCHED = [
    ("referral", "list"),
    ("referral", "show", "1"),
    ("volunteer", "list"),
    ("volunteer", "show", "1"),
    ("volunteer", "due"),
    ("match", "list"),
    ("match", "show", "1"),
    ("visit", "list"),
    ("concern", "list"),
    ("today",),
    ("report", "monthly", "--month", "last"),
]


@pytest.fixture
def demo_db(cli, db_path: Path) -> Path:
    cli("demo")
    return db_path


@pytest.mark.slow
@pytest.mark.parametrize("args", BENCHED, ids=" ".join)
def test_benched_read_commands_start_without_the_orm(demo_db: Path, args: tuple[str, ...]) -> None:
    code, out, err, heavy = run_noting_imports("--db", str(demo_db), *args)
    assert code == 0, err
    assert out.strip()
    assert heavy == []


@pytest.mark.parametrize("args", BENCHED, ids=" ".join)
def test_a_read_opens_the_database_once(cli, demo_db: Path, monkeypatch: pytest.MonkeyPatch,
                                        args: tuple[str, ...]) -> None:
    """One connection inspects the file and then reads (not one to inspect and another to
    read)."""
    opened: list[object] = []
    real = sqlite3.connect

    def counting(*a, **k):  # type: ignore[no-untyped-def]
        opened.append(a[0] if a else k.get("database"))
        return real(*a, **k)

    monkeypatch.setattr(sqlite3, "connect", counting)
    monkeypatch.setattr(sqlite3.dbapi2, "connect", counting)
    cli(*args)
    assert len(opened) == 1, opened


@pytest.mark.slow
def test_a_read_imports_only_its_own_command_module(demo_db: Path) -> None:
    import subprocess
    import sys

    code = ("import sys\nfrom ivcli.cli.main import run\n"
            "try:\n    run()\nfinally:\n"
            "    sys.stderr.write('\\nMODULES=' + ','.join(sorted(m for m in sys.modules "
            "if m.startswith('ivcli.cli.'))))\n")
    out = subprocess.run([sys.executable, "-c", code, "--db", str(demo_db), "referral", "list"],
                         capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert out.returncode == 0, out.stderr
    modules = out.stderr.rpartition("\nMODULES=")[2].strip().split(",")
    assert modules == ["ivcli.cli.common", "ivcli.cli.main", "ivcli.cli.referral"]
