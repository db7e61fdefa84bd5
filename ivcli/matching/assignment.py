"""One proposal for the whole waiting list (``match suggest --all``): the assignment that
matches as many young people as possible; among those, meets as many language needs as
possible (a young person who asked for a language other than English, with a volunteer who
speaks it); and among those, maximises the total score plus points for time waited. A pair with
no shared ground (score 0) is never proposed. Nothing is written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from ivcli import stored_settings as settings_service
from ivcli.matching.candidates import (
    load_volunteers,
    past_pairs,
    waiting,
)
from ivcli.matching.rules import feasible_matrix
from ivcli.matching.scoring import (
    SHARED_ABOVE,
    Weights,
    explain,
    scores_and_needs,
)
from ivcli.matching.sides import Young
from ivcli.volunteers import compliance

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


@dataclass
class Proposal:
    young_person_id: int
    volunteer_id: int
    score: int
    waiting_days: int
    reasons: list[str]
    concerns: list[str]


@dataclass
class WholeList:
    proposals: list[Proposal]
    unmatched: list[int]  # young people on the waiting list with no volunteer in this proposal
    waiting: int
    # Of ``unmatched``: those a free volunteer meets every rule for, but with no shared ground.
    no_shared_ground: list[int] = field(default_factory=list)


def wait_points(young: Sequence[Young], on: date, per_month: float, most: float) -> np.ndarray:
    days = np.array([(on - y.waiting_since).days for y in young], dtype=np.float64)
    return np.clip(days / 30.44 * per_month, 0, most)


def assign(value_rows: np.ndarray, feasible: np.ndarray, bonus: np.ndarray,
           needs: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the assignment that matches as many rows as possible; among those,
    meets as many ``needs`` (True pairs) as possible; and among those, maximises the total of
    ``value_rows + bonus``. Infeasible pairs are never chosen.

    Each need met is worth a constant larger than any possible difference in total value, and
    each matched pair a constant larger than any difference in needs and value together, so one
    more young person matched outweighs every need, and one more need met every better fit or
    longer wait elsewhere.
    """
    from scipy.optimize import linear_sum_assignment

    n, m = feasible.shape
    if n == 0 or m == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    k = min(n, m)
    most = float(value_rows.max(initial=0.0)) + float(bonus.max(initial=0.0)) + 1.0
    use_needs = needs is not None and bool(needs.any())
    per_need = most * k + 1.0
    if use_needs:
        most += per_need
    per_match = most * k + 1.0
    # The cost is minus the worth of each pair, built in place in as few passes as possible:
    # -(bonus + per_match) - value, minus per_need where a need is met, and 0 where infeasible.
    cost = np.empty((n, m), dtype=np.float64)
    np.subtract((-(bonus.astype(np.float64) + per_match))[:, None], value_rows, out=cost)
    if use_needs:
        np.subtract(cost, per_need, out=cost, where=needs)
    np.multiply(cost, feasible, out=cost)
    rows, cols = linear_sum_assignment(cost)
    del cost
    keep = feasible[rows, cols]
    return rows[keep], cols[keep]


def suggest_all(conn: Connection, on: date) -> WholeList:
    """One proposal for the whole waiting list (nothing is written)."""
    young = waiting(conn, on)
    vols = [v for v in load_volunteers(conn, on) if v.free > 0]
    current = compliance.matchable_ids(conn, on, among=[v.id for v in vols])
    vols = [v for v in vols if v.id in current]
    if not young or not vols:
        return WholeList([], [y.id for y in young], len(young))
    weights = Weights.load(conn)
    scores, needs = scores_and_needs(young, vols, weights)
    ok = feasible_matrix(young, vols)
    yi = {y.id: i for i, y in enumerate(young)}
    vi = {v.id: j for j, v in enumerate(vols)}
    for yp, vol in past_pairs(conn, yi):
        if vol in vi:
            ok[yi[yp], vi[vol]] = False
    # A pair with nothing recorded in common is not a proposal (``shared_ground``).
    fits = np.any(ok, axis=1).tolist()
    ok &= scores > SHARED_ABOVE
    # A volunteer with room for several young people stands in several columns.
    free = np.array([v.free for v in vols], dtype=np.int64)
    if (free > 1).any():
        col_vol = np.repeat(np.arange(len(vols)), free)
        scores, ok = scores[:, col_vol], ok[:, col_vol]
        if needs is not None:
            needs = needs[:, col_vol]
    else:
        col_vol = np.arange(len(vols))
    bonus = wait_points(young, on,
                        float(settings_service.get(conn, "match.wait_points_per_month")),
                        float(settings_service.get(conn, "match.wait_points_max")))
    rows, cols = assign(scores, ok, bonus, needs)
    proposals = []
    for r, c in sorted(zip(rows.tolist(), cols.tolist(), strict=True)):
        y, v = young[r], vols[int(col_vol[c])]
        reasons, concerns = explain(y, v, float(scores[r, c]))
        proposals.append(Proposal(y.id, v.id, int(round(float(scores[r, c]))),
                                  (on - y.waiting_since).days, reasons, concerns))
    matched = {p.young_person_id for p in proposals}
    left = np.any(ok, axis=1).tolist()
    return WholeList(proposals, [y.id for y in young if y.id not in matched], len(young),
                     [y.id for i, y in enumerate(young) if fits[i] and not left[i]])
