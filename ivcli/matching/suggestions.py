"""Suggestions for one young person on the waiting list: the best few volunteers within the
hard rules, with their checks current, best first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import text

from ivcli.errors import InvalidInput, NotFound, Refused
from ivcli.matching.candidates import (
    LIVE_SQL,
    load_volunteers,
    past_pairs,
    waiting,
)
from ivcli.matching.rules import feasible_matrix
from ivcli.matching.scoring import (
    Weights,
    explain,
    score_matrix,
)
from ivcli.matching.sides import Young
from ivcli.volunteers import compliance

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


@dataclass
class Suggestion:
    volunteer_id: int
    score: int
    reasons: list[str]
    concerns: list[str]


def waiting_young_person(conn: Connection, young_person_id: int, on: date) -> Young:
    """The young person, if on the waiting list; else a refusal saying why not."""
    found = waiting(conn, on, young_person_id)
    if found:
        return found[0]
    if conn.execute(text("SELECT 1 FROM young_people WHERE id = :yp"),
                    {"yp": young_person_id}).first() is None:
        raise NotFound(f"there is no young person {young_person_id}",
                       hint="'ivcli referral list' shows young people's ids")
    live = conn.execute(text(
        f"SELECT id, status FROM matches WHERE young_person_id = :yp AND status IN ({LIVE_SQL}) "
        "ORDER BY id LIMIT 1"), {"yp": young_person_id}
    ).first()
    if live is not None:
        raise Refused(
            f"young person {young_person_id} already has match {live[0]} ({live[1]}); "
            "a young person has one match at a time",
            hint=f"decline or end match {live[0]} first",
        )
    raise Refused(
        f"young person {young_person_id} is not on the waiting list (no accepted referral)",
        hint="accept their referral first with 'ivcli referral accept ID'",
    )


def _check_concerns(conn: Connection, volunteer_id: int, on: date) -> list[str]:
    out: list[str] = []
    for s in compliance.volunteer_states(conn, volunteer_id, on):
        if s.status == "lapsing" and s.expires is not None:
            out.append(f"{s.label} lapses on {s.expires.isoformat()} (in {s.days_left} days)")
        elif s.status == "missing" and s.course is not None:
            out.append(f"{s.label} not recorded (due)")
    return out


def suggest(conn: Connection, young_person_id: int, on: date, top: int = 5) -> list[Suggestion]:
    """The best ``top`` volunteers for one young person on the waiting list, best first."""
    if top < 1:
        raise InvalidInput("--top must be at least 1")
    y = waiting_young_person(conn, young_person_id, on)
    vols = [v for v in load_volunteers(conn, on, likely_for=y) if v.free > 0]
    past = {v for _, v in past_pairs(conn, [y.id])}
    vols = [v for v in vols if v.id not in past]
    if not vols:
        return []
    ok = feasible_matrix([y], vols)[0]
    scores = score_matrix([y], vols, Weights.load(conn))[0]
    idx = np.flatnonzero(ok)
    ids = np.array([v.id for v in vols], dtype=np.int64)
    rounded = np.rint(scores[idx]).astype(np.int64)
    order = idx[np.lexsort((ids[idx], -rounded))]
    chosen: list[int] = []
    step = max(4 * top, 50)
    for start in range(0, len(order), step):
        chunk = order[start:start + step]
        current = compliance.matchable_ids(conn, on, among=[vols[j].id for j in chunk])
        chosen += [int(j) for j in chunk if vols[j].id in current][: top - len(chosen)]
        if len(chosen) >= top:
            break
    out = []
    for j in chosen:
        v = vols[j]
        reasons, concerns = explain(y, v, float(scores[j]))
        concerns += _check_concerns(conn, v.id, on)
        out.append(Suggestion(v.id, int(round(float(scores[j]))), reasons, concerns))
    return out
