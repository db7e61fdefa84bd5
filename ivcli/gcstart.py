"""The cyclic garbage collector during start-up.

A command's start-up (importing Typer, Rich and SQLAlchemy, building the command tree) creates
tens of thousands of long-lived objects and almost no garbage, and each of the collector's passes
over them costs time for nothing. So ``ivcli`` turns the collector off as it starts
(``__main__``, ``cli.main.run``) and ``resume`` turns it back on once the command has opened the
database (``db.reader``, ``db.writer``), first moving every object that exists by then out of
the collector's sight (``gc.freeze``): later passes look only at what the command itself makes,
so a long import or report still has its garbage collected as usual.
"""

from __future__ import annotations

import gc


def pause() -> None:
    gc.disable()


def resume() -> None:
    """Turn the collector back on (idempotent); nothing when it was on all along."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
