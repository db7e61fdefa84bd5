"""Enrolment: adding one volunteer (with their application and any other step dates given) and
recording each safer-recruitment step. A spreadsheet of the pool is imported by ``intake``.

A volunteer is the same volunteer when they have the same reference, or else the same normalised
name and date of birth (when at most one of the two has a reference).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ivcli import stored_settings as settings_service
from ivcli.db import now
from ivcli.enums import CheckStep
from ivcli.errors import InvalidInput, Refused
from ivcli.volunteers import compliance
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

    v = load(conn, volunteer_id)
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
