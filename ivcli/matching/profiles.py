"""Matching profiles for both sides: load (with every key and its default), validate, save.

A profile is JSON text in ``young_people.profile`` / ``volunteers.profile``. Matching reads them
through ``load_young_person_profile`` and ``load_volunteer_profile``, which always return every
documented key (docs/profiles.md), so callers never test for a missing one. Standard library
only but for ``save`` and the young person's reads, which take the command's Core Connection.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from ivcli.errors import InvalidInput, NotFound
from ivcli.parsing import normalise_gender, split_list
from ivcli.specs import YOUNG_PERSON
from ivcli.vocab import normalise_tags, unknown_tags

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

AVAILABILITY = ("weekday_after_school", "weekday_evening", "saturday", "sunday")
IV_GENDERS = ("any", "female", "male", "non-binary")
AGE_LIMITS = (0, 120)
MAX_CAPACITY = 10

YOUNG_PERSON_DEFAULTS: dict[str, Any] = {
    "interests": [],
    "activities": [],
    "iv_gender": "any",
    "iv_age_min": 18,
    "iv_age_max": 120,
    "languages": [],
    "culture_faith": "",
    "personality": "",
    "availability": [],
    "area": "",
}
VOLUNTEER_DEFAULTS: dict[str, Any] = {
    "interests": [],
    "skills": [],
    "languages": [],
    "areas": [],
    "availability": [],
    "child_age_min": 0,
    "child_age_max": 25,
    "capacity": 1,
    "culture_faith": "",
    "personality": "",
}
YOUNG_PERSON_LISTS = ("interests", "activities", "languages", "availability")
VOLUNTEER_LISTS = ("interests", "skills", "languages", "areas", "availability")
TAG_KEYS = ("interests", "activities")

_SLOT_SYNONYMS = {
    "after school": ["weekday_after_school"],
    "weekday after school": ["weekday_after_school"],
    "weekdays after school": ["weekday_after_school"],
    "evening": ["weekday_evening"],
    "evenings": ["weekday_evening"],
    "weekday evening": ["weekday_evening"],
    "weekday evenings": ["weekday_evening"],
    "sat": ["saturday"],
    "saturdays": ["saturday"],
    "sun": ["sunday"],
    "sundays": ["sunday"],
    "weekend": ["saturday", "sunday"],
    "weekends": ["saturday", "sunday"],
}


class HasProfile(Protocol):
    profile: str | None
    area: str | None


def stored_profile(text: str | None) -> dict[str, Any]:
    """The profile JSON as stored, or {} when missing or unreadable."""
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def load_young_person_profile(yp: HasProfile) -> dict[str, Any]:
    """Every young-person profile key, defaults filled in. ``area`` falls back to the young
    person's recorded area."""
    out = {k: (list(v) if isinstance(v, list) else v) for k, v in YOUNG_PERSON_DEFAULTS.items()}
    stored = stored_profile(yp.profile)
    out.update({k: v for k, v in stored.items() if k in out and v is not None})
    if not out["area"]:
        out["area"] = yp.area or ""
    return out


def load_volunteer_profile(v: Any) -> dict[str, Any]:
    """Every volunteer profile key, defaults filled in, plus ``gender`` and ``area`` from the
    volunteer's record. ``areas`` (the areas they can reach) includes their own area."""
    out = {k: (list(x) if isinstance(x, list) else x) for k, x in VOLUNTEER_DEFAULTS.items()}
    stored = stored_profile(v.profile)
    out.update({k: x for k, x in stored.items() if k in out and x is not None})
    area = v.area or ""
    if area and area.casefold() not in {a.casefold() for a in out["areas"]}:
        out["areas"] = [area, *out["areas"]]
    out["gender"] = v.gender or ""
    out["area"] = area
    return out


# ---------------------------------------------------------------------------------------------
# Validation


def _as_list(value: Any) -> list[str] | None:
    """A JSON list of strings, or one string "a; b, c"; None if neither."""
    if isinstance(value, str):
        return split_list(value)
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return [p for p in (" ".join(x.split()) for x in value) if p]
    return None


def _unique(items: list[str], key=str.casefold) -> list[str]:  # type: ignore[no-untyped-def]
    seen: set[str] = set()
    out = []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            out.append(item)
    return out


def normalise_languages(items: list[str]) -> list[str]:
    return _unique([" ".join(i.split()).casefold() for i in items if i.strip()])


def slots_of(item: str) -> list[str]:
    """The availability slots one entry names ("Saturdays", "weekends", ...); [] if none."""
    s = " ".join(item.replace("_", " ").replace("-", " ").lower().split())
    key = s.replace(" ", "_")
    return _SLOT_SYNONYMS.get(s) or ([key] if key in AVAILABILITY else [])


def normalise_availability(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        slots = slots_of(item)
        if not slots:
            raise ValueError(f"not an availability slot (use {', '.join(AVAILABILITY)})")
        out.extend(x for x in slots if x not in out)
    return [s for s in AVAILABILITY if s in out]


def _age(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError("not a whole number of years")
    try:
        n = int(str(value).strip())
    except ValueError:
        raise ValueError("not a whole number of years") from None
    if not AGE_LIMITS[0] <= n <= AGE_LIMITS[1]:
        raise ValueError(f"not an age ({AGE_LIMITS[0]} to {AGE_LIMITS[1]})")
    return n


def validate(side: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Check a partial profile for ``side`` ("young_person" or "volunteer") and return it
    normalised. ``None`` for a key means "back to the default". Raises InvalidInput listing
    every problem by key (values are never repeated)."""
    defaults = YOUNG_PERSON_DEFAULTS if side == "young_person" else VOLUNTEER_DEFAULTS
    lists = YOUNG_PERSON_LISTS if side == "young_person" else VOLUNTEER_LISTS
    problems: list[str] = []
    out: dict[str, Any] = {}
    unknown = [k for k in data if k not in defaults]
    if unknown:
        problems.append(
            f"unknown key(s): {', '.join(sorted(unknown))} (keys are: {', '.join(defaults)})"
        )
    for key, value in data.items():
        if key not in defaults:
            continue
        if value is None:
            out[key] = defaults[key]
            continue
        try:
            if key in lists:
                items = _as_list(value)
                if items is None:
                    raise ValueError("not a list of text (a JSON array of strings)")
                if key in TAG_KEYS:
                    out[key] = normalise_tags(items)
                elif key == "languages":
                    out[key] = normalise_languages(items)
                elif key == "availability":
                    out[key] = normalise_availability(items)
                else:
                    out[key] = _unique(items)
            elif key == "iv_gender":
                if not isinstance(value, str):
                    raise ValueError(f"not one of {', '.join(IV_GENDERS)}")
                g = value.strip().lower()
                if g in ("", "no preference", "either", "none"):
                    g = "any"
                g = normalise_gender(g) or "any"
                if g not in IV_GENDERS:
                    raise ValueError(f"not one of {', '.join(IV_GENDERS)}")
                out[key] = g
            elif key in ("iv_age_min", "iv_age_max", "child_age_min", "child_age_max"):
                out[key] = _age(value)
            elif key == "capacity":
                n = _age(value)
                if not 1 <= n <= MAX_CAPACITY:
                    raise ValueError(f"not a capacity (1 to {MAX_CAPACITY} young people)")
                out[key] = n
            else:  # free text: culture_faith, personality, area
                if isinstance(value, list):
                    items = _as_list(value)
                    if items is None:
                        raise ValueError("not text")
                    value = ", ".join(items)
                if not isinstance(value, str):
                    raise ValueError("not text")
                if len(value) > 500:
                    raise ValueError("longer than 500 characters")
                out[key] = " ".join(value.split())
        except ValueError as exc:
            problems.append(f"{key}: {exc}")
    if problems:
        raise InvalidInput("the profile is not valid; nothing was changed", details=problems)
    return out


def check_ranges(side: str, profile: Mapping[str, Any]) -> None:
    lo, hi = ("iv_age_min", "iv_age_max") if side == "young_person" else (
        "child_age_min", "child_age_max")
    if profile[lo] > profile[hi]:
        raise InvalidInput(f"the profile is not valid: {lo} is above {hi}; nothing was changed")


def merge(side: str, current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``current`` (a complete profile) with the validated ``changes`` applied."""
    clean = validate(side, changes)
    defaults = YOUNG_PERSON_DEFAULTS if side == "young_person" else VOLUNTEER_DEFAULTS
    merged = {k: current.get(k, defaults[k]) for k in defaults}
    merged.update(clean)
    check_ranges(side, merged)
    return merged


def to_json(side: str, profile: Mapping[str, Any]) -> str:
    """The stored form: only the documented keys for ``side``."""
    defaults = YOUNG_PERSON_DEFAULTS if side == "young_person" else VOLUNTEER_DEFAULTS
    return json.dumps({k: profile.get(k, defaults[k]) for k in defaults}, ensure_ascii=False)


def read_json_file(text: str, source: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(
            f"{source} is not valid JSON (line {getattr(exc, 'lineno', '?')})",
            hint="see docs/profiles.md for the keys and an example",
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{source} must hold one JSON object of profile keys",
                           hint="see docs/profiles.md")
    return data


def unknown_interests(profile: Mapping[str, Any]) -> list[str]:
    """Interest and activity tags outside the vocabulary (kept, but listed for the
    coordinator)."""
    tags: list[str] = []
    for key in TAG_KEYS:
        for t in unknown_tags(list(profile.get(key) or [])):
            if t not in tags:
                tags.append(t)
    return tags


# ---------------------------------------------------------------------------------------------
# Saving (the record is a young person's or a volunteer's row, as read in this transaction)

PROFILE_TABLES = {"young_person": "young_people", "volunteer": "volunteers"}


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def save(conn: Connection, side: str, record: Any, profile: Mapping[str, Any]) -> None:
    """Store ``profile`` as the record's profile JSON (``updated_at`` now), and record the
    change in the audit trail."""
    from sqlalchemy import text

    from ivcli import stored_settings as settings_service
    from ivcli.db import now
    from ivcli.safety import audit

    if side == "volunteer":
        most = settings_service.get_int(conn, "volunteer.max_capacity")
        held = _int_or_none(stored_profile(record.profile).get("capacity"))
        if profile["capacity"] > most and profile["capacity"] != held:
            raise InvalidInput(
                f"capacity {profile['capacity']} is above the most a volunteer may visit "
                f"({most}, setting volunteer.max_capacity): the role is one-to-one, siblings at "
                "most; nothing was changed")
    if side == "young_person" and profile.get("area") == (record.area or ""):
        profile = {**profile, "area": ""}  # keep following the recorded area
    if side == "volunteer" and record.area:
        own = record.area.casefold()
        profile = {**profile, "areas": [a for a in profile["areas"] if a.casefold() != own]}
    stored = to_json(side, profile)
    table = PROFILE_TABLES[side]
    conn.execute(text(f"UPDATE {table} SET profile = :profile, updated_at = :at WHERE id = :id"),
                 {"profile": stored, "at": now(), "id": record.id})
    changed = ["profile"] if stored != record.profile else []
    audit.record(conn, [(table, str(record.id), "update", [*changed, "updated_at"])])


# ---------------------------------------------------------------------------------------------
# Young people (the volunteer side lives in volunteers/records.py)

YOUNG_PERSON_COLUMNS = YOUNG_PERSON.names(lambda f: f.stored is not None and f.erase != "empty"
                                          and f.kind != "timestamp")


def get_young_person(conn: Connection, young_person_id: int) -> Any:
    """The young person's row (attributes as the columns; dates and yes/no typed)."""
    from ivcli.referrals.screening import typed

    yp = conn.execute(
        typed(f"SELECT {', '.join(YOUNG_PERSON_COLUMNS)} FROM young_people WHERE id = :id",
              YOUNG_PERSON_COLUMNS), {"id": young_person_id}).first()
    if yp is None:
        raise NotFound(
            f"there is no young person {young_person_id}",
            hint="'ivcli referral list' shows young_person_id for each referral",
        )
    return yp


def show_young_person(conn: Connection, young_person_id: int, as_of: date) -> dict[str, Any]:
    from sqlalchemy import text

    from ivcli.parsing import age_on

    yp = get_young_person(conn, young_person_id)
    refs = conn.execute(
        text("SELECT id, status FROM referrals WHERE young_person_id = :id "
             "ORDER BY referral_date, id"), {"id": yp.id}
    ).all()
    profile = load_young_person_profile(yp)
    record: dict[str, Any] = {
        "id": yp.id,
        "reference": yp.reference,
        "first_name": yp.first_name,
        "last_name": yp.last_name,
        "date_of_birth": yp.date_of_birth,
        "age": age_on(yp.date_of_birth, as_of),
        "gender": yp.gender,
        "area": yp.area,
        "care_leaver": yp.care_leaver,
        "disability": yp.disability,
        "local_authority": yp.local_authority,
        "referrals": ", ".join(f"{r.id} ({r.status})" for r in refs),
    }
    record.update({f"{k}" if k != "area" else "profile_area": v for k, v in profile.items()})
    record["unknown_interests"] = unknown_interests(profile)
    return record
