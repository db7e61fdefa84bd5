"""The scheme's settings: every limit a scheme may set differently, with documented defaults.

Standard library only. Values are stored in the ``settings`` table only when changed
(``ivcli settings set``); ``stored_settings.py`` reads them with these defaults, and checks a
change against the other settings (``RULES``, ``contradictions``).
Keep docs/settings.md in step (a test checks every key is documented).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ivcli.enums import DeclineReason, WithdrawReason


@dataclass(frozen=True)
class SettingDef:
    key: str
    default: int | float | str
    help: str
    minimum: float | None = 0
    choices: tuple[str, ...] = ()  # for a text setting: the values it may take

    def parse(self, raw: str) -> int | float | str:
        kind = type(self.default)
        if kind is str:
            if self.choices:
                value = raw.strip().lower()
                if value not in self.choices:
                    raise ValueError(f"{self.key} must be " + " or ".join(self.choices))
                return value
            return raw
        try:
            number: int | float = float(raw) if kind is float else int(raw)
        except ValueError:
            raise ValueError(f"{self.key} takes a {kind.__name__}, e.g. {self.default}") from None
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"{self.key} must be at least {self.minimum:g}")
        return number

    def number(self, value: int | float | str) -> float:
        """A parsed value as a number, to compare with another setting."""
        return float(value)


@dataclass(frozen=True)
class MoneySettingDef(SettingDef):
    """An amount of money, stored as pounds and pence ("30.00"); read it with
    ``stored_settings.get_pence``."""

    def parse(self, raw: str) -> str:
        from ivcli.parsing import format_pence, parse_money

        try:
            pence = parse_money(raw)
        except ValueError as exc:
            raise ValueError(f"{self.key}: {exc}") from None
        if self.minimum is not None and pence < round(self.minimum * 100):
            raise ValueError(f"{self.key} must be at least {self.minimum:.2f}")
        return format_pence(pence)


@dataclass(frozen=True)
class PatternSettingDef(SettingDef):
    """A regular expression (Python's ``re``), empty for none; refused when it does not
    compile."""

    def parse(self, raw: str) -> str:
        import re

        text = raw.strip()
        try:
            re.compile(text)
        except re.error as exc:
            raise ValueError(f"{self.key} is not a regular expression: {exc}") from None
        return text

    def number(self, value: int | float | str) -> float:
        from ivcli.parsing import parse_money

        return float(parse_money(str(value)))


@dataclass(frozen=True)
class ListSettingDef(SettingDef):
    """A comma-separated list, each item one of ``choices``, at least one."""

    def parse(self, raw: str) -> str:
        items = [i.strip().lower().replace("-", "_") for i in raw.split(",") if i.strip()]
        wrong = [i for i in items if i not in self.choices]
        if wrong or not items:
            raise ValueError(f"{self.key} takes a comma-separated list of "
                             + ", ".join(self.choices))
        return ",".join(dict.fromkeys(items))

    def items(self, value: int | float | str) -> tuple[str, ...]:
        return tuple(str(value).split(","))


@dataclass(frozen=True)
class PopulationSettingDef(SettingDef):
    """Named numbers, ``Name=N`` separated by ``;`` (``Leeds=1400; Bradford=1200``), each
    number a whole number of at least 1 and each name once (ignoring case); empty for none.
    Read it with ``populations``."""

    def parse(self, raw: str) -> str:
        return "; ".join(f"{name}={n}" for name, n in self.populations(raw).items())

    def populations(self, value: int | float | str) -> dict[str, int]:
        out: dict[str, int] = {}
        seen: set[str] = set()
        for item in str(value).split(";"):
            if not item.strip():
                continue
            name, eq, number = item.partition("=")
            name = " ".join(name.split())
            if not eq or not name:
                raise ValueError(f"{self.key} takes Name=number pairs separated by ';', e.g. "
                                 "Leeds=1400; Bradford=1200")
            try:
                n = int(number.strip().replace(",", ""))
            except ValueError:
                raise ValueError(f"{self.key}: the number for {name} is not a whole number"
                                 ) from None
            if n < 1:
                raise ValueError(f"{self.key}: the number for {name} must be at least 1")
            if name.casefold() in seen:
                raise ValueError(f"{self.key} names {name} twice")
            seen.add(name.casefold())
            out[name] = n
        return out


class CodeListSettingDef(SettingDef):
    """A comma-separated list of the scheme's own codes (lower case letters, digits and _,
    starting with a letter), none of them one of ``choices`` (the standard codes); empty for
    none."""

    def parse(self, raw: str) -> str:
        import re

        items = [i.strip().lower().replace("-", "_").replace(" ", "_")
                 for i in raw.split(",") if i.strip()]
        wrong = [i for i in items if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", i)]
        if wrong:
            raise ValueError(f"{self.key} takes codes of lower case letters, digits and _ "
                             "(starting with a letter, at most 40), separated by commas")
        standard = [i for i in items if i in self.choices]
        if standard:
            raise ValueError(f"{self.key}: {', '.join(standard)} is a standard code already")
        return ",".join(dict.fromkeys(items))

    def items(self, value: int | float | str) -> tuple[str, ...]:
        return tuple(i for i in str(value).split(",") if i)


class CoursesSettingDef(SettingDef):
    """The training courses a volunteer needs: each ``course`` (done once) or ``course=YEARS``
    (refreshed every YEARS years), separated by commas or semicolons, e.g. ``induction,
    safeguarding=3``; empty for none. Kept as ``course, course=YEARS``; read it with
    ``courses``."""

    MAX_YEARS = 50

    def parse(self, raw: str) -> str:
        from ivcli.parsing import course_key

        out: dict[str, int | None] = {}
        for item in raw.replace(";", ",").split(","):
            if not item.strip():
                continue
            name, sep, years_text = item.partition("=")
            course = course_key(name)
            if not course:
                raise ValueError(f"{self.key}: {item.strip()!r} has no course name; write "
                                 "course or course=YEARS, e.g. induction, safeguarding=3")
            if course in out:
                raise ValueError(f"{self.key} names {course} twice")
            years: int | None = None
            if sep:
                text = years_text.strip()
                if not text.isdigit() or not 1 <= int(text) <= self.MAX_YEARS:
                    raise ValueError(
                        f"{self.key}: the refresh period of {course} is a whole number of years "
                        f"from 1 to {self.MAX_YEARS} (leave out =YEARS for a course done once)")
                years = int(text)
            out[course] = years
        return ", ".join(c if y is None else f"{c}={y}" for c, y in out.items())

    @staticmethod
    def courses(value: int | float | str) -> tuple[tuple[str, int | None], ...]:
        """Each required course with its refresh period in years (None: done once)."""
        out = []
        for item in str(value).split(","):
            name, sep, years = item.strip().partition("=")
            if name:
                out.append((name, int(years) if sep else None))
        return tuple(out)


SETTINGS: dict[str, SettingDef] = {
    s.key: s
    for s in [
        SettingDef("eligibility.min_age", 5, "Youngest age (years) accepted at referral."),
        SettingDef(
            "eligibility.looked_after_max_age",
            18,
            "A looked-after child is eligible until this birthday.",
        ),
        SettingDef(
            "eligibility.care_leaver_max_age", 21, "A care leaver is eligible until this birthday."
        ),
        SettingDef(
            "eligibility.additional_needs_max_age",
            25,
            "A care leaver with a disability or additional needs is eligible until this birthday.",
        ),
        SettingDef(
            "referral.acknowledge_working_days",
            2,
            "Working days within which a new referral should be acknowledged to the referrer "
            "('ivcli referral acknowledge').",
        ),
        SettingDef(
            "referral.decision_working_days",
            20,
            "Working days within which a new referral should get a decision (the scheme's own "
            "target: docs/legal-status.md).",
        ),
        ListSettingDef(
            "screening.care_leaver_core",
            "consent,pathway_plan",
            "The core criteria a care leaver's referral needs as yes to be accepted, separated "
            "by commas (of long_term_care_plan, consent, carer_support, pathway_plan).",
            choices=("long_term_care_plan", "consent", "carer_support", "pathway_plan"),
        ),
        PatternSettingDef(
            "referral.reference_pattern",
            "",
            "A regular expression every council reference must match in full, e.g. [0-9]{10} "
            "(empty: no check).",
        ),
        # Coded reasons (docs/getting-started.md: declining and withdrawing a referral).
        CodeListSettingDef(
            "reasons.decline_extra", "",
            "The scheme's own decline reason codes, beside the standard ones, separated by "
            "commas (e.g. sibling_waiting,out_of_area).",
            choices=tuple(r.value for r in DeclineReason)),
        CodeListSettingDef(
            "reasons.withdraw_extra", "",
            "The scheme's own withdrawal reason codes, beside the standard ones, separated by "
            "commas.",
            choices=tuple(r.value for r in WithdrawReason)),
        SettingDef("volunteer.min_age", 18, "A volunteer must be at least this age."),
        SettingDef("dbs.valid_years", 3, "An enhanced DBS certificate is current for this long."),
        SettingDef(
            "dbs.status_check_months",
            12,
            "On the DBS Update Service, a status check within this many months keeps the "
            "certificate current.",
        ),
        CoursesSettingDef(
            "training.required",
            "induction, safeguarding=3",
            "The training courses a volunteer needs for approval: course (once) or "
            "course=YEARS (refreshed every YEARS years), separated by commas; empty for none.",
        ),
        SettingDef("checks.warn_days", 60, "Warn this many days before a check lapses."),
        SettingDef("supervision.every_weeks", 6, "A volunteer with an active match is due "
                   "supervision this many weeks after the last (or after the match started).",
                   minimum=1),
        # Concerns (docs/safeguarding.md).
        SettingDef("concern.safeguarding_working_days", 1, "A safeguarding concern must have "
                   "someone told (concern action) within this many working days."),
        SettingDef("concern.allegation_working_days", 1, "An allegation must have the LADO told "
                   "within this many working days."),
        SettingDef("vetting.required_dbs_level", "enhanced_barred",
                   "The DBS level approval needs: enhanced_barred (enhanced with the children's "
                   "barred list) or enhanced.", choices=("enhanced_barred", "enhanced")),
        SettingDef("volunteer.max_capacity", 2,
                   "The most young people one volunteer may visit (the role is one-to-one, "
                   "siblings at most).", minimum=1),
        # Matching (docs/matching.md)
        SettingDef("match.weight.interests", 30,
                   "Weight of mutual interests in a suggestion's score."),
        SettingDef("match.weight.activities", 15,
                   "Weight of the activities the young person would like to do."),
        SettingDef("match.weight.languages", 50,
                   "Weight of speaking the languages the young person asked for (at the "
                   "default, more than interests and activities together)."),
        SettingDef("match.weight.availability", 20,
                   "Weight of free times in common."),
        SettingDef("match.weight.wishes", 10,
                   "Weight of the young person's other wishes (culture or faith, personality)."),
        SettingDef("match.wait_points_per_month", 5,
                   "Whole-list proposals: points added per month a young person has waited."),
        SettingDef("match.wait_points_max", 120,
                   "Whole-list proposals: the most waiting points a young person can have."),
        # reports
        SettingDef(
            "report.suppress_below",
            5,
            "In a published report, breakdown counts from 1 to one less than this are hidden.",
            minimum=2,
        ),
        PopulationSettingDef(
            "report.looked_after_population",
            "",
            "Each council's looked-after population, as Name=number separated by ';' (e.g. "
            "Leeds=1400; Bradford=1200), for the share with an Independent Visitor in reports "
            "(empty: not shown).",
        ),
        # Visits, budgets, reviews and the daily agenda (docs/month.md).
        SettingDef(
            "visit.overdue_days",
            35,
            "An active match with no visit for longer than this many days is overdue.",
        ),
        MoneySettingDef(
            "visit.max_cost",
            "1000.00",
            "The most one visit may claim, in pounds (all its costs together): more is "
            "refused.",
            minimum=0.01,
        ),
        MoneySettingDef(
            "budget.monthly",
            "0.00",
            "Spending per match in a calendar month above which 'visit log' warns (0 = none).",
        ),
        MoneySettingDef(
            "budget.yearly",
            "0.00",
            "Spending per match in a calendar year above which 'visit log' warns (0 = none).",
        ),
        SettingDef("review.first_weeks", 6, "The first review is due this many weeks after "
                   "a match starts."),
        SettingDef("review.second_months", 3, "The second review is due this many months "
                   "after the first."),
        SettingDef("review.then_months", 6, "Later reviews are due this many months after "
                   "the one before."),
        SettingDef("review.warn_days", 14, "'ivcli today' lists a review this many days "
                   "before it is due."),
        SettingDef("today.long_wait_count", 5, "'ivcli today' lists this many accepted "
                   "referrals waiting longest for a match."),
        SettingDef("today.long_wait_min_days", 28, "... if they have waited at least this many "
                   "days since acceptance."),
        SettingDef("today.uncleared_visit_days", 28, "'ivcli today' lists visits logged "
                   "while their volunteer was not cleared (a check lapsed, on hold) for this "
                   "many days after the visit."),
        SettingDef("today.age_warn_days", 60, "'ivcli today' lists young people reaching an "
                   "eligibility age limit (18, 21, 25) within this many days."),
        # Data protection (issue 7; sources for the defaults in docs/privacy.md).
        SettingDef(
            "retention.young_person_until_age",
            25,
            "A young person's records, once no referral or match is open, are anonymised from "
            "this birthday ('ivcli retention').",
        ),
        SettingDef(
            "retention.volunteer_years",
            6,
            "A volunteer who left or withdrew is anonymised this many years after their "
            "involvement ended ('ivcli retention').",
        ),
        SettingDef(
            "retention.safeguarding_years",
            10,
            "Someone with an allegation or safeguarding concern, or a match ended for "
            "safeguarding, is kept at least this many years after the latest of them.",
        ),
        SettingDef(
            "retention.safeguarding_until_age",
            65,
            "... and a volunteer among them at least until this birthday, whichever is later.",
        ),
        SettingDef(
            "privacy.erase_dob_to",
            "month",
            "On erasure a date of birth is kept only to the first of its month (month) or year "
            "(year), so age bands still count.",
            choices=("month", "year"),
        ),
    ]
}


@dataclass(frozen=True)
class Rule:
    """Settings that must agree: ``low`` below ``high`` (``strict``) or at most ``high``.
    With ``unless_zero``, a 0 in either (meaning "none") satisfies the rule."""

    low: str
    high: str
    why: str
    strict: bool = False
    unless_zero: bool = False

    def broken(self, numbers: Mapping[str, float]) -> bool:
        lo, hi = numbers[self.low], numbers[self.high]
        if self.unless_zero and (lo == 0 or hi == 0):
            return False
        return lo >= hi if self.strict else lo > hi


# How the settings depend on each other (docs/settings.md says the same). A minimum age equal
# to a maximum ("until 18": up to the day before the 18th birthday) leaves that group out on
# purpose, e.g. a scheme for care leavers only sets eligibility.min_age to 18.
RULES: tuple[Rule, ...] = (
    Rule("eligibility.min_age", "eligibility.looked_after_max_age",
         "the minimum age would be above the age a looked-after child stops being eligible"),
    Rule("eligibility.min_age", "eligibility.care_leaver_max_age",
         "the minimum age would be above the age a care leaver stops being eligible"),
    Rule("eligibility.min_age", "eligibility.additional_needs_max_age",
         "the minimum age would be above the age a care leaver with additional needs stops "
         "being eligible"),
    Rule("eligibility.looked_after_max_age", "eligibility.care_leaver_max_age",
         "care leavers would stop being eligible at a younger age than looked-after children"),
    Rule("eligibility.care_leaver_max_age", "eligibility.additional_needs_max_age",
         "care leavers with additional needs would stop being eligible at a younger age than "
         "other care leavers"),
    Rule("budget.monthly", "budget.yearly",
         "a month's spending could pass the monthly budget only after the yearly one",
         unless_zero=True),
)


def _refresh_warning(values: Mapping[str, int | float | str]) -> str | None:
    """A course refreshed so often that ``checks.warn_days`` would show it as lapsing from the
    day it is done (a year counted as 365 days)."""
    periods = [(y, c) for c, y in CoursesSettingDef.courses(values["training.required"]) if y]
    if not periods:
        return None
    years, course = min(periods)
    warn = values["checks.warn_days"]
    if SETTINGS["checks.warn_days"].number(warn) < years * 365:
        return None
    return (f"checks.warn_days ({warn}) must be below the shortest refresh period in "
            f"training.required ({course}={years}: {years * 365} days): otherwise that course "
            "would show as lapsing from the day it is done")


def contradictions(values: Mapping[str, int | float | str], changed: str) -> list[str]:
    """What the settings ``values`` (every key, parsed) contradict among the rules that
    involve the setting ``changed``: one sentence each."""
    numbers = {k: SETTINGS[k].number(values[k]) for r in RULES for k in (r.low, r.high)}
    out = []
    for r in RULES:
        if changed in (r.low, r.high) and r.broken(numbers):
            relation = "below" if r.strict else "at most"
            out.append(f"{r.low} ({values[r.low]}) must be {relation} {r.high} "
                       f"({values[r.high]}): otherwise {r.why}")
    if changed in ("training.required", "checks.warn_days"):
        problem = _refresh_warning(values)
        if problem:
            out.append(problem)
    return out

