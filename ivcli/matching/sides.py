"""The two sides as matching reads them: a young person on the waiting list (``Young``) and
a volunteer (``Vol``), built from their profile JSON quickly, with the defaults of
``matching.profiles`` (the one source of them, also what ``profile`` shows) for missing or
unreadable numbers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from ivcli.matching.profiles import (
    VOLUNTEER_DEFAULTS,
    YOUNG_PERSON_DEFAULTS,
    slots_of,
    stored_profile,
)
from ivcli.parsing import normalise_gender, split_list
from ivcli.vocab import normalise_tag

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


tag_cache: dict[object, str] = {}
_area_cache: dict[object, str | None] = {}


def profile_list(value: object) -> Iterable[object]:
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
    cache = tag_cache
    for value in values:
        for part in profile_list(value):
            tag = cache.get(part)
            if tag is None:
                if part is None:
                    continue
                tag = cache[part] = normalise_tag(str(part))
            if tag and tag not in out:
                out.append(tag)
    return out


def slot_list(*values: object) -> list[str]:
    out: list[str] = []
    for value in values:
        for part in profile_list(value):
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
    # What the independence rule compares a volunteer's declared connections with (folded,
    # ``fold``): the young person's local authority and placement (type or provider, as
    # recorded); '' when not recorded.
    local_authority: str = ""
    placement: str = ""


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
        self.gender = cached_gender(gender) if gender else None
        self.areas = {x for x in map(_area, profile_list(p.get("areas"))) if x}
        home = _area(area)
        if home:
            self.areas.add(home)
        self.child_age_min: int | None = _number(p, "child_age_min", VOLUNTEER_DEFAULTS)
        self.child_age_max: int | None = _number(p, "child_age_max", VOLUNTEER_DEFAULTS)
        self.capacity = max(_number(p, "capacity", VOLUNTEER_DEFAULTS), 0)
        self.live = live
        self.connections: tuple[str, ...] = ()  # declared (``fold``ed), set by the loader
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
        return slot_list(*self.raw("availability"))

    @cached_property
    def wishes(self) -> set[str]:
        return set(_tags(*self.raw("wishes")))


def fold(text: str | None) -> str:
    """Text as the independence rule compares it: case and punctuation ignored (lower case,
    every run of other characters than letters and digits one space)."""
    return " ".join(re.sub(r"[\W_]+", " ", (text or "").casefold()).split())


def young_from(row_id: int, referral_id: int, age: int, waiting_since: date, area: str | None,
               profile_text: str | None, referral_interests: str | None = None,
               local_authority: str | None = None, placement: str | None = None) -> Young:
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
        availability=slot_list(p.get("availability")),
        local_authority=fold(local_authority),
        placement=fold(placement),
    )


def vol_from(row_id: int, age: int, gender: str | None, area: str | None, languages: str | None,
             interests: str | None, profile_text: str | None, live: int = 0) -> Vol:
    return Vol(row_id, age, gender, area, languages, interests, _profile(profile_text), live)


_gender_cache: dict[str, str | None] = {}


def cached_gender(text: str) -> str | None:
    g = _gender_cache.get(text, "")
    if g == "":
        g = _gender_cache[text] = normalise_gender(text)
    return g
