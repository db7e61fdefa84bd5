"""Volunteer intake: one volunteer (``volunteer add``) or a spreadsheet of the pool, written
with SQL on the command's Core connection (``db.writer``), so ``volunteer import`` starts
without the ORM or the models.

A volunteer is the same volunteer when they have the same reference, or else the same normalised
name and date of birth (when at most one of the two has a reference). Statuses follow the
recorded steps (``pipeline_status``); a panel date with every check current is an approval on
that date. The rest of the volunteer's life is in ``enrolment``, ``approval``, ``status`` and
``records``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from ivcli import dialect
from ivcli import stored_settings as settings_service
from ivcli.db import now as db_now
from ivcli.enums import CheckStep, VolunteerStatus
from ivcli.importing.problems import Problems
from ivcli.parsing import split_list
from ivcli.safety import audit
from ivcli.vocab import split_tags
from ivcli.volunteers import compliance, vetting
from ivcli.volunteers.compliance import CheckState
from ivcli.volunteers.rows import (
    FIELDS,
    REQUIRED,
    SYNONYMS,
    CheckRow,
    VolunteerRow,
    validate,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ivcli.importing.mapping import HeaderChoice

HAND_SET = (VolunteerStatus.approved.value, VolunteerStatus.on_hold.value,
            VolunteerStatus.withdrawn.value, VolunteerStatus.left.value,
            VolunteerStatus.not_approved.value)  # the last: a decision (``status``) set it


def pipeline_status(states: Iterable[CheckState]) -> str:
    """The status the recorded steps give a volunteer who is not approved, on hold or gone."""
    states = list(states)
    before_panel = [s for s in states if s.step != CheckStep.panel.value]
    if all(s.status in ("current", "lapsing") for s in before_panel):
        return VolunteerStatus.ready_for_panel.value
    if any(s.date is not None for s in states if s.step != CheckStep.application.value):
        return VolunteerStatus.in_checks.value
    return VolunteerStatus.applicant.value


# ---------------------------------------------------------------------------------------------
# Intake


def _seed_profile(row: VolunteerRow) -> str | None:
    from ivcli.matching.profiles import normalise_languages

    seed: dict[str, list[str]] = {}
    tags = split_tags(row.interests)
    if tags:
        seed["interests"] = tags
    if row.languages:
        langs = normalise_languages(split_list(row.languages))
        if langs:
            seed["languages"] = langs
    if not seed:
        return None
    import json

    return json.dumps(seed, ensure_ascii=False)


@dataclass
class Identities:
    """Who is already held, for linking rows to existing volunteers."""

    by_ref: dict[str, int]
    by_name: dict[tuple[str, str], tuple[int, str | None]]

    @classmethod
    def load(cls, conn: Connection) -> Identities:
        from sqlalchemy import text

        by_ref: dict[str, int] = {}
        by_name: dict[tuple[str, str], tuple[int, str | None]] = {}
        for vid, ref, key, dob in conn.execute(text(
            "SELECT id, reference, name_key, date_of_birth FROM volunteers ORDER BY id"
        )):
            if ref is not None:
                by_ref[ref] = vid
            by_name.setdefault((key, str(dob)), (vid, ref))
        return cls(by_ref, by_name)

    def find(self, row: VolunteerRow) -> tuple[int | None, bool]:
        """(existing id or None, whether the existing record lacks this row's reference)."""
        if row.reference and row.reference in self.by_ref:
            return self.by_ref[row.reference], False
        hit = self.by_name.get((row.name_key, row.date_of_birth.isoformat()))
        if hit is not None:
            vid, ref = hit
            if ref is None or row.reference is None:
                return vid, bool(row.reference and ref is None)
        return None, False

    def replace(self, old: int, vid: int, row: VolunteerRow) -> None:
        """The volunteer remembered as ``old`` (from ``row``) is ``vid``."""
        if row.reference and self.by_ref.get(row.reference) == old:
            self.by_ref[row.reference] = vid
        key = (row.name_key, row.date_of_birth.isoformat())
        hit = self.by_name.get(key)
        if hit is not None and hit[0] == old:
            self.by_name[key] = (vid, hit[1])

    def remember(self, vid: int, row: VolunteerRow) -> None:
        if row.reference:
            self.by_ref[row.reference] = vid
        self.by_name.setdefault((row.name_key, row.date_of_birth.isoformat()),
                                (vid, row.reference))


_PERSON_COLS = ("reference", "first_name", "last_name", "name_key", "date_of_birth", "gender",
                "email", "phone", "area", "languages", "interests", "coordinator", "ethnicity",
                "faith", "disability", "notes")


_INSERT_VOLUNTEER = (
    f"INSERT INTO volunteers ({', '.join(_PERSON_COLS)}, status, profile, created_at, "
    f"updated_at) VALUES ({', '.join(':' + c for c in _PERSON_COLS)}, :status, :profile, "
    ":created_at, :updated_at)"
)


class NewVolunteers:
    """The volunteers an intake adds, written in batches. Until its batch is written a new
    volunteer has a provisional id (negative); ``resolve`` gives the real one afterwards.

    After a batch is inserted, each row's id is read back by what tells volunteers apart
    (reference, name and date of birth: two new rows never share all three, or they would
    have been linked), among the rows above the highest id before it."""

    def __init__(self, conn: Connection, ids: Identities, now: str) -> None:
        self.conn, self.ids, self.now = conn, ids, now
        self.pending: dict[int, VolunteerRow] = {}
        self.real: dict[int, int] = {}  # provisional id -> id
        self.added: set[int] = set()  # the real ids of the volunteers added
        self.high = _max_id(conn, "volunteers")

    def add(self, row: VolunteerRow) -> int:
        vid = -(len(self.real) + len(self.pending) + 1)
        self.pending[vid] = row
        return vid

    def fill_reference(self, vid: int, reference: str | None) -> bool:
        """Give a volunteer not yet written the reference a later row has; False when the
        volunteer is already in the database."""
        row = self.pending.get(vid)
        if row is None:
            return False
        row.reference = reference
        return True

    def is_new(self, vid: int) -> bool:
        return vid < 0 or vid in self.added

    def resolve(self, vid: int) -> int:
        return self.real.get(vid, vid)

    def write(self) -> None:
        from sqlalchemy import text

        if not self.pending:
            return
        values = []
        for row in self.pending.values():
            v: dict[str, Any] = {c: getattr(row, c) for c in _PERSON_COLS}
            v["date_of_birth"] = row.date_of_birth.isoformat()
            v.update(status=VolunteerStatus.applicant.value, profile=_seed_profile(row),
                     created_at=self.now, updated_at=self.now)
            values.append(v)
        dialect.insert_rows(self.conn, "volunteers", values, text(_INSERT_VOLUNTEER))
        written = {(ref, key, str(dob)): int(vid) for vid, ref, key, dob in self.conn.execute(
            text("SELECT id, reference, name_key, date_of_birth FROM volunteers "
                 "WHERE id > :high"), {"high": self.high})}
        for prov, row in self.pending.items():
            vid = written[(row.reference, row.name_key, row.date_of_birth.isoformat())]
            self.real[prov] = vid
            self.added.add(vid)
            self.ids.replace(prov, vid, row)
        self.high = max(written.values())
        self.pending.clear()


_INSERT_CHECK = (
    "INSERT INTO volunteer_checks (volunteer_id, step, date, number, level, outcome, "
    "update_service, created_at) VALUES (:volunteer_id, :step, :date, :number, :level, "
    ":outcome, :update_service, :created_at) ON CONFLICT DO NOTHING"
)


_INSERT_TRAINING = (
    "INSERT INTO volunteer_trainings (volunteer_id, course, date, created_at) VALUES "
    "(:volunteer_id, :course, :date, :created_at) ON CONFLICT DO NOTHING"
)

CHECK_BATCH = 5_000


def _check_values(vid: int, c: CheckRow, now: str) -> dict[str, Any]:
    return {"volunteer_id": vid, "step": c.step, "date": c.date.isoformat(), "number": c.number,
            "level": c.level, "outcome": c.outcome, "update_service": c.update_service,
            "created_at": now}


def _write_checks(conn: Connection, batch: list[dict[str, Any]], existing: set[int]) -> int:
    """Insert the check records of ``batch`` not already held; return how many were added.
    Those of volunteers held before are compared with theirs first, so an import that brings
    nothing new writes nothing (a repeat within the file is ignored by the unique index)."""
    from sqlalchemy import bindparam, text

    olds = sorted({c["volunteer_id"] for c in batch} & existing)
    if olds:
        held = {tuple(r) for r in conn.execute(text(
            "SELECT volunteer_id, step, date, coalesce(number, '') FROM volunteer_checks "
            "WHERE volunteer_id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": olds})}
        batch = [c for c in batch
                 if (c["volunteer_id"], c["step"], c["date"], c["number"] or "") not in held]
    if not batch:
        return 0
    return dialect.insert_rows(conn, "volunteer_checks", batch, text(_INSERT_CHECK),
                               ignore_conflicts=True)


def _write_trainings(conn: Connection, batch: list[dict[str, Any]], existing: set[int]) -> int:
    """Insert the training courses of ``batch`` not already held (as ``_write_checks``)."""
    from sqlalchemy import bindparam, text

    olds = sorted({c["volunteer_id"] for c in batch} & existing)
    if olds:
        held = {tuple(r) for r in conn.execute(text(
            "SELECT volunteer_id, course, date FROM volunteer_trainings "
            "WHERE volunteer_id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": olds})}
        batch = [c for c in batch if (c["volunteer_id"], c["course"], c["date"]) not in held]
    if not batch:
        return 0
    return dialect.insert_rows(conn, "volunteer_trainings", batch, text(_INSERT_TRAINING),
                               ignore_conflicts=True)


def _max_id(conn: Connection, table: str) -> int:
    from sqlalchemy import text

    return int(conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one())


@dataclass
class ImportResult:
    rows: int = 0
    ids: list[int] = field(default_factory=list)  # the volunteer of each row, in order
    new_volunteers: int = 0
    existing: int = 0
    checks_added: int = 0
    approved: list[int] = field(default_factory=list)
    panel_not_approved: list[int] = field(default_factory=list)
    blank_rows: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    # Lines whose ethnicity the mapping did not know (kept as given: docs/ethnicity.md).
    ethnicity_not_mapped: list[int] = field(default_factory=list)


def ingest(conn: Connection, rows: Iterable[VolunteerRow], today: date) -> ImportResult:
    """Link or add each clean row's volunteer and add the check records not already held."""
    from sqlalchemy import text

    ids = Identities.load(conn)
    now = db_now()
    first_ids = {t: _max_id(conn, t) + 1
                 for t in ("volunteers", "volunteer_checks", "volunteer_trainings")}
    new = NewVolunteers(conn, ids, now)
    result = ImportResult()
    touched: dict[int, VolunteerRow] = {}  # by id, provisional for some (``new.resolve``)
    existing: set[int] = set()
    checks: list[tuple[int, CheckRow]] = []  # check records, written in batches
    courses: list[tuple[int, str, date]] = []  # training courses, likewise

    def write_checks() -> None:
        new.write()  # the volunteers first: their checks need their ids
        result.checks_added += _write_checks(
            conn, [_check_values(new.resolve(vid), c, now) for vid, c in checks], existing)
        result.checks_added += _write_trainings(conn, [
            {"volunteer_id": new.resolve(vid), "course": course, "date": on.isoformat(),
             "created_at": now} for vid, course, on in courses], existing)
        checks.clear()
        courses.clear()

    for row in rows:
        result.rows += 1
        vid, fill_ref = ids.find(row)
        if vid is None:
            vid = new.add(row)
            result.new_volunteers += 1
        elif vid not in touched and not new.is_new(vid):
            existing.add(vid)
        if fill_ref and not new.fill_reference(vid, row.reference):
            conn.execute(text("UPDATE volunteers SET reference = :ref, updated_at = :now "
                              "WHERE id = :id"), {"ref": row.reference, "now": now, "id": vid})
            audit.record(conn, [("volunteers", str(vid), "update",
                                 ("reference", "updated_at"))])
        ids.remember(vid, row)
        result.ids.append(vid)
        checks.extend((vid, c) for c in row.checks)
        courses.extend((vid, course, on) for course, on in row.trainings)
        if len(checks) + len(courses) >= CHECK_BATCH:
            write_checks()
        touched[vid] = row
    write_checks()
    result.ids = [new.resolve(v) for v in result.ids]
    settled = {new.resolve(v): row for v, row in touched.items()}
    # The new rows are those above each table's highest id before: one range entry each.
    for table, first in first_ids.items():
        audit.record_bulk(conn, table, (first, None), "insert", ())
    result.existing = len(existing)
    _settle_statuses(conn, settled, today, now, result)
    return result


def _settle_statuses(conn: Connection, touched: dict[int, VolunteerRow], today: date,
                     now: str, result: ImportResult) -> None:
    """Statuses after an import: the steps decide, and a panel date with every check current
    today is an approval on the panel date. That approval is one made before ivcli held the
    volunteer: a required training course the sheet does not give does not stop it (it is then
    due, as for every approved volunteer: ``compliance``), one lapsed does. Set-based, so a
    large pool stays quick."""
    from sqlalchemy import bindparam, text

    if not touched:
        return
    rules = compliance.Rules.load(conn)
    few = len(touched) < 900
    checks, trainings = compliance.records_of(conn, list(touched))
    if few:
        stmt = text("SELECT id, status FROM volunteers WHERE id IN :ids").bindparams(
            bindparam("ids", expanding=True))
        found = conn.execute(stmt, {"ids": list(touched)})
    else:
        found = conn.execute(text("SELECT id, status FROM volunteers"))
    statuses = {int(vid): str(status) for vid, status in found}
    updates: list[dict[str, Any]] = []
    approvals: list[dict[str, Any]] = []
    settle: list[tuple[int, str, list[CheckState], date | None]] = []
    for vid, row in touched.items():
        status = statuses[vid]
        if status in HAND_SET:
            continue
        states = compliance.evaluate(checks.get(vid, []), today, rules, trainings.get(vid, []))
        panel = max((c.date for c in row.checks if c.step == "panel"), default=None)
        settle.append((vid, status, states, panel))
    # The decisions (``vetting``) of those the steps would approve: a few, read in full.
    vetted = vetting.vet(conn, [vid for vid, _, states, panel in settle
                                if panel is not None
                                and not compliance.problems(states, approved=True)],
                         today)
    for vid, status, states, panel in settle:
        if panel is not None and vid in vetted and not vetted[vid].problems:
            approvals.append({"on": panel.isoformat(), "now": now, "id": vid})
            result.approved.append(vid)
            continue
        if panel is not None:
            result.panel_not_approved.append(vid)
        new = pipeline_status(states)
        if new != status:
            updates.append({"status": new, "now": now, "id": vid})
    if updates:
        conn.execute(text("UPDATE volunteers SET status = :status, updated_at = :now "
                          "WHERE id = :id"), updates)
    if approvals:
        conn.execute(text(
            "UPDATE volunteers SET status = 'approved', approved_date = :on, status_date = :on, "
            "updated_at = :now WHERE id = :id"), approvals)
    # Each volunteer whose status changed, by id (the safety net would only say "volunteers").
    audit.record(conn, [
        *(("volunteers", str(u["id"]), "update", ("status", "updated_at")) for u in updates),
        *(("volunteers", str(a["id"]), "update",
           ("approved_date", "status", "status_date", "updated_at")) for a in approvals),
    ])


def _noting_unmapped(rows: Iterable[VolunteerRow], lines: list[int]
                     ) -> Iterator[VolunteerRow]:
    from ivcli.ethnicity import not_mapped

    for row in rows:
        if not_mapped(row.ethnicity):
            lines.append(row.line)
        yield row


def import_csv(
    conn: Connection,
    path: Path,
    *,
    today: date,
    maps: Iterable[str] = (),
    encoding: str = "utf-8",
    progress: Callable[[BinaryIO], BinaryIO] | None = None,
    mapping: HeaderChoice | None = None,
    sheet: str | None = None,
) -> ImportResult:
    """Import a volunteers CSV all or nothing. Raises ``ImportFailed`` listing every bad line."""
    from ivcli.importing.csvfile import by_field, open_csv

    min_age = settings_service.get_int(conn, "volunteer.min_age")
    problems = Problems()
    source, close = open_csv(
        path, fields=FIELDS, synonyms=SYNONYMS, required=REQUIRED, problems=problems,
        maps=list(maps), encoding=encoding, progress=progress, mapping=mapping, sheet=sheet,
    )
    record = by_field(source.columns.index, FIELDS)
    try:
        clean = problems.valid(
            source.rows, lambda line, cells: validate(record(cells), line, today, min_age))
        # Rows are written as they stream; any problem raises below and the command's
        # transaction rolls everything back.
        unmapped: list[int] = []
        result = ingest(conn, _noting_unmapped(clean, unmapped), today)
        result.ethnicity_not_mapped = unmapped
    finally:
        close()
    problems.raise_if_any(path, source.columns.unknown)
    result.blank_rows = problems.blank_rows
    result.unknown_columns = source.columns.unknown
    return result
