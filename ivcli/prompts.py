"""Every questionary call, behind small functions returning plain values.

``unsafe_ask`` lets Ctrl-C raise KeyboardInterrupt (exit 130 at the error boundary) instead of
returning None. Callers decide whether prompting is allowed (``can_prompt``); nothing here checks.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import date

import questionary

from ivcli import labels


def _ask(question: questionary.Question):  # type: ignore[no-untyped-def]
    """Ask; input that ends (Ctrl-D, a closed pipe) before an answer is a missing value (exit 2),
    never a hang or a traceback."""
    try:
        return question.unsafe_ask()
    except EOFError:
        from ivcli.errors import MissingValue

        raise MissingValue("the input ended before every question was answered; "
                           "nothing was changed") from None


def can_prompt(no_input: bool) -> bool:
    """Prompt only for a person at a terminal, never for a script or with --no-input."""
    return not no_input and sys.stdin.isatty() and sys.stdout.isatty()


def text(
    label: str,
    *,
    default: str = "",
    required: bool = False,
    validate: Callable[[str], str | None] | None = None,
) -> str:
    def check(value: str) -> bool | str:
        if required and not value.strip():
            return "required"
        if validate and value.strip():
            problem = validate(value)
            if problem:
                return problem
        return True

    return str(_ask(questionary.text(label, default=default, validate=check))).strip()


def confirm(label: str, *, default: bool = False) -> bool:
    return bool(_ask(questionary.confirm(label, default=default)))


def yes_no_unknown(label: str) -> bool | None:
    answer = select(label, ["yes", "no", "not known"])
    return {"yes": True, "no": False}.get(answer)


def select(label: str, choices: Sequence[str], *, default: str | None = None) -> str:
    """One of ``choices``, each shown by its label (``ivcli.labels``); the answer is the code."""
    items = [questionary.Choice(labels.label(c), value=c) for c in choices]
    return str(_ask(questionary.select(label, choices=items, default=default)))


def checkbox(label: str, choices: Sequence[str], *, checked: Sequence[str] = ()) -> list[str]:
    """Some of ``choices``, shown by their labels; the answers are the codes."""
    items = [questionary.Choice(labels.label(c), value=c, checked=c in checked)
             for c in choices]
    return list(_ask(questionary.checkbox(label, choices=items)))


def ask_referral(raw: dict[str, str | None]) -> None:
    """Fill in the missing parts of a referral at the terminal. Edits ``raw`` in place."""
    from datetime import date

    from ivcli.enums import ADDITIONAL_CRITERIA, CORE_CRITERIA, CRITERIA_LABELS, ReferrerRole
    from ivcli.parsing import parse_date

    def date_problem(value: str) -> str | None:
        try:
            parse_date(value)
        except ValueError as exc:
            return str(exc)
        return None

    for key, label in (("first_name", "First name"), ("last_name", "Last name")):
        if not raw.get(key):
            raw[key] = text(f"{label}:", required=True)
    if not raw.get("date_of_birth"):
        raw["date_of_birth"] = text("Date of birth (31/01/2015):", required=True,
                                    validate=date_problem)
    if not raw.get("referral_date"):
        raw["referral_date"] = text("Referral date:", default=date.today().strftime("%d/%m/%Y"),
                                    required=True, validate=date_problem)
    if not raw.get("reference"):
        raw["reference"] = text("Council reference (blank if none):")
    if not raw.get("gender"):
        raw["gender"] = select("Gender:", ["female", "male", "non-binary", "not known"])
        if raw["gender"] == "not known":
            raw["gender"] = ""
    for key, label in (("care_leaver", "A care leaver?"),
                       ("disability", "Disability or additional needs?")):
        if raw.get(key) is None:
            answer = yes_no_unknown(label)
            raw[key] = "" if answer is None else ("yes" if answer else "no")
    if not raw.get("referrer_role"):
        raw["referrer_role"] = select("Referred by (role):", [r.value for r in ReferrerRole])
    if not raw.get("referrer_name") and raw["referrer_role"] != "self":
        raw["referrer_name"] = text("Referrer's name:")
    for key in CORE_CRITERIA:
        if raw.get(key) is None:
            answer = yes_no_unknown(f"Core criterion: {CRITERIA_LABELS[key]}?")
            raw[key] = "" if answer is None else ("yes" if answer else "no")
    missing_additional = [k for k in ADDITIONAL_CRITERIA if raw.get(k) is None]
    if missing_additional:
        labels = {CRITERIA_LABELS[k]: k for k in missing_additional}
        chosen = checkbox("Additional criteria that apply:", list(labels))
        for label, key in labels.items():
            raw[key] = "yes" if label in chosen else "no"
    if not raw.get("interests"):
        raw["interests"] = text("Interests (separated by ;):")


def _date_problem(value: str) -> str | None:
    from ivcli.parsing import parse_date

    try:
        parse_date(value)
    except ValueError as exc:
        return str(exc)
    return None


def date_text(label: str, *, default: str = "", required: bool = True) -> str:
    """A date typed day first (31/01/2026) or ISO, checked as it is typed."""
    return text(label, default=default, required=required, validate=_date_problem)


def ask_volunteer(raw: dict[str, str | None]) -> None:
    """Fill in the missing parts of a new volunteer at the terminal. Edits ``raw`` in place."""
    from datetime import date

    for key, label in (("first_name", "First name"), ("last_name", "Last name")):
        if not raw.get(key):
            raw[key] = text(f"{label}:", required=True)
    if not raw.get("date_of_birth"):
        raw["date_of_birth"] = date_text("Date of birth (31/01/1990):")
    if not raw.get("application_date"):
        raw["application_date"] = date_text(
            "Application date:", default=date.today().strftime("%d/%m/%Y"))
    if not raw.get("gender"):
        raw["gender"] = select("Gender:", ["female", "male", "non-binary", "not known"])
        if raw["gender"] == "not known":
            raw["gender"] = ""
    for key, label in (("email", "Email (blank if none):"), ("phone", "Phone (blank if none):"),
                       ("area", "Area or district they live in:"),
                       ("languages", "Languages (separated by ;):"),
                       ("interests", "Interests (separated by ;):")):
        if raw.get(key) is None:
            raw[key] = text(label)


def _ask_interests(current: Sequence[str]) -> list[str]:
    """A checkbox of the common interests, then any others typed in."""
    from ivcli.vocab import INTERESTS, split_tags

    chosen = checkbox("Interests (space to tick, enter when done):", INTERESTS,
                      checked=[t for t in current if t in INTERESTS])
    others = [t for t in current if t not in INTERESTS]
    extra = text("Other interests (separated by ;):", default="; ".join(others))
    return chosen + [t for t in split_tags(extra) if t not in chosen]


def _ask_list(label: str, current: Sequence[str]) -> list[str]:
    from ivcli.parsing import split_list

    answer = text(f"{label} (separated by ;):", default="; ".join(current))
    return split_list(answer)


def _ask_age(label: str, current: int) -> int:
    def problem(value: str) -> str | None:
        v = value.strip()
        return None if v.isdigit() and int(v) <= 120 else "a whole number of years"

    return int(text(label, default=str(current), required=True, validate=problem))


def _ask_availability(current: Sequence[str]) -> list[str]:
    from ivcli.matching.profiles import AVAILABILITY

    return checkbox("When are they free? (space to tick, enter when done)", AVAILABILITY,
                    checked=current)


def ask_young_person_profile(current: dict) -> dict:
    """The young person's matching questionnaire, starting from ``current`` (a complete
    profile). Returns the answers as a profile dict (validated by the caller)."""
    from ivcli.matching.profiles import IV_GENDERS

    out = dict(current)
    out["interests"] = _ask_interests(current["interests"])
    out["activities"] = _ask_list("Activities they would like to do", current["activities"])
    out["iv_gender"] = select("Their Independent Visitor should be:", IV_GENDERS,
                              default=current["iv_gender"])
    out["iv_age_min"] = _ask_age("Youngest age of visitor they would like:",
                                 current["iv_age_min"])
    out["iv_age_max"] = _ask_age("Oldest age of visitor they would like:", current["iv_age_max"])
    out["languages"] = _ask_list("Languages the visitor should speak", current["languages"])
    out["culture_faith"] = text("Culture or faith that matters to them (blank if none):",
                                default=current["culture_faith"])
    out["personality"] = text("What kind of person would suit them:",
                              default=current["personality"])
    out["availability"] = _ask_availability(current["availability"])
    out["area"] = text("Area or district they live in:", default=current["area"])
    return out


def ask_volunteer_profile(current: dict) -> dict:
    """The volunteer's matching questionnaire, starting from ``current`` (a complete
    profile)."""
    out = dict(current)
    out["interests"] = _ask_interests(current["interests"])
    out["skills"] = _ask_list("Skills they bring", current["skills"])
    out["languages"] = _ask_list("Languages they speak", current["languages"])
    out["areas"] = _ask_list("Areas they can reach", current["areas"])
    out["availability"] = _ask_availability(current["availability"])
    out["child_age_min"] = _ask_age("Youngest child they would visit:", current["child_age_min"])
    out["child_age_max"] = _ask_age("Oldest young person they would visit:",
                                    current["child_age_max"])
    out["capacity"] = int(select("How many young people could they visit?",
                                 ["1", "2", "3"], default=str(min(current["capacity"], 3))))
    return out


def ask_date(label: str) -> str:
    """A date, offering today's."""
    from datetime import date

    return text(label, default=date.today().strftime("%d/%m/%Y"), required=True,
                validate=_date_problem)


def ask_visit(
    raw: dict[str, str | None],
    *,
    date_problem: Callable[[date], str | None] | None = None,
    max_cost: int | None = None,
) -> None:
    """Fill in the missing parts of a visit at the terminal. Edits ``raw`` in place.

    Each answer is checked as it is given, by the rules ``visit log`` applies to its flags:
    the date by ``parse_date`` and then ``date_problem`` (the match's dates and today, read
    before asking), the hours by ``parse_hours``, the cost by ``parse_cost`` with ``max_cost``
    (the setting visit.max_cost in pence); the cost type is chosen from the list."""
    from ivcli.enums import CostType
    from ivcli.parsing import parse_date
    from ivcli.visits.rows import parse_cost, parse_hours

    def check(parser: Callable[[str], object]) -> Callable[[str], str | None]:
        def problem(value: str) -> str | None:
            try:
                parser(value)
            except ValueError as exc:
                return str(exc)
            return None

        return problem

    def visit_date(value: str) -> date:
        on = parse_date(value)
        found = date_problem(on) if date_problem else None
        if found:
            raise ValueError(found)
        return on

    interactive = not (raw.get("date") and raw.get("hours") and raw.get("activity"))
    if not raw.get("date"):
        raw["date"] = text("Date of the visit:", default=date.today().strftime("%d/%m/%Y"),
                           required=True, validate=check(visit_date))
    if not raw.get("hours"):
        raw["hours"] = text("How long (hours, e.g. 2.5 or 2:30):", required=True,
                            validate=check(parse_hours))
    if not raw.get("activity"):
        raw["activity"] = text("Activity:", required=True)
    if interactive and raw.get("cost") is None:
        raw["cost"] = text("Cost to claim (e.g. 12.65; blank if none):",
                           validate=check(lambda value: parse_cost(value, max_cost)))
    if raw.get("cost") and not raw.get("cost_type") and _claims(raw["cost"] or "", max_cost):
        raw["cost_type"] = select("What was the cost for?", [c.value for c in CostType])
    if interactive and raw.get("note") is None:
        raw["note"] = text("Note (blank for none):")
    if interactive and raw.get("concern") is None and confirm(
        "Anything of concern to follow up (safeguarding)?", default=False
    ):
        raw["concern"] = text("The concern:", required=True)


def _claims(cost: str, max_cost: int | None) -> bool:
    """Whether a cost claims money (so needs its type); a cost that is not valid does not
    (``visit log`` reports it)."""
    from ivcli.visits.rows import parse_cost

    try:
        return parse_cost(cost, max_cost) > 0
    except ValueError:
        return False


def ask_review(raw: dict[str, object]) -> None:
    """Fill in the missing parts of a review at the terminal. Edits ``raw`` in place."""
    from ivcli.enums import ReviewWith

    if not raw.get("date"):
        raw["date"] = ask_date("Date of the review:")
    if not raw.get("with_whom"):
        chosen: list[str] = []
        while not chosen:
            chosen = checkbox("Who was it with?", [w.value for w in ReviewWith])
        raw["with_whom"] = chosen
    if raw.get("note") is None:
        raw["note"] = text("Note (blank for none):")
