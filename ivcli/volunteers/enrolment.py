"""Enrolment: adding one volunteer (with their application and any other step dates given) and
recording each safer-recruitment step. A spreadsheet of the pool is imported by ``intake``.

A volunteer is the same volunteer when they have the same reference, or else the same normalised
name and date of birth (when at most one of the two has a reference).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ivcli import stored_settings as settings_service
from ivcli.db import now
from ivcli.enums import (
    TRAINING_DATE_COURSE,
    CheckOutcome,
    CheckStep,
    LaChildrenServices,
    PanelDecision,
    RiskDecision,
    VolunteerStatus,
)
from ivcli.errors import InvalidInput, Refused
from ivcli.volunteers import compliance, vetting
from ivcli.volunteers.compliance import CheckState
from ivcli.volunteers.records import VolunteerRecord, load, outstanding
from ivcli.volunteers.status import refresh_status

# The writes' helpers (``audit``, ``intake``, ``rows``, the models) are imported in the
# functions that use them.

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


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
    return load(conn, result.ids[0])


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
    changed: list[str] = field(default_factory=list)  # fields of a record held, corrected
    open_matches: list[int] = field(default_factory=list)  # when the pipeline stopped


# The options each step takes, and the outcomes (--outcome, or --decision for a panel) that
# each step with a decision must be given (docs/volunteers.md).
STEP_OPTIONS = {
    "dbs": {"--number", "--level", "--outcome", "--update-service"},
    "reference": {"--number", "--outcome", "--note"},
    "interview": {"--outcome", "--note"},
    "panel": {"--decision", "--note"},
}
DECISIONS = {
    "reference": ("--outcome", tuple(o.value for o in CheckOutcome)),
    "interview": ("--outcome", tuple(o.value for o in CheckOutcome)),
    "panel": ("--decision", tuple(d.value for d in PanelDecision)),
}


def _check_options_allowed(step: str, given: dict[str, object]) -> None:
    wrong = [g for g, value in given.items()
             if value is not None and g not in STEP_OPTIONS.get(step, set())]
    if wrong:
        raise InvalidInput(
            f"{', '.join(wrong)} does not apply to the {step} step",
            hint="dbs takes --number, --level, --outcome and --update-service; reference "
            "--outcome, --number (1 or 2: which referee) and --note; interview --outcome and "
            "--note; panel --decision and --note")


def _decision(step: str, value: str | None) -> str | None:
    """The outcome a reference or interview, or the decision a panel, must be given."""
    if step not in DECISIONS:
        return value
    option, allowed = DECISIONS[step]
    if value is None:
        raise InvalidInput(
            f"the {step} step needs its {'decision' if step == 'panel' else 'outcome'}: "
            f"{option} {'|'.join(allowed)}",
            hint="a date alone no longer counts as passing (docs/volunteers.md)")
    clean = "_".join(value.lower().split())
    if clean not in allowed:
        raise InvalidInput(f"{option} for the {step} step is one of {', '.join(allowed)}")
    return clean


def _note(note: str | None) -> str | None:
    from ivcli.specs import CHECK, one_line

    try:
        return one_line(note or "", CHECK["note"].limit) or None
    except ValueError as exc:
        raise InvalidInput(f"--note is {exc}") from None


def _insert_check(conn: Connection, volunteer_id: int, **values: object) -> int:
    from sqlalchemy import insert

    from ivcli.models import VolunteerCheck
    from ivcli.safety import audit

    t = VolunteerCheck.__table__  # type: ignore[attr-defined]
    result = conn.execute(insert(t).values(volunteer_id=volunteer_id, created_at=now(),
                                           **values))
    key = result.inserted_primary_key
    assert key is not None
    audit.record(conn, [("volunteer_checks", str(key[0]), "insert", ())])
    return int(key[0])


def _correct_check(conn: Connection, check_id: int, values: Mapping[str, object]) -> None:
    from sqlalchemy import update

    from ivcli.models import VolunteerCheck
    from ivcli.safety import audit

    t = VolunteerCheck.__table__  # type: ignore[attr-defined]
    conn.execute(update(t).where(t.c.id == check_id).values(**values))
    audit.record(conn, [("volunteer_checks", str(check_id), "update", sorted(values))])


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
    decision: str | None = None,
    note: str | None = None,
) -> Recorded:
    """Record that ``step`` was done on ``on``, with its outcome (a reference, an interview) or
    decision (a panel). Recording the same again changes nothing; the same record (step, date,
    referee or certificate number) with another outcome, level or note corrects it. The
    ``training`` step records the course ``TRAINING_DATE_COURSE`` (``support.add_training``)."""
    from ivcli.volunteers.rows import (
        age_problem,
        parse_dbs_level,
        parse_dbs_number,
        parse_dbs_outcome,
    )

    v = load(conn, volunteer_id)
    if step not in {s.value for s in CheckStep}:
        raise InvalidInput(f"there is no step {step!r}",
                           hint="steps: " + ", ".join(s.value for s in CheckStep))
    _check_options_allowed(step, {"--number": number, "--level": level, "--outcome": outcome,
                                  "--update-service": update_service, "--decision": decision,
                                  "--note": note})
    outcome = _decision(step, decision if step == CheckStep.panel.value else outcome)
    note = _note(note)
    if on > today:
        raise InvalidInput("the date is in the future; record a step once it has happened")
    if on < v.date_of_birth:
        raise InvalidInput("the date is before the volunteer's date of birth")
    if step == CheckStep.training.value:
        from ivcli.volunteers.support import add_training

        added_id, _ = add_training(conn, volunteer_id, TRAINING_DATE_COURSE, on, today)
        return _recorded(conn, v, step, on, None, added_id is not None, [], today)
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
                    hint="if this is the other referee, say which with --number 2; to correct "
                    f"its outcome, give --number {same.number or '1'}",
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
    held = next((c for c in checks if c.step == step and c.date == on
                 and (c.number or "") == (number or "")), None)
    changed: list[str] = []
    if held is None:
        _insert_check(conn, volunteer_id, step=step, date=on, number=number, level=level,
                      outcome=outcome, update_service=update_service, note=note)
    else:
        given = {"level": level, "outcome": outcome, "note": note,
                 "update_service": update_service if step == CheckStep.dbs.value else None}
        fix = {k: x for k, x in given.items() if x is not None and getattr(held, k) != x}
        if fix:
            _correct_check(conn, held.id, fix)
            changed = sorted(fix)
    return _recorded(conn, v, step, on, number, held is None, changed, today)


def _recorded(conn: Connection, v: VolunteerRecord, step: str, on: date, number: str | None,
              added: bool, changed: list[str], today: date) -> Recorded:
    """The status after recording a step, and the state of what it recorded."""
    from ivcli.volunteers.status import open_matches

    was = v.status
    status = refresh_status(conn, v, today)
    stopped = status == VolunteerStatus.not_approved.value and was != status
    states = compliance.volunteer_states(conn, v.id, today)
    shown_step = {CheckStep.dbs_status_check.value: CheckStep.dbs.value,
                  CheckStep.training.value: compliance.COURSE_STEP + TRAINING_DATE_COURSE,
                  }.get(step, step)
    state = next((s for s in states if s.step == shown_step), None)
    return Recorded(v.id, step, on, number, added, status, state,
                    outstanding(conn, v.id, today), changed,
                    open_matches(conn, v.id) if stopped else [])


# ---------------------------------------------------------------------------------------------
# The DBS risk assessment and the declaration of independence


@dataclass
class Decided:
    volunteer_id: int
    status: str
    outstanding: list[str]
    open_matches: list[int] = field(default_factory=list)  # when the pipeline stopped


def _after(conn: Connection, v: VolunteerRecord, today: date) -> Decided:
    from ivcli.volunteers.status import open_matches

    was = v.status
    status = refresh_status(conn, v, today)
    stopped = status == VolunteerStatus.not_approved.value and was != status
    return Decided(v.id, status, outstanding(conn, v.id, today),
                   open_matches(conn, v.id) if stopped else [])


def risk_assessment(conn: Connection, volunteer_id: int, decision: str, by: str, on: date,
                    note: str, today: date) -> Decided:
    """Record the risk assessment of a DBS certificate with information disclosed: who decided,
    when, ``proceed`` or ``decline`` (which stops the pipeline), and a note of the reasoning.
    Nothing of the certificate's content is asked for or stored."""
    from ivcli.specs import CHECK, one_line

    v = load(conn, volunteer_id)
    decisions = [d.value for d in RiskDecision]
    if decision not in decisions:
        raise InvalidInput(f"--decision is one of {', '.join(decisions)}")
    try:
        who = one_line(by or "", CHECK["decided_by"].limit)
    except ValueError as exc:
        raise InvalidInput(f"--by is {exc}") from None
    if not who:
        raise InvalidInput("--by (who made the decision) is required")
    clean = _note(note)
    if not clean:
        raise InvalidInput("--note (the assessment's reasoning, not the certificate's content) "
                           "is required")
    if on > today:
        raise InvalidInput("the date is in the future; record the decision once it is made")
    checks = compliance.load_checks(conn, [volunteer_id]).get(volunteer_id, [])
    certs = sorted((c for c in checks if c.step == CheckStep.dbs.value and c.date <= on),
                   key=lambda c: (c.date, c.id))
    if not certs or certs[-1].outcome != "information_disclosed":
        raise Refused(
            f"volunteer {volunteer_id} has no DBS certificate with information disclosed "
            "recorded on or before that date; nothing was recorded",
            hint=f"record it first: 'ivcli volunteer check {volunteer_id} dbs --date ISSUE-DATE "
            "--number N --level enhanced_barred --outcome information_disclosed'")
    held = next((c for c in checks if c.step == vetting.RISK_ASSESSMENT and c.date == on), None)
    if held is None:
        _insert_check(conn, volunteer_id, step=vetting.RISK_ASSESSMENT, date=on,
                      outcome=decision, decided_by=who, note=clean)
    else:
        fix = {k: x for k, x in (("outcome", decision), ("decided_by", who), ("note", clean))
               if getattr(held, k) != x}
        if fix:
            _correct_check(conn, held.id, fix)
    return _after(conn, v, today)


def declare(conn: Connection, volunteer_id: int, la_children_services: str,
            connections: list[str], on: date, today: date) -> Decided:
    """Record a volunteer's declaration of independence: their link to the local authority's
    children's services, and the organisations, schools and placements they are connected to.
    The latest declaration counts."""
    import json

    from sqlalchemy import insert

    from ivcli.models import VolunteerDeclaration
    from ivcli.safety import audit
    from ivcli.specs import one_line

    v = load(conn, volunteer_id)
    choices = [c.value for c in LaChildrenServices]
    if la_children_services not in choices:
        raise InvalidInput(f"--la-children-services is one of {', '.join(choices)}")
    if on > today:
        raise InvalidInput("the date is in the future")
    clean: list[str] = []
    for text in connections:
        try:
            item = one_line(text)
        except ValueError as exc:
            raise InvalidInput(f"a --connections value is {exc}") from None
        if item and item.casefold() not in {c.casefold() for c in clean}:
            clean.append(item)
    t = VolunteerDeclaration.__table__  # type: ignore[attr-defined]
    result = conn.execute(insert(t).values(
        volunteer_id=volunteer_id, date=on, la_children_services=la_children_services,
        connections=json.dumps(clean, ensure_ascii=False) if clean else None,
        created_at=now()))
    key = result.inserted_primary_key
    assert key is not None
    audit.record(conn, [("volunteer_declarations", str(key[0]), "insert", ())])
    return _after(conn, v, today)


# ---------------------------------------------------------------------------------------------
# Correcting the record


def update(conn: Connection, volunteer_id: int, changes: dict[str, str], today: date
           ) -> list[str]:
    """Correct a volunteer's record (``changes``: the updatable fields of the spec, as typed),
    each value checked by the rule of ``volunteer add`` and a CSV import
    (``rows.field_rules``). Returns the fields that changed, in the order given."""
    from sqlalchemy import text

    from ivcli.matching.lifecycle import update_changed
    from ivcli.parsing import name_key
    from ivcli.specs import clean_values
    from ivcli.volunteers.rows import age_problem, field_rules

    v = load(conn, volunteer_id)
    values, problems = clean_values(changes, field_rules())
    what = f"volunteer {volunteer_id}"
    dob = values.get("date_of_birth")
    if isinstance(dob, date):
        checks = compliance.load_checks(conn, [volunteer_id]).get(volunteer_id, [])
        if dob > today:
            problems.append("date_of_birth: is in the future")
        elif any(c.date < dob for c in checks):
            problems.append("date_of_birth: is after a step recorded for them")
        applied = [c.date for c in checks if c.step == CheckStep.application.value]
        if applied and not problems:
            too_young = age_problem(dob, min(applied), settings_service.get_int(
                conn, "volunteer.min_age"))
            if too_young:
                raise Refused(f"{what} was not changed: date_of_birth: {too_young}")
    if problems:
        raise InvalidInput(f"{what} was not changed", details=problems)
    if "first_name" in values or "last_name" in values:
        first = str(values.get("first_name", v.first_name))
        last = str(values.get("last_name", v.last_name))
        values["name_key"] = f"{name_key(first)}|{name_key(last)}"
    if "name_key" in values or "date_of_birth" in values:
        other = conn.execute(text(
            "SELECT id FROM volunteers WHERE name_key = :k AND date_of_birth = :d AND id <> :id"),
            {"k": values.get("name_key", v.name_key),
             "d": (dob if isinstance(dob, date) else v.date_of_birth).isoformat(),
             "id": volunteer_id}).scalar()
        if other is not None:
            raise Refused(f"volunteer {other} has that name and date of birth; {what} was not "
                          "changed", hint=f"see them with 'ivcli volunteer show {other}'")
    shown = [k for k, x in values.items() if k != "name_key" and getattr(v, k) != x]
    if shown:
        update_changed(conn, "volunteers", volunteer_id, {**values, "updated_at": now()})
    return shown
