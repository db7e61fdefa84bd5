"""Docs are part of the feature: the CLI reference is generated and must be current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
REGENERATE = "typer ivcli.cli.main utils docs --name ivcli --output docs/cli.md"


@pytest.mark.slow
def test_cli_reference_is_current(tmp_path: Path):
    out = tmp_path / "cli.md"
    subprocess.run(
        [sys.executable, "-m", "typer", "ivcli.cli.main", "utils", "docs", "--name", "ivcli",
         "--output", str(out)],
        cwd=ROOT, check=True, capture_output=True, env={"PATH": "", "COLUMNS": "80",
                                                         "PYTHONPATH": str(ROOT)},
    )
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == current, f"docs/cli.md is stale: run {REGENERATE}"


def test_every_setting_is_documented():
    from ivcli.settings import SETTINGS

    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    missing = [k for k in SETTINGS if f"`{k}`" not in text]
    assert not missing, f"docs/settings.md does not describe {missing}"


def test_every_exit_code_is_documented():
    from ivcli import errors

    text = (ROOT / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    codes = [v for k, v in vars(errors).items() if k.startswith("EXIT_")]
    missing = [c for c in codes if f"| {c} |" not in text]
    assert not missing, f"docs/exit-codes.md does not list {missing}"
