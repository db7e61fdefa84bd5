"""Concerns: something noticed on a visit (or reported between visits) that the coordinator must
follow up. A concern stays open, and on every ``ivcli today``, until it is closed with a note of
what was done. Its text is kept only in the concerns table and shown only by ``concern list``:
no report, agenda or export prints it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import text

from ivcli.errors import InvalidInput, NotFound, Refused

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.engine import Connection

MAX_TEXT = 10_000
LIST_COLUMNS = ("id", "match_id", "visit_id", "opened_date", "days_open", "status",
                "closed_date", "text", "close_note")


def _table() -> Table:
    from ivcli.matching.lifecycle import table_of
    from ivcli.models import Concern

    return table_of(Concern)


def _clean(value: str, what: str, flag: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{what} is required", hint=f"give it with {flag}")
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"{what} is longer than {MAX_TEXT} characters")
    return value


def open_concern(conn: Connection, match_id: int, on: date, body: str, today: date) -> int:
    """Open a concern on a match that is not tied to a visit (a phone call, a message)."""
    from ivcli.db import now
    from ivcli.matching.lifecycle import insert_row
    from ivcli.visits.log import get_match  # not at the top: `concern list` needs none

    match = get_match(conn, match_id)
    if on > today:
        raise Refused("the concern's date is in the future; nothing was recorded")
    if match.start_date is None or on < match.start_date:
        raise Refused(f"the concern's date is before match {match_id} started; nothing was "
                      "recorded")
    return insert_row(conn, _table(), {
        "match_id": match_id, "opened_date": on, "text": _clean(body, "the concern", "--text"),
        "created_at": now()})


def close(conn: Connection, concern_id: int, note: str, on: date, today: date) -> None:
    from ivcli.matching.lifecycle import update_changed

    concern = conn.execute(text("SELECT opened_date, closed_date FROM concerns WHERE id = :id"),
                           {"id": concern_id}).first()
    if concern is None:
        raise NotFound(f"there is no concern {concern_id}",
                       hint="'ivcli concern list' shows the open ones")
    if concern.closed_date is not None:
        raise Refused(f"concern {concern_id} was already closed on {concern.closed_date}")
    if on > today:
        raise Refused("the closing date is in the future; the concern is still open")
    if on < date.fromisoformat(concern.opened_date):
        raise Refused(f"the closing date is before concern {concern_id} was opened "
                      f"({concern.opened_date}); the concern is still open")
    update_changed(conn, "concerns", concern_id, {
        "close_note": _clean(note, "a note of what was done", "--note"), "closed_date": on})


def list_concerns(conn: Connection, today: date, *, include_closed: bool = False
                  ) -> list[dict[str, object]]:
    """Concerns, oldest first: only the open ones unless ``include_closed``."""
    sql = ("SELECT id, match_id, visit_id, opened_date, closed_date, text, close_note "
           "FROM concerns" + ("" if include_closed else " WHERE closed_date IS NULL")
           + " ORDER BY opened_date, id")
    out = []
    for cid, mid, vid, opened, closed, body, note in conn.execute(text(sql)):
        opened_d = date.fromisoformat(opened)
        out.append({
            "id": cid, "match_id": mid, "visit_id": vid, "opened_date": opened,
            "days_open": ((date.fromisoformat(closed) if closed else today) - opened_d).days,
            "status": "closed" if closed else "open", "closed_date": closed, "text": body,
            "close_note": note,
        })
    return out
