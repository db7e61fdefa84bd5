"""The hard rules, vectorised over all pairs (``feasible_matrix``) and in words for one pair
(``rule_breaks``, for refusals); the independence rule (``independence_breaks``) is one
function both call."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ivcli.matching.profiles import VOLUNTEER_DEFAULTS, YOUNG_PERSON_DEFAULTS
from ivcli.matching.sides import (
    GENDER_WORDS,
    NO_LIMIT_HIGH,
    NO_LIMIT_LOW,
    Vol,
    Young,
)


def _codes(values: Sequence[str | None], vocab: dict[str, int]) -> np.ndarray:
    return np.array([-1 if v is None else vocab.setdefault(v, len(vocab)) for v in values],
                    dtype=np.int32)


def feasible_matrix(young: Sequence[Young], vols: Sequence[Vol]) -> np.ndarray:
    """The hard rules about the two profiles (gender, ages, area), young x volunteers."""
    n, m = len(young), len(vols)
    genders: dict[str, int] = {}
    wish = _codes([y.iv_gender for y in young], genders)
    vg = _codes([v.gender for v in vols], genders)
    ok = wish[:, None] == vg[None, :]
    ok |= (wish < 0)[:, None]

    vage = np.array([v.age for v in vols], dtype=np.int32)
    lo = np.array([NO_LIMIT_LOW if y.iv_age_min is None else y.iv_age_min for y in young],
                  dtype=np.int32)
    hi = np.array([NO_LIMIT_HIGH if y.iv_age_max is None else y.iv_age_max for y in young],
                  dtype=np.int32)
    ok &= vage[None, :] >= lo[:, None]
    ok &= vage[None, :] <= hi[:, None]

    yage = np.array([y.age for y in young], dtype=np.int32)
    clo = np.array([NO_LIMIT_LOW if v.child_age_min is None else v.child_age_min for v in vols],
                   dtype=np.int32)
    chi = np.array([NO_LIMIT_HIGH if v.child_age_max is None else v.child_age_max for v in vols],
                   dtype=np.int32)
    ok &= yage[:, None] >= clo[None, :]
    ok &= yage[:, None] <= chi[None, :]

    areas: dict[str, int] = {}
    ya = _codes([y.area for y in young], areas)
    reach = np.zeros((m, len(areas) + 1), dtype=bool)  # last column: area unknown
    reach[:, -1] = True
    for j, v in enumerate(vols):
        if not v.areas:
            reach[j, :] = True  # no areas recorded: no restriction (a concern is shown)
            continue
        for a in v.areas:
            k = areas.get(a)
            if k is not None:
                reach[j, k] = True
    ok &= reach[:, np.where(ya < 0, len(areas), ya)].T
    for j, v in enumerate(vols):  # the few with declared connections
        if v.connections:
            for i, y in enumerate(young):
                if ok[i, j] and independence_breaks(y, v):
                    ok[i, j] = False
    assert ok.shape == (n, m)
    return ok


def _names(connection: str, target: str, either_way: bool) -> bool:
    """A folded connection names a folded target: its words are a run of the target's
    ("Oakwood House" names the placement "residential: Oakwood House"); ``either_way``, or the
    target's of the connection's ("Leeds City Council children's services" names the local
    authority "Leeds City Council")."""
    return bool(connection and target) and (
        f" {connection} " in f" {target} "
        or (either_way and f" {target} " in f" {connection} "))


def independence_breaks(y: Young, v: Vol) -> list[str]:
    """The independence rule (one place: the suggestions' matrix and the proposal's refusal
    both call it): no volunteer for a young person whose local authority or placement a
    connection they declared names (``volunteer declare --connections``). A placement is named
    only by a connection found within it (a connection to "Foster Care Associates" does not
    name every "foster" placement). The words say what was named, never the young person's
    details."""
    out = []
    for what, target, either_way in (("local authority", y.local_authority, True),
                                     ("placement", y.placement, False)):
        if target and any(_names(c, target, either_way) for c in v.connections):
            out.append(f"independence: a connection the volunteer declared names the young "
                       f"person's {what}")
    return out


def rule_breaks(y: Young, v: Vol) -> list[str]:
    """The hard rules about the profiles that this pair breaks, in words (for refusals)."""
    out = []
    if y.iv_gender is not None and v.gender != y.iv_gender:
        who = GENDER_WORDS.get(y.iv_gender, y.iv_gender)
        out.append(f"the young person asked for an IV who is {who}")
    if (y.iv_age_min is not None and v.age < y.iv_age_min) or (
            y.iv_age_max is not None and v.age > y.iv_age_max):
        wanted = asked_iv_ages(y)
        out.append("the volunteer's age is outside the range the young person asked for "
                   f"({wanted})" if wanted else
                   "the volunteer's age is outside the usual IV ages "
                   f"({age_range(y.iv_age_min, y.iv_age_max)}; the young person asked for none)")
    if (v.child_age_min is not None and y.age < v.child_age_min) or (
            v.child_age_max is not None and y.age > v.child_age_max):
        out.append("the young person's age is outside the ages the volunteer would like to "
                   f"visit ({age_range(v.child_age_min, v.child_age_max)})")
    if y.area is not None and v.areas and y.area not in v.areas:
        out.append("the volunteer cannot reach the young person's area")
    return out + independence_breaks(y, v)


def age_range(lo: int | None, hi: int | None) -> str:
    if lo is None:
        return f"up to {hi}"
    if hi is None:
        return f"{lo} or over"
    return f"{lo} to {hi}"


def _asked(lo: int | None, hi: int | None, defaults: dict[str, object], keys: tuple[str, str]
           ) -> str | None:
    """An age range in words, naming only the ends that differ from the profile defaults
    (``matching.profiles``); None when neither does (nothing was asked)."""
    lo_asked = lo is not None and lo != defaults[keys[0]]
    hi_asked = hi is not None and hi != defaults[keys[1]]
    if not (lo_asked or hi_asked):
        return None
    return age_range(lo if lo_asked else None, hi if hi_asked else None)


def asked_iv_ages(y: Young) -> str | None:
    """The age range the young person asked for their IV, or None if they asked for none."""
    return _asked(y.iv_age_min, y.iv_age_max, YOUNG_PERSON_DEFAULTS, ("iv_age_min", "iv_age_max"))


def asked_child_ages(v: Vol) -> str | None:
    """The ages the volunteer would like to visit, or None if they gave none."""
    return _asked(v.child_age_min, v.child_age_max, VOLUNTEER_DEFAULTS,
                  ("child_age_min", "child_age_max"))
