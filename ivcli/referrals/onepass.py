"""The referral intake's one pass on SQLite: validated rows go straight into ``young_people`` and
``referrals``, a batch at a time, with no staging copy of the file.

The rules are those of ``referrals.intake`` (its docstring), applied row by row in line order,
which gives the same records, ids, counts and audit trail as its set-based load (which
PostgreSQL runs, over a staging table filled by COPY):

- A row links to a young person held by council reference, or else (when neither has a
  different reference) by folded name and date of birth (of several, the latest
  record, as the set-based load's UPDATE ... FROM links). A reference held
  for, or given on an earlier row to, another name or date of birth is refused
  (``outcome.reference_conflict``); a reference a row gives a young person held without one is
  filled in.
- A row not linked is a new young person, or the one an earlier row of the file added for the
  same reference or, with no reference, for the same name and date of birth. A row without a
  reference is the child of the first row in the file with that name, date of birth and a
  reference, even a later one: so a young person added from rows without a reference waits in a
  small staging table (``stage_people``) until the end, taking the reference of the first such
  row, and is then inserted with the id it was given in line order.
- One referral per young person and referral date; a child with an open referral (held, or
  added by an earlier row) gets no other (``IngestResult.already_open``).

What the pass must remember across batches, it asks the database (the records it added are in
their tables, found through the unique indexes on reference and on young person and referral
date), so memory stays flat however long the file is: one set-based query per batch for the
batch's references, and only for rows that need them, by name and for referrals held. A big
load's secondary indexes are dropped once it has added as many rows as the table held (built
again at the end, or as soon as a lookup by name needs them). The possible duplicates are
found after, set-based, over the young people added (``outcome.possible_duplicates``).
"""

from __future__ import annotations

import gc
from array import array
from collections.abc import Iterable
from itertools import islice
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from ivcli import dialect
from ivcli.db import now as db_now
from ivcli.enums import ReferralStatus
from ivcli.errors import InvalidInput
from ivcli.importing.problems import Problems
from ivcli.referrals.outcome import (
    MAX_DUPLICATES_KEPT,
    IngestResult,
    Linked,
    possible_duplicates,
    record_care_leavers,
    reference_conflict,
)
from ivcli.referrals.rows import CLEAN, PERSON_COLUMNS, REFERRAL_INSERT, RowProblem, sql_value
from ivcli.safety import audit

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

# Indexes whose new entries arrive in key order (a new referral is 'received', undecided, open,
# for a young person in line order): kept up row by row, which is quicker than building again.
IN_ORDER = ("ix_referrals_decision",)
PENDING = "stage_people"

_AT = {c: i for i, c in enumerate(CLEAN)}
LINE, REF, NAME, DOB, DATE, CARE = (_AT[c] for c in (
    "line", "reference", "name_key", "date_of_birth", "referral_date", "care_leaver"))
_pick_person = itemgetter(*(_AT[c] for c in PERSON_COLUMNS))
_pick_referral = itemgetter(*(_AT[c] for c in REFERRAL_INSERT))
_OPEN = frozenset(str(s) for s in ReferralStatus.open())


def _values(columns: Iterable[str], first: int) -> list[str]:
    """The stored value of each staged column, as ``dialect.insert_tuples`` expressions over
    tuple positions from ``first``."""
    return [sql_value(c, "\0").replace(f"\0{c}", f"{{{i}}}") for i, c in enumerate(columns, first)]


class _Person:
    """A young person a row may link to: (id, name key, date of birth, first line with its
    reference in the file (None: held with it), legal status when held)."""

    __slots__ = ("id", "name_key", "dob", "line", "legal")

    def __init__(self, id_: int, name_key: str, dob: str, line: int | None,
                 legal: str | None) -> None:
        self.id, self.name_key, self.dob, self.line, self.legal = id_, name_key, dob, line, legal


class _Referrals:
    """A young person's referrals: held before the import (date -> id; the latest open one) and
    the one this import added (id, date)."""

    __slots__ = ("held", "open", "added")

    def __init__(self) -> None:
        self.held: dict[str, int] = {}
        self.open: int | None = None
        self.added: tuple[int, str] | None = None


class _Load:
    def __init__(self, conn: Connection, now: str, collect: bool, batch: int) -> None:
        self.conn, self.now, self.collect, self.batch_size = conn, now, collect, batch
        # Every id below the next one is held, or was once (an id is never given again:
        # ``dialect.next_id``), so "at most ``before``" is "held before the import".
        self.before = dialect.next_id(conn, "young_people") - 1
        self.ref_before = dialect.next_id(conn, "referrals") - 1
        self.next_person, self.next_referral = self.before + 1, self.ref_before + 1
        self.result = IngestResult()
        self.conflicts: list[RowProblem] = []
        self.first_line = array("q")  # of each young person added, by id - before - 1
        self.linked_held = bytearray(self.before + 1)  # held young people a row links to
        self.fills: dict[int, str] = {}  # held young person -> the reference to fill in
        self.fill_refs: dict[str, _Person] = {}  # those references -> whom and where
        self.care: dict[int, list[Any]] = {}  # held young person -> [first line, first date]
        self.pending = 0  # young people added from rows without a reference (``PENDING``)
        self.claims: dict[int, tuple[str, int]] = {}  # of those -> (reference, its line)
        self.referenced_new = 0
        self.dropped: dict[str, list[str] | None] = {}  # table -> its indexes dropped, or None
        self.added = {"young_people": 0, "referrals": 0}
        self.held_max = {"young_people": self.before, "referrals": self.ref_before}
        now_sql = "'" + now.replace("'", "''") + "'"
        self.person_sql = (
            ["id", *PERSON_COLUMNS, "legal_status", "created_at", "updated_at"],
            ["{0}", *_values(PERSON_COLUMNS, 1),
             f"CASE WHEN {{{1 + PERSON_COLUMNS.index('care_leaver')}}} = 1 THEN 'care_leaver' "
             "ELSE 'looked_after' END", now_sql, now_sql])
        consent = 2 + REFERRAL_INSERT.index("consent")
        self.referral_sql = (
            ["id", "young_person_id", "status", *REFERRAL_INSERT, "created_at", "updated_at"],
            ["{0}", "{1}", f"CASE WHEN {{{consent}}} = 'not_now' THEN 'deferred' "
             "ELSE 'received' END", *_values(REFERRAL_INSERT, 2), now_sql, now_sql])

    # -- SQL ------------------------------------------------------------------------------

    def rows(self, sql: str, lists: dict[str, Any]) -> list[Any]:
        return dialect.select_in(self.conn, sql, lists)

    def make_room(self, table: str, adding: int) -> None:
        """Before ``adding`` rows go into ``table``: once the load has added as many as the
        table held (and at least a batch), drop its secondary indexes (but ``IN_ORDER``) until
        the end, which is quicker than updating them row by row. All in the one transaction:
        a rollback restores them. Unique constraints are still checked row by row."""
        self.added[table] += adding
        if table not in self.dropped \
                and self.added[table] >= max(self.held_max[table], self.batch_size):
            self.dropped[table] = dialect.drop_secondary_indexes(self.conn, table, keep=IN_ORDER)

    def restore_indexes(self, table: str) -> None:
        """Build ``table``'s dropped indexes again (and drop them no more)."""
        sqls = self.dropped.get(table)
        if sqls:
            dialect.create_indexes(self.conn, sqls)
        self.dropped[table] = None

    # -- Lookups for one batch ---------------------------------------------------------------

    def by_reference(self, refs: list[str]) -> dict[str, _Person]:
        """The young people the batch's references are already held for or given to."""
        found: dict[str, _Person] = {}
        if not refs:
            return found
        before = self.before
        for id_, ref, name_key, dob, legal in self.rows(
                "SELECT id, reference, name_key, date_of_birth, legal_status FROM young_people "
                "WHERE reference IN :refs", {"refs": refs}):
            found[ref] = (_Person(id_, name_key, dob, None, legal) if id_ <= before else
                          _Person(id_, name_key, dob, self.first_line[id_ - before - 1], None))
        if self.claims:
            for id_, ref, name_key, dob in self.rows(
                    f"SELECT id, reference, name_key, date_of_birth FROM {PENDING} "
                    "WHERE reference IN :refs", {"refs": refs}):
                found[ref] = _Person(id_, name_key, dob, self.claims[id_][1], None)
        if self.fill_refs:
            for ref in refs:
                if (held := self.fill_refs.get(ref)) is not None:
                    found[ref] = held
        return found

    def by_name(self, keys: set[tuple[str, str]], new_too: bool
                ) -> tuple[dict[tuple[str, str], list[tuple[int, str | None, str]]],
                           dict[tuple[str, str], int], dict[tuple[str, str], int]]:
        """For (date of birth, name key) pairs: the young people held with them (id,
        reference, legal status; in id order); the lowest id added with them (``new_too``:
        those added with a reference too, else only those waiting); and the one waiting without
        a reference yet."""
        held: dict[tuple[str, str], list[tuple[int, str | None, str]]] = {}
        lowest: dict[tuple[str, str], int] = {}
        waiting: dict[tuple[str, str], int] = {}
        if not keys:
            return held, lowest, waiting
        params = {"dobs": sorted({d for d, _ in keys}), "names": sorted({n for _, n in keys})}
        if self.before or (new_too and self.referenced_new):
            self.restore_indexes("young_people")
            where = "" if new_too and self.referenced_new else f" AND id <= {int(self.before)}"
            for id_, ref, name_key, dob, legal in self.rows(
                    "SELECT id, reference, name_key, date_of_birth, legal_status "
                    "FROM young_people WHERE date_of_birth IN :dobs AND name_key IN :names"
                    f"{where} ORDER BY id", params):
                key = (dob, name_key)
                if key not in keys:
                    continue
                if id_ <= self.before:
                    held.setdefault(key, []).append((id_, ref, legal))
                else:
                    lowest.setdefault(key, id_)
        if self.pending:
            for id_, ref, name_key, dob in self.rows(
                    f"SELECT id, reference, name_key, date_of_birth FROM {PENDING} "
                    "WHERE date_of_birth IN :dobs AND name_key IN :names", params):
                key = (dob, name_key)
                if key in keys:
                    if id_ < lowest.get(key, id_ + 1):
                        lowest[key] = id_
                    if not ref:  # staged as given: "" for none
                        waiting[key] = id_
        return held, lowest, waiting

    def referrals_of(self, people: list[int]) -> dict[int, _Referrals]:
        """The referrals held for, or added by this import for, ``people``."""
        out: dict[int, _Referrals] = {p: _Referrals() for p in people}
        if not people:
            return out
        for yp, id_, on, status in self.rows(
                "SELECT young_person_id, id, referral_date, status FROM referrals "
                "WHERE young_person_id IN :ids", {"ids": people}):
            r = out[yp]
            if id_ > self.ref_before:
                r.added = (id_, on)
            else:
                r.held[on] = id_
                if status in _OPEN and (r.open is None or id_ > r.open):
                    r.open = id_
        return out

    # -- One batch ---------------------------------------------------------------------------

    def batch(self, rows: list[tuple]) -> None:
        """Link and insert one batch of clean rows, in line order."""
        before, first_new = self.before, self.next_person
        refs = [r[REF] for r in rows if r[REF]]
        # A reference can be known only when held, or given by an earlier row.
        known = (self.by_reference(refs) if refs and (before or first_new > before + 1)
                 else {})
        unref = {(r[DOB], r[NAME]) for r in rows if not r[REF]}
        # A row with a reference not known links by name only to one held, or one waiting.
        unknown = ({(r[DOB], r[NAME]) for r in rows if r[REF] and r[REF] not in known}
                   if before or self.pending else set())
        held_names, lowest, waiting = self.by_name(unref | unknown, new_too=bool(unref))
        # Whether a row with a reference not known may be anyone but a new young person.
        by_name = bool(held_names or waiting or unref)
        people: list[tuple] = []
        waiting_people: list[tuple] = []
        claims: list[dict[str, object]] = []
        linked: list[int] = []  # each row's young person (0: refused)
        link, add_person, first_line = linked.append, people.append, self.first_line.append
        for row in rows:
            ref = row[REF]
            if ref:
                person = known.get(ref)
                if person is None and not by_name:  # a new child: the usual case
                    pid = self.next_person
                    self.next_person += 1
                    first_line(row[LINE])
                    add_person((pid, *_pick_person(row)))
                    known[ref] = _Person(pid, row[NAME], row[DOB], row[LINE], None)
                    link(pid)
                    continue
            line, key = row[LINE], (row[DOB], row[NAME])
            if ref:
                if person is not None:
                    if person.name_key != row[NAME] or person.dob != row[DOB]:
                        self.conflicts.append(reference_conflict(
                            line, person.id if person.line is None else None, person.line))
                        link(0)
                        continue
                    pid, existing, legal = person.id, person.id <= before, person.legal
                elif (held := next((h for h in reversed(held_names.get(key, ()))
                                    if h[1] is None), None)) is not None:
                    pid, existing, legal = held[0], True, held[2]
                    if ref < self.fills.get(pid, ref + "\uffff"):
                        self.fills[pid] = ref
                    known[ref] = self.fill_refs[ref] = _Person(pid, row[NAME], row[DOB], line,
                                                               legal)
                elif (waiter := waiting.pop(key, None)) is not None:
                    pid, existing, legal = waiter, False, None
                    self.claims[pid] = (ref, line)
                    claims.append({"id": pid, "reference": ref})
                    known[ref] = _Person(pid, row[NAME], row[DOB], line, None)
                else:
                    pid, existing, legal = self.next_person, False, None
                    self.next_person += 1
                    first_line(line)
                    add_person((pid, *_pick_person(row)))
                    known[ref] = _Person(pid, row[NAME], row[DOB], line, None)
                    lowest.setdefault(key, pid)
            elif (held_list := held_names.get(key)):
                pid, existing, legal = held_list[-1][0], True, held_list[-1][2]
            elif (found := lowest.get(key)) is not None:
                pid, existing, legal = found, False, None
            else:
                pid, existing, legal = self.next_person, False, None
                self.next_person += 1
                first_line(line)
                waiting_people.append((pid, *_pick_person(row)))
                lowest[key] = waiting[key] = pid
            if existing:
                self.linked_held[pid] = 1
                if row[CARE] == 1 and legal == "looked_after":
                    care = self.care.get(pid)
                    if care is None:
                        self.care[pid] = [line, row[DATE]]
                    elif row[DATE] < care[1]:
                        care[1] = row[DATE]
            link(pid)
        self.referenced_new += len(people)
        self.insert_people(people, waiting_people, claims)
        self.insert_referrals(rows, linked, first_new)

    def insert_people(self, people: list[tuple], waiting: list[tuple],
                      claims: list[dict[str, object]]) -> None:
        conn = self.conn
        if people:
            self.make_room("young_people", len(people))
            dialect.insert_tuples(conn, "young_people", *self.person_sql, people)
        if waiting:
            if not self.pending:
                dialect.create_stage(conn, PENDING, "id INTEGER PRIMARY KEY, "
                                     + ", ".join(PERSON_COLUMNS), like=("young_people",))
                dialect.index_stage(conn, PENDING, "ix_pending_name", "date_of_birth, name_key")
                dialect.index_stage(conn, PENDING, "ix_pending_ref", "reference")
                # Their referrals go in before they do.
                dialect.defer_foreign_keys(conn)
            self.pending += len(waiting)
            dialect.insert_tuples(conn, PENDING, ["id", *PERSON_COLUMNS],
                                [f"{{{i}}}" for i in range(len(PERSON_COLUMNS) + 1)], waiting)
        if claims:
            from sqlalchemy import text

            conn.execute(text(f"UPDATE {PENDING} SET reference = :reference WHERE id = :id"),
                         claims)

    def insert_referrals(self, rows: list[tuple], linked: list[int], first_new: int) -> None:
        """The referrals of a batch's rows (``linked``: each one's young person, 0 for a row
        refused); ``first_new``: the first id of the young people the batch added, who have
        none yet (those held or added before may have some)."""
        result, collect, ref_before = self.result, self.collect, self.ref_before
        state = self.referrals_of(sorted({p for p in linked if 0 < p < first_new}))
        added: dict[int, tuple[int, str]] = {}  # young person added by the batch -> referral
        new: list[tuple] = []
        for row, pid in zip(rows, linked, strict=True):
            if not pid:
                continue
            on = row[DATE]
            ref_id: int | None
            if pid >= first_new:
                done = added.get(pid)
                if done is None:
                    ref_id = self.next_referral
                    self.next_referral += 1
                    added[pid] = (ref_id, on)
                    new.append((ref_id, pid, *_pick_referral(row)))
                elif done[1] == on:
                    ref_id = done[0]  # unchanged: the same as a row before
                else:
                    ref_id = None
                    self.already_open(row[LINE], done[0])
            else:
                r = state[pid]
                if (ref_id := r.held.get(on)) is not None:
                    pass  # unchanged
                elif r.added is not None:
                    if r.added[1] == on:
                        ref_id = r.added[0]  # unchanged: the same as a row before
                    else:
                        self.already_open(row[LINE], r.added[0])
                elif r.open is not None:
                    self.already_open(row[LINE], r.open)
                else:
                    ref_id = self.next_referral
                    self.next_referral += 1
                    r.added = (ref_id, on)
                    new.append((ref_id, pid, *_pick_referral(row)))
            if collect:
                result.linked.append(Linked(row[LINE], ref_id, pid, bool(
                    ref_id and ref_id > ref_before), pid <= self.before))
        if new:
            self.make_room("referrals", len(new))
            dialect.insert_tuples(self.conn, "referrals", *self.referral_sql, new)
            result.added += len(new)

    def already_open(self, line: int, open_id: int) -> None:
        result = self.result
        result.already_open_count += 1
        if len(result.already_open) < MAX_DUPLICATES_KEPT:
            result.already_open.append((line, open_id))

    # -- The end -----------------------------------------------------------------------------

    def finish(self) -> None:
        """The young people waiting, the indexes, the references filled in, the audit trail
        (in the order the set-based load writes it), care leavers and possible duplicates."""
        conn, result, before = self.conn, self.result, self.before
        if self.pending:
            self.make_room("young_people", self.pending)
            cols, values = self.person_sql
            stored = [v.format(*("id", *PERSON_COLUMNS)) for v in values]
            conn.execute(_text(
                f"INSERT INTO young_people ({', '.join(cols)}) SELECT {', '.join(stored)} "
                f"FROM {PENDING} ORDER BY id"))
        for table in list(self.dropped):
            self.restore_indexes(table)
        result.new_people = self.next_person - before - 1
        result.linked_existing = self.linked_held.count(1)
        result.unchanged = result.rows - result.added - result.already_open_count
        if self.fills:
            # Fill in a council reference we did not have before.
            audit.record(conn, [("young_people", str(pid), "update", ("reference", "updated_at"))
                                for pid in sorted(self.fills)])
            conn.execute(_text(
                "UPDATE young_people SET reference = :reference, updated_at = :now "
                "WHERE id = :id AND reference IS NULL"),
                [{"id": pid, "reference": ref, "now": self.now}
                 for pid, ref in sorted(self.fills.items())])
        person_cols = tuple(c for c in PERSON_COLUMNS if c != "reference")
        if result.new_people:
            audit.record_bulk(conn, "young_people", (before + 1, None), "insert",
                              ("reference", *person_cols, "legal_status", "created_at",
                               "updated_at"))
        if self.care:
            record_care_leavers(conn, result, sorted(
                ((pid, line, on) for pid, (line, on) in self.care.items()),
                key=lambda c: c[1]))
        if result.added:
            audit.record_bulk(conn, "referrals", (self.ref_before + 1, None), "insert",
                              ("young_person_id", "status", *REFERRAL_INSERT, "created_at",
                               "updated_at"))
        if result.new_people:
            possible_duplicates(conn, result, before, lambda ids: {
                i: self.first_line[i - before - 1] for i in ids})
        if self.pending:
            dialect.drop_stage(conn, PENDING)


def _text(sql: str) -> Any:
    from sqlalchemy import text

    return text(sql)


def ingest(conn: Connection, rows: Iterable[tuple], *, collect: bool = False,
           problems: Problems | None = None, batch: int = 5_000) -> IngestResult:
    """``intake.ingest`` on SQLite, in one pass (see the module's docstring), ``batch`` rows at
    a time."""
    dialect.bulk_load_begin(conn)
    load = _Load(conn, db_now(), collect, batch)
    result = load.result
    rows = iter(rows)
    # The rows and tuples a batch makes hold no cycles: the collector's passes over them,
    # thousands of times in a big file, would find nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        while chunk := list(islice(rows, batch)):
            result.rows += len(chunk)
            load.batch(chunk)
            del chunk  # before the next is read: one batch in memory at a time
    finally:
        if collecting:
            gc.enable()
    if load.conflicts:
        conflicts = Problems() if problems is None else problems
        for problem in load.conflicts:
            conflicts.add([problem])
        if problems is None:
            raise InvalidInput(f"{conflicts.bad_rows} referral(s) not valid; nothing was added",
                               details=[str(p) for p in conflicts.kept])
        return IngestResult(rows=result.rows)
    if problems:
        return result  # refused by the caller: nothing more to work out
    load.finish()
    return result
