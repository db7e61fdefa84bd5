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
    """Yes, no or not known, with no default: Enter alone (the first choice) records
    nothing."""
    answer = select(label, ["not known", "yes", "no"])
    return {"yes": True, "no": False}.get(answer)


def yes_no(label: str) -> bool:
    """A yes or no that must be typed: no default, so Enter alone answers nothing."""
    from ivcli.parsing import parse_yes_no

    def check(value: str) -> bool | str:
        try:
            return parse_yes_no(value) is not None or "type yes or no"
        except ValueError:
            return "type yes or no"

    return bool(parse_yes_no(str(_ask(questionary.text(f"{label} (yes/no)", validate=check)))))


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

    from ivcli.enums import (
        ADDITIONAL_CRITERIA,
        CORE_CHOICES,
        CORE_CRITERIA,
        CRITERIA_LABELS,
        ReferrerRole,
    )
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
            raw[key] = _yes_no_text(label)
    for key, label in (("area", "Area or district they live in"),
                       ("local_authority", "Responsible local authority"),
                       ("placement_type", "Placement type (foster, residential, kinship, ...)")):
        if raw.get(key) is None:
            raw[key] = text(f"{label} (blank if not known):")
    if not raw.get("referrer_role"):
        raw["referrer_role"] = select("Referred by (role):", [r.value for r in ReferrerRole])
    if not raw.get("referrer_name") and raw["referrer_role"] != "self":
        raw["referrer_name"] = text("Referrer's name:")
    # A care leaver's core criteria are a setting (screening.care_leaver_core): ask them all.
    care_leaver = raw.get("care_leaver") == "yes"
    for key in CORE_CHOICES if care_leaver else CORE_CRITERIA:
        if key == "consent":
            _ask_consent(raw, date_problem)
        elif raw.get(key) is None:
            raw[key] = _yes_no_text(f"Core criterion: {CRITERIA_LABELS[key]}?")
    missing_additional = [k for k in ADDITIONAL_CRITERIA if raw.get(k) is None]
    if missing_additional:
        labels = {CRITERIA_LABELS[k]: k for k in missing_additional}
        chosen = checkbox("Additional criteria that apply:", list(labels))
        for label, key in labels.items():
            raw[key] = "yes" if label in chosen else "no"
    if not raw.get("interests"):
        raw["interests"] = text("Interests (separated by ;):")


def _yes_no_text(label: str) -> str:
    """A yes/no/not known question as the text a flag would give ("" when not known)."""
    answer = yes_no_unknown(label)
    return "" if answer is None else ("yes" if answer else "no")


def _ask_consent(raw: dict[str, str | None], date_problem: Callable[[str], str | None]) -> None:
    """The young person's consent and understanding (s23ZB(6)-(8)), with no default: Enter
    alone records nothing; a best-interest decision asks who made it and why, "not now" when
    to offer again."""
    if raw.get("understanding") is None:
        answer = select("Does the young person have sufficient understanding to decide?",
                        ["not known", "sufficient", "insufficient"])
        raw["understanding"] = "" if answer == "not known" else answer
    if raw.get("consent") is None:
        choices = ["not known", "yes", "no", "not_now"]
        if raw.get("understanding") == "insufficient":
            choices.append("best_interest")
        answer = select("Core criterion: the young person's consent?", choices)
        raw["consent"] = "" if answer == "not known" else answer
    if raw.get("consent") == "best_interest":
        if not raw.get("decided_by"):
            raw["decided_by"] = text("Who decided it is in their best interest (name, role):",
                                     required=True)
        if not raw.get("consent_note"):
            raw["consent_note"] = text("Why it is in their best interest:", required=True)
    if raw.get("consent") == "not_now" and not raw.get("reoffer_date"):
        raw["reoffer_date"] = text("Offer it again from (31/01/2027):", required=True,
                                   validate=date_problem)


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
    ask_monitoring(raw)


MONITORING_SKIP = "skip (not asked, or not answered now)"


def ask_monitoring(raw: dict[str, str | None]) -> None:
    """The voluntary monitoring questions (ethnicity, faith, disability) not already answered:
    each may be skipped (nothing recorded) or answered "prefer not to say"."""
    from ivcli.specs import PREFER_NOT_TO_SAY, VOLUNTEER, parse_monitoring

    prefer_not = PREFER_NOT_TO_SAY.replace("_", " ")
    for key, label in (("ethnicity", "Ethnicity, as they describe it"),
                       ("faith", "Faith or belief, as they describe it")):
        if raw.get(key) is not None:
            continue
        limit = VOLUNTEER[key].limit

        def problem(value: str, limit: int = limit) -> str | None:
            try:
                parse_monitoring(value, limit)
            except ValueError as exc:
                return str(exc)
            return None

        choice = select(f"{label} (voluntary):", [MONITORING_SKIP, prefer_not, "answer"])
        raw[key] = ("" if choice == MONITORING_SKIP else PREFER_NOT_TO_SAY if choice == prefer_not
                    else text(f"{label}:", required=True, validate=problem))
    if raw.get("disability") is None:
        answers = {c.replace("_", " "): c for c in VOLUNTEER["disability"].choices}
        choice = select("Do they consider themselves disabled? (voluntary):",
                        [MONITORING_SKIP, *answers])
        raw["disability"] = answers.get(choice, "")


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


def ask_volunteer_profile(current: dict, max_capacity: int = 2) -> dict:
    """The volunteer's matching questionnaire, starting from ``current`` (a complete
    profile); capacity up to ``max_capacity`` (setting volunteer.max_capacity)."""
    out = dict(current)
    out["interests"] = _ask_interests(current["interests"])
    out["skills"] = _ask_list("Skills they bring", current["skills"])
    out["languages"] = _ask_list("Languages they speak", current["languages"])
    out["areas"] = _ask_list("Areas they can reach", current["areas"])
    out["availability"] = _ask_availability(current["availability"])
    out["child_age_min"] = _ask_age("Youngest child they would visit:", current["child_age_min"])
    out["child_age_max"] = _ask_age("Oldest young person they would visit:",
                                    current["child_age_max"])
    most = max(max_capacity, 1)
    out["capacity"] = int(select("How many young people could they visit?",
                                 [str(n) for n in range(1, most + 1)],
                                 default=str(max(1, min(current["capacity"], most)))))
    out["culture_faith"] = text("Their culture or faith, if they would like it to count "
                                "(blank if not):", default=current["culture_faith"])
    out["personality"] = text("Their personality, in a few words:",
                              default=current["personality"])
    return out


def ask_date(label: str) -> str:
    """A date, offering today's."""
    from datetime import date

    return text(label, default=date.today().strftime("%d/%m/%Y"), required=True,
                validate=_date_problem)


def ask_visit(
    raw: dict[str, str | None],
    costs: list[list[str | None]] | None = None,
    *,
    date_problem: Callable[[date], str | None] | None = None,
    max_cost: int | None = None,
) -> None:
    """Fill in the missing parts of a visit at the terminal. Edits ``raw`` and ``costs`` (the
    cost lines as [amount, type] pairs, those given as options) in place.

    Each answer is checked as it is given, by the rules ``visit log`` applies to its flags:
    the date by ``parse_date`` and then ``date_problem`` (the match's dates and today, read
    before asking), the hours by ``parse_hours``, each cost by ``parse_cost`` with ``max_cost``
    (the setting visit.max_cost in pence, which all the visit's costs together must not pass);
    the cost type is chosen from the list. After a cost, another is asked for (blank: no
    more)."""
    from ivcli.enums import CostType
    from ivcli.parsing import parse_date
    from ivcli.visits.rows import claims, parse_cost, parse_hours, total_problem

    lines = costs if costs is not None else []

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

    def line_cost(value: str) -> int:
        pence = parse_cost(value, max_cost) if value.strip() else 0
        so_far = sum(parse_cost(c or "", max_cost) for c, _ in lines if claims(c, max_cost))
        found = total_problem(so_far + pence, max_cost)
        if found:
            raise ValueError(found)
        return pence

    def cost_type() -> str:
        return select("What was the cost for?", [c.value for c in CostType])

    interactive = not (raw.get("date") and raw.get("hours") and raw.get("activity"))
    if not raw.get("date"):
        raw["date"] = text("Date of the visit:", default=date.today().strftime("%d/%m/%Y"),
                           required=True, validate=check(visit_date))
    if not raw.get("hours"):
        raw["hours"] = text("How long (hours, e.g. 2.5 or 2:30):", required=True,
                            validate=check(parse_hours))
    if not raw.get("activity"):
        raw["activity"] = text("Activity:", required=True)
    for pair in lines:
        if not pair[1] and claims(pair[0], max_cost):
            pair[1] = cost_type()
    if interactive and not lines:
        label = "Cost to claim (e.g. 12.65; blank if none):"
        while True:
            cost = text(label, validate=check(line_cost))
            if not claims(cost, max_cost):
                break
            lines.append([cost, cost_type()])
            label = "Another cost for this visit (blank if none):"
    if interactive and raw.get("note") is None:
        raw["note"] = text("Note (blank for none):")
    if interactive and raw.get("concern") is None and confirm(
        "Anything of concern to follow up (safeguarding)?", default=False
    ):
        raw["concern"] = text("The concern:", required=True)


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
