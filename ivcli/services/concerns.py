"""Concerns: something noticed on a visit (or reported between visits) that the coordinator must
follow up. A concern stays open, and on every ``ivcli today``, until it is closed with a note of
what was done. Its text is kept only in the concerns table and shown only by ``concern list``:
no report, agenda or export prints it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import text

from ivcli.errors import InvalidInput, NotFound, Refused
from ivcli.models import Concern
from ivcli.services.visits import get_match

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MAX_TEXT = 10_000
LIST_COLUMNS = ("id", "match_id", "visit_id", "opened_date", "days_open", "status",
                "closed_date", "text", "close_note")


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _clean(value: str, what: str, flag: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{what} is required", hint=f"give it with {flag}")
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"{what} is longer than {MAX_TEXT} characters")
    return value


def open_concern(session: Session, match_id: int, on: date, body: str, today: date) -> int:
    """Open a concern on a match that is not tied to a visit (a phone call, a message)."""
    match = get_match(session, match_id)
    if on > today:
        raise Refused("the concern's date is in the future; nothing was recorded")
    if match.start_date is None or on < match.start_date:
        raise Refused(f"the concern's date is before match {match_id} started; nothing was "
                      "recorded")
    concern = Concern(match_id=match_id, opened_date=on, text=_clean(body, "the concern",
                                                                     "--text"),
                      created_at=_now())
    session.add(concern)
    session.flush()
    assert concern.id is not None
    return concern.id


def close(session: Session, concern_id: int, note: str, on: date, today: date) -> None:
    concern = session.get(Concern, concern_id)
    if concern is None:
        raise NotFound(f"there is no concern {concern_id}",
                       hint="'ivcli concern list' shows the open ones")
    if concern.closed_date is not None:
        raise Refused(f"concern {concern_id} was already closed on "
                      f"{concern.closed_date.isoformat()}")
    if on > today:
        raise Refused("the closing date is in the future; the concern is still open")
    if on < concern.opened_date:
        raise Refused(f"the closing date is before concern {concern_id} was opened "
                      f"({concern.opened_date.isoformat()}); the concern is still open")
    concern.close_note = _clean(note, "a note of what was done", "--note")
    concern.closed_date = on


def list_concerns(session: Session, today: date, *, include_closed: bool = False
                  ) -> list[dict[str, object]]:
    """Concerns, oldest first: only the open ones unless ``include_closed``."""
    sql = ("SELECT id, match_id, visit_id, opened_date, closed_date, text, close_note "
           "FROM concerns" + ("" if include_closed else " WHERE closed_date IS NULL")
           + " ORDER BY opened_date, id")
    out = []
    for cid, mid, vid, opened, closed, body, note in session.connection().execute(text(sql)):
        opened_d = date.fromisoformat(opened)
        out.append({
            "id": cid, "match_id": mid, "visit_id": vid, "opened_date": opened,
            "days_open": ((date.fromisoformat(closed) if closed else today) - opened_d).days,
            "status": "closed" if closed else "open", "closed_date": closed, "text": body,
            "close_note": note,
        })
    return out
