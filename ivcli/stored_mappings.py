"""Saved header mappings of imports, stored in the database (``import_mappings``).

What a mapping does to a file's headers is ``ivcli.importing.mapping``; this module reads,
saves and deletes them, each change recorded in the audit trail (which names the mapping's id
and the fields changed, never the headers).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from ivcli.errors import InvalidInput, NotFound
from ivcli.importing.mapping import KINDS, HeaderChoice, SavedMapping

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

NAME_LIMIT = 60
LIST_COLUMNS = ("name", "kind", "maps", "headers", "updated_at")


def _mapping(row: Any) -> SavedMapping:
    return SavedMapping(row.name, row.kind, tuple(json.loads(row.headers)),
                        tuple((h, f) for h, f in json.loads(row.maps)))


def saved(conn: Connection, kind: str | None = None) -> list[SavedMapping]:
    """The saved mappings (of one kind of import), by name."""
    where = " WHERE kind = :kind" if kind else ""
    return [_mapping(r) for r in conn.execute(
        text(f"SELECT name, kind, headers, maps FROM import_mappings{where} ORDER BY name"),
        {"kind": kind})]


def choice(conn: Connection, kind: str, *, maps: Sequence[str] = (), mapping: str | None = None,
           save_as: str | None = None) -> HeaderChoice:
    """How an import of ``kind`` maps its headers, given its ``--map``, ``--mapping`` and
    ``--save-map``. A ``--mapping`` of another kind, or an unusable ``--save-map`` name, is
    refused here, before the file is read."""
    if save_as is not None:
        _check_name(conn, save_as, kind)
    if mapping is not None:
        other = conn.execute(text("SELECT kind FROM import_mappings WHERE name = :n"),
                             {"n": mapping}).scalar()
        if other is not None and other != kind:
            raise InvalidInput(f"the saved mapping {mapping!r} is for '{KINDS[other]}', not "
                               f"'{KINDS[kind]}'", hint="'ivcli mappings' lists them")
    return HeaderChoice(kind, maps=list(maps), saved=saved(conn, kind), mapping=mapping,
                        save_as=save_as)


def _check_name(conn: Connection, name: str, kind: str) -> None:
    if not name.strip() or len(name) > NAME_LIMIT or name != name.strip():
        raise InvalidInput(f"--save-map {name!r}: a mapping's name is 1 to {NAME_LIMIT} "
                           "characters, with no spaces at either end",
                           hint="e.g. --save-map council")
    other = conn.execute(text("SELECT kind FROM import_mappings WHERE name = :n"),
                         {"n": name}).scalar()
    if other is not None and other != kind:
        raise InvalidInput(f"--save-map {name!r}: that name is already a mapping for "
                           f"'{KINDS[other]}'", hint="choose another name, or delete it first "
                           f"with 'ivcli mappings delete {name}'")


def save(conn: Connection, choice: HeaderChoice) -> None:
    """Keep ``choice.to_save`` (after a successful import): a new mapping, or the new headers
    and maps of one already saved under that name for the same kind of import."""
    m = choice.to_save
    if m is None:
        return  # before the imports below: the models cost an import run a third of a second
    from sqlalchemy import insert, update

    from ivcli.db import now
    from ivcli.models import ImportMapping
    from ivcli.safety import audit

    table = ImportMapping.__table__  # type: ignore[attr-defined]
    values = {"headers": json.dumps(list(m.headers)), "maps": json.dumps([list(p) for p in m.maps]),
              "updated_at": now()}
    held = conn.execute(text("SELECT id FROM import_mappings WHERE name = :n"),
                        {"n": m.name}).scalar()
    if held is None:
        key = conn.execute(insert(table).values(name=m.name, kind=m.kind, created_at=now(),
                                                **values)).inserted_primary_key
        assert key is not None
        audit.record(conn, [("import_mappings", str(key[0]), "insert", ())])
    else:
        conn.execute(update(table).where(table.c.id == held).values(**values))
        audit.record(conn, [("import_mappings", str(held), "update", list(values))])


def delete(conn: Connection, name: str) -> SavedMapping:
    from sqlalchemy import delete as delete_

    from ivcli.models import ImportMapping
    from ivcli.safety import audit

    row = conn.execute(text("SELECT id, name, kind, headers, maps FROM import_mappings "
                            "WHERE name = :n"), {"n": name}).first()
    if row is None:
        names = ", ".join(repr(m.name) for m in saved(conn))
        raise NotFound(f"there is no saved mapping {name!r}",
                       hint=f"saved mappings: {names}" if names else "no mapping is saved")
    table = ImportMapping.__table__  # type: ignore[attr-defined]
    audit.record(conn, [("import_mappings", str(row.id), "delete", ())])
    conn.execute(delete_(table).where(table.c.id == row.id))
    return _mapping(row)


def listing(conn: Connection) -> list[dict[str, Any]]:
    """Every saved mapping as a row of ``LIST_COLUMNS``: ``maps`` {header: field}, ``headers``
    the file's headers when it was saved."""
    rows = conn.execute(text("SELECT name, kind, headers, maps, updated_at FROM import_mappings "
                             "ORDER BY name"))
    return [{"name": r.name, "kind": r.kind, "maps": dict(json.loads(r.maps)),
             "headers": json.loads(r.headers), "updated_at": r.updated_at} for r in rows]
