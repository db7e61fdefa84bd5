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
    deferred = "deferred"  # the young person said "not now": offered again on reoffer_date

    @classmethod
    def open(cls) -> tuple[str, ...]:
        """Statuses of a referral still open: a child has at most one (received, accepted,
        deferred, matched). The one list: everything else uses this."""
        return (cls.received.value, cls.accepted.value, cls.deferred.value, cls.matched.value)


class DeclineReason(StrEnum):
    """Why a referral was declined: the coded reason (``referrals.reason_code``) a report
    counts; the scheme may add its own (setting reasons.decline_extra)."""

    no_consent = "no_consent"
    carers_not_supportive = "carers_not_supportive"
    no_long_term_plan = "no_long_term_plan"
    returning_home = "returning_home"
    needs_advocacy = "needs_advocacy"
    not_eligible = "not_eligible"
    other = "other"


class WithdrawReason(StrEnum):
    """Why a referral was withdrawn or closed before or without a match (setting
    reasons.withdraw_extra adds the scheme's own)."""

    moved_away = "moved_away"
    left_care = "left_care"
    young_person_choice = "young_person_choice"
    referrer_withdrew = "referrer_withdrew"
    other = "other"


REASON_LABELS: dict[str, str] = {
    "no_consent": "The young person did not consent",
    "carers_not_supportive": "Carers do not support it",
    "no_long_term_plan": "No long-term care plan",
    "returning_home": "Returning home",
    "needs_advocacy": "Needs an advocate rather than a visitor",
    "not_eligible": "Not eligible (age or legal status)",
    "moved_away": "Moved away (out of the area)",
    "left_care": "Left care",
    "young_person_choice": "The young person's choice",
    "referrer_withdrew": "The referrer withdrew it",
    "other": "Other (say why in the note)",
}


class LegalStatus(StrEnum):
    """A young person's legal status (s22 and s23ZB Children Act 1989; leaving care)."""

    looked_after = "looked_after"
    care_leaver = "care_leaver"
    left_care = "left_care"


class LeftCareReason(StrEnum):
    returned_home = "returned_home"
    adoption = "adoption"
    sgo = "sgo"  # a special guardianship order
    other = "other"


class Consent(StrEnum):
    """The young person's answer to the referral (s23ZB(6)-(8))."""

    yes = "yes"
    no = "no"
    not_now = "not_now"
    best_interest = "best_interest"  # without sufficient understanding: decided for them


class Understanding(StrEnum):
    sufficient = "sufficient"
    insufficient = "insufficient"


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


# Core criteria of a looked-after child's referral. A care leaver's are a setting
# (screening.care_leaver_core, default: consent and a pathway plan).
CORE_CRITERIA = ("long_term_care_plan", "consent", "carer_support")
# Every criterion a setting of core criteria may name.
CORE_CHOICES = ("long_term_care_plan", "consent", "carer_support", "pathway_plan")
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
    "pathway_plan": "a pathway plan",
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
    not_approved = "not_approved"  # the pipeline stopped: an unsatisfactory step or a decline

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
    training = "training"  # the single training date of old: records TRAINING_DATE_COURSE
    panel = "panel"


# The course that a training date without a course name records: `volunteer check ID training`,
# a CSV's training_date and the `training` checks held before migration 016. The one home of
# that mapping (docs/volunteers.md).
TRAINING_DATE_COURSE = "induction"


class CheckOutcome(StrEnum):
    """The outcome of a reference or an interview."""

    satisfactory = "satisfactory"
    unsatisfactory = "unsatisfactory"


class PanelDecision(StrEnum):
    approve = "approve"
    defer = "defer"
    decline = "decline"


class RiskDecision(StrEnum):
    """A risk assessment's decision on a DBS certificate with information disclosed."""

    proceed = "proceed"
    decline = "decline"


class LaChildrenServices(StrEnum):
    """A volunteer's link to the local authority's children's services (s23ZB(9))."""

    no = "no"
    officer = "officer"
    member = "member"
    partner = "partner"


class LeaveReason(StrEnum):
    moved = "moved"
    time = "time"
    work = "work"
    health = "health"
    personal = "personal"
    not_suitable = "not_suitable"
    other = "other"


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
    left_care = "left_care"  # s23ZB(4)(a): the appointment ends when they stop being looked after
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


class ReviewOutcome(StrEnum):
    """What a review decided for the match (docs/month.md)."""

    continue_ = "continue"
    change = "change"  # carry on with something changed (when, where, what they do)
    end = "end"


class ReviewTheme(StrEnum):
    """What the young person says their visitor makes a difference to (docs/reports.md)."""

    confidence = "confidence"
    trust = "trust"
    trying_new_things = "trying_new_things"
    having_fun = "having_fun"
    someone_to_talk_to = "someone_to_talk_to"
    feeling_listened_to = "feeling_listened_to"


class ConcernCategory(StrEnum):
    wellbeing = "wellbeing"
    safeguarding = "safeguarding"
    allegation = "allegation"  # against a volunteer (or anyone working with children): LADO
    practice = "practice"
    complaint = "complaint"
    other = "other"

    @classmethod
    def safeguarding_kinds(cls) -> tuple[str, ...]:
        """The categories that escalate, and that retention keeps for longer."""
        return (cls.safeguarding.value, cls.allegation.value)


class ConcernTold(StrEnum):
    social_worker = "social_worker"
    mash = "mash"
    lado = "lado"
    police = "police"
    dsl = "dsl"
    manager = "manager"
    carer = "carer"


class SupervisionKind(StrEnum):
    one_to_one = "one_to_one"
    group = "group"
    phone = "phone"
