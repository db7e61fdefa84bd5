"""A Rich progress bar by bytes read, only for a person watching a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def byte_progress(path: Path, *, enabled: bool
                  ) -> Iterator[Callable[[BinaryIO], BinaryIO] | None]:
    """Yields a function that wraps the open file so that reading it moves the bar (Rich's
    ``Progress.wrap_file``), or None when no bar should be drawn (piped output, --quiet, or a
    file whose size is unknown)."""
    try:
        total = path.stat().st_size
    except OSError:
        total = 0
    if not (enabled and total and sys.stderr.isatty()):
        yield None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from ivcli.render import console

    with Progress(
        TextColumn("Reading"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console(stderr=True),
        transient=True,
    ) as progress:
        def wrap(file: BinaryIO) -> BinaryIO:
            return progress.wrap_file(file, total=total, description="read")

        yield wrap
