"""One record spec per entity: its fields, their kinds, limits, CSV synonyms, JSON names, help
and what the privacy duties do with each. Standard library only (read commands import it).

What reads a spec (so that adding an optional column is this file, a migration and a test):

- ``referrals.rows`` (young person + referral), ``volunteer_rows``, ``visit_rows``: the
  CSV header (fields, synonyms, required), the length limits, the rule of each generic field
  (``text``, ``bool``, ``choice``: ``parse``), the staging columns of the import;
- ``referrals.intake``: the columns it inserts; ``referrals.screening`` / ``profiles`` /
  ``volunteers`` / ``visits`` / ``matches``: the columns they read, list and show;
- ``cli.referral``: the options of ``referral add`` and ``referral update``, with their help;
- ``safety.privacy``: the columns erasure scrubs and a volunteer's export leaves out.

The typed schema stays in ``models`` (SQLModel) and the DDL in ``migrations`` (history);
``tests/test_specs.py`` checks that every stored field of a spec is a column of its table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ivcli.enums import (
    ConcernCategory,
    ConcernTold,
    ReviewOutcome,
    ReviewTheme,
    ReviewWith,
    SupervisionKind,
)

Kind = Literal["text", "date", "bool", "int", "money", "list", "choice", "id", "timestamp",
               "monitoring"]
# What erasure does with the column: keep it (reports count it), blank it (NULL), write the
# ERASED marker in a NOT NULL text, empty a matching key (''), coarsen a date of birth.
Erase = Literal["keep", "blank", "erased_marker", "empty", "coarsen"]

YN = "YES/NO"
MAX_DEFAULT = 200  # a one-line text without its own limit


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind = "text"
    help: str = ""  # the option's help in `add` (and `update` unless update_help)
    label: str = ""  # a column heading in the docs
    required: bool = False
    max_len: int | None = None  # text: characters (MAX_DEFAULT when None)
    synonyms: tuple[str, ...] = ()  # other CSV headers for it (normalised lower case)
    choices: tuple[str, ...] = ()  # kind "choice": the stored values
    metavar: str | None = None
    personal: bool = False  # personal data (docs/privacy.md)
    erase: Erase = "keep"
    listed: bool = False  # a column of the entity's list
    shown: bool = True  # a field of the entity's show
    input: bool = True  # given by `add` / a CSV row (False: set by ivcli)
    updatable: bool = False  # `update` can change it
    update_help: str | None = None
    cli: bool = True  # an option of `add` (input fields)
    column: str | None = ""  # its column in the table ("": the name; None: not stored)
    json: str = ""  # its name in JSON and CSV output ("": the name)
    ethnicity: bool = False  # text stored as its ethnicity code when known (ivcli.ethnicity)

    @property
    def stored(self) -> str | None:
        """The column that holds it, or None."""
        return self.name if self.column == "" else self.column

    @property
    def out(self) -> str:
        return self.json or self.name

    @property
    def limit(self) -> int:
        return self.max_len or MAX_DEFAULT

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True)
class RecordSpec:
    entity: str
    table: str | None
    fields: tuple[Field, ...]

    def __getitem__(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def names(self, pick: Callable[[Field], bool] = lambda f: True) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if pick(f))

    @property
    def inputs(self) -> tuple[Field, ...]:
        """The fields a CSV row (or `add`) gives, in CSV order."""
        return tuple(f for f in self.fields if f.input)

    @property
    def columns(self) -> tuple[str, ...]:
        """The table's columns this spec declares, in its order."""
        return tuple(c for f in self.fields if (c := f.stored))

    @property
    def listed(self) -> tuple[str, ...]:
        return tuple(f.out for f in self.fields if f.listed)

    @property
    def synonyms(self) -> dict[str, tuple[str, ...]]:
        return {f.name: f.synonyms for f in self.inputs if f.synonyms}

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.inputs if f.required)

    @property
    def max_text(self) -> dict[str, int]:
        """The text fields with a limit of their own (others: MAX_DEFAULT)."""
        return {f.name: f.max_len for f in self.inputs if f.max_len}


# ---------------------------------------------------------------------------------------------
# The rules of the generic kinds (fields without a rule of their own in the row validators).
# Each takes the raw text and returns the clean value ("" or None when blank) or raises
# ValueError without quoting the value.


def one_line(raw: str, limit: int = MAX_DEFAULT) -> str:
    """A one-line text: at most ``limit`` characters; line breaks and runs of spaces become one
    space. ``""`` when blank."""
    value = raw.strip()
    if len(value) > limit:
        raise ValueError(f"longer than {limit} characters")
    if "\n" in value or "\r" in value:
        value = " ".join(value.split())
    return value


def parse_choice(raw: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (case, spaces and hyphens as typed are forgiven). ``""`` when blank."""
    value = "_".join(raw.replace("-", " ").lower().split())
    if value and value not in choices:
        raise ValueError(f"not one of {', '.join(choices)}")
    return value


PREFER_NOT_TO_SAY = "prefer_not_to_say"


def parse_monitoring(raw: str, limit: int = MAX_DEFAULT) -> str:
    """A voluntary monitoring answer (ethnicity, faith): as described, one line, or
    ``prefer_not_to_say`` however it is typed ("Prefer not to say", "prefer-not-to-say").
    ``""`` when blank."""
    value = one_line(raw, limit)
    folded = " ".join(value.replace("_", " ").replace("-", " ").casefold().split())
    return PREFER_NOT_TO_SAY if folded in ("prefer not to say", "rather not say") else value


def parse_ethnicity(raw: str, limit: int = MAX_DEFAULT, monitoring: bool = False) -> str:
    """An ethnicity: its code (``WBRI``) when ``ivcli.ethnicity`` knows the text, else the text
    as given (one line). A volunteer's monitoring answer (``monitoring``) may also be
    ``prefer_not_to_say``. ``""`` when blank."""
    from ivcli import ethnicity

    value = parse_monitoring(raw, limit) if monitoring else one_line(raw, limit)
    return value if value == PREFER_NOT_TO_SAY and monitoring else ethnicity.record(value)


def rule(f: Field) -> Callable[[str], object]:
    """The rule of a field of a generic kind (text, bool, choice, monitoring)."""
    if f.ethnicity:
        limit, monitoring = f.limit, f.kind == "monitoring"
        return lambda raw: parse_ethnicity(raw, limit, monitoring)
    if f.kind == "monitoring":
        limit = f.limit
        return lambda raw: parse_monitoring(raw, limit)
    if f.kind == "text":
        limit = f.limit
        return lambda raw: one_line(raw, limit)
    if f.kind == "bool":
        from ivcli.parsing import parse_yes_no

        return parse_yes_no
    if f.kind == "choice":
        choices = f.choices
        return lambda raw: parse_choice(raw, choices)
    raise ValueError(f"{f.name}: no generic rule for kind {f.kind}")


def clean_values(changes: dict[str, str], rules: dict[str, Callable[[str], object]]
                 ) -> tuple[dict[str, object], list[str]]:
    """The values of an ``update`` (``changes``: field -> raw text) each checked by its rule:
    the clean values (None for a blank) and the problems ("field: what is wrong"), one per bad
    field. A field without a rule is a ValueError (the command offers no option for it)."""
    values: dict[str, object] = {}
    problems: list[str] = []
    for key, raw in changes.items():
        if key not in rules:
            raise ValueError(f"{key} cannot be changed here")
        try:
            value = rules[key](raw)
        except ValueError as exc:
            problems.append(f"{key}: {exc}")
            continue
        values[key] = None if value == "" else value
    return values, problems


# ---------------------------------------------------------------------------------------------
# The specs

_ID = Field("id", "id", input=False, cli=False, listed=True)
_CREATED = Field("created_at", "timestamp", input=False, cli=False, shown=False)
_UPDATED = Field("updated_at", "timestamp", input=False, cli=False, shown=False)
_NOTES = ("note", "comments", "comment")


def _key(name: str) -> Field:
    """A normalised name for matching records (set by ivcli, emptied by erasure)."""
    return Field(name, input=False, cli=False, shown=False, personal=True, erase="empty")


LEGAL_STATUSES = ("looked_after", "care_leaver", "left_care")

YOUNG_PERSON = RecordSpec("young_person", "young_people", (
    _ID,
    Field("reference", help="Council case number.", label="Reference", listed=True,
          personal=True, erase="blank", updatable=True,
          synonyms=("ref", "case number", "case no", "case ref", "case id", "council reference",
                    "la reference", "child id", "person id", "mosaic id", "lcs id", "id")),
    Field("first_name", help="First name.", label="First name", required=True, listed=True,
          personal=True, erase="erased_marker", updatable=True,
          synonyms=("forename", "forenames", "given name", "given names", "first names",
                    "firstname", "christian name")),
    Field("last_name", help="Last name.", label="Last name", required=True, listed=True,
          personal=True, erase="erased_marker", updatable=True,
          synonyms=("surname", "family name", "lastname")),
    _key("name_key"), _key("first_key"), _key("last_key"),
    Field("date_of_birth", "date", help="Date of birth (31/01/2015).", label="Date of birth",
          metavar="DATE", required=True, listed=True, personal=True, erase="coarsen",
          updatable=True, synonyms=("dob", "birth date", "birthdate", "d.o.b.")),
    Field("gender", help="female, male, non-binary or as described.", label="Gender",
          personal=True, updatable=True, synonyms=("sex",)),
    Field("ethnicity", help="Ethnicity: a DfE code (WBRI, BAFR, ...) or the council's words "
          "for it (docs/ethnicity.md).", label="Ethnicity", personal=True, ethnicity=True,
          updatable=True,
          synonyms=("ethnic group", "ethnic origin", "ethnic background", "ethnicity code")),
    Field("disability", "bool", help="Disability or additional needs.", metavar=YN,
          label="Disability", personal=True, updatable=True,
          synonyms=("disabled", "additional needs", "disability or additional needs",
                    "disability/additional needs", "send", "sen")),
    Field("care_leaver", "bool", help="A care leaver (not looked after).", metavar=YN,
          label="Care leaver", personal=True,
          synonyms=("leaving care", "care leaver status", "is care leaver")),
    Field("local_authority", help="The responsible local authority.", label="Local authority",
          updatable=True, synonyms=("la", "council", "authority", "responsible authority")),
    Field("area", help="Where the young person lives (area or district).", label="Area",
          personal=True, updatable=True,
          synonyms=("district", "locality", "area of residence", "postcode district")),
    Field("placement_type", help="Foster, residential, kinship, ...", label="Placement",
          personal=True, updatable=True, synonyms=("placement", "placement kind")),
    Field("out_of_area", "bool", help="Placed outside the responsible local authority's area.",
          metavar=YN, label="Out of area", personal=True, updatable=True,
          synonyms=("ooa", "placed out of area", "out of authority", "out of area placement",
                    "placed out of authority", "placed outside la")),
    Field("uasc", "bool", help="An unaccompanied asylum-seeking child.", metavar=YN,
          label="UASC", personal=True, updatable=True,
          synonyms=("unaccompanied", "unaccompanied asylum seeking child",
                    "unaccompanied asylum-seeking child", "uasc status")),
    Field("interpreter_language", help="The language of an interpreter they need, if any.",
          label="Interpreter", personal=True, erase="blank", updatable=True,
          synonyms=("interpreter", "interpreter needed", "interpreter required")),
    Field("profile", input=False, cli=False, shown=False, personal=True, erase="blank"),
    _CREATED, _UPDATED,
    # Set by ivcli from care_leaver at intake, then by 'young-person update --legal-status'
    # (docs/legal-status.md).
    Field("legal_status", "choice", input=False, cli=False, personal=True,
          choices=LEGAL_STATUSES),
))

CONSENT_CHOICES = ("yes", "no", "not_now", "best_interest")


def _criterion(name: str, help: str, synonyms: tuple[str, ...]) -> Field:
    return Field(name, "bool", help=help, metavar=YN, personal=True, updatable=True,
                 synonyms=synonyms)


REFERRAL = RecordSpec("referral", "referrals", (
    _ID,
    Field("young_person_id", "id", input=False, cli=False, listed=True),
    Field("status", input=False, cli=False, listed=True),
    # The coded reason of a decline or withdrawal (or of ivcli closing the referral): counted
    # by reports; the free-text note is decision_reason (docs/getting-started.md).
    Field("reason_code", input=False, cli=False, listed=True),
    Field("referral_date", "date", help="Date referred; default today.", metavar="DATE",
          label="Referral date", required=True, listed=True, updatable=True,
          synonyms=("date referred", "referred on", "date of referral", "referral received",
                    "date received")),
    Field("referrer_name", help="Who referred.", label="Referrer", personal=True,
          erase="blank", updatable=True,
          synonyms=("referred by", "referrer", "referrer full name")),
    Field("referrer_role",
          help="social_worker, iro, personal_adviser, other_professional or self.",
          update_help="The referrer's role.", label="Referrer role", updatable=True,
          synonyms=("role of referrer", "referrer type")),
    Field("referrer_email", help="The referrer's email.", label="Referrer email",
          personal=True, erase="blank", updatable=True,
          synonyms=("referrer e-mail", "email", "e-mail")),
    _criterion("long_term_care_plan", "Core: a long-term care plan.",
               ("care plan", "long term plan", "long-term care plan")),
    Field("consent", "choice",
          help="Core: the young person's answer: yes, no, not_now (needs --reoffer-date) or "
          "best_interest (insufficient understanding; needs --decided-by and --consent-note).",
          metavar="yes|no|not_now|best_interest", personal=True, updatable=True,
          choices=CONSENT_CHOICES,
          synonyms=("young person consent", "yp consent", "consent given")),
    Field("understanding", "choice",
          help="Whether the young person has sufficient understanding to decide.",
          metavar="sufficient|insufficient", personal=True, updatable=True,
          choices=("sufficient", "insufficient"),
          synonyms=("sufficient understanding", "understanding of consent", "competence")),
    Field("decided_by", help="Best-interest consent: who decided it (name and role).",
          personal=True, erase="blank", updatable=True,
          synonyms=("best interest decided by", "consent decided by")),
    Field("consent_note", help="Best-interest consent: why it is in their best interest.",
          max_len=2_000, personal=True, erase="blank", updatable=True,
          synonyms=("best interest note", "consent notes", "best interest reason")),
    Field("reoffer_date", "date",
          help="Consent not_now: offer again from this date (31/01/2027).", metavar="DATE",
          updatable=True, synonyms=("re-offer date", "reoffer", "offer again", "ask again")),
    _criterion("pathway_plan", "Core for a care leaver: a pathway plan.",
               ("pathway plan", "has pathway plan")),
    _criterion("carer_support", "Core: carers support it.",
               ("carer supportive", "carers support", "carers supportive")),
    _criterion("social_isolation", "Additional: socially isolated.",
               ("isolated", "socially isolated")),
    _criterion("placement_instability", "Additional: placement instability.",
               ("unstable placement",)),
    _criterion("no_family_contact", "Additional: no family contact.",
               ("no contact with family", "family contact none")),
    _criterion("single_carer_placement", "Additional: single-carer placement.",
               ("single carer",)),
    _criterion("relationship_difficulty", "Additional: difficulty forming relationships.",
               ("relationship difficulties", "difficulty forming relationships")),
    Field("interests", help="Interests, separated by ; or ,", label="Interests",
          max_len=2_000, personal=True, erase="blank", updatable=True,
          synonyms=("hobbies", "likes")),
    Field("notes", help="Notes.", update_help="Notes (replaces the old notes).", label="Notes",
          max_len=10_000, personal=True, erase="blank", updatable=True, synonyms=_NOTES),
    Field("decision_date", "date", input=False, cli=False),
    Field("decision_reason", input=False, cli=False, personal=True, erase="blank"),
    Field("matched_date", "date", input=False, cli=False),
    Field("closed_date", "date", input=False, cli=False),
    _CREATED, _UPDATED,
    Field("acknowledged_date", "date", input=False, cli=False),
))


VOLUNTEER = RecordSpec("volunteer", "volunteers", (
    _ID,
    Field("reference", help="Your reference for the volunteer.", personal=True,
          erase="blank",
          synonyms=("ref", "volunteer id", "volunteer ref", "volunteer reference", "id",
                    "volunteer number")),
    Field("first_name", help="First name.", required=True, personal=True,
          erase="erased_marker", updatable=True,
          synonyms=("forename", "forenames", "given name", "given names", "first names",
                    "firstname")),
    Field("last_name", help="Last name.", required=True, personal=True,
          erase="erased_marker", updatable=True, synonyms=("surname", "family name", "lastname")),
    _key("name_key"),
    Field("date_of_birth", "date", help="Date of birth (31/01/1990).", metavar="DATE",
          required=True, personal=True, erase="coarsen", updatable=True,
          synonyms=("dob", "birth date", "birthdate", "d.o.b.")),
    Field("gender", help="female, male, non-binary or as described.", personal=True,
          updatable=True, synonyms=("sex",)),
    Field("email", help="Email (shown only by 'volunteer show').", personal=True,
          erase="blank", updatable=True, synonyms=("e-mail", "email address", "e-mail address")),
    Field("phone", help="Phone (shown only by 'volunteer show').", personal=True, erase="blank",
          updatable=True, synonyms=("telephone", "mobile", "phone number", "tel", "mobile number")),
    Field("area", help="The area or district they live in.", personal=True, updatable=True,
          synonyms=("district", "locality", "home area", "postcode district")),
    Field("languages", help="Languages, separated by ; or ,", max_len=500, personal=True,
          erase="blank", synonyms=("language", "languages spoken")),
    Field("interests", help="Interests, separated by ; or ,", max_len=2_000, personal=True,
          erase="blank", synonyms=("hobbies", "likes")),
    Field("coordinator", help="Their allocated coordinator.", updatable=True,
          synonyms=("allocated coordinator", "co-ordinator", "supervisor")),
    # Voluntary monitoring (who the volunteers are): kept when a volunteer is erased, as a young
    # person's ethnicity is, so the pool can still be counted.
    Field("ethnicity", "monitoring", help="Ethnicity: a DfE code (WBRI, BAFR, ...) or their "
          "words for it (docs/ethnicity.md), or prefer_not_to_say (voluntary).", personal=True,
          updatable=True, ethnicity=True,
          synonyms=("ethnic group", "ethnic origin", "ethnic background")),
    Field("faith", "monitoring", help="Faith or belief as they describe it, or "
          "prefer_not_to_say (voluntary).", personal=True, updatable=True,
          synonyms=("religion", "religion or belief", "belief", "faith or belief")),
    Field("disability", "choice", help="yes, no or prefer_not_to_say (voluntary).",
          choices=("yes", "no", PREFER_NOT_TO_SAY), personal=True, updatable=True,
          synonyms=("disabled", "disability status", "has a disability")),
    # The steps of safer recruitment a CSV row gives (stored as volunteer_checks rows).
    Field("application_date", "date", help="Date of their application; default today.",
          metavar="DATE", required=True, column=None,
          synonyms=("applied", "date applied", "application received", "application")),
    Field("interview_date", "date", column=None, cli=False,
          synonyms=("interviewed", "interview", "date interviewed")),
    Field("reference_1_date", "date", column=None, cli=False,
          synonyms=("reference 1", "ref 1", "ref 1 date", "first reference",
                    "reference 1 received")),
    Field("reference_2_date", "date", column=None, cli=False,
          synonyms=("reference 2", "ref 2", "ref 2 date", "second reference",
                    "reference 2 received")),
    Field("dbs_number", column=None, cli=False,
          synonyms=("dbs certificate number", "dbs cert number", "dbs no", "dbs cert no",
                    "certificate number")),
    Field("dbs_issue_date", "date", column=None, cli=False,
          synonyms=("dbs date", "dbs issued", "dbs certificate date", "date of dbs")),
    Field("dbs_level", "choice", column=None, cli=False, synonyms=("dbs type",)),
    Field("dbs_outcome", "choice", column=None, cli=False,
          synonyms=("dbs result", "dbs outcome", "certificate outcome")),
    Field("dbs_update_service", "bool", column=None, cli=False,
          synonyms=("update service", "on update service", "dbs update")),
    Field("dbs_status_check_date", "date", column=None, cli=False,
          synonyms=("status check", "dbs status check", "update service check")),
    Field("training_date", "date", column=None, cli=False,
          synonyms=("training", "trained", "date trained", "training completed")),
    Field("panel_date", "date", column=None, cli=False,
          synonyms=("panel", "approval panel", "panel approved", "approval date")),
    Field("notes", help="Notes.", max_len=10_000, personal=True, erase="blank", synonyms=_NOTES),
    Field("status", input=False, cli=False),
    Field("status_reason", input=False, cli=False, personal=True, erase="blank"),
    Field("status_date", "date", input=False, cli=False),
    Field("approved_date", "date", input=False, cli=False),
    Field("leave_reason", "choice", input=False, cli=False,
          choices=("moved", "time", "work", "health", "personal", "not_suitable", "other")),
    Field("leave_note", input=False, cli=False, max_len=2_000, personal=True, erase="blank"),
    Field("exit_interview_date", "date", input=False, cli=False),
    Field("profile", input=False, cli=False, shown=False, personal=True, erase="blank"),
    _CREATED, _UPDATED,
))

# The voluntary monitoring answers about a volunteer (`volunteer add`, the CSV, `update`).
VOLUNTEER_MONITORING = ("ethnicity", "faith", "disability")

CHECK = RecordSpec("check", "volunteer_checks", (
    _ID,
    Field("volunteer_id", "id", input=False),
    Field("step", "choice", required=True),
    Field("date", "date", required=True),
    # A DBS certificate number, or a reference's number (1, 2).
    Field("number", personal=True, erase="blank"),
    Field("level", "choice", choices=("enhanced", "enhanced_barred")),
    # A reference or interview: satisfactory/unsatisfactory; a panel: approve/defer/decline;
    # a DBS certificate: clear/information_disclosed (never its content); a risk assessment:
    # proceed/decline.
    Field("outcome", "choice", choices=("clear", "information_disclosed", "satisfactory",
                                        "unsatisfactory", "approve", "defer", "decline",
                                        "proceed")),
    Field("update_service", "bool"),
    Field("note", max_len=2_000, personal=True, erase="blank"),
    Field("decided_by", personal=True, erase="blank"),  # a risk assessment's decision maker
    _CREATED,
))

DECLARATION = RecordSpec("declaration", "volunteer_declarations", (
    _ID,
    Field("volunteer_id", "id", input=False),
    Field("date", "date", required=True),
    Field("la_children_services", "choice", required=True,
          choices=("no", "officer", "member", "partner")),
    # Organisations, schools and placements they are connected to: a JSON list of text.
    Field("connections", "list", personal=True, erase="blank"),
    _CREATED,
))

VISIT = RecordSpec("visit", "visits", (
    _ID,
    Field("match_id", "int", required=True,
          synonyms=("match", "match no", "match number", "match ref")),
    Field("date", "date", required=True,
          synonyms=("visit date", "date of visit", "visited on", "day")),
    Field("hours", column=None,
          synonyms=("hours", "length", "duration", "time spent", "length hours",
                    "duration hours")),
    Field("minutes", "int", synonyms=("mins", "length minutes", "duration minutes")),
    Field("activity", required=True, max_len=200, personal=True, erase="blank",
          synonyms=("activities", "what we did", "activity type")),
    # A visit's costs are its cost lines (VISIT_COST): a row gives one as cost and cost_type,
    # and one per type in the columns travel_cost, activity_cost, food_cost.
    Field("cost", "money", column=None,
          synonyms=("amount", "expenses", "expense", "cost gbp", "cost £", "spend", "claim")),
    Field("cost_type", "choice", column=None,
          synonyms=("expense type", "cost category", "category", "type of cost",
                    "claim type")),
    Field("travel_cost", "money", column=None,
          synonyms=("travel", "travel £", "travel costs", "fares", "fare", "bus fare",
                    "mileage", "transport")),
    Field("activity_cost", "money", column=None,
          synonyms=("activity costs", "tickets", "entry", "admission", "tickets £")),
    Field("food_cost", "money", column=None,
          synonyms=("food", "food £", "food costs", "meals", "snacks", "refreshments")),
    Field("note", max_len=2_000, personal=True, erase="blank",
          synonyms=("notes", "comment", "comments")),
    # Why the volunteer was not cleared on the visit's day (set by ivcli: a check lapsed, on
    # hold); shown on `ivcli today`.
    Field("uncleared", input=False, cli=False),
    # Whether the visit opened a concern; the text goes to the concerns table.
    Field("concern", column=None, max_len=10_000,
          synonyms=("concerns", "concern note", "safeguarding", "safeguarding concern")),
    # The young person's high and low points of the visit, in their words (personal data).
    Field("high", max_len=1_000, personal=True, erase="blank",
          synonyms=("highs", "high point", "best bit")),
    Field("low", max_len=1_000, personal=True, erase="blank",
          synonyms=("lows", "low point", "worst bit")),
    _CREATED,
))

# One cost line of a visit; a visit has none, one or several.
VISIT_COST = RecordSpec("visit_cost", "visit_costs", (
    _ID,
    Field("visit_id", "id", input=False),
    Field("amount", "money", column="amount_pence"),
    Field("cost_type", "choice"),
    Field("paid_on", "date", input=False),  # set by `expenses mark-paid`
    _CREATED,
))

MATCH = RecordSpec("match", "matches", (
    _ID,
    Field("young_person_id", "id", listed=True),
    Field("volunteer_id", "id", listed=True),
    Field("referral_id", "id", input=False),
    Field("status", input=False, listed=True),
    Field("proposed_date", "date", listed=True),
    Field("decision_date", "date", input=False),
    Field("decision_reason", input=False, personal=True, erase="blank"),
    Field("start_date", "date", input=False, listed=True),
    Field("end_date", "date", input=False, listed=True),
    Field("end_reason", "choice", input=False, listed=True),
    Field("note", personal=True, erase="blank"),
    _CREATED, _UPDATED,
))

# Concerns (ivcli/visits/concerns.py): about exactly one match, young person or volunteer. The
# text is shown only by `concern list`.
CONCERN = RecordSpec("concern", "concerns", (
    _ID,
    Field("match_id", "id"),
    Field("young_person_id", "id"),
    Field("volunteer_id", "id"),
    Field("visit_id", "id", input=False),
    Field("category", "choice", choices=tuple(c.value for c in ConcernCategory)),
    Field("opened_date", "date", required=True, json="opened"),
    Field("text", required=True, max_len=10_000, personal=True, erase="erased_marker"),
    Field("closed_date", "date", input=False),
    Field("close_note", max_len=10_000, personal=True, erase="blank"),
    # Why an allegation did not put the volunteer on hold (--no-hold --because).
    Field("hold_note", max_len=2_000, personal=True, erase="blank"),
    _CREATED,
))

CONCERN_ACTION = RecordSpec("concern_action", "concern_actions", (
    _ID,
    Field("concern_id", "id", required=True),
    Field("told", "choice", required=True, choices=tuple(t.value for t in ConcernTold),
          json="to"),
    Field("date", "date", required=True),
    Field("note", max_len=2_000, personal=True, erase="blank"),
    _CREATED,
))

# A match review (ivcli/visits/reviews.py): one entry per person it was with. The young
# person's entry carries their voice: what they said (personal data, erased), their rating and
# themes (kept: the annual report counts them), whether they agreed to be quoted.
REVIEW = RecordSpec("review", "reviews", (
    _ID,
    Field("match_id", "id", input=False),
    Field("date", "date", required=True),
    Field("with_whom", "choice", required=True, choices=tuple(w.value for w in ReviewWith)),
    Field("note", max_len=10_000, personal=True, erase="blank"),
    Field("their_words", max_len=2_000, personal=True, erase="blank"),
    Field("rating", "int"),  # 1-5, report_figures.RATINGS
    Field("themes", "list", choices=tuple(t.value for t in ReviewTheme)),  # a JSON list
    Field("quote_ok", "bool"),
    Field("outcome", "choice", choices=tuple(o.value for o in ReviewOutcome)),
    _CREATED,
))

SUPERVISION = RecordSpec("supervision", "volunteer_supervisions", (
    _ID,
    Field("volunteer_id", "id", input=False),
    Field("date", "date", required=True),
    Field("kind", "choice", required=True, choices=tuple(k.value for k in SupervisionKind)),
    Field("note", max_len=2_000, personal=True, erase="blank"),
    _CREATED,
))

TRAINING = RecordSpec("training", "volunteer_trainings", (
    _ID,
    Field("volunteer_id", "id", input=False),
    Field("course", required=True, max_len=100),
    Field("date", "date", required=True),
    _CREATED,
))

CONTACT_ROLES = ("social_worker", "iro", "carer", "personal_adviser")

# The people around a young person (their network), with dated history: a contact who changes
# is ended (``to_date``) and the new one added. Personal data: exported and erased with the
# young person; never in lists, reports or the agenda.
CONTACT = RecordSpec("contact", "contacts", (
    _ID,
    Field("young_person_id", "id", input=False, cli=False, listed=True),
    Field("role", "choice", help="social_worker, iro, carer or personal_adviser.",
          choices=CONTACT_ROLES, required=True, listed=True),
    Field("name", help="Their name.", required=True, listed=True, personal=True,
          erase="erased_marker"),
    Field("email", help="Their email.", listed=True, personal=True, erase="blank"),
    Field("phone", help="Their phone number.", listed=True, personal=True, erase="blank"),
    Field("organisation", help="The council, agency or provider they work for.", listed=True,
          personal=True, erase="blank"),
    Field("from_date", "date", help="Their role with the young person since; default today.",
          metavar="DATE", listed=True),
    Field("to_date", "date", input=False, cli=False, listed=True),
    _CREATED, _UPDATED,
))

SPECS: tuple[RecordSpec, ...] = (
    YOUNG_PERSON, REFERRAL, VOLUNTEER, CHECK, DECLARATION, VISIT, VISIT_COST, MATCH, CONCERN,
    CONCERN_ACTION, REVIEW, SUPERVISION, TRAINING, CONTACT,
)
