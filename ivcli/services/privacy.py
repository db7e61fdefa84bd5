"""Data-protection duties: subject access export, erasure and retention.

Tables are found by their columns (``young_person_id``, ``volunteer_id``, ``match_id``), so
records other parts of ivcli add are covered without changes here. Erasure keeps every row (so
past reports still add up) and removes what identifies a person: names, references, contact
details, free-text notes and profiles, and the free text (activities, notes, concerns) of the
records of the person's matches; a date of birth is coarsened to the first of its month or year
so age bands still count. A person in an open match is not erased (nor anonymised by retention).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from ivcli.db import dbapi
from ivcli.enums import MatchStatus
from ivcli.errors import InvalidInput, NotFound, Refused
from ivcli.parsing import add_years, age_on
from ivcli.services import audit
from ivcli.services import settings as settings_service

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

ERASED = "erased"
KINDS = {"young_person": "young_people", "volunteer": "volunteers"}
LINK_COLUMN = {"young_person": "young_person_id", "volunteer": "volunteer_id"}
# Columns that identify a person or hold free text about them, wherever they occur.
PERSONAL = frozenset({
    "first_name", "last_name", "reference", "email", "phone", "address", "postcode", "profile",
    "notes", "note", "text", "close_note", "decision_reason", "status_reason", "referrer_name",
    "referrer_email", "interests", "languages", "number", "description", "comment", "comments",
    "summary", "details", "activity",
})
NAME_KEYS = ("name_key", "first_key", "last_key")
OPEN_REFERRAL = ("received", "accepted", "matched")
GONE_VOLUNTEER = ("withdrawn", "left")


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str, bool]]:
    """(name, declared type, not null) of each column."""
    return [(r[1], (r[2] or "").upper(), bool(r[3]))
            for r in conn.execute(f"PRAGMA table_info({table})")]


def _tables_with(conn: sqlite3.Connection, column: str) -> list[str]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT IN ('audit_log', 'schema_migrations') ORDER BY name")]
    return [t for t in names if any(c[0] == column for c in _columns(conn, t))]


def _rows(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> list[dict[str, object]]:
    cur = conn.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur]


def _get_person(conn: sqlite3.Connection, kind: str, person_id: int) -> dict[str, object]:
    table = KINDS[kind]
    rows = _rows(conn, f"SELECT * FROM {table} WHERE id = ?", (person_id,))
    if not rows:
        what = kind.replace("_", " ")
        raise NotFound(f"there is no {what} {person_id}")
    return rows[0]


def _related(conn: sqlite3.Connection, kind: str, person_id: int, *, via_matches: bool = False
             ) -> dict[str, list[int]]:
    """Ids of the rows held about one person, by table (the person's own row included). A young
    person's include the rows of their matches (visits, reviews, concerns, ...); a volunteer's
    only with ``via_matches`` (erasure: a name may have been typed in them)."""
    out: dict[str, list[int]] = {KINDS[kind]: [person_id]}
    for table in _tables_with(conn, LINK_COLUMN[kind]):
        out[table] = [r[0] for r in conn.execute(
            f"SELECT id FROM {table} WHERE {LINK_COLUMN[kind]} = ? ORDER BY id", (person_id,))]
    match_ids = out.get("matches", [])
    if (kind == "young_person" or via_matches) and match_ids:
        marks = ", ".join("?" for _ in match_ids)
        for table in _tables_with(conn, "match_id"):
            out[table] = [r[0] for r in conn.execute(
                f"SELECT id FROM {table} WHERE match_id IN ({marks}) ORDER BY id", match_ids)]
    return {t: ids for t, ids in out.items() if ids}


# ---------------------------------------------------------------------------------------------
# Subject access


def subject_export(session: Session, kind: str, person_id: int) -> dict[str, object]:
    """Everything held about one person, as JSON-ready data, with the audit entries for it."""
    conn = dbapi(session)
    _get_person(conn, kind, person_id)
    related = _related(conn, kind, person_id)
    records: dict[str, list[dict[str, object]]] = {}
    entries: dict[int, dict[str, object]] = {}  # by entry id: one range entry covers many ids
    for table, ids in related.items():
        marks = ", ".join("?" for _ in ids)
        rows = _rows(conn, f"SELECT * FROM {table} WHERE id IN ({marks}) ORDER BY id", tuple(ids))
        if kind == "volunteer" and table not in ("volunteers", "volunteer_checks"):
            # Records shared with a young person: the volunteer's part only, no notes about
            # the child (third-party data).
            rows = [{k: v for k, v in r.items() if k not in PERSONAL} for r in rows]
        records[table] = rows
        for r in ids:
            entries.update((int(str(e["id"])), e) for e in audit.entries(session, table, str(r)))
    return {
        "subject": {"kind": kind, "id": person_id},
        "exported_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "records": records,
        "audit": [entries[k] for k in sorted(entries)],
        "notes": [
            "Every record ivcli holds about this person, by table.",
            "The audit entries say when which command changed which fields; they hold no values.",
        ] + (["Records shared with a young person omit notes about the young person."]
             if kind == "volunteer" else []),
    }


# ---------------------------------------------------------------------------------------------
# Erasure


@dataclass
class Erased:
    kind: str
    person_id: int
    records: dict[str, int]  # table -> rows changed


def coarsen(dob: date, to: str) -> date:
    return date(dob.year, 1, 1) if to == "year" else date(dob.year, dob.month, 1)


def is_erased(row: dict[str, object]) -> bool:
    return row.get("first_name") == ERASED and row.get("name_key") == ""


def _scrub_rows(session: Session, table: str, ids: list[int], own: bool, dob_to: str) -> int:
    """Clear the personal columns of ``ids`` in ``table``; ``own`` is the person's own row."""
    conn = dbapi(session)
    sets: list[str] = []
    params: list[object] = []
    fields: list[str] = []
    for name, kind, not_null in _columns(conn, table):
        if name in PERSONAL and ("TEXT" in kind or kind == ""):
            if not_null:
                sets.append(f"{name} = ?")
                params.append(ERASED)
            else:
                sets.append(f"{name} = NULL")
            fields.append(name)
        elif own and name in NAME_KEYS:
            sets.append(f"{name} = ''")
            fields.append(name)
        elif own and name == "date_of_birth":
            fmt = "%Y-01-01" if dob_to == "year" else "%Y-%m-01"
            sets.append(f"{name} = strftime('{fmt}', {name})")
            fields.append(name)
        elif name == "updated_at":
            sets.append("updated_at = ?")
            params.append(datetime.now(UTC).replace(microsecond=0, tzinfo=None)
                          .isoformat(sep=" "))
            fields.append(name)
    if not sets or not ids:
        return 0
    marks = ", ".join("?" for _ in ids)
    where = f"id IN ({marks})"
    audit.record_bulk(session, table, f"SELECT id FROM {table} WHERE {where}", "update", fields,
                      params=tuple(ids))
    cur = conn.execute(f"UPDATE {table} SET {', '.join(sets)} WHERE {where}", (*params, *ids))
    return cur.rowcount


def open_matches(conn: sqlite3.Connection, kind: str, person_id: int) -> list[tuple[int, str]]:
    """(id, status) of the person's open matches (proposed, accepted, active or paused)."""
    marks = ", ".join("?" for _ in MatchStatus.open())
    return [(int(r[0]), str(r[1])) for r in conn.execute(
        f"SELECT id, status FROM matches WHERE {LINK_COLUMN[kind]} = ? AND status IN ({marks}) "
        "ORDER BY id", (person_id, *MatchStatus.open()))]


def close_first(match_id: int, status: str) -> str:
    """How to close an open match before its people are erased."""
    if status in ("proposed", "accepted"):
        return f"decline it first with 'ivcli match decline {match_id} --reason ...'"
    return f"end it first with 'ivcli match end {match_id} --reason ...'"


def check_erasable(session: Session, kind: str, person_id: int) -> None:
    """Raise unless the person exists, is not yet erased and is in no open match (erasing them
    would leave a match running between anonymous people)."""
    conn = dbapi(session)
    what = f"{kind.replace('_', ' ')} {person_id}"
    if is_erased(_get_person(conn, kind, person_id)):
        raise InvalidInput(f"{what} was already erased")
    held = open_matches(conn, kind, person_id)
    if held:
        raise Refused(f"{what} is in {describe_open(held)}; nothing was erased",
                      hint=close_first(*held[0]))


def describe_open(held: list[tuple[int, str]]) -> str:
    listed = ", ".join(f"{m} ({status})" for m, status in held)
    return f"open match{'es' if len(held) > 1 else ''} {listed}"


def erase(session: Session, kind: str, person_id: int) -> Erased:
    """Remove one person's personal data, keeping every row so counts still add up. The
    caller's transaction must be a write; ``PRAGMA secure_delete`` zeroes the old content.
    Refused for a person in an open match (``check_erasable``)."""
    conn = dbapi(session)
    check_erasable(session, kind, person_id)
    conn.execute("PRAGMA secure_delete = ON")
    dob_to = dob_precision(session)
    # The rows that name the person, and the free text of their matches' visits, reviews and
    # concerns (a volunteer's too: either name may have been typed there). Dates, lengths,
    # costs and statuses stay for the reports.
    related = _related(conn, kind, person_id, via_matches=True)
    changed: dict[str, int] = {}
    for table, ids in related.items():
        own = table == KINDS[kind]
        n = _scrub_rows(session, table, ids, own, dob_to)
        if n:
            changed[table] = n
    return Erased(kind, person_id, changed)


def dob_precision(session: Session) -> str:
    value = str(settings_service.get(session, "privacy.erase_dob_to")).strip().lower()
    if value not in ("month", "year"):
        raise InvalidInput("the setting privacy.erase_dob_to must be month or year",
                           hint="ivcli settings set privacy.erase_dob_to month")
    return value


# ---------------------------------------------------------------------------------------------
# Retention


@dataclass
class Due:
    kind: str
    id: int
    due_since: date
    reason: str

    def as_row(self) -> dict[str, object]:
        return {"kind": self.kind, "id": self.id, "due_since": self.due_since,
                "reason": self.reason}


def _as_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    return date.fromisoformat(str(value)[:10])


def retention_due(session: Session, as_of: date) -> list[Due]:
    """Records past their retention period and not yet anonymised, that can be anonymised."""
    return retention_review(session, as_of)[0]


def retention_review(session: Session, as_of: date) -> tuple[list[Due], list[Due]]:
    """Records past their retention period and not yet anonymised: those that can be, and
    those held back because the person is in an open match (which erasing would leave running
    between anonymous people); a held one's reason says which match and how to close it."""
    conn = dbapi(session)
    due, held = [], []
    for d in _past_retention(session, as_of):
        matches = open_matches(conn, d.kind, d.id)
        if not matches:
            due.append(d)
            continue
        held.append(Due(d.kind, d.id, d.due_since,
                        f"in {describe_open(matches)}; {close_first(*matches[0])}"))
    return due, held


def _past_retention(session: Session, as_of: date) -> list[Due]:
    conn = dbapi(session)
    until_age = settings_service.get_int(session, "retention.young_person_until_age")
    volunteer_years = settings_service.get_int(session, "retention.volunteer_years")
    out: list[Due] = []
    ref_open = ", ".join(f"'{s}'" for s in OPEN_REFERRAL)
    for yp_id, dob in conn.execute(
        "SELECT id, date_of_birth FROM young_people yp WHERE NOT (first_name = ? AND name_key = "
        f"'') AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.young_person_id = yp.id AND "
        f"r.status IN ({ref_open})) ORDER BY id", (ERASED,)
    ):
        birth = _as_date(dob)
        if birth is None:
            continue
        since = add_years(birth, until_age)
        if age_on(birth, as_of) >= until_age:
            out.append(Due("young_person", yp_id, since,
                           f"aged {until_age} or over and no open referral or match "
                           "(setting retention.young_person_until_age)"))
    gone = ", ".join(f"'{s}'" for s in GONE_VOLUNTEER)
    for v_id, updated, last_end in conn.execute(
        "SELECT v.id, v.updated_at, (SELECT max(coalesce(m.end_date, m.updated_at)) FROM matches "
        "m WHERE m.volunteer_id = v.id) FROM volunteers v WHERE NOT (first_name = ? AND "
        f"name_key = '') AND v.status IN ({gone}) ORDER BY v.id", (ERASED,)
    ):
        ended = max(d for d in (_as_date(updated), _as_date(last_end)) if d is not None)
        since = add_years(ended, volunteer_years)
        if since <= as_of:
            out.append(Due("volunteer", v_id, since,
                           f"left or withdrew; involvement ended {ended.isoformat()}, over "
                           f"{volunteer_years} years ago (setting retention.volunteer_years)"))
    return out


def apply_retention(session: Session, due: list[Due]) -> list[Erased]:
    return [erase(session, d.kind, d.id) for d in due]
