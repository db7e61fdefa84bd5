"""SQLModel tables. The schema itself is created by ``migrations.py``; these classes map onto it
(a test checks that every column here exists in the migrated database, and the other way round).
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel


class Setting(SQLModel, table=True):
    __tablename__ = "settings"
    key: str = Field(primary_key=True)
    value: str


class YoungPerson(SQLModel, table=True):
    __tablename__ = "young_people"
    id: int | None = Field(default=None, primary_key=True)
    reference: str | None = None
    first_name: str
    last_name: str
    name_key: str
    first_key: str
    last_key: str
    date_of_birth: date
    gender: str | None = None
    ethnicity: str | None = None
    disability: bool | None = None
    care_leaver: bool | None = None
    local_authority: str | None = None
    area: str | None = None
    placement_type: str | None = None
    uasc: bool | None = None  # migration 013
    out_of_area: bool | None = None  # migration 017
    interpreter_language: str | None = None
    profile: str | None = None  # JSON text, see docs/profiles.md
    created_at: str  # ISO 8601 UTC (db.now())
    updated_at: str
    legal_status: str = "looked_after"  # enums.LegalStatus (migration 010)


class LegalStatusHistory(SQLModel, table=True):
    """A young person's legal status from a date (migration 010): docs/legal-status.md."""

    __tablename__ = "legal_status_history"
    id: int | None = Field(default=None, primary_key=True)
    young_person_id: int = Field(foreign_key="young_people.id")
    status: str
    date: date
    reason: str | None = None
    created_at: str


class PlacementHistory(SQLModel, table=True):
    """A young person's area or placement type from a date (migration 010)."""

    __tablename__ = "placement_history"
    id: int | None = Field(default=None, primary_key=True)
    young_person_id: int = Field(foreign_key="young_people.id")
    field: str  # area or placement_type
    value: str | None = None
    date: date
    created_at: str


class Referral(SQLModel, table=True):
    __tablename__ = "referrals"
    id: int | None = Field(default=None, primary_key=True)
    young_person_id: int = Field(foreign_key="young_people.id")
    status: str = "received"
    referral_date: date
    referrer_name: str | None = None
    referrer_role: str | None = None
    referrer_email: str | None = None
    long_term_care_plan: bool | None = None
    consent: str | None = None  # enums.Consent (a yes/no before migration 010)
    carer_support: bool | None = None
    social_isolation: bool | None = None
    placement_instability: bool | None = None
    no_family_contact: bool | None = None
    single_carer_placement: bool | None = None
    relationship_difficulty: bool | None = None
    interests: str | None = None
    notes: str | None = None
    decision_date: date | None = None
    decision_reason: str | None = None
    matched_date: date | None = None
    closed_date: date | None = None
    created_at: str  # ISO 8601 UTC (db.now())
    updated_at: str
    # migration 010 (docs/legal-status.md)
    understanding: str | None = None  # enums.Understanding
    decided_by: str | None = None  # who decided a best-interest consent
    consent_note: str | None = None
    reoffer_date: date | None = None  # consent not_now: offer again from this date
    pathway_plan: bool | None = None
    acknowledged_date: date | None = None
    # migration 015: the coded reason of a decline, withdrawal or closing (decision_reason is
    # its free-text note)
    reason_code: str | None = None


class Volunteer(SQLModel, table=True):
    __tablename__ = "volunteers"
    id: int | None = Field(default=None, primary_key=True)
    reference: str | None = None
    first_name: str
    last_name: str
    name_key: str
    date_of_birth: date
    gender: str | None = None
    email: str | None = None
    phone: str | None = None
    area: str | None = None
    languages: str | None = None
    interests: str | None = None
    coordinator: str | None = None
    ethnicity: str | None = None  # voluntary monitoring (migration 011)
    faith: str | None = None
    disability: str | None = None
    status: str = "applicant"
    status_reason: str | None = None
    status_date: date | None = None  # when status last changed by hand (migration 002)
    approved_date: date | None = None
    leave_reason: str | None = None  # the last time they left (migration 011)
    leave_note: str | None = None
    exit_interview_date: date | None = None
    profile: str | None = None
    notes: str | None = None
    created_at: str  # db.now(), ISO 8601 UTC
    updated_at: str


class VolunteerCheck(SQLModel, table=True):
    __tablename__ = "volunteer_checks"
    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteers.id")
    step: str
    date: date
    number: str | None = None
    level: str | None = None
    outcome: str | None = None
    update_service: bool | None = None
    note: str | None = None  # migration 011
    decided_by: str | None = None  # a risk assessment: who decided
    created_at: str  # db.now(), ISO 8601 UTC


class VolunteerDeclaration(SQLModel, table=True):
    """A volunteer's declaration of independence (migration 011); the latest one counts."""

    __tablename__ = "volunteer_declarations"
    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteers.id")
    date: date
    la_children_services: str  # no, officer, member, partner
    connections: str | None = None  # JSON list of text
    created_at: str  # db.now(), ISO 8601 UTC


class Match(SQLModel, table=True):
    __tablename__ = "matches"
    id: int | None = Field(default=None, primary_key=True)
    young_person_id: int = Field(foreign_key="young_people.id")
    volunteer_id: int = Field(foreign_key="volunteers.id")
    referral_id: int | None = Field(default=None, foreign_key="referrals.id")
    status: str = "proposed"
    proposed_date: date
    decision_date: date | None = None
    decision_reason: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    end_reason: str | None = None
    note: str | None = None
    created_at: str
    updated_at: str


class MatchEvent(SQLModel, table=True):
    __tablename__ = "match_events"
    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="matches.id")
    date: date
    event: str
    note: str | None = None
    created_at: str


class Visit(SQLModel, table=True):
    __tablename__ = "visits"
    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="matches.id")
    date: date
    minutes: int
    activity: str | None = None
    note: str | None = None
    uncleared: str | None = None  # why its volunteer was not cleared that day (migration 008)
    high: str | None = None  # the high and low points of the visit (migration 014)
    low: str | None = None
    created_at: str


class VisitCost(SQLModel, table=True):
    """One cost line of a visit (migration 009): what to repay the volunteer, and when it was
    paid (``expenses mark-paid``)."""

    __tablename__ = "visit_costs"
    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visits.id")
    amount_pence: int
    cost_type: str | None = None
    paid_on: date | None = None
    created_at: str


class Concern(SQLModel, table=True):
    """About exactly one of a match, a young person or a volunteer (migration 008)."""

    __tablename__ = "concerns"
    id: int | None = Field(default=None, primary_key=True)
    match_id: int | None = Field(default=None, foreign_key="matches.id")
    young_person_id: int | None = Field(default=None, foreign_key="young_people.id")
    volunteer_id: int | None = Field(default=None, foreign_key="volunteers.id")
    visit_id: int | None = Field(default=None, foreign_key="visits.id")
    category: str = "other"
    opened_date: date
    text: str
    closed_date: date | None = None
    close_note: str | None = None
    hold_note: str | None = None  # why an allegation did not hold the volunteer
    created_at: str


class ConcernAction(SQLModel, table=True):
    """Who was told about a concern, and when."""

    __tablename__ = "concern_actions"
    id: int | None = Field(default=None, primary_key=True)
    concern_id: int = Field(foreign_key="concerns.id")
    told: str
    date: date
    note: str | None = None
    created_at: str


class Supervision(SQLModel, table=True):
    __tablename__ = "volunteer_supervisions"
    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteers.id")
    date: date
    kind: str
    note: str | None = None
    created_at: str


class Training(SQLModel, table=True):
    __tablename__ = "volunteer_trainings"
    id: int | None = Field(default=None, primary_key=True)
    volunteer_id: int = Field(foreign_key="volunteers.id")
    course: str
    date: date
    created_at: str


class Review(SQLModel, table=True):
    __tablename__ = "reviews"
    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="matches.id")
    date: date
    with_whom: str
    note: str | None = None
    # The young person's voice (migration 014), on their entry (with_whom young-person): what
    # they said, their rating 1-5 ("How much does your IV help?"), the themes they named (a JSON
    # list of ReviewTheme values), whether they agreed to be quoted. ``outcome`` (ReviewOutcome)
    # is the review's, on each of its entries.
    their_words: str | None = None
    rating: int | None = None
    themes: str | None = None
    quote_ok: bool | None = None
    outcome: str | None = None
    created_at: str


class ImportMapping(SQLModel, table=True):
    """A saved header mapping (``--save-map``): the headers of the file it was saved from, as a
    JSON list, and its ``--map`` pairs, a JSON list of [header, field]."""

    __tablename__ = "import_mappings"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    kind: str
    headers: str
    maps: str
    created_at: str
    updated_at: str


class PossibleDuplicate(SQLModel, table=True):
    """Two young people who may be one child (migration 013): ``young_person_id`` is the later
    record, ``other_id`` the earlier; dismissed with ``young-person not-duplicate``."""

    __tablename__ = "possible_duplicates"
    id: int | None = Field(default=None, primary_key=True)
    young_person_id: int = Field(foreign_key="young_people.id")
    other_id: int = Field(foreign_key="young_people.id")
    reason: str
    found_at: str
    dismissed_at: str | None = None


class Contact(SQLModel, table=True):
    """A person in the young person's network, with dated history (migration 013)."""

    __tablename__ = "contacts"
    id: int | None = Field(default=None, primary_key=True)
    young_person_id: int = Field(foreign_key="young_people.id")
    role: str
    name: str
    email: str | None = None
    phone: str | None = None
    organisation: str | None = None
    from_date: date | None = None
    to_date: date | None = None
    created_at: str
    updated_at: str
