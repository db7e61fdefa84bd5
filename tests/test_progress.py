"""The import's progress bar: Rich's Progress.wrap_file over the file being read."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ivcli.cli.progress import byte_progress
from ivcli.importing.csvfile import open_csv
from ivcli.importing.problems import Problems


def test_no_bar_when_not_at_a_terminal_or_quiet(tmp_path: Path):
    f = tmp_path / "a.csv"
    f.write_text("first_name\nAmy\n", encoding="utf-8")
    with byte_progress(f, enabled=True) as wrap:  # pytest's stderr is not a terminal
        assert wrap is None
    with byte_progress(f, enabled=False) as wrap:
        assert wrap is None


def test_the_bar_counts_every_byte_of_the_file_read(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch):
    f = tmp_path / "a.csv"
    f.write_text("first_name,last_name\n" + "".join(f"Amy{i},Lee\n" for i in range(5000)),
                 encoding="utf-8")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    from rich.progress import Progress

    advanced: list[float] = []
    real_advance = Progress.advance

    def advance(self, task_id, advance=1):  # type: ignore[no-untyped-def]
        advanced.append(advance)
        real_advance(self, task_id, advance)

    monkeypatch.setattr(Progress, "advance", advance)
    with byte_progress(f, enabled=True) as wrap:
        assert wrap is not None
        rows, close = open_csv(f, fields=["first_name", "last_name"], synonyms={},
                               required=["first_name"], problems=Problems(), progress=wrap)
        try:
            assert sum(1 for _ in rows.rows) == 5000
        finally:
            close()
    assert sum(advanced) == f.stat().st_size
