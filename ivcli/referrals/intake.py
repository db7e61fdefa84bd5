"""Referral intake: one referral typed at the terminal, or a council CSV, all or nothing.

One child is one record. A referral links to an existing young person by council reference, or
else by the same folded name and date of birth (``parsing.name_key``: case, accents and
punctuation ignored); a near miss (same date of birth and the same first or last name) is kept
as a possible duplicate (``referrals.duplicates``) and never merged. A council reference
belongs to one child: a row whose reference is held for, or given on an earlier row to, a
different normalised name or date of birth is refused (``reference_conflicts``), never linked.
A referral is the same referral when it is for the same young person on the same referral date.

Intake is set-based so a 100,000-row file is quick and memory stays flat: validated rows stream
into a temporary staging table in batches, then a few SQL statements link, insert and count.
It runs on the command's Core connection (``db.writer``) and needs no ORM objects or models.
Its SQL is portable (``text()``, named parameters, ``UPDATE ... FROM``); what only SQLite has
(the connection's own staging table and its indexes, the executemany of plain tuples into it,
the page cache, dropping and rebuilding a table's indexes) is in ``ivcli.dialect``.
Screening and decisions are in ``referrals.screening``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ivcli import dialect
from ivcli.db import now as db_now
from ivcli.errors import InvalidInput, Refused
from ivcli.importing.problems import Problems
from ivcli.referrals import duplicates
from ivcli.referrals.rows import (
    CLEAN,
    FIELDS,
    PATTERN_SETTING,
    PERSON_COLUMNS,
    REFERRAL_INSERT,
    REQUIRED,
    SYNONYMS,
    RowProblem,
    RowValidator,
    compile_pattern,
    sql_value,
    validate,
)
from ivcli.safety import audit

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, CursorResult


BATCH = 5_000
MAX_DUPLICATES_KEPT = 1_000


@dataclass
class Linked:
    line: int
    referral_id: int | None
    young_person_id: int
    added: bool
    existing_person: bool


@dataclass
class IngestResult:
    rows: int = 0
    added: int = 0
    unchanged: int = 0
    new_people: int = 0
    linked_existing: int = 0
    possible_duplicates: list[tuple[int, int]] = field(default_factory=list)  # (line, yp id)
    duplicate_count: int = 0
    linked: list[Linked] = field(default_factory=list)


STAGE = "stage_referrals"
STAGE_COLUMNS = ", ".join(f"{c}" for c in CLEAN)


def _create_stage(conn: Connection) -> None:
    dialect.create_stage(
        conn, STAGE,
        f"line INTEGER PRIMARY KEY, {STAGE_COLUMNS.removeprefix('line, ')}, ident TEXT, "
        "person_id INTEGER, existing INTEGER DEFAULT 0",
    )


def _sql(conn: Connection, sql: str, params: dict[str, object] | None = None) -> CursorResult:
    """Run portable SQL with named parameters."""
    from sqlalchemy import text

    return conn.execute(text(sql), params or {})


@contextmanager
def _indexes_deferred(conn: Connection, table: str, adding: int) -> Iterator[None]:
    """For a big load (``adding`` new rows, at least as many as ``table`` holds): drop the table's
    secondary indexes for the insert and build them again after, which is quicker than updating
    them row by row. It is all one transaction: on an error the rollback restores them. Unique
    constraints are not touched, so they are still checked row by row."""
    held = _sql(conn, f"SELECT coalesce(max(id), 0) FROM {table}").scalar_one()
    if adding < max(held, BATCH):
        yield
        return
    indexes = dialect.drop_secondary_indexes(conn, table)
    yield
    dialect.create_indexes(conn, indexes)


# A staged row's identity for a reference match: the normalised first and last name
# (``name_key``, "first|last") and the date of birth, all equal.
_OTHER_CHILD = "({a}.name_key <> {b}.name_key OR {a}.date_of_birth <> {b}.date_of_birth)"


def reference_conflicts(conn: Connection, held: bool) -> Iterator[RowProblem]:
    """The staged rows whose council reference belongs to another child, in line order: one
    held for a young person with a different normalised name or date of birth, or (for a
    reference not held) one given on an earlier row of the file to a different name or date of
    birth. Two queries over the whole staging table, whatever its size. ``held``: whether
    any young person is held at all."""
    found: list[tuple[int, int | None, int | None]] = []
    if held:
        found += map(tuple, _sql(
            conn,
            "SELECT s.line, yp.id, NULL FROM stage_referrals s "
            "JOIN young_people yp ON yp.reference = s.reference "
            f"WHERE s.reference <> '' AND {_OTHER_CHILD.format(a='yp', b='s')}"
        ))
    found += map(tuple, _sql(
        conn,
        "SELECT s.line, NULL, f.line FROM (SELECT reference, min(line) AS line "
        " FROM stage_referrals WHERE reference <> '' GROUP BY reference HAVING count(*) > 1) d "
        "JOIN stage_referrals f ON f.line = d.line "
        "JOIN stage_referrals s ON s.reference = d.reference AND s.line > d.line "
        f"WHERE {_OTHER_CHILD.format(a='s', b='f')}"
        + (" AND NOT EXISTS (SELECT 1 FROM young_people yp WHERE yp.reference = d.reference)"
           if held else "")
    ))
    for line, young_person, first_line in sorted(found):
        if young_person is not None:
            message = (
                f"already held for young person {young_person}, with a different name or date "
                "of birth, so it is not linked: check the reference (or, if this is young "
                f"person {young_person}, give the name and date of birth held for them: "
                f"'ivcli young-person show {young_person}')"
            )
        else:
            message = (
                f"also given on line {first_line} to a different name or date of birth, so it "
                "is not linked: one reference is one child; correct the reference on one of "
                "the two lines"
            )
        yield RowProblem(line, "reference", message)


def ingest(
    conn: Connection,
    rows: Iterable[tuple],
    *,
    collect: bool = False,
    problems: Problems | None = None,
) -> IngestResult:
    """Link and insert clean rows (see ``referral_rows.CLEAN``). Runs inside the caller's
    transaction; the caller commits, or rolls back on error.

    ``problems`` holds those of the rows left out (an import is all or nothing); a row whose
    reference belongs to another child (``reference_conflicts``) is added to them. When there
    are any, nothing is written and the caller raises; with no ``problems`` given, a conflict
    raises ``InvalidInput`` here."""
    def ex(sql: str, params: dict[str, object] | None = None) -> CursorResult:
        return _sql(conn, sql, params)

    # A larger page cache for this transaction keeps index updates of a big file in memory.
    dialect.bulk_load_begin(conn)
    _create_stage(conn)
    batch: list[tuple] = []
    count = 0
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            dialect.stage_rows(conn, STAGE, CLEAN, batch)
            count += len(batch)
            batch.clear()
    if batch:
        dialect.stage_rows(conn, STAGE, CLEAN, batch)
        count += len(batch)
    result = IngestResult(rows=count)
    if count == 0:
        return result
    now = db_now()
    max_before = ex("SELECT coalesce(max(id), 0) FROM young_people").scalar_one()
    dialect.index_stage(conn, STAGE, "ix_stage_ref", "reference")
    conflicts = Problems() if problems is None else problems
    for problem in reference_conflicts(conn, held=bool(max_before)):
        conflicts.add([problem])
    if conflicts and problems is None:
        raise InvalidInput(f"{conflicts.bad_rows} referral(s) not valid; nothing was added",
                           details=[str(p) for p in conflicts.kept])
    if conflicts:
        return result
    dialect.index_stage(conn, STAGE, "ix_stage_name", "name_key, date_of_birth")
    if max_before:
        # 1. Young people already held: by council reference first (its name and date of birth
        #    are the row's: reference_conflicts above), else by name and date of birth when
        #    neither side has a different reference.
        ex(
            "UPDATE stage_referrals SET person_id = yp.id, existing = 1 FROM young_people yp "
            "WHERE stage_referrals.reference <> '' "
            "AND yp.reference = stage_referrals.reference"
        )
        ex(
            "UPDATE stage_referrals SET person_id = yp.id, existing = 1 FROM young_people yp "
            "WHERE stage_referrals.person_id IS NULL "
            "AND yp.date_of_birth = stage_referrals.date_of_birth "
            "AND yp.last_key = stage_referrals.last_key AND yp.name_key = stage_referrals.name_key "
            "AND (yp.reference IS NULL OR stage_referrals.reference = '')"
        )
        # Fill in a council reference we did not have before.
        audit.record_bulk(
            conn, "young_people",
            "SELECT id FROM young_people WHERE reference IS NULL AND id IN (SELECT person_id "
            "FROM stage_referrals WHERE existing = 1 AND reference <> '')",
            "update", ("reference", "updated_at"),
        )
        ex(
            "UPDATE young_people SET reference = s.reference, updated_at = :now FROM ("
            " SELECT person_id, min(reference) AS reference FROM stage_referrals"
            " WHERE existing = 1 AND reference <> '' GROUP BY person_id) s "
            "WHERE young_people.id = s.person_id AND young_people.reference IS NULL",
            {"now": now},
        )
    # 2. New young people. Rows of one child in this file share an identity: their reference,
    #    or the reference another row with the same name and date of birth gives, or else the
    #    name and date of birth.
    ex(
        "UPDATE stage_referrals SET ident = (SELECT s2.reference FROM stage_referrals s2 "
        "WHERE s2.name_key = stage_referrals.name_key "
        "AND s2.date_of_birth = stage_referrals.date_of_birth "
        "AND s2.reference <> '' ORDER BY s2.line LIMIT 1) "
        "WHERE person_id IS NULL AND reference = ''"
    )
    ex(
        "UPDATE stage_referrals SET ident = coalesce(NULLIF(reference, ''), ident, "
        "'~' || name_key || '|' || date_of_birth) WHERE person_id IS NULL"
    )
    dialect.index_stage(conn, STAGE, "ix_stage_ident", "ident, line")
    person_cols = tuple(c for c in PERSON_COLUMNS if c != "reference")
    to_add = ex("SELECT count(DISTINCT ident) FROM stage_referrals WHERE person_id IS NULL"
                ).scalar_one()
    with _indexes_deferred(conn, "young_people", to_add):
        ex(
            f"INSERT INTO young_people (reference, {', '.join(person_cols)}, created_at, "
            f"updated_at) "
            f"SELECT CASE WHEN ident LIKE '~%' THEN NULL ELSE ident END, "
            f"{', '.join(sql_value(c) for c in person_cols)}, :now, :now "
            f"FROM stage_referrals WHERE line IN (SELECT min(line) FROM stage_referrals "
            f"WHERE ident IS NOT NULL GROUP BY ident) ORDER BY line",
            {"now": now},
        )
        new_people = ex("SELECT count(*) FROM young_people WHERE id > :before",
                        {"before": max_before}).scalar_one()
        result.new_people = new_people
        if new_people:
            audit.record_bulk(conn, "young_people", (max_before + 1, None), "insert",
                              ("reference", *person_cols, "created_at", "updated_at"))
            ex(
                "UPDATE stage_referrals SET person_id = yp.id FROM young_people yp "
                "WHERE stage_referrals.person_id IS NULL AND stage_referrals.ident NOT LIKE '~%' "
                "AND yp.reference = stage_referrals.ident"
            )
            ex(
                "UPDATE stage_referrals SET person_id = yp.id FROM young_people yp "
                "WHERE stage_referrals.person_id IS NULL AND yp.id > :before "
                "AND yp.reference IS NULL "
                "AND yp.date_of_birth = stage_referrals.date_of_birth "
                "AND yp.last_key = stage_referrals.last_key "
                "AND yp.name_key = stage_referrals.name_key",
                {"before": max_before},
            )
    result.linked_existing = ex(
        "SELECT count(DISTINCT person_id) FROM stage_referrals WHERE existing = 1"
    ).scalar_one()
    # 3. Referrals: one per young person and referral date; the same again is unchanged.
    dialect.index_stage(conn, STAGE, "ix_stage_person", "person_id, referral_date, line")
    referral_cols = REFERRAL_INSERT
    before = ex("SELECT coalesce(max(id), 0) FROM referrals").scalar_one()
    held = " AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.young_person_id = s.person_id " \
           "AND r.referral_date = s.referral_date)" if before else ""
    # Rows of new young people are certainly new referrals (those of people already held may
    # be referrals already held): enough to tell a big load.
    surely_new = ex("SELECT count(*) FROM stage_referrals WHERE existing = 0").scalar_one()
    with _indexes_deferred(conn, "referrals", surely_new):
        cur = ex(
            f"INSERT INTO referrals (young_person_id, status, {', '.join(referral_cols)}, "
            f"created_at, updated_at) SELECT person_id, 'received', "
            f"{', '.join(sql_value(c, 's.') for c in referral_cols)}, :now, :now "
            f"FROM stage_referrals s"
            f" WHERE line IN (SELECT min(line) FROM stage_referrals GROUP BY person_id, "
            f"referral_date){held} ORDER BY line",
            {"now": now},
        )
    result.added = cur.rowcount
    if result.added:
        audit.record_bulk(conn, "referrals", (before + 1, None), "insert",
                          ("young_person_id", "status", *referral_cols, "created_at",
                           "updated_at"))
    result.unchanged = count - result.added
    # 4. Possible duplicates (``referrals.duplicates``): each new young person against every
    #    other one held, kept in their table until merged or dismissed.
    if new_people:
        duplicates.detect(conn, "n.id > :before", {"before": max_before})
        cursor = ex(
            "SELECT (SELECT min(line) FROM stage_referrals s "
            "WHERE s.person_id = d.young_person_id), d.other_id "
            "FROM possible_duplicates d WHERE d.young_person_id > :before "
            "AND d.dismissed_at IS NULL ORDER BY 1, 2",
            {"before": max_before},
        )
        for line, other in cursor:
            result.duplicate_count += 1
            if len(result.possible_duplicates) < MAX_DUPLICATES_KEPT:
                result.possible_duplicates.append((line, other))
    if collect:
        for line, person, existing, ref_id in ex(
            "SELECT s.line, s.person_id, s.existing, r.id FROM stage_referrals s "
            "LEFT JOIN referrals r ON r.young_person_id = s.person_id "
            "AND r.referral_date = s.referral_date ORDER BY s.line"
        ):
            result.linked.append(
                Linked(line, ref_id, person, bool(ref_id and ref_id > before), bool(existing))
            )
    dialect.drop_stage(conn, STAGE)
    return result


# ---------------------------------------------------------------------------------------------
# CSV import


@dataclass
class ImportReport:
    result: IngestResult
    blank_rows: int
    unknown_columns: list[str]
    dry_run: bool


def import_csv(
    conn: Connection,
    path: Path,
    *,
    today: date,
    maps: Iterable[str] = (),
    encoding: str = "utf-8",
    dry_run: bool = False,
    progress: Callable[[BinaryIO], BinaryIO] | None = None,
) -> ImportReport:
    """Import a referral CSV all or nothing. Raises ``ImportFailed`` listing every bad line."""
    from ivcli.importing.csvfile import open_csv

    problems = Problems()
    source, close = open_csv(
        path, fields=FIELDS, synonyms=SYNONYMS, required=REQUIRED, problems=problems,
        maps=list(maps), encoding=encoding, progress=progress,
    )
    try:
        check = RowValidator(today, source.columns.index, _reference_pattern(conn))
        result = ingest(conn, problems.valid(source.rows, check), problems=problems)
    finally:
        close()
    problems.raise_if_any(path, source.columns.unknown)
    return ImportReport(result, problems.blank_rows, source.columns.unknown, dry_run)


# ---------------------------------------------------------------------------------------------
# One referral


def _reference_pattern(conn: Connection) -> re.Pattern[str] | None:
    from ivcli import stored_settings as settings_service

    return compile_pattern(str(settings_service.get(conn, PATTERN_SETTING)))


def add(conn: Connection, raw: dict[str, str], today: date) -> Linked:
    """Add one referral (``raw``: the flags of ``referral add``). The possible duplicates it
    finds are left in ``conn.info["possible_duplicates"]`` (young person ids)."""
    row, problems = validate(raw, 0, today, _reference_pattern(conn))
    if problems:
        raise InvalidInput(
            "the referral is not valid; nothing was added",
            details=[str(p) for p in problems],
        )
    assert row is not None
    conflicts = Problems()
    result = ingest(conn, [row], collect=True, problems=conflicts)
    if conflicts:
        raise Refused(
            "the referral's reference belongs to another young person; nothing was added",
            details=[str(p) for p in conflicts.kept],
        )
    linked = result.linked[0]
    if not linked.added:
        raise Refused(
            f"young person {linked.young_person_id} already has referral {linked.referral_id} "
            "on that referral date; nothing was added",
            hint=f"see it with 'ivcli referral show {linked.referral_id}'",
        )
    linked_dupes = result.possible_duplicates
    conn.info["possible_duplicates"] = [yp for _, yp in linked_dupes]
    return linked
