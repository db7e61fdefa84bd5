"""Enumerations used in CLI signatures and stored in the database.

Standard library only: the CLI imports this module at start-up.
"""

from __future__ import annotations

from enum import StrEnum


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
