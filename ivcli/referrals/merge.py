"""Merging two records of one child: ``young-person merge KEEP DROP``.

Everything held about DROP moves to KEEP: every record of a table with a ``young_person_id``
column (referrals, matches, contacts, and any table a later version adds), so their visits,
reviews and concerns follow their matches; KEEP's blank fields are filled from DROP (the
profile too); then DROP's record is deleted and KEEP's possible duplicates are looked for
again. One transaction, each write in the audit trail (field names, never values).

Refused when both have an open match (one child, two visitors: end or decline one first) or
both have a referral on the same date (one referral per child and date).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, text

from ivcli import dialect
from ivcli.enums import MatchStatus
from ivcli.errors import InvalidInput, NotFound, Refused
from ivcli.specs import YOUNG_PERSON

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

LINK = "young_person_id"
PAIRS = "possible_duplicates"
# The fields of KEEP filled from DROP when KEEP's is blank: the record's own fields, and the
# profile. Names and date of birth are KEEP's (the record kept).
FILLED = YOUNG_PERSON.names(lambda f: f.updatable and not f.required) + ("profile",)
PLAN_COLUMNS = ("what", "count", "ids")


@dataclass
class Plan:
    keep: int
    drop: int
    moves: dict[str, list[int]] = field(default_factory=dict)  # table -> ids moving
    follow: dict[str, list[int]] = field(default_factory=dict)  # via the matches
    filled: list[str] = field(default_factory=list)  # KEEP's blank fields taken from DROP

    def rows(self) -> list[dict[str, object]]:
        """What moves, for a table: one row per kind of record."""
        out = [{"what": t, "count": len(ids), "ids": ", ".join(map(str, ids))}
               for t, ids in {**self.moves, **self.follow}.items()]
        out.append({"what": "fields filled in", "count": len(self.filled),
                    "ids": ", ".join(self.filled)})
        return out

    def as_dict(self) -> dict[str, object]:
        return {"keep": self.keep, "drop": self.drop,
                "moves": {**self.moves, **self.follow},
                "filled": self.filled}


def _person(conn: Connection, young_person_id: int) -> dict[str, Any]:
    row = conn.execute(text("SELECT * FROM young_people WHERE id = :id"),
                       {"id": young_person_id}).first()
    if row is None:
        raise NotFound(f"there is no young person {young_person_id}",
                       hint="'ivcli young-person list' shows their ids")
    return dict(row._mapping)


def _linked_tables(conn: Connection) -> list[str]:
    return [t for t in dialect.table_names(conn)
            if t not in ("young_people", PAIRS, "audit_log", "schema_migrations")
            and any(c.name == LINK for c in dialect.table_columns(conn, t))]


def _ids(conn: Connection, sql: str, params: dict[str, Any]) -> list[int]:
    query = text(sql)
    if ":ids" in sql:
        query = query.bindparams(bindparam("ids", expanding=True))
    return [int(r[0]) for r in conn.execute(query, params)]


def plan(conn: Connection, keep: int, drop: int) -> Plan:
    """What a merge of DROP into KEEP moves; raises when it is refused."""
    if keep == drop:
        raise InvalidInput("KEEP and DROP are the same young person")
    kept, dropped = _person(conn, keep), _person(conn, drop)
    open_ = list(MatchStatus.open())
    held = {who: _ids(conn, f"SELECT id FROM matches WHERE {LINK} = :id AND status IN :ids "
                      "ORDER BY id", {"id": who, "ids": open_}) for who in (keep, drop)}
    if held[keep] and held[drop]:
        raise Refused(
            f"young people {keep} and {drop} both have an open match ({held[keep][0]} and "
            f"{held[drop][0]}); nothing was merged",
            hint="one child has one visitor: end or decline one of the matches first")
    clash = conn.execute(text(
        f"SELECT a.id, b.id FROM referrals a JOIN referrals b ON b.referral_date = "
        f"a.referral_date WHERE a.{LINK} = :keep AND b.{LINK} = :drop ORDER BY a.id"),
        {"keep": keep, "drop": drop}).first()
    if clash is not None:
        raise Refused(
            f"referrals {clash[0]} and {clash[1]} are on the same date, one for each; nothing "
            "was merged",
            hint=f"withdraw one, or correct its date with 'ivcli referral update {clash[1]} "
            "--referral-date DATE', then merge")
    out = Plan(keep, drop)
    for table in _linked_tables(conn):
        ids = _ids(conn, f"SELECT id FROM {table} WHERE {LINK} = :id ORDER BY id", {"id": drop})
        if ids:
            out.moves[table] = ids
    matches = out.moves.get("matches", [])
    if matches:
        for table in ("visits", "reviews", "concerns"):
            ids = _ids(conn, f"SELECT id FROM {table} WHERE match_id IN :ids ORDER BY id",
                       {"ids": matches})
            if ids:
                out.follow[table] = ids
    out.filled = [k for k in FILLED if kept.get(k) in (None, "") and dropped.get(k)
                  not in (None, "")]
    return out


def merge(conn: Connection, keep: int, drop: int) -> Plan:
    """Merge DROP into KEEP (see the module); returns what moved."""
    from ivcli.db import now
    from ivcli.matching.lifecycle import update_changed
    from ivcli.referrals import duplicates
    from ivcli.safety import audit

    done = plan(conn, keep, drop)
    dropped = _person(conn, drop)
    for table in done.moves:
        audit.record_bulk(conn, table, f"SELECT id FROM {table} WHERE {LINK} = :drop",
                          "update", (LINK,), {"drop": drop})
        conn.execute(text(f"UPDATE {table} SET {LINK} = :keep WHERE {LINK} = :drop"),
                     {"keep": keep, "drop": drop})
    pairs = f"SELECT id FROM {PAIRS} WHERE {LINK} = :drop OR other_id = :drop"
    audit.record_bulk(conn, PAIRS, pairs, "delete", (), {"drop": drop})
    conn.execute(text(f"DELETE FROM {PAIRS} WHERE id IN ({pairs})"), {"drop": drop})
    audit.record(conn, [("young_people", str(drop), "delete", ())])
    conn.execute(text("DELETE FROM young_people WHERE id = :id"), {"id": drop})
    if done.filled:
        update_changed(conn, "young_people", keep,
                       {**{k: dropped[k] for k in done.filled}, "updated_at": now()})
    duplicates.redetect(conn, keep)
    return done
