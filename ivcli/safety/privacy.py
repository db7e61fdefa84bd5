"""Data-protection duties: subject access export, erasure and retention.

Tables are found by their columns (``young_person_id``, ``volunteer_id``, ``match_id``, and
``visit_id`` for the rows of a visit such as its cost lines), so records other parts of ivcli
add are covered without changes here. Erasure keeps every row (so
past reports still add up) and removes what identifies a person: names, references, contact
details, free-text notes and profiles, and the free text (activities, notes, concerns) of the
records of the person's matches; a date of birth is coarsened to the first of its month or year
so age bands still count. A person in an open match is not erased (nor anonymised by retention).

Everything runs on the command's Core Connection with named parameters. Finding tables and
columns and zeroing what is overwritten are ``ivcli.dialect``'s (``table_names``,
``table_columns``, ``zero_deleted_content``); ``db.scrub`` then rebuilds the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, text

from ivcli import dialect
from ivcli import stored_settings as settings_service
from ivcli.db import now
from ivcli.enums import MatchStatus, ReferralStatus
from ivcli.errors import InvalidInput, NotFound, Refused
from ivcli.parsing import add_years, age_on
from ivcli.safety import audit
from ivcli.specs import SPECS

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

ERASED = "erased"
KINDS = {"young_person": "young_people", "volunteer": "volunteers"}
LINK_COLUMN = {"young_person": "young_person_id", "volunteer": "volunteer_id"}
# Columns that identify a person or hold free text about them, wherever they occur: those the
# record specs mark to blank (ivcli/specs.py), and the free text of the records without a spec
# (a concern's text and close note) or that a later table may add.
WITHOUT_SPEC = frozenset({
    "text", "close_note", "address", "postcode", "description", "comment", "comments",
    "summary", "details",
})
PERSONAL = frozenset(
    {c for spec in SPECS for f in spec.fields
     if f.erase in ("blank", "erased_marker") and (c := f.stored)} | WITHOUT_SPEC
)
# On the person's own row: matching keys emptied, the date of birth coarsened.
NAME_KEYS = tuple(dict.fromkeys(f.name for spec in SPECS for f in spec.fields
                                if f.erase == "empty"))
COARSENED = frozenset(f.name for spec in SPECS for f in spec.fields if f.erase == "coarsen")
# Records that belong to a person through another record: who was told about their concerns.
CHILD_LINKS = {"concerns": "concern_id"}
# A volunteer's own records, exported whole (others are shared with a young person).
VOLUNTEER_OWN = ("volunteers", "volunteer_checks", "volunteer_declarations",
                 "volunteer_supervisions", "volunteer_trainings")
OPEN_REFERRAL = ReferralStatus.open()
GONE_VOLUNTEER = ("withdrawn", "left")


def _columns(conn: Connection, table: str) -> list[dialect.Column]:
    """(name, declared type, not null) of each column."""
    return dialect.table_columns(conn, table)


def _tables_with(conn: Connection, column: str) -> list[str]:
    names = [t for t in dialect.table_names(conn) if t not in ("audit_log", "schema_migrations")]
    return [t for t in names if any(c.name == column for c in _columns(conn, t))]


def _rows(conn: Connection, sql: str, params: dict[str, Any] | None = None
          ) -> list[dict[str, object]]:
    return [dict(r._mapping) for r in conn.execute(_sql(sql), params or {})]


def _sql(sql: str) -> Any:
    """``text(sql)``, with ``:ids`` (a list) expanded to ``IN (...)`` when it has one."""
    query = text(sql)
    return query.bindparams(bindparam("ids", expanding=True)) if ":ids" in sql else query


def _get_person(conn: Connection, kind: str, person_id: int) -> dict[str, object]:
    table = KINDS[kind]
    rows = _rows(conn, f"SELECT * FROM {table} WHERE id = :id", {"id": person_id})
    if not rows:
        what = kind.replace("_", " ")
        raise NotFound(f"there is no {what} {person_id}")
    return rows[0]


def _related(conn: Connection, kind: str, person_id: int, *, via_matches: bool = False
             ) -> dict[str, list[int]]:
    """Ids of the rows held about one person, by table (the person's own row included). A young
    person's include the rows of their matches (visits, reviews, concerns, ...); a volunteer's
    only with ``via_matches`` (erasure: a name may have been typed in them)."""
    out: dict[str, list[int]] = {KINDS[kind]: [person_id]}
    for table in _tables_with(conn, LINK_COLUMN[kind]):
        out[table] = [r[0] for r in conn.execute(text(
            f"SELECT id FROM {table} WHERE {LINK_COLUMN[kind]} = :id ORDER BY id"),
            {"id": person_id})]
    match_ids = out.get("matches", [])
    if (kind == "young_person" or via_matches) and match_ids:
        for table in _tables_with(conn, "match_id"):
            found = [r[0] for r in conn.execute(_sql(
                f"SELECT id FROM {table} WHERE match_id IN :ids ORDER BY id"), {"ids": match_ids})]
            out[table] = sorted(set(out.get(table, [])) | set(found))
    for parent, column in CHILD_LINKS.items():
        if out.get(parent):
            for table in _tables_with(conn, column):
                out[table] = [r[0] for r in conn.execute(_sql(
                    f"SELECT id FROM {table} WHERE {column} IN :ids ORDER BY id"),
                    {"ids": out[parent]})]
    # The rows of those visits kept in tables of their own (a visit's cost lines).
    visit_ids = out.get("visits", [])
    if visit_ids:
        for table in _tables_with(conn, "visit_id"):
            if table not in out:
                out[table] = [r[0] for r in conn.execute(_sql(
                    f"SELECT id FROM {table} WHERE visit_id IN :ids ORDER BY id"),
                    {"ids": visit_ids})]
    return {t: ids for t, ids in out.items() if ids}


# ---------------------------------------------------------------------------------------------
# Subject access


def subject_export(conn: Connection, kind: str, person_id: int) -> dict[str, object]:
    """Everything held about one person, as JSON-ready data, with the audit entries for it."""
    _get_person(conn, kind, person_id)
    related = _related(conn, kind, person_id)
    records: dict[str, list[dict[str, object]]] = {}
    entries: dict[int, dict[str, object]] = {}  # by entry id: one range entry covers many ids
    for table, ids in related.items():
        rows = _rows(conn, f"SELECT * FROM {table} WHERE id IN :ids ORDER BY id", {"ids": ids})
        if kind == "volunteer" and table not in VOLUNTEER_OWN:
            # Records shared with a young person: the volunteer's part only, no notes about
            # the child (third-party data).
            rows = [{k: v for k, v in r.items() if k not in PERSONAL} for r in rows]
        records[table] = rows
        for r in ids:
            # Who acted (``by``) is a coordinator's name: not the subject's data, left out.
            entries.update((int(str(e["id"])), {k: v for k, v in e.items() if k != "by"})
                           for e in audit.entries(conn, table, str(r)))
    return {
        "subject": {"kind": kind, "id": person_id},
        "exported_at": now(),
        "records": records,
        "audit": [entries[k] for k in sorted(entries)],
        "notes": [
            "Every record ivcli holds about this person, by table.",
            "The audit entries say when which command changed which fields; they hold no values"
            " and leave out who acted (the staff's names).",
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


def _scrub_rows(conn: Connection, table: str, ids: list[int], own: bool, dob_to: str,
                dob: object = None) -> int:
    """Clear the personal columns of ``ids`` in ``table``; ``own`` is the person's own row
    (one id) and ``dob`` its date of birth as stored."""
    sets: list[str] = []
    params: dict[str, object] = {"ids": ids, "erased": ERASED}
    fields: list[str] = []
    for name, kind, not_null in _columns(conn, table):
        if name in PERSONAL and ("TEXT" in kind or kind == ""):
            sets.append(f"{name} = :erased" if not_null else f"{name} = NULL")
            fields.append(name)
        elif own and name in NAME_KEYS:
            sets.append(f"{name} = ''")
            fields.append(name)
        elif own and name in COARSENED:
            born = _as_date(dob)
            sets.append(f"{name} = :dob")
            params["dob"] = None if born is None else coarsen(born, dob_to).isoformat()
            fields.append(name)
        elif name == "updated_at":
            sets.append("updated_at = :now")
            params["now"] = now()
            fields.append(name)
    if not sets or not ids:
        return 0
    result = conn.execute(_sql(f"UPDATE {table} SET {', '.join(sets)} WHERE id IN :ids"),
                          params)
    audit.record(conn, [(table, str(i), "update", fields) for i in sorted(ids)])
    return int(result.rowcount)


def open_matches(conn: Connection, kind: str, person_id: int) -> list[tuple[int, str]]:
    """(id, status) of the person's open matches (proposed, accepted, active or paused)."""
    return [(int(r[0]), str(r[1])) for r in conn.execute(_sql(
        f"SELECT id, status FROM matches WHERE {LINK_COLUMN[kind]} = :id AND status IN :ids "
        "ORDER BY id"), {"id": person_id, "ids": list(MatchStatus.open())})]


def close_first(match_id: int, status: str) -> str:
    """How to close an open match before its people are erased."""
    if status in ("proposed", "accepted"):
        return f"decline it first with 'ivcli match decline {match_id} --reason ...'"
    return f"end it first with 'ivcli match end {match_id} --reason ...'"


def check_erasable(conn: Connection, kind: str, person_id: int) -> None:
    """Raise unless the person exists, is not yet erased and is in no open match (erasing them
    would leave a match running between anonymous people)."""
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


def erase(conn: Connection, kind: str, person_id: int) -> Erased:
    """Remove one person's personal data, keeping every row so counts still add up. The
    caller's transaction must be a write; the old content is zeroed in the file
    (``dialect.zero_deleted_content``).
    Refused for a person in an open match (``check_erasable``)."""
    check_erasable(conn, kind, person_id)
    dialect.zero_deleted_content(conn)
    dob_to = dob_precision(conn)
    dob = _get_person(conn, kind, person_id).get("date_of_birth")
    # The rows that name the person, and the free text of their matches' visits, reviews and
    # concerns (a volunteer's too: either name may have been typed there). Dates, lengths,
    # costs and statuses stay for the reports.
    related = _related(conn, kind, person_id, via_matches=True)
    changed: dict[str, int] = {}
    for table, ids in related.items():
        own = table == KINDS[kind]
        n = _scrub_rows(conn, table, ids, own, dob_to, dob if own else None)
        if n:
            changed[table] = n
    return Erased(kind, person_id, changed)


def dob_precision(conn: Connection) -> str:
    value = str(settings_service.get(conn, "privacy.erase_dob_to")).strip().lower()
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


def retention_due(conn: Connection, as_of: date) -> list[Due]:
    """Records past their retention period and not yet anonymised, that can be anonymised."""
    return retention_review(conn, as_of)[0]


def retention_review(conn: Connection, as_of: date) -> tuple[list[Due], list[Due]]:
    """Records past their retention period and not yet anonymised: those that can be, and
    those held back because the person is in an open match (which erasing would leave running
    between anonymous people); a held one's reason says which match and how to close it."""
    due, held = [], []
    for d in _past_retention(conn, as_of):
        matches = open_matches(conn, d.kind, d.id)
        if matches:
            held.append(Due(d.kind, d.id, d.due_since,
                            f"in {describe_open(matches)}; {close_first(*matches[0])}"))
            continue
        kept = safeguarding_hold(conn, d.kind, d.id, as_of)
        if kept:
            held.append(Due(d.kind, d.id, d.due_since, kept))
            continue
        due.append(d)
    return due, held


def safeguarding_hold(conn: Connection, kind: str, person_id: int, as_of: date) -> str | None:
    """Why a person's records are kept past their ordinary retention period, or None: an
    allegation or safeguarding concern about them or one of their matches, or a match of theirs
    ended for safeguarding, keeps them ``retention.safeguarding_years`` after the latest (a
    volunteer at least until ``retention.safeguarding_until_age``). Names records by id."""
    from ivcli.enums import ConcernCategory, EndReason, sql_list

    link = LINK_COLUMN[kind]
    found: list[tuple[str, date]] = []
    for cid, category, on in conn.execute(text(
        "SELECT c.id, c.category, coalesce(c.closed_date, c.opened_date) FROM concerns c "
        f"WHERE c.category IN ({sql_list(ConcernCategory.safeguarding_kinds())}) AND "
        f"(c.{link} = :id OR c.match_id IN (SELECT m.id FROM matches m WHERE m.{link} = :id)) "
        "ORDER BY c.id"), {"id": person_id}):
        found.append((f"concern {cid} ({category})", date.fromisoformat(str(on)[:10])))
    for mid, ended in conn.execute(text(
        f"SELECT id, coalesce(end_date, proposed_date) FROM matches WHERE {link} = :id AND "
        "end_reason = :reason ORDER BY id"),
        {"id": person_id, "reason": EndReason.safeguarding.value}):
        found.append((f"match {mid} ended for safeguarding", date.fromisoformat(str(ended)[:10])))
    if not found:
        return None
    years = settings_service.get_int(conn, "retention.safeguarding_years")
    until = add_years(max(on for _, on in found), years)
    settings = "retention.safeguarding_years"
    if kind == "volunteer":
        born = _as_date(_get_person(conn, kind, person_id).get("date_of_birth"))
        if born is not None:
            until = max(until, add_years(born, settings_service.get_int(
                conn, "retention.safeguarding_until_age")))
            settings += ", retention.safeguarding_until_age"
    if until <= as_of:
        return None
    return (f"a safeguarding record is kept until {until.isoformat()} "
            f"({'; '.join(what for what, _ in found)}; settings {settings})")


def _past_retention(conn: Connection, as_of: date) -> list[Due]:
    until_age = settings_service.get_int(conn, "retention.young_person_until_age")
    volunteer_years = settings_service.get_int(conn, "retention.volunteer_years")
    out: list[Due] = []
    ref_open = ", ".join(f"'{s}'" for s in OPEN_REFERRAL)
    for yp_id, dob in conn.execute(text(
        "SELECT id, date_of_birth FROM young_people yp WHERE NOT (first_name = :erased AND "
        f"name_key = '') AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.young_person_id = "
        f"yp.id AND r.status IN ({ref_open})) ORDER BY id"), {"erased": ERASED}
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
    for v_id, updated, last_end in conn.execute(text(
        "SELECT v.id, v.updated_at, (SELECT max(coalesce(m.end_date, m.updated_at)) FROM matches "
        "m WHERE m.volunteer_id = v.id) FROM volunteers v WHERE NOT (first_name = :erased AND "
        f"name_key = '') AND v.status IN ({gone}) ORDER BY v.id"), {"erased": ERASED}
    ):
        ended = max(d for d in (_as_date(updated), _as_date(last_end)) if d is not None)
        since = add_years(ended, volunteer_years)
        if since <= as_of:
            out.append(Due("volunteer", v_id, since,
                           f"left or withdrew; involvement ended {ended.isoformat()}, over "
                           f"{volunteer_years} years ago (setting retention.volunteer_years)"))
    return out


def apply_retention(conn: Connection, due: list[Due]) -> list[Erased]:
    return [erase(conn, d.kind, d.id) for d in due]
