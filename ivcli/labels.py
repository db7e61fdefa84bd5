"""People-facing labels for the codes ivcli stores: ``weekday_after_school`` is shown as
"Weekday after school", ``social_worker`` as "Social worker", ``iro`` as "IRO".

The one home of them. Tables (``render.print_table`` and ``render.print_record``) label the
values of the fields in ``CODE_FIELDS``; prompts (``prompts.select`` and ``prompts.checkbox``)
show labels while the answer stays the code. JSON and CSV keep the codes, for scripts and
spreadsheets. Standard library only.
"""

from __future__ import annotations

import re

# Fields whose values are codes (statuses, reasons, choices, slots). Free text, names and areas
# are never labelled: only what ivcli itself chose the spelling of.
CODE_FIELDS = frozenset({
    "status", "end_reason", "referrer_role", "cost_type", "with_whom", "event", "step",
    "state", "level", "dbs_level", "outcome", "dbs_outcome", "availability", "iv_gender",
})

# Codes whose label is not just the code in words.
_SPECIAL = {
    "iro": "IRO (Independent Reviewing Officer)",
    "self": "Self-referral",
    "dbs": "Enhanced DBS check",
    "dbs_status_check": "DBS Update Service status check",
    "enhanced_barred": "Enhanced with barred lists",
    "young_person_choice": "Young person's choice",
    "any": "No preference",
    "not known": "Not known",
    "non-binary": "Non-binary",
}

_CODE = re.compile(r"[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*")
_cache: dict[str, str] = {}


def label(code: object) -> str:
    """The label for one code: ``social_worker`` -> "Social worker". Anything that is not a
    code (text with spaces or capitals, numbers) comes back as it is."""
    text = "" if code is None else str(code)
    found = _cache.get(text)
    if found is None:
        found = _SPECIAL.get(text)
        if found is None:
            found = (text[:1].upper() + text[1:].replace("_", " ").replace("-", " ")
                     if _CODE.fullmatch(text) else text)
        _cache[text] = found
    return found


def shown(field: str, value: object) -> object:
    """A value as a table shows it: labelled when ``field`` holds codes (each item of a list),
    as it is otherwise."""
    if field not in CODE_FIELDS or value is None or isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        return [label(v) for v in value]
    if isinstance(value, str):
        return label(value)
    return value
