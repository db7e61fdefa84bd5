"""Concerns: a worry the coordinator must follow up, about a young person (on the waiting list
or matched), a volunteer, or a match (noticed on a visit, or reported between visits).

- A concern is about exactly one subject, has a category (``ConcernCategory``) and stays open,
  and on every ``ivcli today``, until it is closed with its outcome.
- ``concern action`` records who was told and when. A ``safeguarding`` concern must have
  someone told within ``concern.safeguarding_working_days`` working days of opening, an
  ``allegation`` the LADO within ``concern.allegation_working_days``: until then it is an
  escalation on ``ivcli today``, and it cannot be closed.
- An allegation about a volunteer puts them on hold and pauses their active matches at once
  (``volunteers.support.hold``), unless the coordinator says why not (``hold_note``).

Its text is kept only in the concerns table and shown only by ``concern list``: no report,
agenda or export prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import text

from ivcli import stored_settings as settings_service
from ivcli.enums import ConcernCategory, ConcernTold
from ivcli.errors import ConflictingOptions, InvalidInput, NotFound, Refused
from ivcli.periods import add_working_days

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Connection

    from ivcli.volunteers.support import Held

MAX_TEXT = 10_000
SUBJECTS = ("young_person", "volunteer", "match")
LIST_COLUMNS = ("id", "subject", "subject_id", "category", "visit_id", "opened", "days_open",
                "status", "escalation_due", "told", "closed_date", "text", "close_note")
# An escalated concern: for an allegation the LADO was told, for a safeguarding concern anyone.
ESCALATE_TO = {ConcernCategory.safeguarding.value: None,
               ConcernCategory.allegation.value: ConcernTold.lado.value}
_WORDS = {"young_person": "young person", "volunteer": "volunteer", "match": "match"}


def _table(name: str = "concerns") -> Table:
    from ivcli.matching.lifecycle import table_of
    from ivcli.models import Concern, ConcernAction

    return table_of(Concern if name == "concerns" else ConcernAction)


def _clean(value: str | None, what: str, flag: str, *, required: bool = True) -> str | None:
    value = (value or "").strip()
    if not value:
        if not required:
            return None
        raise InvalidInput(f"{what} is required", hint=f"give it with {flag}")
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"{flag} is longer than {MAX_TEXT} characters")
    return value


def escalation_days(conn: Connection) -> dict[str, int]:
    """Working days to escalate, by the categories that escalate (settings)."""
    return {ConcernCategory.safeguarding.value:
            settings_service.get_int(conn, "concern.safeguarding_working_days"),
            ConcernCategory.allegation.value:
            settings_service.get_int(conn, "concern.allegation_working_days")}


def escalation_due(days: dict[str, int], category: str, opened: date) -> date | None:
    """The day by which a concern of ``category`` opened on ``opened`` must be escalated
    (``days`` from ``escalation_days``), or None when its category does not escalate."""
    if category not in days:
        return None
    return add_working_days(opened, days[category])


def escalated(category: str, told: list[dict[str, object]]) -> bool:
    """Whether the people who had to be told were: always for a category that does not
    escalate."""
    if category not in ESCALATE_TO:
        return True
    needed = ESCALATE_TO[category]
    return any(needed is None or t["to"] == needed for t in told)


def _who_to_tell(category: str) -> str:
    return "the LADO" if ESCALATE_TO.get(category) == ConcernTold.lado.value else "someone"


@dataclass
class Opened:
    id: int
    subject: str
    subject_id: int
    held: Held | None


def _subject_exists(conn: Connection, subject: str, subject_id: int, on: date) -> None:
    if subject == "match":
        from ivcli.visits.log import get_match  # not at the top: `concern list` needs none

        match = get_match(conn, subject_id)
        if match.start_date is None or on < match.start_date:
            raise Refused(f"the concern's date is before match {subject_id} started; nothing "
                          "was recorded", hint="a concern before a match starts is about the "
                          "young person (--young-person) or the volunteer (--volunteer)")
        return
    table, hint = {"young_person": ("young_people", "'ivcli referral list'"),
                   "volunteer": ("volunteers", "'ivcli volunteer list'")}[subject]
    if conn.execute(text(f"SELECT 1 FROM {table} WHERE id = :id"),
                    {"id": subject_id}).first() is None:
        raise NotFound(f"there is no {_WORDS[subject]} {subject_id}", hint=f"{hint} shows them")


def open_concern(conn: Connection, subject: str, subject_id: int, on: date, body: str,
                 today: date, *, category: str = ConcernCategory.other.value,
                 no_hold_because: str | None = None) -> Opened:
    """Open a concern about one subject (``SUBJECTS``). An allegation about a volunteer holds
    them and pauses their active matches, unless ``no_hold_because``."""
    from ivcli.db import now
    from ivcli.matching.lifecycle import insert_row

    if subject not in SUBJECTS:
        raise InvalidInput(f"unknown subject; use one of {', '.join(SUBJECTS)}")
    categories = [c.value for c in ConcernCategory]
    if category not in categories:
        raise InvalidInput(f"unknown category; use one of {', '.join(categories)}")
    is_allegation = (category == ConcernCategory.allegation.value and subject == "volunteer")
    if no_hold_because is not None and not is_allegation:
        raise ConflictingOptions("--no-hold applies only to an allegation about a volunteer "
                                 "(--volunteer ID --category allegation)")
    if on > today:
        raise Refused("the concern's date is in the future; nothing was recorded")
    _subject_exists(conn, subject, subject_id, on)
    because = _clean(no_hold_because, "why the volunteer is not put on hold", "--because",
                     required=no_hold_because is not None)
    concern_id = insert_row(conn, _table(), {
        f"{subject}_id": subject_id, "category": category, "opened_date": on,
        "text": _clean(body, "the concern", "--summary"), "hold_note": because,
        "created_at": now()})
    held = None
    if is_allegation and because is None:
        from ivcli.volunteers.support import hold

        held = hold(conn, subject_id, f"allegation, concern {concern_id}", on, today,
                    tolerate_held=True)
    return Opened(concern_id, subject, subject_id, held)


def _get(conn: Connection, concern_id: int) -> tuple[str, date, str | None]:
    """(category, opened date, closed date) of a concern; NotFound names the id."""
    row = conn.execute(text("SELECT category, opened_date, closed_date FROM concerns "
                            "WHERE id = :id"), {"id": concern_id}).first()
    if row is None:
        raise NotFound(f"there is no concern {concern_id}",
                       hint="'ivcli concern list --all' shows their ids")
    return row.category, date.fromisoformat(row.opened_date), row.closed_date


def told(conn: Connection, concern_ids: list[int] | None = None, as_of: date | None = None
         ) -> dict[int, list[dict[str, object]]]:
    """Who was told about each concern and when (``{to, date}``, in date order)."""
    sql = "SELECT concern_id, told, date FROM concern_actions"
    where = []
    params: dict[str, object] = {}
    if concern_ids is not None:
        if not concern_ids:
            return {}
        where.append(f"concern_id IN ({', '.join(str(int(i)) for i in concern_ids)})")
    if as_of is not None:
        where.append("date <= :d")
        params["d"] = as_of.isoformat()
    out: dict[int, list[dict[str, object]]] = {}
    for cid, to, on in conn.execute(text(
            sql + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY date, id"),
            params):
        out.setdefault(int(cid), []).append({"to": to, "date": on})
    return out


def _check_date(concern_id: int, opened: date, on: date, today: date, what: str,
                result: str) -> None:
    if on > today:
        raise Refused(f"{what} is in the future; {result}")
    if on < opened:
        raise Refused(f"{what} is before concern {concern_id} was opened "
                      f"({opened.isoformat()}); {result}")


def action(conn: Connection, concern_id: int, to: str, on: date, note: str | None,
           today: date) -> bool:
    """Record that ``to`` was told on ``on``. Returns whether the concern is now escalated
    (always True for a category that does not escalate)."""
    from ivcli.db import now
    from ivcli.matching.lifecycle import insert_row

    category, opened, _ = _get(conn, concern_id)
    choices = [t.value for t in ConcernTold]
    if to not in choices:
        raise InvalidInput(f"unknown --told; use one of {', '.join(choices)}")
    _check_date(concern_id, opened, on, today, "the date", "nothing was recorded")
    insert_row(conn, _table("concern_actions"), {
        "concern_id": concern_id, "told": to, "date": on,
        "note": _clean(note, "a note", "--note", required=False), "created_at": now()})
    return escalated(category, told(conn, [concern_id]).get(concern_id, []))


def close(conn: Connection, concern_id: int, note: str, on: date, today: date) -> None:
    from ivcli.matching.lifecycle import update_changed

    category, opened, closed = _get(conn, concern_id)
    if closed is not None:
        raise Refused(f"concern {concern_id} was already closed on {closed}")
    _check_date(concern_id, opened, on, today, "the closing date", "the concern is still open")
    if not escalated(category, told(conn, [concern_id]).get(concern_id, [])):
        article = "an" if category == ConcernCategory.allegation.value else "a"
        raise Refused(f"concern {concern_id} is {article} {category} concern and "
                      f"{_who_to_tell(category)} must be told first; it is still open",
                      hint=f"record it with 'ivcli concern action {concern_id} --told ... "
                      "--date DATE'")
    update_changed(conn, "concerns", concern_id, {
        "close_note": _clean(note, "the outcome", "--outcome"), "closed_date": on})


_SUBJECT_SQL = ("CASE WHEN match_id IS NOT NULL THEN 'match' WHEN young_person_id IS NOT NULL "
                "THEN 'young_person' ELSE 'volunteer' END")
_SUBJECT_ID_SQL = "coalesce(match_id, young_person_id, volunteer_id)"


def list_concerns(conn: Connection, today: date, *, include_closed: bool = False
                  ) -> list[dict[str, object]]:
    """Concerns, oldest first: only the open ones unless ``include_closed``."""
    sql = (f"SELECT id, {_SUBJECT_SQL}, {_SUBJECT_ID_SQL}, category, visit_id, opened_date, "
           "closed_date, text, close_note FROM concerns"
           + ("" if include_closed else " WHERE closed_date IS NULL")
           + " ORDER BY opened_date, id")
    rows = conn.execute(text(sql)).all()
    actions = told(conn, [r[0] for r in rows])
    days = escalation_days(conn)
    out = []
    for cid, subject, subject_id, category, vid, opened, closed, body, note in rows:
        opened_d = date.fromisoformat(opened)
        out.append({
            "id": cid, "subject": subject, "subject_id": subject_id, "category": category,
            "visit_id": vid, "opened": opened,
            "days_open": ((date.fromisoformat(closed) if closed else today) - opened_d).days,
            "status": "closed" if closed else "open",
            "escalation_due": escalation_due(days, category, opened_d),
            "told": actions.get(cid, []), "closed_date": closed, "text": body,
            "close_note": note,
        })
    return out


def add_names(conn: Connection, rows: list[dict[str, object]]) -> None:
    """``young_person`` and ``volunteer`` names on each listed concern, in place (a match's
    both, a young person's or a volunteer's own)."""
    from ivcli import names

    proxies: list[dict[str, object]] = [{f"{r['subject']}_id": r["subject_id"]} for r in rows]
    names.add(conn, proxies)
    for row, p in zip(rows, proxies, strict=True):
        row[names.YOUNG_PERSON], row[names.VOLUNTEER] = p[names.YOUNG_PERSON], p[names.VOLUNTEER]


@dataclass
class Escalation:
    concern_id: int
    subject: str
    subject_id: int
    category: str
    opened: date
    due: date

    @property
    def who(self) -> str:
        return _who_to_tell(self.category)

    @property
    def about(self) -> str:
        return f"{_WORDS[self.subject]} {self.subject_id}"


def escalations(conn: Connection, as_of: date) -> list[Escalation]:
    """Open safeguarding concerns and allegations opened by ``as_of`` whose people have not
    been told (by ``as_of``), with the day it was due."""
    from ivcli.enums import sql_list

    rows = conn.execute(text(
        f"SELECT id, {_SUBJECT_SQL}, {_SUBJECT_ID_SQL}, category, opened_date FROM concerns "
        f"WHERE category IN ({sql_list(ConcernCategory.safeguarding_kinds())}) "
        "AND opened_date <= :d AND (closed_date IS NULL OR closed_date > :d) "
        "ORDER BY opened_date, id"), {"d": as_of.isoformat()}).all()
    actions = told(conn, [r[0] for r in rows], as_of)
    days = escalation_days(conn)
    out = []
    for cid, subject, subject_id, category, opened in rows:
        if escalated(category, actions.get(cid, [])):
            continue
        opened_d = date.fromisoformat(opened)
        due = escalation_due(days, category, opened_d)
        assert due is not None
        out.append(Escalation(cid, subject, subject_id, category, opened_d, due))
    return out
