"""Volunteers: adding one, the safer-recruitment steps, approval, status changes, and the read
views (list, show, due). A spreadsheet of the pool is imported by ``volunteers.intake``.

Status follows the recorded steps (``pipeline_status``): an applicant has only an application;
in checks once any other step is recorded; ready for panel when every step before the panel is
recorded and current. Approval is a decision (``approve``), refused while any step is missing or
lapsed (the rules are in ``compliance``). On hold, withdrawn and left are set by hand with a
reason and a date.

A volunteer is the same volunteer when they have the same reference, or else the same normalised
name and date of birth (when at most one of the two has a reference).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from typing import TYPE_CHECKING, Any

from ivcli import stored_settings as settings_service
from ivcli.db import now
from ivcli.enums import CheckStep, MatchStatus, VolunteerStatus, sql_list
from ivcli.errors import InvalidInput, NotFound, Refused
from ivcli.parsing import age_on
from ivcli.volunteers import compliance
from ivcli.volunteers.compliance import CheckState, HasCheck

# The writes' helpers (``audit``, ``volunteer_intake``, ``volunteer_rows``) are imported in the
# functions that write: the read views (list, show, due) start without them.

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

ENDED = (VolunteerStatus.withdrawn.value, VolunteerStatus.left.value)

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
    status: str
    status_reason: str | None
    status_date: Day | None
    approved_date: Day | None
    profile: str | None
    notes: str | None
    created_at: str
    updated_at: str


_COLUMNS = tuple(f.name for f in fields(VolunteerRecord))
_DATES = ("date_of_birth", "status_date", "approved_date")


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value)[:10])


def _record(row: Any) -> VolunteerRecord:
    values = dict(zip(_COLUMNS, row, strict=True))
    for key in _DATES:
        values[key] = _day(values[key])
    values["created_at"], values["updated_at"] = str(values["created_at"]), str(
        values["updated_at"])
    return VolunteerRecord(**values)


def _load(conn: Connection, volunteer_id: int) -> VolunteerRecord:
    from sqlalchemy import text

    row = conn.execute(text(f"SELECT {', '.join(_COLUMNS)} FROM volunteers WHERE id = :id"),
                       {"id": volunteer_id}).first()
    if row is None:
        raise NotFound(f"there is no volunteer {volunteer_id}",
                       hint="'ivcli volunteer list' shows their ids")
    return _record(row)


def get(conn: Connection, volunteer_id: int) -> Any:
    """The volunteer (``VolunteerRecord``); NotFound names the id."""
    return _load(conn, volunteer_id)


def _update(conn: Connection, v: VolunteerRecord, **values: Any) -> list[str]:
    """Write the ``values`` that differ from ``v`` (and updated_at), record them in the audit
    trail, and bring ``v`` up to date. Returns the changed field names."""
    from sqlalchemy import update

    from ivcli.models import Volunteer
    from ivcli.safety import audit

    changed = {k: x for k, x in values.items() if getattr(v, k) != x}
    if not changed:
        return []
    changed["updated_at"] = now()
    t = Volunteer.__table__  # type: ignore[attr-defined]
    conn.execute(update(t).where(t.c.id == v.id).values(**changed))
    names = sorted(changed)
    audit.record(conn, [("volunteers", str(v.id), "update", names)])
    for k, x in changed.items():
        setattr(v, k, x)
    return names


# ---------------------------------------------------------------------------------------------
# Status


def refresh_status(conn: Connection, v: VolunteerRecord, as_of: date) -> str:
    """Bring a pipeline status (applicant, in checks, ready for panel) up to date."""
    from ivcli.volunteers.intake import HAND_SET, pipeline_status

    if v.status not in HAND_SET:
        _update(conn, v, status=pipeline_status(compliance.volunteer_states(conn, v.id, as_of)))
    return v.status


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


def _reference_count(checks: Iterable[HasCheck], as_of: date) -> int:
    return sum(1 for c in checks if c.step == CheckStep.reference.value and c.date <= as_of)


def outstanding(conn: Connection, volunteer_id: int, as_of: date) -> list[str]:
    """Every missing or lapsed step of one volunteer, in words."""
    checks = compliance.load_checks(conn, [volunteer_id], light=True).get(volunteer_id, [])
    states = compliance.evaluate(checks, as_of, compliance.Rules.load(conn))
    refs = _reference_count(checks, as_of)
    return [describe(s, refs) for s in compliance.problems(states)]


# ---------------------------------------------------------------------------------------------
# Intake


def add(conn: Connection, raw: dict[str, str], today: date) -> VolunteerRecord:
    """Add one volunteer with their application (and any other step dates given)."""
    from ivcli.volunteers import intake as volunteer_intake
    from ivcli.volunteers.rows import validate

    min_age = settings_service.get_int(conn, "volunteer.min_age")
    row, problems = validate(raw, 0, today, min_age)
    if problems:
        age = [p for p in problems if "volunteer.min_age" in p.message]
        cls = Refused if age and len(age) == len(problems) else InvalidInput
        raise cls("the volunteer cannot be added; nothing was added",
                  details=[str(p) for p in problems])
    assert row is not None
    vid, _ = volunteer_intake.Identities.load(conn).find(row)
    if vid is not None:
        raise Refused(
            f"volunteer {vid} is already held (same reference, or same name and date of "
            "birth); nothing was added",
            hint=f"see them with 'ivcli volunteer show {vid}'",
        )
    result = volunteer_intake.ingest(conn, [row], today)
    return _load(conn, result.ids[0])


# ---------------------------------------------------------------------------------------------
# Recording a step


@dataclass
class Recorded:
    volunteer_id: int
    step: str
    date: date
    number: str | None
    added: bool
    status: str
    state: CheckState | None
    outstanding: list[str]


def _check_options_allowed(step: str, number: str | None, level: str | None,
                           outcome: str | None, update_service: bool | None) -> None:
    given = [n for n, v in (("--number", number), ("--level", level), ("--outcome", outcome),
                            ("--update-service", update_service)) if v is not None]
    allowed = {"dbs": {"--number", "--level", "--outcome", "--update-service"},
               "reference": {"--number"}}.get(step, set())
    wrong = [g for g in given if g not in allowed]
    if wrong:
        raise InvalidInput(f"{', '.join(wrong)} does not apply to the {step} step",
                           hint="--number, --level, --outcome and --update-service are for dbs; "
                           "--number (1 or 2) also says which reference")


def record_check(
    conn: Connection,
    volunteer_id: int,
    step: str,
    on: date,
    *,
    today: date,
    number: str | None = None,
    level: str | None = None,
    outcome: str | None = None,
    update_service: bool | None = None,
) -> Recorded:
    """Record that ``step`` was done on ``on``. Recording the same again changes nothing."""
    from ivcli.safety import audit
    from ivcli.volunteers.rows import (
        age_problem,
        parse_dbs_level,
        parse_dbs_number,
        parse_dbs_outcome,
    )

    v = _load(conn, volunteer_id)
    if step not in {s.value for s in CheckStep}:
        raise InvalidInput(f"there is no step {step!r}",
                           hint="steps: " + ", ".join(s.value for s in CheckStep))
    _check_options_allowed(step, number, level, outcome, update_service)
    if on > today:
        raise InvalidInput("the date is in the future; record a step once it has happened")
    if on < v.date_of_birth:
        raise InvalidInput("the date is before the volunteer's date of birth")
    checks = compliance.load_checks(conn, [volunteer_id]).get(volunteer_id, [])
    if step == CheckStep.application.value:
        problem = age_problem(v.date_of_birth, on, settings_service.get_int(
            conn, "volunteer.min_age"))
        if problem:
            raise Refused(f"volunteer {volunteer_id} cannot apply on that date: {problem}")
    elif step == CheckStep.reference.value:
        refs = [c for c in checks if c.step == step]
        if number is None:
            if any(c.date == on for c in refs):
                same = next(c for c in refs if c.date == on)
                raise Refused(
                    f"volunteer {volunteer_id} already has reference {same.number or '1'} on "
                    "that date; nothing was recorded",
                    hint="if this is the other referee, say which with --number 2",
                )
            used = {c.number for c in refs}
            number = next(str(i) for i in range(1, len(refs) + 2) if str(i) not in used)
        elif not (number.isdigit() and 1 <= int(number) <= 9):
            raise InvalidInput("--number for a reference says which referee: 1 or 2")
    elif step == CheckStep.dbs.value:
        try:
            number = parse_dbs_number(number or "")
            level = parse_dbs_level(level or "")
            outcome = parse_dbs_outcome(outcome or "")
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        if number is None:
            raise InvalidInput("a DBS check needs the certificate number (--number)")
        update_service = bool(update_service)
    elif step == CheckStep.dbs_status_check.value:
        certs = sorted((c for c in checks if c.step == "dbs" and c.date <= on),
                       key=lambda c: c.date)
        if not certs:
            raise Refused(f"volunteer {volunteer_id} has no DBS certificate recorded on or "
                          "before that date; nothing was recorded",
                          hint="record it first with --number and --update-service yes")
        if not certs[-1].update_service:
            raise Refused(
                f"volunteer {volunteer_id}'s DBS certificate is not recorded as on the Update "
                "Service, so a status check does not keep it current; nothing was recorded",
                hint=f"if it is, record it again: 'ivcli volunteer check {volunteer_id} dbs "
                "--date ISSUE-DATE --number N --update-service yes'",
            )
    added = not any(c.step == step and c.date == on and (c.number or "") == (number or "")
                    for c in checks)
    if added:
        from sqlalchemy import insert

        from ivcli.models import VolunteerCheck

        t = VolunteerCheck.__table__  # type: ignore[attr-defined]
        result = conn.execute(insert(t).values(
            volunteer_id=volunteer_id, step=step, date=on, number=number, level=level,
            outcome=outcome, update_service=update_service, created_at=now()))
        key = result.inserted_primary_key
        assert key is not None
        audit.record(conn, [("volunteer_checks", str(key[0]), "insert", ())])
    status = refresh_status(conn, v, today)
    states = compliance.volunteer_states(conn, volunteer_id, today)
    shown_step = "dbs" if step == "dbs_status_check" else step
    state = next((s for s in states if s.step == shown_step), None)
    return Recorded(volunteer_id, step, on, number, added, status, state,
                    outstanding(conn, volunteer_id, today))


# ---------------------------------------------------------------------------------------------
# Decisions


def approve(conn: Connection, volunteer_id: int, on: date, today: date) -> bool:
    """Approve. Returns False when already approved. Refused listing every missing or lapsed
    step on ``on``."""
    v = _load(conn, volunteer_id)
    if on > today:
        raise InvalidInput("the approval date is in the future")
    if v.status in ENDED:
        raise Refused(
            f"volunteer {volunteer_id} has {'left' if v.status == 'left' else 'withdrawn'}; "
            "nothing was changed",
            hint=f"if they are coming back, 'ivcli volunteer resume {volunteer_id}' first",
        )
    if v.status == VolunteerStatus.approved.value:
        return False
    missing = outstanding(conn, volunteer_id, on)
    if missing:
        raise Refused(
            f"volunteer {volunteer_id} cannot be approved: "
            f"{len(missing)} step(s) missing or lapsed",
            hint=f"record each with 'ivcli volunteer check {volunteer_id} STEP --date DATE' "
            "(dbs also needs --number)",
            details=missing,
        )
    _update(conn, v, status=VolunteerStatus.approved.value, approved_date=on, status_date=on,
            status_reason=None)
    return True


def open_matches(conn: Connection, volunteer_id: int) -> list[int]:
    from sqlalchemy import text

    return [int(m) for (m,) in conn.execute(text(
        "SELECT id FROM matches WHERE volunteer_id = :v "
        f"AND status IN ({sql_list(MatchStatus.open())}) ORDER BY id"), {"v": volunteer_id})]


def set_status(conn: Connection, volunteer_id: int, status: VolunteerStatus, reason: str,
               on: date, today: date) -> list[int]:
    """Put on hold, withdraw or record as left. Returns the volunteer's open match ids (the
    coordinator must deal with them)."""
    v = _load(conn, volunteer_id)
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required", hint="give it with --reason")
    if on > today:
        raise InvalidInput("the date is in the future")
    if v.status == status.value:
        raise Refused(f"volunteer {volunteer_id} is already {status.value}")
    if v.status in ENDED and status != VolunteerStatus.left:
        raise Refused(f"volunteer {volunteer_id} is {v.status}; nothing was changed",
                      hint=f"'ivcli volunteer resume {volunteer_id}' if they are coming back")
    if status == VolunteerStatus.withdrawn and v.approved_date is not None:
        raise Refused(
            f"volunteer {volunteer_id} was approved; an approved volunteer who stops has left",
            hint=f"use 'ivcli volunteer leave {volunteer_id} --reason ...'",
        )
    _update(conn, v, status=status.value, status_reason=" ".join(reason.split()),
            status_date=on)
    return open_matches(conn, volunteer_id)


def resume(conn: Connection, volunteer_id: int, on: date, today: date) -> str:
    """Back from on hold (approved again if they were approved), or back into the pipeline after
    withdrawing or leaving (a returning volunteer is approved again by `approve`)."""
    v = _load(conn, volunteer_id)
    if v.status not in (VolunteerStatus.on_hold.value, *ENDED):
        raise Refused(f"volunteer {volunteer_id} is {v.status}, not on hold, withdrawn or left")
    was_hold = v.status == VolunteerStatus.on_hold.value
    approved: date | None
    if was_hold and v.approved_date is not None:
        status, approved = VolunteerStatus.approved.value, v.approved_date
    else:
        # Back into the pipeline: the status the recorded steps give (``refresh_status``).
        from ivcli.volunteers.intake import pipeline_status

        status = pipeline_status(compliance.volunteer_states(conn, volunteer_id, today))
        approved = v.approved_date if was_hold else None
    _update(conn, v, status=status, approved_date=approved, status_reason=None, status_date=on)
    return v.status


# ---------------------------------------------------------------------------------------------
# Reading


LIST_COLUMNS = ("id", "reference", "first_name", "last_name", "status", "area", "coordinator",
                "approved_date", "matchable", "next_expiry", "outstanding")


def list_volunteers(conn: Connection, status: str | None, as_of: date) -> list[dict[str, object]]:
    """Volunteers with their pipeline state. No contact details (lists are shared)."""
    from sqlalchemy import text

    rules = compliance.Rules.load(conn)
    sql = ("SELECT id, reference, first_name, last_name, status, area, coordinator, "
           "approved_date FROM volunteers")
    vols = conn.execute(text(sql + (" WHERE status = :status" if status else "")
                             + " ORDER BY id"), {"status": status} if status else {}).all()
    checks = compliance.load_checks(conn, light=True)
    out: list[dict[str, object]] = []
    for v in vols:
        mine = checks.get(v.id, [])
        states = compliance.evaluate(mine, as_of, rules)
        bad = compliance.problems(states)
        expiries = [s.expires for s in states if s.expires and s.status != "lapsed"]
        refs = _reference_count(mine, as_of)
        out.append({
            "id": v.id,
            "reference": v.reference,
            "first_name": v.first_name,
            "last_name": v.last_name,
            "status": v.status,
            "area": v.area,
            "coordinator": v.coordinator,
            "approved_date": _day(v.approved_date),
            "matchable": v.status == VolunteerStatus.approved.value and not bad,
            "next_expiry": min(expiries) if expiries else None,
            "outstanding": "; ".join(describe(s, refs) for s in bad),
        })
    return out


@dataclass
class Shown:
    record: dict[str, object]
    timeline: list[dict[str, object]]
    steps: list[dict[str, object]]


TIMELINE_COLUMNS = ("date", "event", "detail")
STEP_COLUMNS = ("step", "state", "date", "expires", "days_left")


def _latest(checks: list[compliance.Check], step: str, number: str | None = None
            ) -> compliance.Check | None:
    found = [c for c in checks if c.step == step and (number is None or c.number == number)]
    return max(found, key=lambda c: c.date) if found else None


def show(conn: Connection, volunteer_id: int, as_of: date) -> Shown:
    from ivcli.matching.profiles import load_volunteer_profile, unknown_interests

    v = _load(conn, volunteer_id)
    checks = sorted(compliance.load_checks(conn, [volunteer_id]).get(volunteer_id, []),
                    key=lambda c: (c.date, c.id))
    states = compliance.evaluate(checks, as_of, compliance.Rules.load(conn))
    by_step = {s.step: s for s in states}
    bad = compliance.problems(states)
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
        "status": v.status,
        "status_date": v.status_date,
        "status_reason": v.status_reason,
        "approved_date": v.approved_date,
        "matchable": v.status == VolunteerStatus.approved.value and not bad,
        "outstanding": "; ".join(describe(s, len(refs)) for s in bad),
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
        "training_date": last("training"),
        "training_expires": by_step["training"].expires,
        "panel_date": last("panel"),
    }
    for key in ("interests", "skills", "languages", "areas", "availability", "child_age_min",
                "child_age_max", "capacity"):
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
        timeline.append({"date": c.date, "event": c.step, "detail": ", ".join(detail)})
    if v.approved_date:
        timeline.append({"date": v.approved_date, "event": "approved", "detail": ""})
    if v.status_date and v.status in (VolunteerStatus.on_hold.value, *ENDED):
        timeline.append({"date": v.status_date, "event": v.status,
                         "detail": v.status_reason or ""})
    timeline.sort(key=lambda e: e["date"])  # type: ignore[arg-type, return-value]
    steps: list[dict[str, object]] = [
        {"step": s.label, "state": s.status, "date": s.date, "expires": s.expires,
         "days_left": s.days_left} for s in states]
    return Shown(record, timeline, steps)


DUE_COLUMNS = ("volunteer_id", "first_name", "last_name", "status", "step", "expires",
               "days_left", "state", "matchable")


def due(conn: Connection, as_of: date, within: int | None) -> list[dict[str, object]]:
    """Checks lapsing within ``within`` days (default: setting checks.warn_days) or lapsed,
    most urgent first."""
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
        "state": "lapsed" if d.lapsed else "lapsing",
        "matchable": d.matchable,
    } for d in items]
