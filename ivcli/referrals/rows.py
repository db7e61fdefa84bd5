"""The referral as it arrives (a CSV row or the flags of ``referral add``), and its validation.

Plain Python and the standard library only, so a 100,000-row import validates quickly; the same
rules apply to one referral typed at the terminal and to a council's batch export.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from operator import itemgetter

from ivcli.enums import ReferrerRole
from ivcli.importing.problems import RowProblem as BaseRowProblem
from ivcli.parsing import name_key, normalise_gender, parse_date, parse_email, parse_yes_no
from ivcli.specs import CONSENT_CHOICES, MAX_DEFAULT, REFERRAL, YOUNG_PERSON, parse_choice, rule
from ivcli.vocab import split_tags

# The fields of a row, in CSV order, their synonyms, limits and kinds: the record specs of the
# young person and the referral (ivcli/specs.py).
INPUTS = YOUNG_PERSON.inputs + REFERRAL.inputs
FIELDS: tuple[str, ...] = tuple(f.name for f in INPUTS)
REQUIRED = tuple(f.name for f in INPUTS if f.required)
SYNONYMS: dict[str, tuple[str, ...]] = {**YOUNG_PERSON.synonyms, **REFERRAL.synonyms}
# The fields with a rule of their own here (``RowValidator``); every other field is checked by
# the rule of its kind (``specs.rule``): a one-line text, a yes/no or a choice.
OWN_RULE = ("first_name", "last_name", "date_of_birth", "referral_date", "gender",
            "ethnicity", "referrer_role", "referrer_email", "interests", "notes", "reoffer_date")
YES_NO = tuple(f.name for f in INPUTS if f.kind == "bool")
CHOICES = tuple(f.name for f in INPUTS if f.kind == "choice" and f.name not in OWN_RULE)
# Yes/no and choices: few distinct values, checked together on the fast path.
CODED = YES_NO + CHOICES
PLAIN_TEXT = tuple(f.name for f in INPUTS if f.kind == "text" and f.name not in OWN_RULE)
assert PLAIN_TEXT[0] == "reference"  # RowValidator checks texts[0] as the reference
assert not [f.name for f in INPUTS if f.name not in OWN_RULE + CODED + PLAIN_TEXT], \
    "a referral field of a kind with no generic rule needs a rule in RowValidator"

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

INPUTS_BY_NAME = {f.name: f for f in INPUTS}
MAX_TEXT = {**YOUNG_PERSON.max_text, **REFERRAL.max_text}

# The order of values in a clean row (and of the import's staging table): the fields with a
# rule of their own, then the coded fields, then the plain texts.
CLEAN: tuple[str, ...] = (
    "line",
    "first_name",
    "last_name",
    "name_key",
    "first_key",
    "last_key",
    "date_of_birth",
    "gender",
    "ethnicity",
    "profile",
    "referral_date",
    "referrer_role",
    "referrer_email",
    "interests",
    "notes",
    "reoffer_date",
    *CODED,
    *PLAIN_TEXT,
)
# The staged columns that ``intake.ingest`` inserts into each table, in the tables' order.
PERSON_COLUMNS = tuple(c for c in YOUNG_PERSON.columns if c in CLEAN)
REFERRAL_INSERT = tuple(c for c in REFERRAL.columns if c in CLEAN)
assert set(CLEAN) - {"line"} == set(PERSON_COLUMNS) | set(REFERRAL_INSERT)


class RowProblem(BaseRowProblem):
    record = "referral"


# ---------------------------------------------------------------------------------------------
# Rules across fields: consent (s23ZB(6)-(8)) and a care leaver's age. The one home of each,
# for a CSV row, ``referral add`` and ``referral update`` alike (docs/legal-status.md).

# The Children (Leaving Care) Act 2000: a care leaver is 16 or over.
CARE_LEAVER_MIN_AGE = 16
CARE_LEAVER_RULE = f"a care leaver is {CARE_LEAVER_MIN_AGE} or over (rule care_leaver_min_age)"


def parse_consent(raw: str) -> str:
    """The young person's answer: yes, no, not_now or best_interest; the yes/no forms of
    ``parse_yes_no`` (y, true, 1, ...) are yes and no, as a yes/no consent column was.
    ``""`` when blank."""
    try:
        answer = parse_yes_no(raw)
    except ValueError:
        return parse_choice(raw, CONSENT_CHOICES)
    return "" if answer is None else ("yes" if answer else "no")


def consent_problems(consent: str | None, understanding: str | None, decided_by: str | None,
                     note: str | None, reoffer: object) -> list[tuple[str, str]]:
    """What is wrong with a referral's consent taken together, as (field, problem) pairs:
    best_interest only with insufficient understanding, and then with who decided and why;
    not_now with a re-offer date, which no other answer takes."""
    out = []
    if consent == "best_interest":
        if understanding != "insufficient":
            out.append(("consent", "best_interest is only for a young person without "
                        "sufficient understanding (give --understanding insufficient)"))
        if not decided_by:
            out.append(("decided_by", "is required with consent best_interest (who decided)"))
        if not note:
            out.append(("consent_note", "is required with consent best_interest (why it is "
                        "in their best interest)"))
    if consent == "not_now" and not reoffer:
        out.append(("reoffer_date", "is required with consent not_now (when to offer again)"))
    if reoffer and consent != "not_now":
        out.append(("reoffer_date", "is only for consent not_now"))
    return out


def care_leaver_problem(date_of_birth: date, on: date) -> str | None:
    """Why a young person cannot be a care leaver on ``on`` (under 16), or None."""
    from ivcli.parsing import age_on

    age = age_on(date_of_birth, on)
    if age < CARE_LEAVER_MIN_AGE:
        return f"aged {age} on {on.isoformat()}: {CARE_LEAVER_RULE}"
    return None


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


class _Bad:
    """A cached parse failure."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


_MISS = object()
CACHE_LIMIT = 50_000


def _memo(fn):  # type: ignore[no-untyped-def]
    """Memoise a parser over raw cell text: council exports repeat the same values (dates,
    yes/no, roles, first names) thousands of times. Failures are cached as ``_Bad``."""
    cache: dict[str, object] = {}

    def get(raw: str) -> object:
        value = cache.get(raw, _MISS)
        if value is _MISS:
            try:
                value = fn(raw)
            except ValueError as exc:
                value = _Bad(str(exc))
            if len(cache) < CACHE_LIMIT:
                cache[raw] = value
        return value

    return get


def _date_or_none(raw: str) -> date | None:
    raw = raw.strip()
    return parse_date(raw) if raw else None


def _interests(raw: str) -> tuple[str | None, str | None]:
    text = raw.strip() or None
    if text is not None and len(text) > MAX_TEXT["interests"]:
        raise ValueError(f"longer than {MAX_TEXT['interests']} characters")
    tags = split_tags(text)
    return text, (json.dumps({"interests": tags}) if tags else None)


def _name(raw: str) -> tuple[str, str] | None:
    text = " ".join(raw.split())
    if not text:
        return None
    if len(text) > MAX_DEFAULT:
        raise ValueError(f"longer than {MAX_DEFAULT} characters")
    return text, name_key(text)


# What Excel makes of a long case number in a General or Number column: 123456789012 shows,
# and is saved to CSV, as 1.23457E+11 (4,56E+10 with a decimal comma). The digits are gone.
# (Never without an E: the fast path of RowValidator looks for one before trying the rule.)
EXCEL_SCIENTIFIC = re.compile(r"[0-9]+(?:[.,][0-9]+)?[eE][+-][0-9]+")
AS_TEXT = ("if it came through Excel, format the column as Text there (Excel drops leading "
           "zeros and shortens long numbers) and save the CSV again")
PATTERN_SETTING = "referral.reference_pattern"


def reference_problem(reference: str, pattern: re.Pattern[str] | None = None) -> str | None:
    """What is wrong with a council reference (stripped, not blank), or None: the one rule for
    ``referral add`` and the import. ``pattern`` is the scheme's ``referral.reference_pattern``,
    which the whole reference must match. Never quotes the value."""
    if EXCEL_SCIENTIFIC.fullmatch(reference):
        return ("looks like a number Excel turned into scientific notation (like 1.23457E+11): "
                f"the case number is lost; {AS_TEXT}")
    if pattern is not None and not pattern.fullmatch(reference):
        return (f"does not match the scheme's reference pattern {pattern.pattern} (setting "
                f"{PATTERN_SETTING}); {AS_TEXT}")
    return None


def compile_pattern(text: str | None) -> re.Pattern[str] | None:
    """The scheme's reference pattern, or None when it is not set (empty)."""
    return re.compile(text) if text else None


# One function per field rule, for ``referral add`` and CSV rows (``RowValidator``) and for
# ``referral update`` alike (``FIELD_RULES``). Each takes the raw text and returns the clean
# value or raises ValueError. A one-line text is ``specs.one_line``.


def notes_text(raw: str) -> str:
    """Notes: at most ``MAX_TEXT['notes']`` characters; line breaks kept. ``""`` when blank."""
    value = raw.strip()
    if len(value) > MAX_TEXT["notes"]:
        raise ValueError(f"longer than {MAX_TEXT['notes']} characters")
    return value


UNKNOWN = -1  # a yes/no left blank, as staged (see RowValidator)


class RowValidator:
    """Checks raw referral rows and returns them clean, in ``CLEAN`` order.

    ``positions`` gives, for each field present, its index in the row's cells.

    Council exports repeat the same values (dates, yes/no, roles, first names) thousands of
    times, so a row is first tried on a fast path: each cell (the ten yes/no cells together) is
    looked up among values already seen in a valid row. A row with any value not seen before
    takes the full check (``_check``), which is the reference for every rule, names every
    problem, and teaches the fast path the values of a row it finds valid.

    Clean rows are shaped for fast binding into SQLite: a missing text is ``""`` and a yes/no is
    1, 0 or ``UNKNOWN`` (-1), never None or bool, which Python's sqlite3 binds through its slow
    adapter protocol (about 7x slower). ``ingest`` turns them back into NULL with NULLIF.
    """

    def __init__(self, today: date, positions: dict[str, int],
                 reference_pattern: re.Pattern[str] | None = None):
        self.today = today
        self.reference_pattern = reference_pattern
        self.today_iso = today.isoformat()
        # Missing columns read the empty cell appended to every row (index -1); a row shorter
        # than the columns read is padded first.
        self.p = p = {f: positions.get(f, -1) for f in FIELDS}
        self.need = max(p.values()) + 1
        self.first = _memo(_name)
        self.last = _memo(_name)
        self.dob = _memo(_date_or_none)
        self.referral_date = _memo(_date_or_none)
        self.reoffer = _memo(_date_or_none)
        self.gender = _memo(normalise_gender)
        self.ethnicity = _memo(rule(INPUTS_BY_NAME["ethnicity"]))  # its code when known
        self.role = _memo(parse_role)
        self.email = _memo(parse_email)
        self.interests = _memo(_interests)
        self.yes_no_cache: dict[str, object] = {}
        self.flag_positions = [(k, p[k]) for k in CODED]
        # The rule of each choice (a yes/no: None, ``_yes_no``).
        self.choice_rules = {k: _memo(FIELD_RULES[k]) for k in CHOICES}
        self.text_positions = [(k, p[k]) for k in PLAIN_TEXT]
        # The cells the fast path leaves to the full check when they are set: a re-offer
        # date, a consent other than yes or no, a care leaver (the age rule).
        coded = {k: i for i, k in enumerate(CODED)}
        self.consent_at = coded["consent"]
        self.care_leaver_at = coded["care_leaver"]
        self.text_rules = [FIELD_RULES[k] for k in PLAIN_TEXT]
        # The fast path lets through texts no longer than the shortest limit.
        self.text_limit = min(INPUTS_BY_NAME[k].limit for k in PLAIN_TEXT)
        self.notes_limit = MAX_TEXT["notes"]
        # The fast path: cells picked out in C, values seen in valid rows.
        self.pick = itemgetter(p["first_name"], p["last_name"], p["date_of_birth"],
                               p["referral_date"], p["gender"], p["referrer_role"],
                               p["referrer_email"], p["interests"], p["notes"],
                               p["ethnicity"], p["reoffer_date"])
        self.pick_flags = itemgetter(*(i for _, i in self.flag_positions))
        self.pick_texts = itemgetter(*(i for _, i in self.text_positions))
        self.seen_names: dict[str, tuple[str, str]] = {}
        self.seen_dates: dict[str, str] = {}
        self.seen_flags: dict[tuple[str, ...], tuple[int, ...]] = {}
        self.seen_gender: dict[str, str] = {}
        self.seen_ethnicity: dict[str, str] = {}
        self.seen_role: dict[str, str] = {}
        self.seen_email: dict[str, str] = {}
        self.seen_interests: dict[str, tuple[str, str]] = {}

    def __call__(self, line: int, cells: list[str]) -> tuple[tuple | None, list[BaseRowProblem]]:
        if len(cells) < self.need:
            cells.extend([""] * (self.need - len(cells)))
        cells.append("")
        first_raw, last_raw, dob_raw, ref_raw, gender, role, email, interests, notes, \
            ethnic, reoffer = self.pick(cells)
        names, dates = self.seen_names, self.seen_dates
        try:
            first_name, first_key = names[first_raw]
            last_name, last_key = names[last_raw]
            dob, referred = dates[dob_raw], dates[ref_raw]
            flags = self.seen_flags[self.pick_flags(cells)]
            gender_value = self.seen_gender[gender]
            ethnicity_value = self.seen_ethnicity[ethnic]
            role_value = self.seen_role[role]
            email_value = self.seen_email[email]
            interest_text, profile = self.seen_interests[interests]
        except KeyError:  # a value not seen in a valid row yet
            return self._check(line, cells)
        texts = list(map(str.strip, self.pick_texts(cells)))
        joined = "".join(texts)  # their total length bounds each one's
        notes = notes.strip()
        today = self.today_iso
        if (dob > today or referred > today or referred < dob
                or flags[self.consent_at] not in ("yes", "no", "")
                or (flags[self.care_leaver_at] == 1
                    and f"{int(referred[:4]) - CARE_LEAVER_MIN_AGE:04d}{referred[4:]}" < dob)
                or (reoffer and reoffer.strip())
                or len(notes) > self.notes_limit
                or (len(joined) > self.text_limit and max(map(len, texts)) > self.text_limit)
                or "\n" in joined or "\r" in joined
                or ((ref := texts[0]) and (self.reference_pattern or "E" in ref or "e" in ref)
                    and reference_problem(ref, self.reference_pattern))):
            return self._check(line, cells)
        return (
            line, first_name, last_name, f"{first_key}|{last_key}", first_key, last_key, dob,
            gender_value, ethnicity_value, profile, referred, role_value, email_value,
            interest_text, notes, "",
            *flags, *texts,
        ), []

    def _learn(self, cells: list[str], row: tuple) -> None:
        """Remember the values of a valid row for the fast path."""
        if max(len(self.seen_names), len(self.seen_dates), len(self.seen_email),
               len(self.seen_interests)) >= CACHE_LIMIT:
            return
        c = CLEAN_POSITIONS
        first_raw, last_raw, dob_raw, ref_raw, gender, role, email, interests, _, ethnic, _ = \
            self.pick(cells)
        self.seen_names[first_raw] = (row[c["first_name"]], row[c["first_key"]])
        self.seen_names[last_raw] = (row[c["last_name"]], row[c["last_key"]])
        self.seen_dates[dob_raw] = row[c["date_of_birth"]]
        self.seen_dates[ref_raw] = row[c["referral_date"]]
        if len(self.seen_flags) < CACHE_LIMIT:
            self.seen_flags[self.pick_flags(cells)] = tuple(row[c[k]] for k in CODED)
        self.seen_gender[gender] = row[c["gender"]]
        self.seen_ethnicity[ethnic] = row[c["ethnicity"]]
        self.seen_role[role] = row[c["referrer_role"]]
        self.seen_email[email] = row[c["referrer_email"]]
        self.seen_interests[interests] = (row[c["interests"]], row[c["profile"]])

    def _yes_no(self, raw: str) -> object:
        try:
            value = parse_yes_no(raw)
        except ValueError as exc:
            return _Bad(str(exc))
        result = UNKNOWN if value is None else int(value)
        if len(self.yes_no_cache) < CACHE_LIMIT:
            self.yes_no_cache[raw] = result
        return result

    def _check(self, line: int, cells: list[str]) -> tuple[tuple | None, list[BaseRowProblem]]:
        """Every rule, every problem named (``cells`` already padded)."""
        p = self.p
        problems: list[BaseRowProblem] = []
        first = self.first(cells[p["first_name"]])
        last = self.last(cells[p["last_name"]])
        dob = self.dob(cells[p["date_of_birth"]])
        referred = self.referral_date(cells[p["referral_date"]])
        for key, value in (("first_name", first), ("last_name", last),
                           ("date_of_birth", dob), ("referral_date", referred)):
            if value is None:
                problems.append(RowProblem(line, key, "is required"))
            elif value.__class__ is _Bad:
                problems.append(RowProblem(line, key, value.message))  # type: ignore[union-attr]
        dob_ok = dob.__class__ is date
        ref_ok = referred.__class__ is date
        if dob_ok and dob > self.today:  # type: ignore[operator]
            problems.append(RowProblem(line, "date_of_birth", "is in the future"))
            dob_ok = False
        if ref_ok and referred > self.today:  # type: ignore[operator]
            problems.append(RowProblem(line, "referral_date", "is in the future"))
        if dob_ok and ref_ok and referred < dob:  # type: ignore[operator]
            problems.append(RowProblem(line, "referral_date", "is before the date of birth"))
        reoffer = self.reoffer(cells[p["reoffer_date"]])
        if reoffer.__class__ is _Bad:
            problems.append(RowProblem(line, "reoffer_date",
                                       reoffer.message))  # type: ignore[union-attr]
            reoffer = None
        flags = []
        cache = self.yes_no_cache
        choice_rules = self.choice_rules
        for key, i in self.flag_positions:
            raw = cells[i]
            choice = choice_rules.get(key)
            value = cache.get(raw) if choice is None else choice(raw)
            if value is None:
                value = self._yes_no(raw)
            if value.__class__ is _Bad:
                problems.append(RowProblem(line, key, value.message))  # type: ignore[union-attr]
            flags.append(value)
        texts = []
        for (key, i), text_rule in zip(self.text_positions, self.text_rules, strict=True):
            try:
                value = text_rule(cells[i])
            except ValueError as exc:
                problems.append(RowProblem(line, key, str(exc)))
                value = ""
            texts.append(value)
        if texts[0] and (wrong := reference_problem(texts[0], self.reference_pattern)):
            problems.append(RowProblem(line, "reference", wrong))
        coded = dict(zip(CODED, flags, strict=True))
        text_of = dict(zip(PLAIN_TEXT, texts, strict=True))
        if coded["consent"].__class__ is str:
            for key, problem in consent_problems(
                    coded["consent"], coded["understanding"]  # type: ignore[arg-type]
                    if coded["understanding"].__class__ is str else None,
                    text_of["decided_by"], text_of["consent_note"], reoffer):
                problems.append(RowProblem(line, key, problem))
        if coded["care_leaver"] == 1 and dob_ok and ref_ok and (
                wrong := care_leaver_problem(dob, referred)):  # type: ignore[arg-type]
            problems.append(RowProblem(line, "care_leaver", wrong))
        gender = self.gender(cells[p["gender"]])
        ethnicity = self.ethnicity(cells[p["ethnicity"]])
        role = self.role(cells[p["referrer_role"]])
        email = self.email(cells[p["referrer_email"]])
        interests = self.interests(cells[p["interests"]])
        for key, value in (("ethnicity", ethnicity), ("referrer_role", role),
                           ("referrer_email", email), ("interests", interests)):
            if value.__class__ is _Bad:
                problems.append(RowProblem(line, key, value.message))  # type: ignore[union-attr]
        try:
            notes = notes_text(cells[p["notes"]])
        except ValueError as exc:
            problems.append(RowProblem(line, "notes", str(exc)))
            notes = ""
        if problems:
            return None, problems
        first_name, first_key = first  # type: ignore[misc]
        last_name, last_key = last  # type: ignore[misc]
        interest_text, profile = interests  # type: ignore[misc]
        row = (
            line,
            first_name,
            last_name,
            f"{first_key}|{last_key}",
            first_key,
            last_key,
            dob.isoformat(),  # type: ignore[union-attr]
            gender or "",
            ethnicity,
            profile or "",
            referred.isoformat(),  # type: ignore[union-attr]
            role or "",
            email or "",
            interest_text or "",
            notes,
            reoffer.isoformat() if reoffer else "",  # type: ignore[attr-defined]
            *flags,
            *texts,
        )
        self._learn(cells, row)
        return row, []




# The rule of each field that is checked on its own (not against another field): what
# ``referral update`` and ``young-person update`` run, the same functions as ``RowValidator``
# (blank is ``""`` or None).
def name_text(raw: str) -> str:
    """A first or last name (one line, spaces collapsed); required."""
    name = _name(raw)
    if name is None:
        raise ValueError("is required")
    return name[0]


def required_date(raw: str) -> date:
    """A date (``parsing.parse_date``); required. Whether it may be in the future, or before
    the date of birth, is the caller's check (it needs the other fields)."""
    day = _date_or_none(raw)
    if day is None:
        raise ValueError("is required")
    return day


def interests_text(raw: str) -> str:
    """Interests as typed (the text; ``_interests`` also makes the profile's tags)."""
    return _interests(raw)[0] or ""


FIELD_RULES: dict[str, Callable[[str], object]] = {
    **dict.fromkeys(YES_NO, parse_yes_no),
    **{k: rule(INPUTS_BY_NAME[k]) for k in PLAIN_TEXT + CHOICES},
    "first_name": name_text,
    "last_name": name_text,
    "date_of_birth": required_date,
    "referral_date": required_date,
    "gender": lambda raw: normalise_gender(raw) or "",
    "ethnicity": rule(INPUTS_BY_NAME["ethnicity"]),
    "referrer_role": parse_role,
    "referrer_email": parse_email,
    "interests": interests_text,
    "notes": notes_text,
    "consent": parse_consent,
    "reoffer_date": _date_or_none,
}

FIELD_POSITIONS = {f: i for i, f in enumerate(FIELDS)}
CLEAN_POSITIONS = {f: i for i, f in enumerate(CLEAN)}


def validate(raw: dict[str, str], line: int, today: date,
             reference_pattern: re.Pattern[str] | None = None,
             ) -> tuple[tuple | None, list[BaseRowProblem]]:
    """Check one raw referral given as {field: text} (e.g. the flags of ``referral add``)."""
    return RowValidator(today, FIELD_POSITIONS, reference_pattern)(
        line, [raw.get(f) or "" for f in FIELDS])


# The staged columns whose blank is "" (stored as NULL).
TEXT_COLUMNS = frozenset(
    f.name for f in YOUNG_PERSON.fields + REFERRAL.fields
    if f.kind in ("text", "choice") and f.erase != "empty"
)


OPTIONAL_DATES = frozenset(f.name for f in INPUTS if f.kind == "date" and not f.required)


def sql_value(column: str, alias: str = "") -> str:
    """The SQL expression that turns a staged column back into its stored value (NULL for
    blank text and for an unknown yes/no)."""
    name = f"{alias}{column}"
    if column in TEXT_COLUMNS:
        return f"NULLIF({name}, '')"
    if column in YES_NO:
        return f"NULLIF({name}, {UNKNOWN})"
    if column in OPTIONAL_DATES:
        return f"NULLIF({name}, '')"
    return name
