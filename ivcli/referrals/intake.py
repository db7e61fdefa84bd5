"""Referral intake: one referral typed at the terminal, or a council CSV, all or nothing.

One child is one record. A referral links to an existing young person by council reference, or
else by the same folded name and date of birth (``parsing.name_key``: case, accents and
punctuation ignored); a near miss (same date of birth and the same first or last name) is kept
as a possible duplicate (``referrals.duplicates``) and never merged. A council reference
belongs to one child: a row whose reference is held for, or given on an earlier row to, a
different normalised name or date of birth is refused (``reference_conflicts``), never linked.
A referral is the same referral when it is for the same young person on the same referral date.

Intake keeps memory flat for a file of any size, in one of two shapes with the same rules and
the same outcome (``referrals.outcome``). On SQLite, validated rows go straight into the real
tables in one pass (``referrals.onepass``). On PostgreSQL (``staged``) they stream into a
temporary staging table in batches (COPY), then a few set-based SQL statements link, insert and
count. Either runs on the command's Core connection (``db.writer``) and needs no ORM objects or
models.
Its SQL is portable (``text()``, named parameters, ``UPDATE ... FROM``); what only SQLite has
(the connection's own staging table and its indexes, the executemany of plain tuples into it,
the page cache, dropping and rebuilding a table's indexes) is in ``ivcli.dialect``.
Screening and decisions are in ``referrals.screening``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from ivcli import dialect
from ivcli.db import now as db_now
from ivcli.errors import InvalidInput, Refused
from ivcli.importing.problems import Problems
from ivcli.referrals.outcome import (
    MAX_DUPLICATES_KEPT,
    OPEN_REFERRALS,
    IngestResult,
    Linked,
    possible_duplicates,
    record_care_leavers,
    reference_conflict,
)
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

    from ivcli.importing.mapping import HeaderChoice


BATCH = 5_000


STAGE = "stage_referrals"
# A staged row is a clean row (``CLEAN``) and its identity in the file (``ident``, see
# ``IDENT_SQL``), added to it as it is staged (``staged_ident``); linking fills in
# ``person_id`` (and ``existing``) for a young person held.
STAGED = (*CLEAN, "ident")


def _create_stage(conn: Connection) -> None:
    dialect.create_stage(
        conn, STAGE,
        f"line INTEGER PRIMARY KEY, {', '.join(STAGED[1:])}, "
        "person_id INTEGER, existing INTEGER DEFAULT 0", like=("young_people", "referrals"),
    )


# A row's identity in the file, before the rows of one child are brought together: its council
# reference, or else "~" and its name key and date of birth. ``reference`` is NULL when there is
# none: a young person added by the import whose identity was a name, and a staged row whose
# reference is "".
# The rule in SQL, for the young people held (``HELD_IDENT``), and in Python, for a row as it is
# staged (``staged_ident``): the same rule twice, side by side, and a test checks they agree.
IDENT_SQL = "coalesce({reference}, '~' || {name_key} || '|' || {date_of_birth})"
_IDENT_OF = ("reference", "name_key", "date_of_birth")
HELD_IDENT = IDENT_SQL.format(**{c: f"yp.{c}" for c in _IDENT_OF})
_REF, _NAME_KEY, _DOB = (CLEAN.index(c) for c in _IDENT_OF)


def staged_ident(row: tuple) -> str:
    """A clean row's identity (``IDENT_SQL``; its reference is "" when it has none). Worked
    out here rather than by the database: PostgreSQL's COPY cannot compute a column, and a
    second copy through a side table to compute it cost a third of the staging."""
    return row[_REF] or f"~{row[_NAME_KEY]}|{row[_DOB]}"


def _sql(conn: Connection, sql: str, params: dict[str, object] | None = None) -> CursorResult:
    """Run portable SQL with named parameters."""
    from sqlalchemy import text

    return conn.execute(text(sql), params or {})


# Indexes whose new entries arrive in key order (a new referral is 'received', undecided, open,
# for a young person in line order): kept up row by row, which is quicker than building again.
IN_ORDER = ("ix_referrals_decision",)


@contextmanager
def _indexes_deferred(conn: Connection, table: str, adding: int) -> Iterator[None]:
    """For a big load (``adding`` new rows, at least as many as ``table`` holds): drop the table's
    secondary indexes (but ``IN_ORDER``) for the insert and build them again after, which is
    quicker than updating them row by row. It is all one transaction: on an error the rollback
    restores them. Unique constraints are not touched, so they are still checked row by row."""
    held = _sql(conn, f"SELECT coalesce(max(id), 0) FROM {table}").scalar_one()
    if adding < max(held, BATCH):
        yield
        return
    indexes = dialect.drop_secondary_indexes(conn, table, keep=IN_ORDER)
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
        yield reference_conflict(line, young_person, first_line)


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
    if not dialect.is_pg(conn):  # SQLite: one pass, no staging copy
        from ivcli.referrals import onepass

        return onepass.ingest(conn, rows, collect=collect, problems=problems, batch=BATCH)
    return staged(conn, rows, collect=collect, problems=problems)


def staged(
    conn: Connection,
    rows: Iterable[tuple],
    *,
    collect: bool = False,
    problems: Problems | None = None,
) -> IngestResult:
    """``ingest`` over a staging table, set-based: PostgreSQL's load (COPY into the table).
    It runs on SQLite too, where ``referrals.onepass`` must come to the same (a test compares
    them)."""
    def ex(sql: str, params: dict[str, object] | None = None) -> CursorResult:
        return _sql(conn, sql, params)

    # A larger page cache for this transaction keeps index updates of a big file in memory.
    dialect.bulk_load_begin(conn)
    _create_stage(conn)
    count = 0
    rows = iter(rows)
    while batch := list(islice(rows, BATCH)):
        dialect.stage_rows(conn, STAGE, STAGED, [(*row, staged_ident(row)) for row in batch])
        count += len(batch)
        del batch  # before the next is read: one batch in memory at a time
    result = IngestResult(rows=count)
    if count == 0:
        return result
    now = db_now()
    max_before = ex("SELECT coalesce(max(id), 0) FROM young_people").scalar_one()
    dialect.index_stage(conn, STAGE, "ix_stage_ref", "reference")
    unreferenced = ex("SELECT 1 FROM stage_referrals WHERE reference = '' LIMIT 1").first()
    conflicts = Problems() if problems is None else problems
    for problem in reference_conflicts(conn, held=bool(max_before)):
        conflicts.add([problem])
    if conflicts and problems is None:
        raise InvalidInput(f"{conflicts.bad_rows} referral(s) not valid; nothing was added",
                           details=[str(p) for p in conflicts.kept])
    if conflicts:
        return result
    if max_before or unreferenced:
        dialect.index_stage(conn, STAGE, "ix_stage_name", "name_key, date_of_birth")
    linked_rows = 0
    if max_before:
        # 1. Young people already held: by council reference first (its name and date of birth
        #    are the row's: reference_conflicts above), else by name and date of birth when
        #    neither side has a different reference. A linked row has no identity of its own.
        linked_rows += ex(
            "UPDATE stage_referrals SET person_id = yp.id, existing = 1, ident = NULL "
            "FROM young_people yp WHERE stage_referrals.reference <> '' "
            "AND yp.reference = stage_referrals.reference"
        ).rowcount
        linked_rows += ex(
            "UPDATE stage_referrals SET person_id = yp.id, existing = 1, ident = NULL "
            "FROM young_people yp WHERE stage_referrals.person_id IS NULL "
            "AND yp.date_of_birth = stage_referrals.date_of_birth "
            "AND yp.last_key = stage_referrals.last_key AND yp.name_key = stage_referrals.name_key "
            "AND (yp.reference IS NULL OR stage_referrals.reference = '')"
        ).rowcount
        if linked_rows:
            # Fill in a council reference we did not have before.
            audit.record_bulk(
                conn, "young_people",
                "SELECT id FROM young_people WHERE reference IS NULL AND id IN (SELECT "
                "person_id FROM stage_referrals WHERE existing = 1 AND reference <> '')",
                "update", ("reference", "updated_at"),
            )
            ex(
                "UPDATE young_people SET reference = s.reference, updated_at = :now FROM ("
                " SELECT person_id, min(reference) AS reference FROM stage_referrals"
                " WHERE existing = 1 AND reference <> '' GROUP BY person_id) s "
                "WHERE young_people.id = s.person_id AND young_people.reference IS NULL",
                {"now": now},
            )
            result.linked_existing = ex(
                "SELECT count(DISTINCT person_id) FROM stage_referrals WHERE existing = 1"
            ).scalar_one()
    # 2. New young people. Rows of one child in this file share an identity: their reference,
    #    or the reference another row with the same name and date of birth gives, or else the
    #    name and date of birth (``ident``, staged).
    if unreferenced:
        ex(
            "UPDATE stage_referrals SET ident = coalesce((SELECT s2.reference "
            "FROM stage_referrals s2 WHERE s2.name_key = stage_referrals.name_key "
            "AND s2.date_of_birth = stage_referrals.date_of_birth "
            "AND s2.reference <> '' ORDER BY s2.line LIMIT 1), ident) "
            "WHERE person_id IS NULL AND reference = ''"
        )
    dialect.index_stage(conn, STAGE, "ix_stage_ident", "ident, line")
    person_cols = tuple(c for c in PERSON_COLUMNS if c != "reference")
    new_people = 0
    # Each new young person is added from the first row of its identity, in line order.
    with _indexes_deferred(conn, "young_people", count - linked_rows):
        if linked_rows < count:
            new_people = ex(
                f"INSERT INTO young_people (reference, {', '.join(person_cols)}, legal_status, "
                f"created_at, updated_at) "
                f"SELECT CASE WHEN ident LIKE '~%' THEN NULL ELSE ident END, "
                f"{', '.join(sql_value(c) for c in person_cols)}, "
                f"CASE WHEN care_leaver = 1 THEN 'care_leaver' ELSE 'looked_after' END, :now, :now "
                f"FROM stage_referrals WHERE line IN (SELECT min(line) FROM stage_referrals "
                f"WHERE ident IS NOT NULL GROUP BY ident) ORDER BY line",
                {"now": now},
            ).rowcount
    result.new_people = new_people
    if new_people:
        audit.record_bulk(conn, "young_people", (max_before + 1, None), "insert",
                          ("reference", *person_cols, "legal_status", "created_at",
                           "updated_at"))
    # A child held as looked after whom a row records as a care leaver is one now, from
    # that referral date (the rows checked the age rule), not silently left as they were.
    if linked_rows:
        _record_care_leavers(conn, result)
    # 3. Referrals: one per young person and referral date; the same again is unchanged. A
    #    child has one open referral (received, accepted, deferred, matched) at a time: a row
    #    for a child with one held, or after the row of this file added for them, is not added
    #    (``already_open``). A row's young person is ``_PERSON``: the one it was linked to
    #    (``person_id``), else the one added for its identity (``ident``).
    referral_cols = REFERRAL_INSERT
    before = ex("SELECT coalesce(max(id), 0) FROM referrals").scalar_one()
    same = ("EXISTS (SELECT 1 FROM referrals r WHERE r.young_person_id = {p} "
            "AND r.referral_date = {s}.referral_date)")
    held = (f" AND NOT {same.format(p='s.person_id', s='s')} AND NOT EXISTS (SELECT 1 "
            f"FROM referrals r WHERE r.young_person_id = s.person_id "
            f"AND r.status IN ({OPEN_REFERRALS}))" if linked_rows else "")
    # With no row linked, every person_id is NULL: grouping by ident alone reads
    # ix_stage_ident (ident, line) in order, with no sort.
    first_of_each = ("SELECT min(line) FROM stage_referrals s2"
                     + (f" WHERE NOT {same.format(p='s2.person_id', s='s2')}"
                        " GROUP BY person_id, ident" if linked_rows else " GROUP BY ident"))
    with _indexes_deferred(conn, "referrals", count - linked_rows):
        cur = ex(
            f"INSERT INTO referrals (young_person_id, status, {', '.join(referral_cols)}, "
            f"created_at, updated_at) SELECT {_PERSON}, "
            f"CASE WHEN s.consent = 'not_now' THEN 'deferred' ELSE 'received' END, "
            f"{', '.join(sql_value(c, 's.') for c in referral_cols)}, :now, :now "
            f"FROM {_LINKED} WHERE s.line IN ({first_of_each}){held} ORDER BY s.line",
            {"now": now, "before": max_before},
        )
    result.added = cur.rowcount
    if result.added:
        audit.record_bulk(conn, "referrals", (before + 1, None), "insert",
                          ("young_person_id", "status", *referral_cols, "created_at",
                           "updated_at"))
    if before or result.added < count:
        for line, open_id in ex(
            f"SELECT q.line, (SELECT max(r.id) FROM referrals r "
            f" WHERE r.young_person_id = q.person AND r.status IN ({OPEN_REFERRALS})) "
            f"FROM (SELECT s.line, s.referral_date, {_PERSON} AS person FROM {_LINKED}) q "
            f"WHERE NOT {same.format(p='q.person', s='q')} ORDER BY q.line",
            {"before": max_before},
        ):
            result.already_open_count += 1
            if len(result.already_open) < MAX_DUPLICATES_KEPT:
                result.already_open.append((line, open_id))
    result.unchanged = count - result.added - result.already_open_count
    # 4. Possible duplicates (``referrals.duplicates``): each new young person against every
    #    other one held, kept in their table until merged or dismissed.
    if new_people:
        _possible_duplicates(conn, result, max_before)
    if collect:
        for line, person, existing, ref_id in ex(
            f"SELECT q.line, q.person, q.existing, r.id FROM (SELECT s.line, s.referral_date, "
            f"s.existing, {_PERSON} AS person FROM {_LINKED}) q "
            "LEFT JOIN referrals r ON r.young_person_id = q.person "
            "AND r.referral_date = q.referral_date ORDER BY q.line",
            {"before": max_before},
        ):
            result.linked.append(
                Linked(line, ref_id, person, bool(ref_id and ref_id > before), bool(existing))
            )
    dialect.drop_stage(conn, STAGE)
    return result


def _record_care_leavers(conn: Connection, result: IngestResult) -> None:
    """Young people held as looked after whose row says they are a care leaver
    (``outcome.record_care_leavers``)."""
    record_care_leavers(conn, result, _sql(
        conn,
        "SELECT yp.id, min(s.line), min(s.referral_date) FROM stage_referrals s "
        "JOIN young_people yp ON yp.id = s.person_id "
        "WHERE s.existing = 1 AND s.care_leaver = 1 AND yp.legal_status = 'looked_after' "
        "GROUP BY yp.id ORDER BY min(s.line)").all())


# Each staged row's young person: the one it was linked to, else the one added for its
# identity (by reference, or by name and date of birth among those added, ids > :before).
_LINKED = "stage_referrals s LEFT JOIN young_people yp ON yp.reference = s.ident"
_PERSON = (
    "coalesce(s.person_id, yp.id, (SELECT yn.id FROM young_people yn WHERE yn.id > :before "
    "AND yn.reference IS NULL AND yn.date_of_birth = s.date_of_birth "
    "AND yn.last_key = s.last_key AND yn.name_key = s.name_key))"
)


def _possible_duplicates(conn: Connection, result: IngestResult, max_before: int) -> None:
    """``outcome.possible_duplicates``, each young person's first line from the staging
    table."""
    from sqlalchemy import bindparam, text

    def first_lines(ids: list[int]) -> dict[int, int]:
        return dict(map(tuple, conn.execute(text(
            f"SELECT yp.id, (SELECT min(s.line) FROM stage_referrals s "
            f"WHERE s.ident = {HELD_IDENT}) FROM young_people yp "
            "WHERE yp.id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": ids})))

    possible_duplicates(conn, result, max_before, first_lines)


# ---------------------------------------------------------------------------------------------
# CSV import


@dataclass
class ImportReport:
    result: IngestResult
    blank_rows: int
    unknown_columns: list[str]
    dry_run: bool


_ETHNICITY = CLEAN.index("ethnicity")


def _noting_unmapped(rows: Iterable[tuple], lines: list[int]) -> Iterator[tuple]:
    """The clean rows, noting in ``lines`` each line whose ethnicity is text the mapping did
    not know (``ethnicity.not_mapped``)."""
    from ivcli.ethnicity import KNOWN

    for row in rows:
        value = row[_ETHNICITY]
        if value and value not in KNOWN:
            lines.append(row[0])
        yield row


def import_csv(
    conn: Connection,
    path: Path,
    *,
    today: date,
    maps: Iterable[str] = (),
    encoding: str = "utf-8",
    dry_run: bool = False,
    progress: Callable[[BinaryIO], BinaryIO] | None = None,
    mapping: HeaderChoice | None = None,
    sheet: str | None = None,
) -> ImportReport:
    """Import a referral CSV all or nothing. Raises ``ImportFailed`` listing every bad line."""
    from ivcli.importing.csvfile import open_csv

    problems = Problems()
    source, close = open_csv(
        path, fields=FIELDS, synonyms=SYNONYMS, required=REQUIRED, problems=problems,
        maps=list(maps), encoding=encoding, progress=progress, mapping=mapping, sheet=sheet,
    )
    try:
        check = RowValidator(today, source.columns.index, _reference_pattern(conn))
        unmapped: list[int] = []
        rows = _noting_unmapped(problems.valid(source.rows, check), unmapped)
        result = ingest(conn, rows, problems=problems)
        result.ethnicity_not_mapped = unmapped[:MAX_DUPLICATES_KEPT]
        result.ethnicity_not_mapped_count = len(unmapped)
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
    finds are left in ``conn.info["possible_duplicates"]`` (young person ids), a young person
    it records as a care leaver now in ``conn.info["now_care_leavers"]``. Refused when the
    child already has an open referral."""
    row, problems = validate(raw, 0, today, _reference_pattern(conn))
    if problems:
        raise InvalidInput(
            "the referral is not valid; nothing was added",
            details=[str(p) for p in problems],
        )
    assert row is not None
    from ivcli.ethnicity import not_mapped

    conn.info["ethnicity_not_mapped"] = not_mapped(row[_ETHNICITY])
    conflicts = Problems()
    result = ingest(conn, [row], collect=True, problems=conflicts)
    if conflicts:
        raise Refused(
            "the referral's reference belongs to another young person; nothing was added",
            details=[str(p) for p in conflicts.kept],
        )
    linked = result.linked[0]
    if result.already_open:
        _, open_id = result.already_open[0]
        raise Refused(
            f"young person {linked.young_person_id} already has open referral {open_id}; a "
            "child has one open referral at a time, so nothing was added",
            hint=f"see it with 'ivcli referral show {open_id}'; update it with 'ivcli referral "
            f"update {open_id}', or close it first",
        )
    if not linked.added:
        raise Refused(
            f"young person {linked.young_person_id} already has referral {linked.referral_id} "
            "on that referral date; nothing was added",
            hint=f"see it with 'ivcli referral show {linked.referral_id}'",
        )
    linked_dupes = result.possible_duplicates
    conn.info["possible_duplicates"] = [yp for _, yp in linked_dupes]
    conn.info["now_care_leavers"] = [yp for _, yp in result.now_care_leavers]
    return linked
