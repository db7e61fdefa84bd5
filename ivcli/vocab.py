"""The interest vocabulary shared by both sides' profiles. Standard library only.

Tags are normalised (case, spacing, simple plurals, a few synonyms) so "Football", "football " and
"footballs" are one tag. Tags outside the vocabulary are kept, and listed as unknown so the
coordinator can see them. Documented in docs/profiles.md.
"""

from __future__ import annotations

import re
import unicodedata

from ivcli.parsing import split_list

INTERESTS: tuple[str, ...] = (
    "animals", "art", "baking", "basketball", "board games", "bowling", "climbing", "cinema",
    "cooking", "crafts", "cricket", "cycling", "dance", "drama", "drawing", "fashion", "fishing",
    "football", "gaming", "gardening", "gymnastics", "history", "lego", "martial arts", "museums",
    "music", "nature", "photography", "reading", "rugby", "science", "shopping", "singing",
    "skateboarding", "swimming", "technology", "theatre", "walking", "writing", "zoos",
)

SYNONYMS: dict[str, str] = {
    "soccer": "football",
    "films": "cinema",
    "film": "cinema",
    "movies": "cinema",
    "movie": "cinema",
    "video games": "gaming",
    "computer games": "gaming",
    "games": "gaming",
    "painting": "art",
    "arts and crafts": "crafts",
    "singing and music": "music",
    "hiking": "walking",
    "bikes": "cycling",
    "bike riding": "cycling",
    "coding": "technology",
    "computers": "technology",
    "karate": "martial arts",
    "judo": "martial arts",
    "animal": "animals",
    "pets": "animals",
    "books": "reading",
    "baking cakes": "baking",
}

_SPACE = re.compile(r"[\s_\-]+")
_KNOWN = frozenset(INTERESTS)


def normalise_tag(text: str) -> str:
    s = _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip(" .;,")
    if s in _KNOWN:
        return s
    if s in SYNONYMS:
        return SYNONYMS[s]
    for candidate in (s[:-1] if s.endswith("s") else None, s[:-2] if s.endswith("es") else None,
                      s + "s"):
        if candidate and candidate in _KNOWN:
            return candidate
        if candidate and candidate in SYNONYMS:
            return SYNONYMS[candidate]
    return s


def split_tags(text: str | None) -> list[str]:
    """A free-text list ("Football; drawing, swimming") as unique normalised tags, in order."""
    out: list[str] = []
    for part in split_list(text):
        tag = normalise_tag(part)
        if tag and tag not in out:
            out.append(tag)
    return out


def normalise_tags(tags: list[str]) -> list[str]:
    out: list[str] = []
    for t in tags:
        tag = normalise_tag(t)
        if tag and tag not in out:
            out.append(tag)
    return out


def unknown_tags(tags: list[str]) -> list[str]:
    return [t for t in tags if t not in _KNOWN]
