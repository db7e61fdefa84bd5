"""Matching: suggestions within hard rules, a score out of 100 with reasons in words, one proposal
for the whole waiting list. See docs/matching.md; the life cycle is in ``matching.lifecycle``.

Hard rules, never broken (a missing preference is no restriction):
- the volunteer is approved with every check current (``compliance.matchable_ids``) and has a
  free place (capacity minus proposed, accepted, active and paused matches);
- the volunteer's gender and age fit what the young person asked for (``iv_gender``,
  ``iv_age_min``/``iv_age_max``);
- the young person's age is within the ages the volunteer would like to visit
  (``child_age_min``/``child_age_max``);
- the volunteer can reach the young person's area (in their ``areas``, or their own area);
- a volunteer is not suggested again to a young person after a declined or ended match.

The score is a weighted mean (weights are settings ``match.weight.*``) of five parts, each 0-1:
mutual interests, wished-for activities, languages, free times in common, other wishes. A part
the young person gave nothing for is left out. Scores are computed with numpy over all
volunteers (or all pairs) at once; only the few pairs shown are explained in Python.

Profiles are JSON text in ``young_people.profile`` / ``volunteers.profile``; the small loader
here reads them quickly, with the defaults of ``matching.profiles`` (the one source of them, also
what ``profile`` shows) for missing or unreadable numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import text

from ivcli import dialect
from ivcli import stored_settings as settings_service
from ivcli.enums import MatchStatus, sql_list
from ivcli.errors import InvalidInput, NotFound, Refused
from ivcli.matching.profiles import (
    VOLUNTEER_DEFAULTS,
    YOUNG_PERSON_DEFAULTS,
    slots_of,
    stored_profile,
)
from ivcli.parsing import add_years, age_on, normalise_gender, split_list
from ivcli.vocab import normalise_tag
from ivcli.volunteers import compliance

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_LIVE_SQL = sql_list(MatchStatus.open())

SLOTS = {
    "weekday_after_school": "weekdays after school",
    "weekday_evening": "weekday evenings",
    "saturday": "Saturdays",
    "sunday": "Sundays",
}
ANY_GENDER = frozenset({"", "any", "no preference", "none", "either", "not bothered"})
GENDER_WORDS = {"female": "a woman", "male": "a man", "non-binary": "non-binary"}

COMPONENTS = ("interests", "activities", "languages", "availability", "wishes")
# Shared items that earn full marks for a part (fewer if the young person gave fewer).
CAPS = {"interests": 3, "activities": 2, "languages": 1, "availability": 2, "wishes": 2}
NO_LIMIT_LOW, NO_LIMIT_HIGH = -1, 10_000


# ---------------------------------------------------------------------------------------------
# Reading profiles


_tag_cache: dict[object, str] = {}
_area_cache: dict[object, str | None] = {}


def _items(value: object) -> Iterable[object]:
    """A profile list: a JSON array, or "a; b, c" text."""
    if not value:
        return ()
    if value.__class__ is list:
        return value  # type: ignore[return-value]
    if isinstance(value, str):
        return split_list(value)
    if isinstance(value, tuple):
        return value
    return (value,)


def _tags(*values: object) -> list[str]:
    """Profile lists as unique normalised tags (``ivcli.vocab``), in order."""
    out: list[str] = []
    cache = _tag_cache
    for value in values:
        for part in _items(value):
            tag = cache.get(part)
            if tag is None:
                if part is None:
                    continue
                tag = cache[part] = normalise_tag(str(part))
            if tag and tag not in out:
                out.append(tag)
    return out


def _slots(*values: object) -> list[str]:
    out: list[str] = []
    for value in values:
        for part in _items(value):
            for key in slots_of(str(part)) if part else ():
                if key not in out:
                    out.append(key)
    return out


def _area(text: object) -> str | None:
    key = _area_cache.get(text, "")
    if key == "":
        key = _area_cache[text] = (" ".join(text.casefold().split()) or None
                                   if isinstance(text, str) else None)
    return key


def _int(value: object) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError):
        return None


def _number(p: dict[str, object], key: str, defaults: dict[str, object]) -> int:
    """A whole-number profile key, or its default (``matching.profiles``) when missing."""
    value = _int(p.get(key))
    return defaults[key] if value is None else value  # type: ignore[return-value]


_profile = stored_profile


def _gender_wish(value: object) -> str | None:
    if not isinstance(value, str) or value.strip().casefold() in ANY_GENDER:
        return None
    return normalise_gender(value.strip().casefold())


@dataclass
class Young:
    id: int
    referral_id: int
    age: int
    waiting_since: date
    area: str | None = None
    interests: list[str] = field(default_factory=list)
    activities: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)  # asked for, other than English
    iv_gender: str | None = None  # None: any
    iv_age_min: int | None = None
    iv_age_max: int | None = None
    wishes: list[str] = field(default_factory=list)  # culture or faith, personality
    availability: list[str] = field(default_factory=list)


class Vol:
    """A volunteer as matching sees them. The rule fields are read at once; the tag lists are
    normalised only when asked for (scoring normalises through a cache instead)."""

    def __init__(self, id: int, age: int, gender: str | None = None,  # noqa: A002
                 area: str | None = None, languages: str | None = None,
                 interests: str | None = None, profile: dict[str, object] | None = None,
                 live: int = 0) -> None:
        p = profile or {}
        self.id = id
        self.age = age
        self.gender = _gender(gender) if gender else None
        self.areas = {x for x in map(_area, _items(p.get("areas"))) if x}
        home = _area(area)
        if home:
            self.areas.add(home)
        self.child_age_min: int | None = _number(p, "child_age_min", VOLUNTEER_DEFAULTS)
        self.child_age_max: int | None = _number(p, "child_age_max", VOLUNTEER_DEFAULTS)
        self.capacity = max(_number(p, "capacity", VOLUNTEER_DEFAULTS), 0)
        self.live = live
        self.p = p
        self.lang_column = languages
        self.interest_column = interests

    @property
    def free(self) -> int:
        return self.capacity - self.live

    def raw(self, part: str) -> tuple[object, ...]:
        """The raw profile values behind one part of the score."""
        g = self.p.get
        if part == "interests":
            return g("interests"), self.interest_column
        if part == "activities":
            return g("interests"), self.interest_column, g("skills")
        if part == "languages":
            return g("languages"), self.lang_column
        if part == "availability":
            return (g("availability"),)
        return g("culture_faith"), g("personality"), g("skills"), g("interests"), \
            self.interest_column

    @cached_property
    def interests(self) -> list[str]:
        return _tags(*self.raw("interests"))

    @cached_property
    def doings(self) -> set[str]:
        return set(_tags(*self.raw("activities")))

    @cached_property
    def languages(self) -> set[str]:
        return set(_tags(*self.raw("languages")))

    @cached_property
    def availability(self) -> list[str]:
        return _slots(*self.raw("availability"))

    @cached_property
    def wishes(self) -> set[str]:
        return set(_tags(*self.raw("wishes")))


def young_from(row_id: int, referral_id: int, age: int, waiting_since: date, area: str | None,
               profile_text: str | None, referral_interests: str | None = None) -> Young:
    p = _profile(profile_text)
    return Young(
        id=row_id,
        referral_id=referral_id,
        age=age,
        waiting_since=waiting_since,
        area=_area(p.get("area")) or _area(area),
        interests=_tags(p.get("interests"), referral_interests),
        activities=_tags(p.get("activities")),
        languages=[x for x in _tags(p.get("languages")) if x != "english"],
        iv_gender=_gender_wish(p.get("iv_gender")),
        iv_age_min=_number(p, "iv_age_min", YOUNG_PERSON_DEFAULTS),
        iv_age_max=_number(p, "iv_age_max", YOUNG_PERSON_DEFAULTS),
        wishes=_tags(p.get("culture_faith"), p.get("personality")),
        availability=_slots(p.get("availability")),
    )


def vol_from(row_id: int, age: int, gender: str | None, area: str | None, languages: str | None,
             interests: str | None, profile_text: str | None, live: int = 0) -> Vol:
    return Vol(row_id, age, gender, area, languages, interests, _profile(profile_text), live)


# ---------------------------------------------------------------------------------------------
# Loading from the database (raw SQL: thousands of rows, no ORM objects)


_WAITING_SQL = f"""
SELECT yp.id, r.id, yp.date_of_birth,
       coalesce(r.decision_date, r.referral_date),
       (SELECT max(m.end_date) FROM matches m WHERE m.referral_id = r.id AND m.status = 'ended'),
       yp.area, yp.profile, r.interests
FROM referrals r JOIN young_people yp ON yp.id = r.young_person_id
WHERE r.status = 'accepted'
  AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.young_person_id = yp.id
                  AND m.status IN ({_LIVE_SQL}))
"""


def waiting(conn: Connection, on: date, young_person_id: int | None = None) -> list[Young]:
    """The waiting list: young people with an accepted referral and no live match, longest
    waiting first. The wait counts from the referral's acceptance (or, after an ended match,
    from its end)."""
    sql = _WAITING_SQL + (" AND yp.id = :yp" if young_person_id is not None else "")
    params: dict[str, object] = {"on": on.isoformat(), "yp": young_person_id}
    seen: dict[int, Young] = {}
    for yp_id, ref_id, born, since, ended, area, profile, interests in conn.execute(
        text(sql + " ORDER BY r.id"), params
    ):
        start = max(date.fromisoformat(since), date.fromisoformat(ended) if ended else
                    date.min)
        if yp_id in seen and seen[yp_id].waiting_since <= start:
            continue
        age = age_on(date.fromisoformat(born), on)
        seen[yp_id] = young_from(yp_id, ref_id, age, start, area, profile, interests)
    return sorted(seen.values(), key=lambda y: (y.waiting_since, y.id))


def load_volunteers(conn: Connection, on: date, ids: Sequence[int] | None = None,
                likely_for: Young | None = None) -> list[Vol]:
    """Approved volunteers with their profiles and live-match counts. With ``likely_for``,
    SQL first drops those certain to break a hard rule for that young person (see
    ``_prefilter``), so fewer profiles are parsed; the rules are still applied afterwards."""
    sql = (
        "SELECT v.id, v.date_of_birth, v.gender, v.area, v.languages, "
        f"v.interests, v.profile, coalesce(c.n, 0) FROM volunteers v LEFT JOIN ("
        f" SELECT volunteer_id, count(*) AS n FROM matches WHERE status IN ({_LIVE_SQL})"
        f" GROUP BY volunteer_id) c ON c.volunteer_id = v.id WHERE v.status = 'approved'"
    )
    params: dict[str, object] = {"on": on.isoformat()}
    if ids is not None:
        sql += f" AND v.id IN ({', '.join(str(int(i)) for i in ids) or 'NULL'})"
    if likely_for is not None:
        sql += _prefilter(likely_for, params)
    rows = conn.execute(text(sql + " ORDER BY v.id"), params)
    wish = likely_for.iv_gender if likely_for is not None else None
    fromiso = date.fromisoformat
    return [vol_from(vid, age_on(fromiso(born), on), gender, *rest)
            for vid, born, gender, *rest in rows
            if wish is None or (gender and _gender(gender) == wish)]


_gender_cache: dict[str, str | None] = {}


def _gender(text: str) -> str | None:
    g = _gender_cache.get(text, "")
    if g == "":
        g = _gender_cache[text] = normalise_gender(text)
    return g


def _prefilter(y: Young, params: dict[str, object]) -> str:
    """SQL conditions that only drop volunteers the hard rules would certainly drop for ``y``
    (the rules themselves run afterwards on what is left): an age outside the range the young
    person asked for, and a profile that lists areas but cannot mention the young person's
    area. Anything unusual in the text is kept for the rules to decide."""
    out = ""
    on = date.fromisoformat(str(params["on"]))
    # Ages as dates of birth (ISO text compares as dates), two days wider on each side than
    # the exact bounds: the rule itself (``age_on``) decides at the edges.
    if y.iv_age_min is not None and 0 < y.iv_age_min < on.year - 3:
        out += " AND v.date_of_birth <= :born_by"
        params["born_by"] = (add_years(on, -y.iv_age_min) + timedelta(days=2)).isoformat()
    if y.iv_age_max is not None and 0 <= y.iv_age_max < on.year - 3:
        out += " AND v.date_of_birth >= :born_after"
        params["born_after"] = (add_years(on, -(y.iv_age_max + 1)) - timedelta(days=2)
                                ).isoformat()
    if y.area is not None and re.fullmatch(r"[ -~]+", y.area) and "\\" not in y.area:
        params["area"] = y.area
        out += " AND " + dialect.may_cover_area("v.profile", "v.area", ":area")
    return out


def _past_pairs(conn: Connection, young_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(young person, volunteer) pairs with a declined or ended match: not suggested again."""
    wanted = set(young_ids)
    rows = conn.execute(text(
        "SELECT young_person_id, volunteer_id FROM matches WHERE status IN ('declined', 'ended')"
    ))
    return {(y, v) for y, v in rows if y in wanted}


# ---------------------------------------------------------------------------------------------
# Rules and scores, vectorised


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
        found = _slots(part)
        key = _slot_cache[part] = found[0] if found else None
    return key


def _vol_keys(v: Vol, part: str) -> Iterable[str | None]:
    """One part's normalised tags for a volunteer, straight from the raw values (cached)."""
    cache = _tag_cache
    for value in v.raw(part):
        for item in _items(value):
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


def score_matrix(young: Sequence[Young], vols: Sequence[Vol], weights: Weights) -> np.ndarray:
    """Scores 0-100 (float32, young x volunteers) ignoring the hard rules."""
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
        np.minimum(buf, cap, out=buf)
        buf *= (w / np.maximum(np.minimum(given, cap), 1)).astype(np.float32)[:, None]
        total += buf
        weight_sum += w * (given > 0)
    del buf
    scale = np.divide(100.0, weight_sum, out=np.zeros(n), where=weight_sum > 0)
    total *= scale.astype(np.float32)[:, None]
    return total


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
    assert ok.shape == (n, m)
    return ok


def rule_breaks(y: Young, v: Vol) -> list[str]:
    """The hard rules about the profiles that this pair breaks, in words (for refusals)."""
    out = []
    if y.iv_gender is not None and v.gender != y.iv_gender:
        who = GENDER_WORDS.get(y.iv_gender, y.iv_gender)
        out.append(f"the young person asked for an IV who is {who}")
    if (y.iv_age_min is not None and v.age < y.iv_age_min) or (
            y.iv_age_max is not None and v.age > y.iv_age_max):
        out.append("the volunteer's age is outside the range the young person asked for "
                   f"({_range(y.iv_age_min, y.iv_age_max)})")
    if (v.child_age_min is not None and y.age < v.child_age_min) or (
            v.child_age_max is not None and y.age > v.child_age_max):
        out.append("the young person's age is outside the ages the volunteer would like to "
                   f"visit ({_range(v.child_age_min, v.child_age_max)})")
    if y.area is not None and v.areas and y.area not in v.areas:
        out.append("the volunteer cannot reach the young person's area")
    return out


def _range(lo: int | None, hi: int | None) -> str:
    if lo is None:
        return f"up to {hi}"
    if hi is None:
        return f"{lo} or over"
    return f"{lo} to {hi}"


# ---------------------------------------------------------------------------------------------
# Reasons in words


def _and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _lang(tag: str) -> str:
    return tag[:1].upper() + tag[1:]


def explain(y: Young, v: Vol) -> tuple[list[str], list[str]]:
    """Why this pair fits, and what does not fit, in plain words naming nobody."""
    reasons: list[str] = []
    concerns: list[str] = []
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
    if y.iv_age_min is not None or y.iv_age_max is not None:
        reasons.append("within the age range the young person asked for "
                       f"({_range(y.iv_age_min, y.iv_age_max)})")
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


# ---------------------------------------------------------------------------------------------
# Suggestions


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
        f"SELECT id, status FROM matches WHERE young_person_id = :yp AND status IN ({_LIVE_SQL}) "
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
    return out


def suggest(conn: Connection, young_person_id: int, on: date, top: int = 5) -> list[Suggestion]:
    """The best ``top`` volunteers for one young person on the waiting list, best first."""
    if top < 1:
        raise InvalidInput("--top must be at least 1")
    y = waiting_young_person(conn, young_person_id, on)
    vols = [v for v in load_volunteers(conn, on, likely_for=y) if v.free > 0]
    past = {v for _, v in _past_pairs(conn, [y.id])}
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
        reasons, concerns = explain(y, v)
        concerns += _check_concerns(conn, v.id, on)
        out.append(Suggestion(v.id, int(round(float(scores[j]))), reasons, concerns))
    return out


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


def wait_points(young: Sequence[Young], on: date, per_month: float, most: float) -> np.ndarray:
    days = np.array([(on - y.waiting_since).days for y in young], dtype=np.float64)
    return np.clip(days / 30.44 * per_month, 0, most)


def assign(value_rows: np.ndarray, feasible: np.ndarray, bonus: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the assignment that matches as many rows as possible and, among
    those, maximises the total of ``value_rows + bonus``. Infeasible pairs are never chosen.

    Each matched pair is worth a constant larger than any possible difference in total value,
    so one more young person matched always outweighs better fits elsewhere.
    """
    from scipy.optimize import linear_sum_assignment

    n, m = feasible.shape
    if n == 0 or m == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    most = float(value_rows.max(initial=0.0)) + float(bonus.max(initial=0.0)) + 1.0
    per_match = most * min(n, m) + 1.0
    cost = np.empty((n, m), dtype=np.float64)
    np.add(value_rows, bonus.astype(np.float32)[:, None], out=cost)
    cost += per_match
    cost[~feasible] = 0.0
    np.negative(cost, out=cost)
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
    scores = score_matrix(young, vols, Weights.load(conn))
    ok = feasible_matrix(young, vols)
    yi = {y.id: i for i, y in enumerate(young)}
    vi = {v.id: j for j, v in enumerate(vols)}
    for yp, vol in _past_pairs(conn, yi):
        if vol in vi:
            ok[yi[yp], vi[vol]] = False
    # A volunteer with room for several young people stands in several columns.
    free = np.array([v.free for v in vols], dtype=np.int64)
    if (free > 1).any():
        col_vol = np.repeat(np.arange(len(vols)), free)
        scores, ok = scores[:, col_vol], ok[:, col_vol]
    else:
        col_vol = np.arange(len(vols))
    bonus = wait_points(young, on,
                        float(settings_service.get(conn, "match.wait_points_per_month")),
                        float(settings_service.get(conn, "match.wait_points_max")))
    rows, cols = assign(scores, ok, bonus)
    proposals = []
    for r, c in sorted(zip(rows.tolist(), cols.tolist(), strict=True)):
        y, v = young[r], vols[int(col_vol[c])]
        reasons, concerns = explain(y, v)
        proposals.append(Proposal(y.id, v.id, int(round(float(scores[r, c]))),
                                  (on - y.waiting_since).days, reasons, concerns))
    matched = {p.young_person_id for p in proposals}
    return WholeList(proposals, [y.id for y in young if y.id not in matched], len(young))
