"""Ethnicity as councils record and report it: the DfE ethnicity codes of the children looked
after return (SSDA903), the 2011 census categories, and a mapping from the spellings council
exports and people use ("White British", "white - british", "Asian or Asian British:
Pakistani", "Mixed White and Black Caribbean", "refused", ...). The one home of the list and
the mapping (docs/ethnicity.md). Standard library only.

A young person's or volunteer's ethnicity is stored as its code (``WBRI``) when the mapping
knows the text; other text is kept as given and counted as "not mapped" (``not_mapped``).
"""

from __future__ import annotations

import re

# The codes in the DfE's order, with their labels.
CODES: dict[str, str] = {
    "WBRI": "White British",
    "WIRI": "White Irish",
    "WIRT": "Traveller of Irish heritage",
    "WOTH": "Any other White background",
    "WROM": "Gypsy/Roma",
    "MWBC": "Mixed White and Black Caribbean",
    "MWBA": "Mixed White and Black African",
    "MWAS": "Mixed White and Asian",
    "MOTH": "Any other mixed background",
    "AIND": "Indian",
    "APKN": "Pakistani",
    "ABAN": "Bangladeshi",
    "AOTH": "Any other Asian background",
    "BCRB": "Black Caribbean",
    "BAFR": "Black African",
    "BOTH": "Any other Black background",
    "CHNE": "Chinese",
    "OOTH": "Any other ethnic group",
    "REFU": "Refused",
    "NOBT": "Information not yet obtained",
}

# Other spellings of each code (the code and its label are spellings too). Compared after
# ``key``: lower case, punctuation as spaces, and the words and, or, of, background, heritage,
# group(s), ethnic left out.
SPELLINGS: dict[str, tuple[str, ...]] = {
    "WBRI": ("british", "white british", "white uk", "white english", "english", "white welsh",
             "welsh", "white scottish", "scottish", "white northern irish", "british white",
             "white english welsh scottish northern irish british",
             "white english scottish welsh northern irish british"),
    "WIRI": ("irish", "white irish"),
    "WIRT": ("traveller irish", "irish traveller", "white irish traveller",
             "white traveller irish", "traveller"),
    "WOTH": ("any other white", "other white", "white other", "white any other",
             "white european", "white eastern european", "eastern european", "white polish",
             "polish", "white other european", "european"),
    "WROM": ("gypsy roma", "gypsy", "roma", "romany", "white gypsy roma", "white gypsy",
             "white roma", "gypsy romany"),
    "MWBC": ("mixed white black caribbean", "white black caribbean",
             "mixed black caribbean white", "black caribbean white"),
    "MWBA": ("mixed white black african", "white black african", "mixed black african white",
             "black african white"),
    "MWAS": ("mixed white asian", "white asian", "mixed asian white", "asian white"),
    "MOTH": ("any other mixed", "other mixed", "mixed other", "mixed any other",
             "any other mixed multiple", "mixed multiple other"),
    "AIND": ("indian", "asian indian", "british indian", "indian british"),
    "APKN": ("pakistani", "asian pakistani", "british pakistani", "pakistani british"),
    "ABAN": ("bangladeshi", "asian bangladeshi", "british bangladeshi",
             "bangladeshi british"),
    "AOTH": ("any other asian", "other asian", "asian other", "asian any other"),
    "BCRB": ("caribbean", "black caribbean", "black british caribbean",
             "caribbean british"),
    "BAFR": ("african", "black african", "black british african", "african british"),
    "BOTH": ("any other black", "other black", "black other", "black any other",
             "any other black african caribbean"),
    "CHNE": ("chinese", "asian chinese", "chinese british", "british chinese"),
    "OOTH": ("any other", "other", "any other ethnic", "other ethnic", "arab", "arab british",
             "british arab", "other arab", "any other ethnic arab"),
    "REFU": ("refused", "information refused", "declined", "declined to say",
             "prefer not to say", "not stated", "refused to say"),
    "NOBT": ("information not yet obtained", "not yet obtained", "not obtained", "not known",
             "unknown", "not yet known"),
}

# Broad headings that come before the category in many exports ("Asian or Asian British:
# Indian", "Black / Black British - African", "Mixed: White and Asian").
_HEADINGS = ("asian asian british ", "asian british ", "black black british ",
             "black african caribbean black british ", "black british ", "mixed multiple ",
             "mixed ", "white ", "british ")
_DROP = frozenset(("and", "or", "of", "background", "heritage", "group", "groups", "ethnic",
                   "ethnicity"))
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def key(text: str) -> str:
    """Text folded for comparison: lower case, punctuation as spaces, filler words out."""
    words = _NOT_WORD.sub(" ", text.casefold().replace("&", " and ")).split()
    return " ".join(w for w in words if w not in _DROP)


_LOOKUP: dict[str, str] = {}
for _code, _label in CODES.items():
    for _spelling in (_code, _label, *SPELLINGS[_code]):
        _k = key(_spelling)
        assert _LOOKUP.get(_k, _code) == _code, (_spelling, _code, _LOOKUP.get(_k))
        _LOOKUP[_k] = _code


def code_for(text: str) -> str | None:
    """The code ``text`` names, or None when the mapping does not know it."""
    k = key(text)
    found = _LOOKUP.get(k)
    if found is None:
        for heading in _HEADINGS:
            if k.startswith(heading) and (found := _LOOKUP.get(k[len(heading):])):
                break
    return found


def record(text: str) -> str:
    """What to store for ``text`` (already one clean line): its code when mapped, else the
    text as given (``""`` stays ``""``)."""
    return (code_for(text) or text) if text else text


# The stored values that are not "not mapped": the codes, and a volunteer's monitoring answer
# prefer_not_to_say (specs.PREFER_NOT_TO_SAY).
KNOWN = frozenset((*CODES, "prefer_not_to_say"))


def not_mapped(value: str | None) -> bool:
    """Whether a stored value is text the mapping did not know (not a code, not blank)."""
    return bool(value) and value not in KNOWN


def label(value: str) -> str:
    """A stored value as a person reads it: the label of a code, other text as it is."""
    return CODES.get(value, value)
