"""Referrals: reading, screening and decisions. Intake (``referral add`` and CSV import) is in
``services.intake``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from ivcli.enums import ADDITIONAL_CRITERIA, CORE_CRITERIA, CRITERIA_LABELS, ReferralStatus
from ivcli.errors import InvalidInput, NotFound, Refused
from ivcli.models import Referral, YoungPerson
from ivcli.parsing import age_on
from ivcli.services import settings as settings_service
from ivcli.services.referral_rows import (
    FIELDS,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# ---------------------------------------------------------------------------------------------
# Reading


LIST_COLUMNS = (
    "id", "young_person_id", "status", "referral_date", "reference", "first_name", "last_name",
    "date_of_birth",
)


def _as_row(ref: Referral, yp: YoungPerson) -> dict[str, object]:
    out: dict[str, object] = {
        "id": ref.id,
        "young_person_id": yp.id,
        "status": ref.status,
        "referral_date": ref.referral_date,
        "reference": yp.reference,
        "first_name": yp.first_name,
        "last_name": yp.last_name,
        "date_of_birth": yp.date_of_birth,
        "gender": yp.gender,
        "ethnicity": yp.ethnicity,
        "disability": yp.disability,
        "care_leaver": yp.care_leaver,
        "local_authority": yp.local_authority,
        "area": yp.area,
        "placement_type": yp.placement_type,
        "referrer_name": ref.referrer_name,
        "referrer_role": ref.referrer_role,
        "referrer_email": ref.referrer_email,
    }
    for k in CORE_CRITERIA + ADDITIONAL_CRITERIA:
        out[k] = getattr(ref, k)
    out.update(
        interests=ref.interests,
        notes=ref.notes,
        decision_date=ref.decision_date,
        decision_reason=ref.decision_reason,
        matched_date=ref.matched_date,
        closed_date=ref.closed_date,
    )
    return out


def list_referrals(session: Session, status: str | None = None) -> list[dict[str, object]]:
    q = select(Referral, YoungPerson).join(YoungPerson, YoungPerson.id == Referral.young_person_id)
    if status:
        q = q.where(Referral.status == status)
    q = q.order_by(Referral.referral_date, Referral.id)
    return [_as_row(r, yp) for r, yp in session.execute(q).all()]


def count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Referral)).scalar_one())


def get(session: Session, referral_id: int) -> tuple[Referral, YoungPerson]:
    ref = session.get(Referral, referral_id)
    if ref is None:
        raise NotFound(
            f"there is no referral {referral_id}", hint="'ivcli referral list' shows their ids"
        )
    yp = session.get(YoungPerson, ref.young_person_id)
    assert yp is not None
    return ref, yp


def show(session: Session, referral_id: int) -> dict[str, object]:
    ref, yp = get(session, referral_id)
    return _as_row(ref, yp)


# ---------------------------------------------------------------------------------------------
# Decisions


def eligibility_problem(session: Session, yp: YoungPerson, on: date) -> str | None:
    """Why the young person is not eligible by age on ``on``, or None."""
    age = age_on(yp.date_of_birth, on)
    minimum = settings_service.get_int(session, "eligibility.min_age")
    if yp.care_leaver:
        if yp.disability:
            key, who = "eligibility.additional_needs_max_age", "a care leaver with additional needs"
        else:
            key, who = "eligibility.care_leaver_max_age", "a care leaver"
    else:
        key, who = "eligibility.looked_after_max_age", "a looked-after child"
    maximum = settings_service.get_int(session, key)
    if age < minimum:
        return f"aged {age} on the referral date, under the minimum of {minimum} (setting " \
               "eligibility.min_age)"
    if age >= maximum:
        return f"aged {age} on the referral date; {who} is eligible until {maximum} (setting {key})"
    return None


def _set_status(ref: Referral, status: ReferralStatus, on: date, reason: str | None) -> None:
    ref.status = status.value
    ref.decision_date = on
    ref.decision_reason = reason
    ref.updated_at = datetime.now(UTC).replace(microsecond=0)


def accept(session: Session, referral_id: int, on: date) -> list[str]:
    """Accept onto the waiting list. Returns warnings; raises Refused naming what is missing."""
    ref, yp = get(session, referral_id)
    if ref.status != ReferralStatus.received:
        raise Refused(f"referral {referral_id} is {ref.status}; only a received referral can be "
                      "accepted")
    missing = [k for k in CORE_CRITERIA if getattr(ref, k) is not True]
    if missing:
        flags = " ".join(f"--{k.replace('_', '-')} yes" for k in missing)
        raise Refused(
            f"referral {referral_id} cannot be accepted: not recorded as yes: "
            + "; ".join(f"{CRITERIA_LABELS[k]} ({k})" for k in missing),
            hint=f"when they hold, record them with 'ivcli referral update {referral_id} {flags}';"
            " otherwise decline it with a reason",
        )
    problem = eligibility_problem(session, yp, ref.referral_date)
    if problem:
        raise Refused(
            f"referral {referral_id} cannot be accepted: young person {yp.id} is {problem}",
            hint="decline it with a reason, or change the age limits with 'ivcli settings set'",
        )
    warnings = []
    if not any(getattr(ref, k) is True for k in ADDITIONAL_CRITERIA):
        warnings.append(
            f"referral {referral_id} meets no additional best-interest criterion "
            "(isolation, placement instability, no family contact, single carer, relationships)"
        )
    _set_status(ref, ReferralStatus.accepted, on, None)
    return warnings


def decline(session: Session, referral_id: int, reason: str, on: date) -> None:
    ref, _ = get(session, referral_id)
    if ref.status != ReferralStatus.received:
        raise Refused(f"referral {referral_id} is {ref.status}; only a received referral can be "
                      "declined")
    _require_reason(reason)
    _set_status(ref, ReferralStatus.declined, on, reason.strip())


def withdraw(session: Session, referral_id: int, reason: str, on: date) -> None:
    ref, _ = get(session, referral_id)
    if ref.status not in (ReferralStatus.received, ReferralStatus.accepted):
        hint = "end the match first with 'ivcli match end'" if ref.status == "matched" else None
        raise Refused(
            f"referral {referral_id} is {ref.status}; only a received or waiting referral can be "
            "withdrawn",
            hint=hint,
        )
    _require_reason(reason)
    _set_status(ref, ReferralStatus.withdrawn, on, reason.strip())


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required", hint="give it with --reason")


UPDATABLE = tuple(k for k in FIELDS if k in CORE_CRITERIA + ADDITIONAL_CRITERIA) + (
    "referrer_name", "referrer_role", "referrer_email", "notes",
)


def update(session: Session, referral_id: int, changes: dict[str, str]) -> list[str]:
    """Change screening answers or referrer details; returns the fields that changed. Each
    value is checked by the same rule as in ``referral add`` and a CSV import
    (``referral_rows.FIELD_RULES``)."""
    from ivcli.services.referral_rows import FIELD_RULES

    ref, _ = get(session, referral_id)
    problems: list[str] = []
    changed: list[str] = []
    for key, raw in changes.items():
        if key not in UPDATABLE:
            raise InvalidInput(f"{key} cannot be changed here")
        try:
            value: object = FIELD_RULES[key](raw)
        except ValueError as exc:
            problems.append(f"{key}: {exc}")
            continue
        if value == "":
            value = None
        if getattr(ref, key) != value:
            setattr(ref, key, value)
            changed.append(key)
    if problems:
        raise InvalidInput(f"referral {referral_id} was not changed", details=problems)
    if changed:
        ref.updated_at = datetime.now(UTC).replace(microsecond=0)
    return changed
