"""The score: a weighted mean of five parts, computed with numpy over all volunteers (or all
pairs) at once, and the reasons in words for the few pairs shown."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ivcli import stored_settings as settings_service
from ivcli.matching.rules import asked_child_ages, asked_iv_ages
from ivcli.matching.sides import (
    CAPS,
    COMPONENTS,
    GENDER_WORDS,
    SLOTS,
    Vol,
    Young,
    profile_list,
    slot_list,
    tag_cache,
)
from ivcli.vocab import normalise_tag

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class Weights:
    values: dict[str, float]

    @classmethod
    def load(cls, conn: Connection) -> Weights:
        return cls({c: float(settings_service.get(conn, f"match.weight.{c}"))
                    for c in COMPONENTS})


def _young_items(y: Young, part: str) -> Sequence[str]:
    return {"interests": y.interests, "activities": y.activities, "languages": y.languages,
            "availability": y.availability, "wishes": y.wishes}[part]


_slot_cache: dict[object, str | None] = {}


def _slot_key(part: object) -> str | None:
    key = _slot_cache.get(part, "")
    if key == "":
        found = slot_list(part)
        key = _slot_cache[part] = found[0] if found else None
    return key


def _vol_keys(v: Vol, part: str) -> Iterable[str | None]:
    """One part's normalised tags for a volunteer, straight from the raw values (cached)."""
    cache = tag_cache
    for value in v.raw(part):
        for item in profile_list(value):
            if part == "availability":
                yield _slot_key(item)
                continue
            tag = cache.get(item)
            if tag is None and item is not None:
                tag = cache[item] = normalise_tag(str(item))
            yield tag


def _encode(young: Sequence[Young], vols: Sequence[Vol], part: str
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One-hot matrices (young x tags, volunteers x tags) over the tags the young people gave,
    and how many each young person gave."""
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i, y in enumerate(young):
        for t in _young_items(y, part):
            rows.append(i)
            cols.append(vocab.setdefault(t, len(vocab)))
    width = max(len(vocab), 1)
    ym = np.zeros((len(young), width), dtype=np.float32)
    ym[rows, cols] = 1.0
    vrows: list[int] = []
    vcols: list[int] = []
    get = vocab.get
    for j, v in enumerate(vols):
        for key in _vol_keys(v, part):
            k = get(key)  # type: ignore[arg-type]
            if k is not None:
                vrows.append(j)
                vcols.append(k)
    vm = np.zeros((len(vols), width), dtype=np.float32)
    vm[vrows, vcols] = 1.0
    return ym, vm, ym.sum(axis=1)


def score_matrix(young: Sequence[Young], vols: Sequence[Vol], weights: Weights,
                 needs: list[np.ndarray] | None = None) -> np.ndarray:
    """Scores 0-100 (float32, young x volunteers) ignoring the hard rules. Given a list as
    ``needs``, the language needs met (see ``scores_and_needs``) are appended to it on the way.

    Each part earns ``min(shared, CAPS[part]) / CAPS[part]``: full marks need that many shared
    items whatever either side listed, so one interest in common is a third of the interests
    part, not all of it. The score is the weighted mean of the parts the young person gave
    anything for, times 100 (docs/matching.md has a worked example)."""
    n, m = len(young), len(vols)
    total = np.zeros((n, m), dtype=np.float32)
    if n == 0 or m == 0:
        return total
    buf = np.empty((n, m), dtype=np.float32)
    weight_sum = np.zeros(n, dtype=np.float64)
    for part in COMPONENTS:
        w = weights.values[part]
        if w <= 0 or not any(_young_items(y, part) for y in young):
            continue  # nobody asked for anything here: no volunteer tags to read
        ym, vm, given = _encode(young, vols, part)
        if not given.any():
            continue
        cap = CAPS[part]
        np.matmul(ym, vm.T, out=buf)
        if part == "languages" and needs is not None:
            needs.append(buf > 0)
        np.minimum(buf, cap, out=buf)
        buf *= np.float32(w / cap)
        total += buf
        weight_sum += w * (given > 0)
    del buf
    scale = np.divide(100.0, weight_sum, out=np.zeros(n), where=weight_sum > 0)
    total *= scale.astype(np.float32)[:, None]
    return total


def scores_and_needs(young: Sequence[Young], vols: Sequence[Vol], weights: Weights
                     ) -> tuple[np.ndarray, np.ndarray | None]:
    """The scores (``score_matrix``) and, young x volunteers, True where the young person asked
    for a language (other than English) and the volunteer speaks one of them; None when nobody
    asked (or the languages weight is 0). ``match suggest --all`` meets as many of these needs
    as it can."""
    found: list[np.ndarray] = []
    scores = score_matrix(young, vols, weights, found)
    return scores, (found[0] if found else None)


# A score above this shows as at least 1 (rounded half to even, as ``round`` and ``np.rint``).
SHARED_ABOVE = 0.5


def shared_ground(score: float) -> bool:
    """Whether a pair has anything recorded in common: a score that shows as at least 1. A
    pair without is never proposed by ``match suggest --all`` and is marked in ``match
    suggest`` (``NO_SHARED_GROUND``)."""
    return score > SHARED_ABOVE


NO_SHARED_GROUND = ("no shared ground: nothing recorded in the two profiles matches; talk to "
                    "both before proposing")


# ---------------------------------------------------------------------------------------------
# Reasons in words


def _and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _lang(tag: str) -> str:
    return tag[:1].upper() + tag[1:]


def explain(y: Young, v: Vol, score: float | None = None) -> tuple[list[str], list[str]]:
    """Why this pair fits, and what does not fit, in plain words naming nobody: what each side
    asked for and the other meets. Only what was asked is said (no age range when the young
    person gave none). With ``score``, a pair without shared ground says so first."""
    reasons: list[str] = []
    concerns: list[str] = [NO_SHARED_GROUND] if score is not None and not shared_ground(
        score) else []
    shared = [t for t in y.interests if t in v.interests]
    if shared:
        reasons.append(f"both like {_and(shared)}")
    elif y.interests:
        concerns.append("no interests in common recorded")
    acts = [t for t in y.activities if t in v.doings]
    if acts:
        reasons.append(f"enjoys {_and(acts)}, which the young person would like to do")
    elif y.activities:
        concerns.append("none of the activities the young person would like to do")
    langs = [t for t in y.languages if t in v.languages]
    if langs:
        reasons.append(f"speaks {_and([_lang(t) for t in langs])}, as the young person asked")
    missing = [t for t in y.languages if t not in v.languages]
    if missing:
        concerns.append(f"does not speak {_and([_lang(t) for t in missing])}, which the "
                        "young person asked for")
    slots = [s for s in y.availability if s in v.availability]
    if slots:
        reasons.append(f"both free {_and([SLOTS[s] for s in slots])}")
    elif y.availability:
        concerns.append("no free time in common recorded")
    wishes = [t for t in y.wishes if t in v.wishes]
    if wishes:
        reasons.append(f"{_and(wishes)}, as the young person wished")
    unmet = [t for t in y.wishes if t not in v.wishes]
    if unmet:
        concerns.append(f"not recorded as {_and(unmet)}, which the young person wished for")
    if y.iv_gender is not None:
        reasons.append(f"{GENDER_WORDS.get(y.iv_gender, y.iv_gender)}, as the young person asked")
    wanted = asked_iv_ages(y)
    if wanted is not None:
        reasons.append(f"within the age range the young person asked for ({wanted})")
    theirs = asked_child_ages(v)
    if theirs is not None:
        reasons.append(f"the young person's age is within the ages the volunteer would like "
                       f"to visit ({theirs})")
    if y.area is None:
        concerns.append("the young person's area is not recorded: check travel")
    elif not v.areas:
        concerns.append("the volunteer's areas are not recorded: check travel")
    elif not reasons:
        reasons.append("can reach the young person's area")
    if not reasons:
        reasons.append("meets every rule: approved with checks current, a free place, and the "
                       "ages and area fit")
    return reasons, concerns
