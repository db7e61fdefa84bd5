"""Possible duplicates: two young people who may be one child, kept until they are merged
(``young-person merge``) or dismissed for good (``young-person not-duplicate``).

The rule: the same date of birth and the same folded first or last name (``parsing.name_key``:
case, accents and punctuation ignored). Two records with the same folded name and date of birth
are normally one record already (intake links them); they are a pair here when intake could
not link them (two different council references). A pair is found when a young person is
written: imported or added (``referrals.intake``), or corrected (``young-person update``).

A pair is stored once, ``young_person_id`` the later record and ``other_id`` the earlier, with
its reason. The SQL is portable (named parameters, plain comparisons of the stored keys).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from ivcli.db import now
from ivcli.errors import InvalidInput, NotFound
from ivcli.safety import audit

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

TABLE = "possible_duplicates"
COLUMNS = ("young_person_id", "other_id", "reason")
REASONS = ("same_name_and_date_of_birth", "same_last_name_and_date_of_birth",
           "same_first_name_and_date_of_birth")

# The pairs of the young people chosen by ``chosen`` (an SQL condition on ``n``) with anyone
# else held: one join per name key, so each goes through its index (date_of_birth, key). An
# erased record's keys are '' (never a pair); ``fresh`` young people (just added, their names
# checked) have keys, and their pairs are found from the index alone.
def _pairs(chosen: str, fresh: bool) -> str:
    keyed = "" if fresh else " AND n.name_key <> '' AND o.name_key <> ''"
    return " UNION ".join(
        "SELECT CASE WHEN n.id > o.id THEN n.id ELSE o.id END AS hi, "
        "CASE WHEN n.id > o.id THEN o.id ELSE n.id END AS lo, "
        "CASE WHEN n.first_key = o.first_key AND n.last_key = o.last_key "
        f"THEN '{REASONS[0]}' WHEN n.last_key = o.last_key THEN '{REASONS[1]}' "
        f"ELSE '{REASONS[2]}' END AS reason "
        "FROM young_people n JOIN young_people o ON o.date_of_birth = n.date_of_birth "
        f"AND o.{key} = n.{key} AND o.id <> n.id "
        f"WHERE {chosen}{keyed}"
        for key in ("last_key", "first_key")
    )


def _added_pairs(grouped: bool = True) -> str:
    """The pairs of the young people just added (ids above ``:before``) after a big load (more
    added than held), each once, from its later young person: the rule of ``_pairs``. A pair
    with both names the same is taken from the last-name join alone.

    ``grouped`` (SQLite): read group by group, the groups of one date of birth and name key
    with more than one young person, one of them added, coming from the key's index alone, and
    only their people joined. Otherwise (PostgreSQL, which hashes a self join at once, where
    grouping first costs it three times as much): the same pairs from one join per key."""
    last, first = "last_key", "first_key"
    groups = ("FROM (SELECT date_of_birth, {key} FROM young_people GROUP BY date_of_birth, "
              "{key} HAVING count(*) > 1 AND max(id) > :before) g "
              "JOIN young_people n ON n.date_of_birth = g.date_of_birth AND n.{key} = g.{key} "
              "AND n.id > :before ") if grouped else "FROM young_people n "
    return " UNION ALL ".join(
        f"SELECT n.id AS hi, o.id AS lo, {reason} AS reason " + groups.format(key=key)
        + f"JOIN young_people o ON o.date_of_birth = n.date_of_birth AND o.{key} = n.{key} "
        f"AND o.id < n.id{extra}" + ("" if grouped else " WHERE n.id > :before")
        for key, reason, extra in (
            (last, f"CASE WHEN n.{first} = o.{first} THEN '{REASONS[0]}' "
                   f"ELSE '{REASONS[1]}' END", ""),
            (first, f"'{REASONS[2]}'", f" AND o.{last} <> n.{last}"))
    )


def detect_added(conn: Connection, before: int) -> int:
    """Store the possible duplicates of the young people just added (ids above ``before``),
    none of whose pairs can be stored yet, after a big load (``_added_pairs``). Returns how
    many were stored."""
    from ivcli import dialect

    params = {"before": before}
    dialect.refresh_statistics(conn, "young_people", "id, date_of_birth, first_key, last_key")
    pairs = _added_pairs(grouped=not dialect.is_pg(conn))
    return _store(conn, [f"SELECT 1 FROM ({one}) d LIMIT 1" for one in pairs.split(" UNION ALL ")],
                  f"SELECT hi, lo, reason, :now FROM ({pairs}) d", params, big=True)


def detect(conn: Connection, chosen: str, params: dict[str, Any] | None = None, *,
           fresh: bool = False) -> int:
    """Store the possible duplicates of the young people ``chosen`` (an SQL condition on the
    aliases ``n`` and ``o``, e.g. ``n.id > :before``) not stored yet (a pair dismissed stays
    dismissed). ``fresh``: every pair has a young person just added (no pair of theirs can be
    stored yet), so none is looked up. Returns how many were stored."""
    new = ("FROM (" + _pairs(chosen, fresh) + ") d" + ("" if fresh else (
        f" WHERE NOT EXISTS (SELECT 1 FROM {TABLE} p WHERE p.young_person_id = d.hi "
        "AND p.other_id = d.lo)")))
    params = params or {}
    # Most writes find none (``_store`` then writes nothing).
    # (A fresh load asks each name join alone: each stops at its first pair, where the UNION
    # would sort every pair first.)
    probes = ([f"SELECT 1 FROM ({one}) d LIMIT 1" for one in _pairs(chosen, fresh).split(" UNION ")]
              if fresh else [f"SELECT 1 {new} LIMIT 1"])
    return _store(conn, probes, f"SELECT hi, lo, min(reason), :now {new} GROUP BY hi, lo",
                  params)


def _store(conn: Connection, probes: list[str], pairs: str, params: dict[str, Any], *,
           big: bool = False) -> int:
    """Insert the pairs ``pairs`` selects (hi, lo, reason, :now), in (hi, lo) order, with one
    range entry in the audit trail; nothing at all (no statement for the audit trail's safety
    net to see) when every one of ``probes`` finds none. Returns how many were stored.

    ``big``: the pairs of a big load, as many as the table may hold (it holds about as many as
    the young people held, fewer than those added): the table's secondary indexes, and on
    PostgreSQL its foreign-key checks (two triggers a row), wait until the pairs are in
    (``dialect.drop_secondary_indexes``)."""
    from ivcli import dialect

    if all(conn.execute(text(probe), params).first() is None for probe in probes):
        return 0
    before = conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {TABLE}")).scalar_one()
    deferred = dialect.drop_secondary_indexes(conn, TABLE) if big else []
    conn.execute(text(
        f"INSERT INTO {TABLE} (young_person_id, other_id, reason, found_at) "
        f"{pairs} ORDER BY hi, lo"), {**params, "now": now()})
    dialect.create_indexes(conn, deferred)
    return audit.record_bulk(conn, TABLE, (before + 1, None), "insert",
                             ("young_person_id", "other_id", "reason", "found_at"))


def redetect(conn: Connection, young_person_id: int) -> int:
    """After a correction of a young person's name or date of birth: forget their pairs still
    open (they may no longer hold) and look again. Dismissed pairs stay dismissed."""
    where = ("dismissed_at IS NULL AND (young_person_id = :id OR other_id = :id)")
    audit.record_bulk(conn, TABLE, f"SELECT id FROM {TABLE} WHERE {where}", "delete", (),
                      {"id": young_person_id})
    conn.execute(text(f"DELETE FROM {TABLE} WHERE {where}"), {"id": young_person_id})
    return detect(conn, "n.id = :id", {"id": young_person_id})


def open_pairs(conn: Connection, young_person_id: int | None = None) -> list[dict[str, object]]:
    """The pairs still to resolve (``COLUMNS``), the most recent record first; one person's
    only with ``young_person_id``."""
    where, params = "", {}
    if young_person_id is not None:
        where, params = " AND (young_person_id = :id OR other_id = :id)", {"id": young_person_id}
    rows = conn.execute(text(
        f"SELECT young_person_id, other_id, reason FROM {TABLE} WHERE dismissed_at IS NULL"
        f"{where} ORDER BY young_person_id DESC, other_id DESC"), params)
    return [dict(zip(COLUMNS, r, strict=True)) for r in rows]


def pair_of(a: int, b: int) -> tuple[int, int]:
    """The stored order of a pair: the later record first."""
    return (a, b) if a > b else (b, a)


def _person_exists(conn: Connection, young_person_id: int) -> None:
    if conn.execute(text("SELECT 1 FROM young_people WHERE id = :id"),
                    {"id": young_person_id}).first() is None:
        raise NotFound(f"there is no young person {young_person_id}",
                       hint="'ivcli young-person list' shows their ids")


def dismiss(conn: Connection, a: int, b: int) -> bool:
    """Record for good that ``a`` and ``b`` are two children. False when it was already
    recorded."""
    if a == b:
        raise InvalidInput("give two different young people")
    for i in (a, b):
        _person_exists(conn, i)
    hi, lo = pair_of(a, b)
    row = conn.execute(text(
        f"SELECT id, dismissed_at FROM {TABLE} WHERE young_person_id = :hi AND other_id = :lo"),
        {"hi": hi, "lo": lo}).first()
    stamp = now()
    if row is None:
        conn.execute(text(
            f"INSERT INTO {TABLE} (young_person_id, other_id, reason, found_at, dismissed_at) "
            "VALUES (:hi, :lo, 'dismissed', :now, :now)"), {"hi": hi, "lo": lo, "now": stamp})
        new_id = conn.execute(text(
            f"SELECT id FROM {TABLE} WHERE young_person_id = :hi AND other_id = :lo"),
            {"hi": hi, "lo": lo}).scalar_one()
        audit.record(conn, [(TABLE, str(new_id), "insert", ())])
        return True
    if row.dismissed_at is not None:
        return False
    conn.execute(text(f"UPDATE {TABLE} SET dismissed_at = :now WHERE id = :id"),
                 {"now": stamp, "id": row.id})
    audit.record(conn, [(TABLE, str(row.id), "update", ["dismissed_at"])])
    return True

