"""The cyclic garbage collector is off while ivcli starts and back on, with the start-up
objects frozen, once the command has opened the database (issue 11, ``ivcli.gcstart``)."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def paused() -> Iterator[None]:
    """The collector as ``python -m ivcli`` leaves it before the command runs; restored after."""
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.enable()


def test_a_read_turns_the_collector_back_on(cli, db_path: Path, paused: None) -> None:
    cli("settings", "set", "checks.warn_days", "60")  # creates the database
    gc.disable()
    gc.unfreeze()
    cli("referral", "list")
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0


def test_a_write_turns_the_collector_back_on(cli, paused: None) -> None:
    cli("settings", "set", "checks.warn_days", "60")
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0


def test_run_turns_it_back_on_when_no_database_is_opened(paused: None,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from ivcli.cli.main import run

    monkeypatch.setattr(sys, "argv", ["ivcli", "--help"])
    with pytest.raises(SystemExit):
        run()
    assert gc.isenabled()


@pytest.mark.slow
def test_python_m_ivcli_starts_with_the_collector_off(db_path: Path) -> None:
    probe = (
        "import gc, runpy, sys\n"
        "seen = []\n"
        "gc.callbacks.append(lambda phase, info: seen.append(phase))\n"
        "sys.argv = ['ivcli', '--version']\n"
        "try:\n    runpy.run_module('ivcli', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(len(seen), gc.isenabled())\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=Path(__file__).parent.parent, check=True)
    collections, enabled = out.stdout.split()[-2:]
    assert collections == "0"
    assert enabled == "True"
