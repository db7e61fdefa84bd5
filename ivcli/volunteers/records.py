"""One volunteer's record and the read views (list, show, due).

``VolunteerRecord`` is one row of ``volunteers``; ``get`` (or ``load``) reads it. ``outstanding``
says in words which steps are missing or lapsed (the rules are in ``compliance``). The writes are
in ``enrolment`` (adding, recording steps), ``approval`` and ``status``; this module imports none
of their helpers, so the read commands start without them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from typing import TYPE_CHECKING, Any

from ivcli import stored_settings as settings_service
from ivcli.enums import TRAINING_DATE_COURSE, CheckStep, VolunteerStatus
from ivcli.errors import InvalidInput, NotFound
from ivcli.parsing import age_on
from ivcli.volunteers import compliance
from ivcli.volunteers.compliance import CheckState, HasCheck

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

ENDED = (VolunteerStatus.withdrawn.value, VolunteerStatus.left.value)
PIPELINE = (VolunteerStatus.applicant.value, VolunteerStatus.in_checks.value,
            VolunteerStatus.ready_for_panel.value, VolunteerStatus.not_approved.value)

Day = date  # for annotations in classes that have a field named like a type


@dataclass
class VolunteerRecord:
    """One row of ``volunteers``, with the attributes the ORM class had: dates as ``date``,
    timestamps as the stored ISO text."""

    id: int
    reference: str | None
    first_name: str
    last_name: str
    name_key: str
    date_of_birth: Day
    gender: str | None
    email: str | None
    phone: str | None
    area: str | None
    languages: str | None
    interests: str | None
    coordinator: str | None
    ethnicity: str | None
    faith: str | None
    disability: str | None
    status: str
    status_reason: str | None
    status_date: Day | None
    approved_date: Day | None
    leave_reason: str | None
    leave_note: str | None
    exit_interview_date: Day | None
    profile: str | None
    notes: str | None
    created_at: str
    updated_at: str


_COLUMNS = tuple(f.name for f in fields(VolunteerRecord))
_DATES = ("date_of_birth", "status_date", "approved_date", "exit_interview_date")


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value)[:10])


def _record(row: Any) -> VolunteerRecord:
    values = dict(zip(_COLUMNS, row, strict=True))
    for key in _DATES:
        values[key] = _day(values[key])
    values["created_at"], values["updated_at"] = str(values["created_at"]), str(
        values["updated_at"])
    return VolunteerRecord(**values)


def load(conn: Connection, volunteer_id: int) -> VolunteerRecord:
    from sqlalchemy import text

    row = conn.execute(text(f"SELECT {', '.join(_COLUMNS)} FROM volunteers WHERE id = :id"),
                       {"id": volunteer_id}).first()
    if row is None:
        raise NotFound(f"there is no volunteer {volunteer_id}",
                       hint="'ivcli volunteer list' shows their ids")
    return _record(row)


def get(conn: Connection, volunteer_id: int) -> Any:
    """The volunteer (``VolunteerRecord``); NotFound names the id."""
    return load(conn, volunteer_id)


def describe(state: CheckState, count: int = 0) -> str:
    """One missing or lapsed step in words, for refusals and `show`."""
    if state.status == "missing":
        if state.step == CheckStep.reference.value and count:
            return f"{state.label}: only {count} of 2 recorded"
        return f"{state.label}: not recorded"
    if state.status == "lapsed":
        return f"{state.label}: lapsed on {state.expires.isoformat() if state.expires else '?'}"
    if state.status == "lapsing":
        return f"{state.label}: lapses on {state.expires.isoformat() if state.expires else '?'}"
    return f"{state.label}: current"


def reference_count(checks: Iterable[HasCheck], as_of: date) -> int:
    return sum(1 for c in checks if c.step == CheckStep.reference.value and c.date <= as_of)


def outstanding(conn: Connection, volunteer_id: int, as_of: date) -> list[str]:
    """Everything that stops one volunteer being approved, in words: each missing or lapsed
    step (``compliance``), then each decision that does not allow it (``vetting``)."""
    from ivcli.volunteers import vetting

    found, trainings = compliance.records_of(conn, [volunteer_id])
    checks = found.get(volunteer_id, [])
    states = compliance.evaluate(checks, as_of, compliance.Rules.load(conn),
                                 trainings.get(volunteer_id, []))
    refs = reference_count(checks, as_of)
    return ([describe(s, refs) for s in compliance.problems(states)]
            + vetting.vet_one(conn, volunteer_id, as_of).problems)


# ---------------------------------------------------------------------------------------------
# Reading


LIST_COLUMNS = ("id", "reference", "first_name", "last_name", "status", "area", "coordinator",
                "approved_date", "matchable", "next_expiry", "outstanding")


def list_volunteers(conn: Connection, status: str | None, as_of: date,
                    name: str | None = None) -> list[dict[str, object]]:
    """Volunteers with their pipeline state, those whose name holds every word of ``name``
    (case, accents and punctuation ignored) with ``name``. No contact details (lists are
    shared)."""
    from sqlalchemy import text

    from ivcli.names import name_filter

    rules = compliance.Rules.load(conn)
    where: list[str] = []
    params: dict[str, object] = {}
    if status:
        where.append("status = :status")
        params["status"] = status
    if name is not None:
        try:
            cond, found = name_filter(name)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        where.append(cond)
        params.update(found)
    sql = ("SELECT id, reference, first_name, last_name, status, area, coordinator, "
           "approved_date FROM volunteers")
    vols = conn.execute(text(sql + (" WHERE " + " AND ".join(where) if where else "")
                             + " ORDER BY id"), params).all()
    checks = compliance.load_checks(conn, light=True)
    trainings = compliance.load_trainings(conn)
    # The decisions of those still in the pipeline (the approved were decided on approval).
    from ivcli.volunteers import vetting

    decided = vetting.vet(conn, [v.id for v in vols if v.status in PIPELINE], as_of)
    out: list[dict[str, object]] = []
    for v in vols:
        mine = checks.get(v.id, [])
        states = compliance.evaluate(mine, as_of, rules, trainings.get(v.id, []))
        bad = compliance.problems(states)
        expiries = [s.expires for s in states if s.expires and s.status != "lapsed"]
        refs = reference_count(mine, as_of)
        out.append({
            "id": v.id,
            "reference": v.reference,
            "first_name": v.first_name,
            "last_name": v.last_name,
            "status": v.status,
            "area": v.area,
            "coordinator": v.coordinator,
            "approved_date": _day(v.approved_date),
            "matchable": v.status == VolunteerStatus.approved.value
            and not compliance.problems(states, approved=True),
            "next_expiry": min(expiries) if expiries else None,
            "outstanding": "; ".join([describe(s, refs) for s in bad]
                                     + (decided[v.id].problems if v.id in decided else [])),
        })
    return out


@dataclass
class Shown:
    record: dict[str, object]
    timeline: list[dict[str, object]]
    steps: list[dict[str, object]]
    checks: list[dict[str, object]]  # every check record: {step, date, outcome, expires}
    declaration: dict[str, object] | None  # the latest declaration of independence


TIMELINE_COLUMNS = ("date", "event", "detail")
STEP_COLUMNS = ("step", "state", "date", "expires", "days_left")


def _latest(checks: list[compliance.Check], step: str, number: str | None = None
            ) -> compliance.Check | None:
    found = [c for c in checks if c.step == step and (number is None or c.number == number)]
    return max(found, key=lambda c: c.date) if found else None


def show(conn: Connection, volunteer_id: int, as_of: date) -> Shown:
    from ivcli.matching.profiles import load_volunteer_profile, unknown_interests
    from ivcli.volunteers import vetting

    v = load(conn, volunteer_id)
    checks = sorted(compliance.load_checks(conn, [volunteer_id]).get(volunteer_id, []),
                    key=lambda c: (c.date, c.id))
    rules = compliance.Rules.load(conn)
    courses = compliance.load_trainings(conn, [volunteer_id]).get(volunteer_id, [])
    states = compliance.evaluate(checks, as_of, rules, courses)
    by_step = {s.step: s for s in states}
    bad = compliance.problems(states)
    course_expiries = [s.expires for s in states if s.course is not None and s.expires]
    vetted = vetting.vet_one(conn, volunteer_id, as_of)
    declared = vetting.declarations(conn, [volunteer_id]).get(volunteer_id)
    refs = sorted((c for c in checks if c.step == "reference"), key=lambda c: c.date)
    dbs = _latest(checks, "dbs")
    status_check = _latest(checks, "dbs_status_check")

    def last(step: str) -> date | None:
        c = _latest(checks, step)
        return c.date if c else None

    profile = load_volunteer_profile(v)
    record: dict[str, object] = {
        "id": v.id,
        "reference": v.reference,
        "first_name": v.first_name,
        "last_name": v.last_name,
        "date_of_birth": v.date_of_birth,
        "age": age_on(v.date_of_birth, as_of),
        "gender": v.gender,
        "email": v.email,
        "phone": v.phone,
        "area": v.area,
        "coordinator": v.coordinator,
        "ethnicity": v.ethnicity,
        "faith": v.faith,
        "disability": v.disability,
        "status": v.status,
        "status_date": v.status_date,
        "status_reason": v.status_reason,
        "approved_date": v.approved_date,
        "leave_reason": v.leave_reason,
        "leave_note": v.leave_note,
        "exit_interview_date": v.exit_interview_date,
        "matchable": v.status == VolunteerStatus.approved.value
        and not compliance.problems(states, approved=True),
        "outstanding": "; ".join([describe(s, len(refs)) for s in bad] + vetted.problems),
        "application_date": last("application"),
        "interview_date": last("interview"),
        "reference_1_date": refs[0].date if refs else None,
        "reference_2_date": refs[1].date if len(refs) > 1 else None,
        "dbs_number": dbs.number if dbs else None,
        "dbs_issue_date": dbs.date if dbs else None,
        "dbs_level": dbs.level if dbs else None,
        "dbs_outcome": dbs.outcome if dbs else None,
        "dbs_update_service": dbs.update_service if dbs else None,
        "dbs_status_check_date": status_check.date if status_check else None,
        "dbs_expires": by_step["dbs"].expires,
        # The course a training date records (a CSV's training_date), and the first day a
        # required course lapses.
        "training_date": max((t.date for t in courses if t.course == TRAINING_DATE_COURSE),
                             default=None),
        "training_expires": min(course_expiries, default=None),
        "panel_date": last("panel"),
    }
    for key in ("interests", "skills", "languages", "areas", "availability", "child_age_min",
                "child_age_max", "capacity", "culture_faith", "personality"):
        record[key] = profile[key]
    record["unknown_interests"] = unknown_interests(profile)
    record["notes"] = v.notes

    timeline: list[dict[str, object]] = []
    for c in checks:
        detail = []
        if c.step == "reference":
            detail.append(f"referee {c.number or '?'}")
        if c.step == "dbs":
            detail.append(f"certificate {c.number}" if c.number else "no number")
            if c.level:
                detail.append(c.level)
            if c.outcome:
                detail.append(c.outcome)
            detail.append("on the Update Service" if c.update_service else
                          "not on the Update Service")
        if c.outcome and c.step != "dbs":
            detail.append(c.outcome)
        if c.decided_by:
            detail.append(f"by {c.decided_by}")
        timeline.append({"date": c.date, "event": c.step, "detail": ", ".join(detail)})
    if v.approved_date:
        timeline.append({"date": v.approved_date, "event": "approved", "detail": ""})
    if declared is not None:
        timeline.append({"date": declared.date, "event": "declaration",
                         "detail": f"children's services: {declared.la_children_services}"
                         + (f"; {len(declared.connections)} connection(s)"
                            if declared.connections else "")})
    if v.status_date and v.status in (VolunteerStatus.on_hold.value,
                                      VolunteerStatus.not_approved.value, *ENDED):
        timeline.append({"date": v.status_date, "event": v.status,
                         "detail": v.status_reason or ""})
    timeline.sort(key=lambda e: e["date"])  # type: ignore[arg-type, return-value]
    steps: list[dict[str, object]] = [
        {"step": s.label, "state": s.status, "date": s.date, "expires": s.expires,
         "days_left": s.days_left} for s in states]
    return Shown(record, timeline, steps, check_list(checks, by_step, rules),
                 declared.as_json() if declared else None)


def check_list(checks: list[compliance.Check], by_step: dict[str, CheckState],
               rules: compliance.Rules) -> list[dict[str, object]]:
    """Every check record as `volunteer show` gives it in JSON: its step, date, outcome (a
    panel's decision, a risk assessment's) and the day it lapses (a DBS certificate: the latest
    with what ``compliance`` says, a Update Service status check included). Training courses
    are ``trainings``; a ``training`` check held from before migration 016 is one of them."""
    from ivcli.parsing import add_years

    years = {"dbs": rules.dbs_years}
    latest = {step: max((c for c in checks if c.step == step), key=lambda c: (c.date, c.id))
              for step in years if any(c.step == step for c in checks)}
    out: list[dict[str, object]] = []
    for c in checks:
        expires = None
        if c.step in years:
            state = by_step.get(c.step)
            expires = (state.expires if latest[c.step] is c and state is not None
                       and state.date == c.date else add_years(c.date, years[c.step]))
        out.append({"step": c.step, "date": c.date, "outcome": c.outcome, "expires": expires})
    return out


DUE_COLUMNS = ("volunteer_id", "first_name", "last_name", "status", "step", "expires",
               "days_left", "state", "matchable")


def due(conn: Connection, as_of: date, within: int | None) -> list[dict[str, object]]:
    """Checks lapsing within ``within`` days (default: setting checks.warn_days) or lapsed,
    and required courses an approved volunteer has never done (state ``missing``), most
    urgent first."""
    from sqlalchemy import bindparam, text

    if within is None:
        within = settings_service.get_int(conn, "checks.warn_days")
    if within < 0:
        raise InvalidInput("--within must be 0 or more days")
    items = compliance.due(conn, as_of, within)
    names = {v.id: v for v in conn.execute(
        text("SELECT id, first_name, last_name FROM volunteers WHERE id IN :ids").bindparams(
            bindparam("ids", expanding=True)),
        {"ids": sorted({d.volunteer_id for d in items})})} if items else {}
    return [{
        "volunteer_id": d.volunteer_id,
        "first_name": names[d.volunteer_id].first_name,
        "last_name": names[d.volunteer_id].last_name,
        "status": d.status,
        "step": d.label,
        "expires": d.expires,
        "days_left": d.days_left,
        "state": d.state,
        "matchable": d.matchable,
    } for d in items]
