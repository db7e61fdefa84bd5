"""A Rich progress bar by bytes read, only for a person watching a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def byte_progress(path: Path, *, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    """Yields a callback taking a byte count, or None when no bar should be drawn
    (piped output, --quiet, or a file whose size is unknown)."""
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
        task = progress.add_task("read", total=total)

        def advance(n: int) -> None:
            progress.advance(task, n)

        yield advance
