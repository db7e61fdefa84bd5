"""Names of young people and volunteers, for the commands that show them with ``--names``.

Read commands name records by id; names are personal data, so they are fetched only when asked
for, by id, through ``text()`` (no ORM, no models). A name is "First Last" as stored: the
renderers (ivcli/render.py) escape it like all user text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

YOUNG_PERSON = "young_person"
VOLUNTEER = "volunteer"
COLUMNS = (YOUNG_PERSON, VOLUNTEER)
_CHUNK = 900  # ids per IN list, under SQLite's old 999-parameter limit

_TABLES = {YOUNG_PERSON: "young_people", VOLUNTEER: "volunteers"}


def full(first: str | None, last: str | None) -> str:
    """A person's name as shown: "First Last"."""
    return " ".join(p for p in (first, last) if p)


def name_filter(text: str, column: str = "name_key") -> tuple[str, dict[str, str]]:
    """An SQL condition finding the people whose folded name key (``column``, written by
    ``parsing.name_key``) holds every word of ``text`` (``--name``): case, accents and
    punctuation ignored, so "zoe bronte" finds Zoë Brontë. Folding drops ``%`` and ``_``, so
    the words need no escaping for LIKE. Raises ValueError when ``text`` has no word."""
    from ivcli.parsing import name_query

    words = name_query(text)
    if not words:
        raise ValueError("--name needs a letter or digit to look for")
    params = {f"name_{i}": f"%{w}%" for i, w in enumerate(words)}
    return " AND ".join(f"{column} LIKE :{k}" for k in params), params


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    unique = sorted(set(ids))
    return [unique[i:i + _CHUNK] for i in range(0, len(unique), _CHUNK)]


def _of(conn: Connection, table: str, ids: Iterable[int]) -> dict[int, str]:
    from sqlalchemy import bindparam, text

    query = text(f"SELECT id, first_name, last_name FROM {table} WHERE id IN :ids"
                 ).bindparams(bindparam("ids", expanding=True))
    out: dict[int, str] = {}
    for chunk in _chunks(ids):
        for rid, first, last in conn.execute(query, {"ids": chunk}):
            out[rid] = full(first, last)
    return out


def young_people(conn: Connection, ids: Iterable[int]) -> dict[int, str]:
    """``{young person id: "First Last"}`` for the ids that exist."""
    return _of(conn, _TABLES[YOUNG_PERSON], ids)


def volunteers(conn: Connection, ids: Iterable[int]) -> dict[int, str]:
    """``{volunteer id: "First Last"}`` for the ids that exist."""
    return _of(conn, _TABLES[VOLUNTEER], ids)


def _match_sides(conn: Connection, match_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    from sqlalchemy import bindparam, text

    query = text("SELECT id, young_person_id, volunteer_id FROM matches WHERE id IN :ids"
                 ).bindparams(bindparam("ids", expanding=True))
    out: dict[int, tuple[int, int]] = {}
    for chunk in _chunks(match_ids):
        for mid, yp, vol in conn.execute(query, {"ids": chunk}):
            out[mid] = (yp, vol)
    return out


def _id(value: object) -> int | None:
    return value if isinstance(value, int) else None


def add(conn: Connection, rows: Sequence[dict[str, object]]) -> None:
    """Give each row ``young_person`` and ``volunteer`` names, in place, found from its
    ``young_person_id`` / ``volunteer_id`` or else its ``match_id``."""
    by_match = [_id(r.get("match_id")) for r in rows
                if "young_person_id" not in r and "volunteer_id" not in r]
    sides = _match_sides(conn, (m for m in by_match if m is not None))
    pairs: list[tuple[int | None, int | None]] = []
    for r in rows:
        if "young_person_id" in r or "volunteer_id" in r:
            pairs.append((_id(r.get("young_person_id")), _id(r.get("volunteer_id"))))
        else:
            mid = _id(r.get("match_id"))
            pairs.append(sides.get(mid, (None, None)) if mid is not None else (None, None))
    yps = young_people(conn, (p[0] for p in pairs if p[0] is not None))
    vols = volunteers(conn, (p[1] for p in pairs if p[1] is not None))
    for row, (yp, vol) in zip(rows, pairs, strict=True):
        row[YOUNG_PERSON] = yps.get(yp) if yp is not None else None
        row[VOLUNTEER] = vols.get(vol) if vol is not None else None


def columns(cols: Sequence[str]) -> tuple[str, ...]:
    """``cols`` with the name columns after the last of volunteer_id, young_person_id or
    match_id (at the end if none is there)."""
    cols = tuple(c for c in cols if c not in COLUMNS)
    at = max((cols.index(c) + 1 for c in ("match_id", "young_person_id", "volunteer_id")
              if c in cols), default=len(cols))
    return cols[:at] + COLUMNS + cols[at:]
