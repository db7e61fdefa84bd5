"""Keeping a volunteer safe to visit once approved: a hold that reaches their matches, whether
they were cleared on a visit's day, supervision and training.

- ``hold``: on hold with a reason, and each of their active matches paused (the reason in the
  match's ``paused`` event) unless the coordinator keeps them going and says why (a
  ``hold_kept`` event on each). An allegation about a volunteer holds them the same way
  (``visits.concerns``).
- ``uncleared``: why a volunteer was not cleared to visit on a day (a DBS certificate or a
  required training course lapsed, or on hold), or None: ``visit log`` still records such a
  visit, warns and marks it for ``ivcli today``.
- Supervision meetings (``volunteer supervision``) and training courses (``volunteer
  training``), many per volunteer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import text

from ivcli.enums import MatchStatus, SupervisionKind, VolunteerStatus
from ivcli.errors import InvalidInput
from ivcli.volunteers import compliance
from ivcli.volunteers.records import ENDED, load

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

MAX_NOTE = 2_000


def _clean(value: str | None, what: str, flag: str, *, required: bool = True,
           limit: int = MAX_NOTE) -> str | None:
    value = " ".join((value or "").split())
    if not value:
        if required:
            raise InvalidInput(f"{what} is required", hint=f"give it with {flag}")
        return None
    if len(value) > limit:
        raise InvalidInput(f"{flag} is longer than {limit} characters")
    return value


# ---------------------------------------------------------------------------------------------
# Hold


@dataclass
class Held:
    volunteer_id: int
    already: bool = False  # was on hold (or had left) before: only the matches changed
    paused: list[int] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)
    not_started: list[int] = field(default_factory=list)  # proposed or accepted: not paused


def _matches(conn: Connection, volunteer_id: int, statuses: tuple[str, ...]) -> list[int]:
    marks = ", ".join(f"'{s}'" for s in statuses)
    return [int(m) for (m,) in conn.execute(text(
        f"SELECT id FROM matches WHERE volunteer_id = :v AND status IN ({marks}) ORDER BY id"),
        {"v": volunteer_id})]


def paused_matches(conn: Connection, volunteer_id: int) -> list[int]:
    """The volunteer's paused matches, by id: a hold paused them, and ending it leaves each
    for the coordinator to restart (``match resume``) once it may continue."""
    return _matches(conn, volunteer_id, (MatchStatus.paused.value,))


def hold(conn: Connection, volunteer_id: int, reason: str, on: date, today: date, *,
         keep_because: str | None = None, tolerate_held: bool = False) -> Held:
    """Put a volunteer on hold and pause each of their active matches, noting ``reason``;
    with ``keep_because`` the matches stay active and the reason for keeping them is noted
    on each. ``tolerate_held``: a volunteer already on hold (or who has left) is not refused,
    their active matches are still paused (an allegation about them)."""
    from ivcli.matching import lifecycle
    from ivcli.volunteers.status import set_status

    clean = _clean(reason, "a reason", "--reason")
    assert clean is not None
    because = _clean(keep_because, "why the matches continue", "--because", required=False)
    v = load(conn, volunteer_id)
    out = Held(volunteer_id)
    if tolerate_held and (v.status == VolunteerStatus.on_hold.value or v.status in ENDED):
        out.already = True
        if on > today:
            raise InvalidInput("the date is in the future")
    else:
        set_status(conn, volunteer_id, VolunteerStatus.on_hold, clean, on, today)
    for match_id in _matches(conn, volunteer_id, (MatchStatus.active.value,)):
        if because:
            lifecycle.record_event(conn, match_id, on, "hold_kept",
                                   f"volunteer on hold ({clean}); kept active: {because}")
            out.kept.append(match_id)
        else:
            lifecycle.pause(conn, match_id, on, f"volunteer on hold: {clean}")
            out.paused.append(match_id)
    out.not_started = _matches(conn, volunteer_id,
                               (MatchStatus.proposed.value, MatchStatus.accepted.value))
    return out


# ---------------------------------------------------------------------------------------------
# Cleared to visit


def uncleared(conn: Connection, days: Iterable[tuple[int, date]]
              ) -> dict[tuple[int, date], str]:
    """For each (volunteer id, day) on which the volunteer was not cleared to visit, why: on
    hold then, or their DBS or training lapsed by then (a check never recorded is for approval
    to catch; a required course never done is due, ``compliance``). Days on which they were
    cleared are left out. One read for many days."""
    from sqlalchemy import bindparam

    wanted = sorted(set(days))
    ids = sorted({v for v, _ in wanted})
    if not ids:
        return {}
    held = {int(i): (s, sd) for i, s, sd in conn.execute(text(
        "SELECT id, status, status_date FROM volunteers WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True)), {"ids": ids})}
    checks, trainings = compliance.records_of(conn, ids)
    rules = compliance.Rules.load(conn)
    out = {}
    for vid, on in wanted:
        why = []
        status, since = held.get(vid, (None, None))
        if status == VolunteerStatus.on_hold.value and (since is None or since <= on.isoformat()):
            why.append("on hold")
        for s in compliance.evaluate(checks.get(vid, []), on, rules, trainings.get(vid, [])):
            if s.status == "lapsed" and s.expires is not None:
                why.append(f"{s.label} lapsed on {s.expires.isoformat()}")
        if why:
            out[(vid, on)] = "; ".join(why)
    return out


# ---------------------------------------------------------------------------------------------
# Supervision

SUPERVISION_COLUMNS = ("id", "date", "kind", "note")


def add_supervision(conn: Connection, volunteer_id: int, on: date, kind: str,
                    note: str | None, today: date) -> int:
    from ivcli.db import now
    from ivcli.matching.lifecycle import insert_row, table_of
    from ivcli.models import Supervision

    load(conn, volunteer_id)
    kinds = [k.value for k in SupervisionKind]
    if kind not in kinds:
        raise InvalidInput(f"unknown kind of supervision; use one of {', '.join(kinds)}")
    if on > today:
        raise InvalidInput("the supervision date is in the future")
    return insert_row(conn, table_of(Supervision), {
        "volunteer_id": volunteer_id, "date": on, "kind": kind,
        "note": _clean(note, "a note", "--note", required=False), "created_at": now()})


def supervisions(conn: Connection, volunteer_id: int) -> list[dict[str, object]]:
    return [{"id": i, "date": d, "kind": k, "note": n} for i, d, k, n in conn.execute(text(
        "SELECT id, date, kind, note FROM volunteer_supervisions WHERE volunteer_id = :v "
        "ORDER BY date, id"), {"v": volunteer_id})]



# ---------------------------------------------------------------------------------------------
# Training

TRAINING_COLUMNS = ("id", "course", "date")
MAX_COURSE = 100


def add_training(conn: Connection, volunteer_id: int, course: str, on: date, today: date
                 ) -> tuple[int | None, str]:
    """Record a course a volunteer completed on ``on``; the name is kept in lower case with
    single spaces as underscores (``Safeguarding level 2`` is ``safeguarding_level_2``).
    Returns (its id, the course) or (None, the course) when it was already recorded. A
    required course may bring a volunteer in the pipeline to ready for panel
    (``status.refresh_status``)."""
    from ivcli.db import now
    from ivcli.matching.lifecycle import insert_row, table_of
    from ivcli.models import Training
    from ivcli.parsing import course_key
    from ivcli.volunteers.status import refresh_status

    v = load(conn, volunteer_id)
    name = _clean(course, "the course", "--course", limit=MAX_COURSE)
    assert name is not None
    name = course_key(name)
    if on > today:
        raise InvalidInput("the training date is in the future")
    if conn.execute(text("SELECT 1 FROM volunteer_trainings WHERE volunteer_id = :v AND "
                         "course = :c AND date = :d"),
                    {"v": volunteer_id, "c": name, "d": on.isoformat()}).first():
        return None, name
    tid = insert_row(conn, table_of(Training), {
        "volunteer_id": volunteer_id, "course": name, "date": on, "created_at": now()})
    refresh_status(conn, v, today)
    return tid, name


def trainings(conn: Connection, volunteer_id: int) -> list[dict[str, object]]:
    return [{"id": i, "course": c, "date": d} for i, c, d in conn.execute(text(
        "SELECT id, course, date FROM volunteer_trainings WHERE volunteer_id = :v "
        "ORDER BY date, id"), {"v": volunteer_id})]
