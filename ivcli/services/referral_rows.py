"""The referral record as it arrives (a CSV row or the flags of ``referral add``) and its validation.

Plain Python and the standard library only, so a 100,000-row import validates quickly; the same
rules apply to one referral typed at the terminal and to a council's batch export.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from ivcli.enums import ADDITIONAL_CRITERIA, CORE_CRITERIA, ReferrerRole
from ivcli.parsing import name_key, normalise_gender, parse_date, parse_email, parse_yes_no
from ivcli.vocab import split_tags

FIELDS: tuple[str, ...] = (
    "reference",
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "ethnicity",
    "disability",
    "care_leaver",
    "local_authority",
    "area",
    "placement_type",
    "referral_date",
    "referrer_name",
    "referrer_role",
    "referrer_email",
    *CORE_CRITERIA,
    *ADDITIONAL_CRITERIA,
    "interests",
    "notes",
)
REQUIRED = ("first_name", "last_name", "date_of_birth", "referral_date")
YES_NO = ("disability", "care_leaver", *CORE_CRITERIA, *ADDITIONAL_CRITERIA)

SYNONYMS: dict[str, tuple[str, ...]] = {
    "reference": ("ref", "case number", "case no", "case ref", "case id", "council reference",
                  "la reference", "child id", "person id", "mosaic id", "lcs id", "id"),
    "first_name": ("forename", "forenames", "given name", "given names", "first names",
                   "firstname", "christian name"),
    "last_name": ("surname", "family name", "lastname"),
    "date_of_birth": ("dob", "birth date", "birthdate", "d.o.b."),
    "gender": ("sex",),
    "disability": ("disabled", "additional needs", "disability or additional needs",
                   "disability/additional needs", "send", "sen"),
    "care_leaver": ("leaving care", "care leaver status", "is care leaver"),
    "local_authority": ("la", "council", "authority", "responsible authority"),
    "area": ("district", "locality", "area of residence", "postcode district"),
    "placement_type": ("placement", "placement kind"),
    "referral_date": ("date referred", "referred on", "date of referral", "referral received",
                      "date received"),
    "referrer_name": ("referred by", "referrer", "referrer full name"),
    "referrer_role": ("role of referrer", "referrer type"),
    "referrer_email": ("referrer e-mail", "email", "e-mail"),
    "long_term_care_plan": ("care plan", "long term plan", "long-term care plan"),
    "consent": ("young person consent", "yp consent", "consent given"),
    "carer_support": ("carer supportive", "carers support", "carers supportive"),
    "social_isolation": ("isolated", "socially isolated"),
    "placement_instability": ("unstable placement",),
    "no_family_contact": ("no contact with family", "family contact none"),
    "single_carer_placement": ("single carer",),
    "relationship_difficulty": ("relationship difficulties",
                                "difficulty forming relationships"),
    "interests": ("hobbies", "likes"),
    "notes": ("note", "comments", "comment"),
}

ROLE_SYNONYMS: dict[str, str] = {
    "social worker": "social_worker",
    "sw": "social_worker",
    "socialworker": "social_worker",
    "iro": "iro",
    "independent reviewing officer": "iro",
    "personal adviser": "personal_adviser",
    "personal advisor": "personal_adviser",
    "pa": "personal_adviser",
    "other": "other_professional",
    "other professional": "other_professional",
    "professional": "other_professional",
    "self": "self",
    "self-referral": "self",
    "self referral": "self",
    "young person": "self",
}
for _r in ReferrerRole:
    ROLE_SYNONYMS[_r.value] = _r.value
    ROLE_SYNONYMS[_r.value.replace("_", " ")] = _r.value

MAX_TEXT = {"notes": 10_000, "interests": 2_000}
MAX_DEFAULT = 200

# The order of values in a clean row (and of the import's staging table).
CLEAN: tuple[str, ...] = (
    "line",
    "reference",
    "first_name",
    "last_name",
    "name_key",
    "first_key",
    "last_key",
    "date_of_birth",
    "gender",
    "ethnicity",
    "disability",
    "care_leaver",
    "local_authority",
    "area",
    "placement_type",
    "profile",
    "referral_date",
    "referrer_name",
    "referrer_role",
    "referrer_email",
    *CORE_CRITERIA,
    *ADDITIONAL_CRITERIA,
    "interests",
    "notes",
)


@dataclass
class RowProblem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "referral"
        return f"{where}, {self.column}: {self.message}"


def parse_role(text: str) -> str | None:
    s = " ".join(text.split()).lower()
    if not s:
        return None
    role = ROLE_SYNONYMS.get(s)
    if role is None:
        raise ValueError(
            "not a referrer role (social_worker, iro, personal_adviser, other_professional, self)"
        )
    return role


def _text(raw: dict[str, str], key: str, problems: list[RowProblem], line: int) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    limit = MAX_TEXT.get(key, MAX_DEFAULT)
    if len(value) > limit:
        problems.append(RowProblem(line, key, f"longer than {limit} characters"))
    if key not in ("notes", "interests") and ("\n" in value or "\r" in value):
        value = " ".join(value.split())
    return value


def validate(raw: dict[str, str], line: int, today: date) -> tuple[tuple | None, list[RowProblem]]:
    """Check one raw referral and return it as a clean row (in ``CLEAN`` order) or its problems."""
    problems: list[RowProblem] = []
    first = _text(raw, "first_name", problems, line)
    last = _text(raw, "last_name", problems, line)
    if first is None:
        problems.append(RowProblem(line, "first_name", "is required"))
    if last is None:
        problems.append(RowProblem(line, "last_name", "is required"))

    def get_date(key: str) -> date | None:
        value = (raw.get(key) or "").strip()
        if not value:
            problems.append(RowProblem(line, key, "is required"))
            return None
        try:
            return parse_date(value)
        except ValueError as exc:
            problems.append(RowProblem(line, key, str(exc)))
            return None

    dob = get_date("date_of_birth")
    referral_date = get_date("referral_date")
    if dob is not None and dob > today:
        problems.append(RowProblem(line, "date_of_birth", "is in the future"))
        dob = None
    if referral_date is not None and referral_date > today:
        problems.append(RowProblem(line, "referral_date", "is in the future"))
    if dob is not None and referral_date is not None and referral_date < dob:
        problems.append(RowProblem(line, "referral_date", "is before the date of birth"))

    flags: dict[str, bool | None] = {}
    for key in YES_NO:
        value = raw.get(key)
        if value is None:
            flags[key] = None
            continue
        try:
            flags[key] = parse_yes_no(value)
        except ValueError as exc:
            problems.append(RowProblem(line, key, str(exc)))

    role = email = None
    try:
        role = parse_role(raw.get("referrer_role") or "")
    except ValueError as exc:
        problems.append(RowProblem(line, "referrer_role", str(exc)))
    try:
        email = parse_email(raw.get("referrer_email") or "")
    except ValueError as exc:
        problems.append(RowProblem(line, "referrer_email", str(exc)))

    texts = {
        k: _text(raw, k, problems, line)
        for k in ("reference", "ethnicity", "local_authority", "area", "placement_type",
                  "referrer_name", "interests", "notes")
    }
    if problems:
        return None, problems
    assert first is not None and last is not None and dob is not None
    fk, lk = name_key(first), name_key(last)
    tags = split_tags(texts["interests"])
    profile = json.dumps({"interests": tags}) if tags else None
    row = (
        line,
        texts["reference"],
        first,
        last,
        f"{fk}|{lk}",
        fk,
        lk,
        dob.isoformat(),
        normalise_gender(raw.get("gender") or ""),
        texts["ethnicity"],
        flags["disability"],
        flags["care_leaver"],
        texts["local_authority"],
        texts["area"],
        texts["placement_type"],
        profile,
        referral_date.isoformat() if referral_date else None,
        texts["referrer_name"],
        role,
        email,
        *(flags[k] for k in CORE_CRITERIA),
        *(flags[k] for k in ADDITIONAL_CRITERIA),
        texts["interests"],
        texts["notes"],
    )
    return row, []
