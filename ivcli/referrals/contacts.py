"""The young person's network: social worker, IRO, carer, personal adviser, with dated history.

A contact is current from ``from_date`` until it is ended (``to_date``); a new social worker is
a new contact and the old one ended, so the history stays. Contact details are personal data
(the ``CONTACT`` spec in ``ivcli.specs``): exported and erased with the young person, shown by
``young-person show`` and ``young-person contact ID list`` only.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import text

from ivcli.errors import InvalidInput, NotFound, Refused
from ivcli.parsing import parse_email
from ivcli.specs import CONTACT, CONTACT_ROLES, parse_choice, rule

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

TABLE = "contacts"
LIST_COLUMNS = tuple(c for c in CONTACT.listed if c != "young_person_id")
CURRENT_COLUMNS = tuple(c for c in LIST_COLUMNS if c != "to_date")


def _exists(conn: Connection, young_person_id: int) -> None:
    if conn.execute(text("SELECT 1 FROM young_people WHERE id = :id"),
                    {"id": young_person_id}).first() is None:
        raise NotFound(f"there is no young person {young_person_id}",
                       hint="'ivcli young-person list' shows their ids")


def _rows(conn: Connection, young_person_id: int, where: str = "",
          columns: tuple[str, ...] = LIST_COLUMNS) -> list[dict[str, object]]:
    rows = conn.execute(text(
        f"SELECT {', '.join(columns)} FROM {TABLE} WHERE young_person_id = :id{where} "
        "ORDER BY role, from_date, id"), {"id": young_person_id})
    return [dict(zip(columns, r, strict=True)) for r in rows]


def history(conn: Connection, young_person_id: int) -> list[dict[str, object]]:
    """Every contact of the young person, current and ended."""
    _exists(conn, young_person_id)
    return _rows(conn, young_person_id)


def current(conn: Connection, young_person_id: int) -> list[dict[str, object]]:
    """The contacts not ended."""
    return _rows(conn, young_person_id, " AND to_date IS NULL", CURRENT_COLUMNS)


def add(conn: Connection, young_person_id: int, values: dict[str, str | None],
        on: date | None, today: date) -> int:
    """Add a contact (``values``: role, name, email, phone, organisation as typed); from
    ``on`` (default today). Returns its id."""
    from ivcli.db import now
    from ivcli.matching.lifecycle import insert_row, table_of
    from ivcli.models import Contact
    from ivcli.volunteers.rows import parse_phone

    _exists(conn, young_person_id)
    problems: list[str] = []
    clean: dict[str, object] = {}
    parsers = {"role": lambda raw: parse_choice(raw, CONTACT_ROLES), "email": parse_email,
               "phone": parse_phone}
    for key in ("role", "name", "email", "phone", "organisation"):
        check = parsers.get(key) or rule(CONTACT[key])
        try:
            value = check(values.get(key) or "")
        except ValueError as exc:
            problems.append(f"{key}: {exc}")
            continue
        clean[key] = value or None
        if CONTACT[key].required and not value:
            problems.append(f"{key}: is required")
    start = on or today
    if start > today:
        problems.append("from: is in the future; add the contact once they have the role")
    if problems:
        raise InvalidInput("the contact was not added", details=problems)
    stamp = now()
    return insert_row(conn, table_of(Contact), {
        **clean, "young_person_id": young_person_id, "from_date": start, "to_date": None,
        "created_at": stamp, "updated_at": stamp})


def end(conn: Connection, young_person_id: int, contact_id: int, on: date, today: date
        ) -> None:
    """End a contact's role with the young person on ``on`` (kept in the history)."""
    from ivcli.db import now
    from ivcli.matching.lifecycle import update_changed

    _exists(conn, young_person_id)
    row = conn.execute(text(
        f"SELECT from_date, to_date FROM {TABLE} WHERE id = :id AND young_person_id = :yp"),
        {"id": contact_id, "yp": young_person_id}).first()
    if row is None:
        raise NotFound(f"young person {young_person_id} has no contact {contact_id}",
                       hint=f"'ivcli young-person contact {young_person_id} list' shows them")
    if row.to_date is not None:
        raise Refused(f"contact {contact_id} already ended on {row.to_date}")
    if on > today:
        raise InvalidInput("the date is in the future; end the contact once it has ended")
    if row.from_date is not None and on.isoformat() < str(row.from_date):
        raise InvalidInput(f"the date is before contact {contact_id} started ({row.from_date})")
    update_changed(conn, TABLE, contact_id, {"to_date": on, "updated_at": now()})
