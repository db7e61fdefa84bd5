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
    interpreter_language: str | None = None
    legal_status: str = "looked_after"
    profile: str | None = None  # JSON text, see docs/profiles.md
    created_at: str  # ISO 8601 UTC (db.now())
    updated_at: str


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
    consent: bool | None = None
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
    status: str = "applicant"
    status_reason: str | None = None
    status_date: date | None = None  # when status last changed by hand (migration 002)
    approved_date: date | None = None
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
    cost_pence: int = 0
    cost_type: str | None = None
    note: str | None = None
    created_at: str


class Concern(SQLModel, table=True):
    __tablename__ = "concerns"
    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="matches.id")
    visit_id: int | None = Field(default=None, foreign_key="visits.id")
    opened_date: date
    text: str
    closed_date: date | None = None
    close_note: str | None = None
    created_at: str


class Review(SQLModel, table=True):
    __tablename__ = "reviews"
    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="matches.id")
    date: date
    with_whom: str
    note: str | None = None
    created_at: str


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
