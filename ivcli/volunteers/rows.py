"""The volunteer record as it arrives (a CSV row or the flags of ``volunteer add``) and its
validation. Standard library only: the same rules for one volunteer typed at a terminal and for a
spreadsheet of the whole pool. Described for coordinators in docs/volunteer-csv.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from ivcli.enums import TRAINING_DATE_COURSE
from ivcli.importing.problems import RowProblem as BaseRowProblem
from ivcli.parsing import age_on, name_key, normalise_gender, parse_date, parse_email, parse_yes_no
from ivcli.specs import MAX_DEFAULT, VOLUNTEER, VOLUNTEER_MONITORING, rule

# The fields of a row, in CSV order, their synonyms and limits: the volunteer's record spec.
FIELDS: tuple[str, ...] = tuple(f.name for f in VOLUNTEER.inputs)
REQUIRED = VOLUNTEER.required
SYNONYMS: dict[str, tuple[str, ...]] = VOLUNTEER.synonyms

# The step each date column records (CSV column -> (step, number)).
STEP_COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("application_date", "application", None),
    ("interview_date", "interview", None),
    ("reference_1_date", "reference", "1"),
    ("reference_2_date", "reference", "2"),
    ("dbs_issue_date", "dbs", None),  # number: the certificate number
    ("dbs_status_check_date", "dbs_status_check", None),
    ("panel_date", "panel", None),
)
# The training course each date column records (CSV column -> course).
COURSE_COLUMNS: tuple[tuple[str, str], ...] = (("training_date", TRAINING_DATE_COURSE),)

DBS_LEVELS = {
    "enhanced": "enhanced",
    "enhanced with barred list": "enhanced_barred",
    "enhanced with barred list check": "enhanced_barred",
    "enhanced barred": "enhanced_barred",
    "enhanced_barred": "enhanced_barred",
    "enhanced + barred": "enhanced_barred",
    "enhanced and barred": "enhanced_barred",
}
DBS_OUTCOMES = ("clear", "information_disclosed")
# What a date in a spreadsheet records: the step as passed, as migration 011 takes the dates
# held before (docs/volunteer-csv.md). An unsatisfactory one is recorded with `volunteer check`.
IMPORTED_OUTCOME = {"reference": "satisfactory", "interview": "satisfactory", "panel": "approve"}

MAX_TEXT = VOLUNTEER.max_text
_PHONE = re.compile(r"^\+?[0-9 ()\-.]{7,25}$")


class RowProblem(BaseRowProblem):
    record = "volunteer"


@dataclass
class CheckRow:
    step: str
    date: date
    number: str | None = None
    level: str | None = None
    outcome: str | None = None
    update_service: bool | None = None


@dataclass
class VolunteerRow:
    line: int
    reference: str | None
    first_name: str
    last_name: str
    name_key: str
    date_of_birth: date
    gender: str | None
    email: str | None
    phone: str | None
    area: str | None
    languages: str | None
    interests: str | None
    coordinator: str | None
    notes: str | None
    checks: list[CheckRow] = field(default_factory=list)
    ethnicity: str | None = None
    faith: str | None = None
    disability: str | None = None
    trainings: list[tuple[str, date]] = field(default_factory=list)  # (course, date)


def parse_dbs_number(text: str) -> str | None:
    """A DBS certificate number: 12 digits (spaces ignored)."""
    s = re.sub(r"[\s\-]", "", text)
    if not s:
        return None
    if not (s.isdigit() and len(s) == 12):
        raise ValueError("not a DBS certificate number (12 digits)")
    return s


def parse_dbs_level(text: str) -> str | None:
    s = " ".join(text.split()).lower()
    if not s:
        return None
    try:
        return DBS_LEVELS[s]
    except KeyError:
        raise ValueError("not a DBS level (enhanced, or enhanced_barred: with the children's "
                         "barred list)") from None


def parse_dbs_outcome(text: str) -> str | None:
    s = "_".join(text.lower().split())
    if not s:
        return None
    if s not in DBS_OUTCOMES:
        raise ValueError("not a DBS outcome (clear or information_disclosed; the content of a "
                         "certificate is never recorded)")
    return s


def parse_phone(text: str) -> str | None:
    s = " ".join(text.split())
    if not s:
        return None
    if not _PHONE.match(s) or sum(ch.isdigit() for ch in s) < 7:
        raise ValueError("not a phone number")
    return s


def age_problem(date_of_birth: date, application_date: date, min_age: int) -> str | None:
    age = age_on(date_of_birth, application_date)
    if age < min_age:
        return (f"aged {age} on the application date; a volunteer must be {min_age} or over "
                "(setting volunteer.min_age)")
    return None


# A pool's CSV repeats the same dates many times; a date is immutable, so parses are shared
# (a failure raises again each time and is not cached).
_parse_date = lru_cache(maxsize=1 << 16)(parse_date)


def clean_text(key: str, raw: str) -> str | None:
    """A text field: at most its limit (``MAX_TEXT``, else ``MAX_DEFAULT``); spaces and line
    breaks collapsed (notes keep theirs). None when blank."""
    value = raw.strip()
    if not value:
        return None
    limit = MAX_TEXT.get(key, MAX_DEFAULT)
    if len(value) > limit:
        raise ValueError(f"longer than {limit} characters")
    return value if key == "notes" else " ".join(value.split())


def _text(raw: dict[str, str], key: str, problems: list[BaseRowProblem], line: int
          ) -> str | None:
    try:
        return clean_text(key, raw.get(key) or "")
    except ValueError as exc:
        problems.append(RowProblem(line, key, str(exc)))
        return None


def validate(
    raw: dict[str, str], line: int, today: date, min_age: int
) -> tuple[VolunteerRow | None, list[BaseRowProblem]]:
    """Check one raw volunteer (values as text) and return it clean, or its problems (each a
    volunteer ``RowProblem``)."""
    problems: list[BaseRowProblem] = []
    first = _text(raw, "first_name", problems, line)
    last = _text(raw, "last_name", problems, line)
    for key, value in (("first_name", first), ("last_name", last)):
        if value is None:
            problems.append(RowProblem(line, key, "is required"))

    def get_date(key: str, required: bool = False) -> date | None:
        value = (raw.get(key) or "").strip()
        if not value:
            if required:
                problems.append(RowProblem(line, key, "is required"))
            return None
        try:
            d = _parse_date(value)
        except ValueError as exc:
            problems.append(RowProblem(line, key, str(exc)))
            return None
        if d > today:
            problems.append(RowProblem(line, key, "is in the future"))
            return None
        return d

    def parse(key: str, parser):  # type: ignore[no-untyped-def]
        try:
            return parser(raw.get(key) or "")
        except ValueError as exc:
            problems.append(RowProblem(line, key, str(exc)))
            return None

    dob = get_date("date_of_birth", required=True)
    dates = {col: get_date(col, required=col in REQUIRED)
             for col in [c for c, _, _ in STEP_COLUMNS] + [c for c, _ in COURSE_COLUMNS]}
    if dob is not None:
        for col, d in dates.items():
            if d is not None and d < dob:
                problems.append(RowProblem(line, col, "is before the date of birth"))
        application = dates["application_date"]
        if application is not None:
            problem = age_problem(dob, application, min_age)
            if problem:
                problems.append(RowProblem(line, "date_of_birth", problem))

    email = parse("email", parse_email)
    phone = parse("phone", parse_phone)
    dbs_number = parse("dbs_number", parse_dbs_number)
    dbs_level = parse("dbs_level", parse_dbs_level)
    dbs_outcome = parse("dbs_outcome", parse_dbs_outcome)
    monitoring = {k: parse(k, rule(VOLUNTEER[k])) or None for k in VOLUNTEER_MONITORING}
    update_service = parse("dbs_update_service", parse_yes_no)
    has_dbs = bool((raw.get("dbs_issue_date") or "").strip())
    if has_dbs and dbs_number is None and not (raw.get("dbs_number") or "").strip():
        problems.append(RowProblem(line, "dbs_number", "is required with dbs_issue_date"))
    if not has_dbs:
        for key in ("dbs_number", "dbs_level", "dbs_outcome", "dbs_update_service"):
            if (raw.get(key) or "").strip() and (key != "dbs_update_service" or update_service):
                problems.append(RowProblem(line, key, "given without dbs_issue_date"))
    if (raw.get("dbs_status_check_date") or "").strip() and update_service is not True:
        problems.append(RowProblem(line, "dbs_status_check_date",
                                   "a status check needs dbs_update_service yes"))
    if (dates["dbs_status_check_date"] and dates["dbs_issue_date"]
            and dates["dbs_status_check_date"] < dates["dbs_issue_date"]):
        problems.append(RowProblem(line, "dbs_status_check_date",
                                   "is before the DBS issue date"))
    texts = {k: _text(raw, k, problems, line)
             for k in ("reference", "area", "languages", "interests", "coordinator", "notes")}
    if problems:
        return None, problems
    assert first is not None and last is not None and dob is not None
    checks = []
    for col, step, number in STEP_COLUMNS:
        d = dates[col]
        if d is None:
            continue
        if step == "dbs":
            checks.append(CheckRow(step, d, dbs_number, dbs_level, dbs_outcome,
                                   bool(update_service)))
        else:
            checks.append(CheckRow(step, d, number, outcome=IMPORTED_OUTCOME.get(step)))
    row = VolunteerRow(
        line=line,
        reference=texts["reference"],
        first_name=first,
        last_name=last,
        name_key=f"{name_key(first)}|{name_key(last)}",
        date_of_birth=dob,
        gender=normalise_gender(raw.get("gender") or ""),
        email=email,
        phone=phone,
        area=texts["area"],
        languages=texts["languages"],
        interests=texts["interests"],
        coordinator=texts["coordinator"],
        notes=texts["notes"],
        checks=checks,
        **monitoring,
        trainings=[(course, d) for col, course in COURSE_COLUMNS
                   if (d := dates[col]) is not None],
    )
    return row, []


# ---------------------------------------------------------------------------------------------
# One field at a time (``volunteer update``): the rules of ``validate`` above, for every field
# the spec marks updatable; a field without a rule of its own here takes the rule of its kind
# (``specs.rule``), so a field added to the spec and marked updatable is covered as it is.


Rule = Callable[[str], object]


def _required(parse: Rule) -> Rule:
    def check(raw: str) -> object:
        value = parse(raw)
        if value is None:
            raise ValueError("is required")
        return value
    return check


def _text_rule(key: str) -> Rule:
    return lambda raw: clean_text(key, raw)


_OWN_RULES: dict[str, Rule] = {
    "first_name": _required(_text_rule("first_name")),
    "last_name": _required(_text_rule("last_name")),
    "date_of_birth": _required(lambda raw: _parse_date(raw.strip()) if raw.strip() else None),
    "gender": normalise_gender,
    "email": parse_email,
    "phone": parse_phone,
}


def field_rules() -> dict[str, Rule]:
    """{field: rule} for each updatable field of the volunteer spec. A rule takes the raw text
    and returns the clean value (None or "" when blank) or raises ValueError."""
    return {f.name: _OWN_RULES.get(f.name) or (_text_rule(f.name) if f.kind == "text"
                                               else rule(f))
            for f in VOLUNTEER.fields if f.updatable}
