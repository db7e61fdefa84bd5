"""Enumerations used in CLI signatures and stored in the database.

Standard library only: the CLI imports this module at start-up.
"""

from __future__ import annotations

from enum import StrEnum


def sql_list(values: tuple[str, ...]) -> str:
    """Enum values as an SQL list for ``IN (...)``: ``'a', 'b'`` (values are identifiers)."""
    return ", ".join(f"'{v}'" for v in values)


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class ReferralStatus(StrEnum):
    received = "received"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"
    matched = "matched"
    closed = "closed"

    @classmethod
    def open(cls) -> tuple[str, ...]:
        """Statuses of a referral still open: received, accepted (waiting) or matched."""
        return (cls.received.value, cls.accepted.value, cls.matched.value)


# ``young-person list --status``: the status of the young person's open referral, or this for
# a young person with none open.
NO_OPEN_REFERRAL = "none"


def person_statuses() -> tuple[str, ...]:
    return (*ReferralStatus.open(), NO_OPEN_REFERRAL)


class ReferrerRole(StrEnum):
    social_worker = "social_worker"
    iro = "iro"
    personal_adviser = "personal_adviser"
    other_professional = "other_professional"
    self = "self"


CORE_CRITERIA = ("long_term_care_plan", "consent", "carer_support")
ADDITIONAL_CRITERIA = (
    "social_isolation",
    "placement_instability",
    "no_family_contact",
    "single_carer_placement",
    "relationship_difficulty",
)
CRITERIA_LABELS = {
    "long_term_care_plan": "a long-term care plan",
    "consent": "the young person's consent",
    "carer_support": "carers willing to support the relationship",
    "social_isolation": "social isolation",
    "placement_instability": "placement instability",
    "no_family_contact": "no contact with family",
    "single_carer_placement": "a single-carer placement",
    "relationship_difficulty": "difficulty forming positive relationships",
}


class VolunteerStatus(StrEnum):
    applicant = "applicant"
    in_checks = "in_checks"
    ready_for_panel = "ready_for_panel"
    approved = "approved"
    on_hold = "on_hold"
    withdrawn = "withdrawn"
    left = "left"

    @classmethod
    def checked(cls) -> tuple[str, ...]:
        """Statuses whose checks are watched for lapsing (approved, ready for panel, in
        checks)."""
        return (cls.approved.value, cls.ready_for_panel.value, cls.in_checks.value)


class CheckStep(StrEnum):
    application = "application"
    interview = "interview"
    reference = "reference"
    dbs = "dbs"
    dbs_status_check = "dbs_status_check"
    training = "training"
    panel = "panel"


class MatchStatus(StrEnum):
    proposed = "proposed"
    accepted = "accepted"
    declined = "declined"
    active = "active"
    paused = "paused"
    ended = "ended"

    @classmethod
    def open(cls) -> tuple[str, ...]:
        """Statuses of a match still open: it holds the young person and a volunteer's place
        (proposed, accepted, active, paused). The one list: everything else uses this."""
        return (cls.proposed.value, cls.accepted.value, cls.active.value, cls.paused.value)

    @classmethod
    def running(cls) -> tuple[str, ...]:
        """Statuses of a match that has started and not ended (active, paused)."""
        return (cls.active.value, cls.paused.value)


class EndReason(StrEnum):
    planned = "planned"
    aged_out = "aged_out"
    young_person_choice = "young_person_choice"
    volunteer_left = "volunteer_left"
    placement_move = "placement_move"
    breakdown = "breakdown"
    safeguarding = "safeguarding"
    other = "other"


class CostType(StrEnum):
    travel = "travel"
    activity = "activity"
    food = "food"


class ReviewWith(StrEnum):
    young_person = "young-person"
    volunteer = "volunteer"
    carer = "carer"
    social_worker = "social-worker"
    iro = "iro"
