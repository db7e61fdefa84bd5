"""Safer recruitment: which checks a volunteer has, which are current, and who may be matched.

The rules (settings in brackets, see docs/settings.md):
- Every step is required once (references twice): application, interview, two references,
  enhanced DBS, approval panel; and each training course of ``training.required`` (recorded
  in ``volunteer_trainings``).
- A DBS certificate is current for ``dbs.valid_years`` from its issue date; on the Update
  Service, a status check within ``dbs.status_check_months`` keeps it current until that long
  after the latest status check.
- A course done once (``induction``) never lapses; one with a refresh period
  (``safeguarding=3``) is current for that many years from the latest time it was done.
- A volunteer is matchable when approved and every check is recorded and current on the day.
  A required course never recorded does not stop a volunteer already approved (they were
  approved before it was required, or the spreadsheet they came from did not have it): it is
  due (``due``: ``volunteer due``, ``ivcli today``) until recorded, and from then on lapses
  like any other. A course that lapsed stops them (docs/volunteers.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from ivcli import stored_settings as settings_service
from ivcli.enums import CheckStep, VolunteerStatus, sql_list
from ivcli.parsing import add_months, add_years
from ivcli.settings import CoursesSettingDef

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

Day = date  # for annotations in classes that have a field named ``date``


class HasCheck(Protocol):
    """What ``evaluate`` reads of a check record."""

    @property
    def step(self) -> str: ...
    @property
    def date(self) -> Day: ...
    @property
    def update_service(self) -> bool | None: ...


class CheckRow(NamedTuple):
    """One check as ``evaluate`` reads it (``load_checks(light=True)``)."""

    volunteer_id: int
    step: str
    date: date
    update_service: bool | None


class Check(NamedTuple):
    """One check record (``load_checks``): the columns of ``volunteer_checks``, its date a
    ``date`` and ``update_service`` a bool."""

    id: int
    volunteer_id: int
    step: str
    date: date
    number: str | None
    level: str | None
    outcome: str | None
    update_service: bool | None
    created_at: str
    note: str | None = None
    decided_by: str | None = None


class HasTraining(Protocol):
    """What ``evaluate`` reads of a training course record."""

    @property
    def course(self) -> str: ...
    @property
    def date(self) -> Day: ...


class TrainingRow(NamedTuple):
    """One course a volunteer completed (``load_trainings``)."""

    volunteer_id: int
    course: str
    date: date


# The steps of safer recruitment before the training courses and after them (the panel last).
REQUIRED_STEPS: tuple[tuple[str, int], ...] = (
    (CheckStep.application.value, 1),
    (CheckStep.interview.value, 1),
    (CheckStep.reference.value, 2),
    (CheckStep.dbs.value, 1),
    (CheckStep.panel.value, 1),
)
STEP_LABELS = {
    "application": "application",
    "interview": "interview",
    "reference": "references (two)",
    "dbs": "enhanced DBS check",
    "panel": "approval panel",
}
COURSE_STEP = "training:"  # a course's ``CheckState.step`` is this and its name


def course_label(course: str) -> str:
    return f"{course} training"


@dataclass(frozen=True)
class Rules:
    dbs_years: int
    status_check_months: int
    courses: tuple[tuple[str, int | None], ...]  # (course, refresh years or None: once)
    warn_days: int

    @classmethod
    def load(cls, conn: Connection) -> Rules:
        g = settings_service.get_int
        return cls(
            g(conn, "dbs.valid_years"),
            g(conn, "dbs.status_check_months"),
            CoursesSettingDef.courses(settings_service.get(conn, "training.required")),
            g(conn, "checks.warn_days"),
        )


@dataclass(frozen=True)
class CheckState:
    step: str
    label: str
    date: Day | None  # the latest date recorded, None if missing
    expires: Day | None  # first day it is no longer current; None if it never lapses
    status: str  # "missing", "current", "lapsing", "lapsed"
    days_left: int | None  # days until ``expires`` (negative once lapsed)
    course: str | None = None  # a required training course (``training.required``)


def lapses_within(expires: date, as_of: date, within: int) -> bool:
    """The lapsing rule: a check that expires on ``expires`` (its first day no longer current)
    is lapsing, or has lapsed, ``within`` days of ``as_of``. ``may_lapse_sql`` picks out, in
    SQL, every volunteer who can have such a check."""
    return (expires - as_of).days <= within


def _state(step: str, last: date | None, expires: date | None, as_of: date, rules: Rules,
           enough: bool = True, course: str | None = None) -> CheckState:
    label = STEP_LABELS[step] if course is None else course_label(course)
    if last is None or not enough:
        return CheckState(step, label, last, None, "missing", None, course)
    if expires is None:
        return CheckState(step, label, last, None, "current", None, course)
    days = (expires - as_of).days
    status = ("lapsed" if days <= 0 else "lapsing" if lapses_within(expires, as_of, rules.warn_days)
              else "current")
    return CheckState(step, label, last, expires, status, days, course)


# The SQL pre-filter of ``lapses_within``. A certificate (or course) done on ``d`` expires on
# ``add_years(d, years)``, at the earliest (a DBS status check only ever extends it), so it can
# lapse by the horizon only if ``d`` is on or before ``add_years(horizon, -years)``, plus this
# margin. ``add_years`` is monotone and sends 29 February to 1 March, so no margin is needed;
# a test checks the cutoff against ``lapses_within`` on every day around 29 February.
LAPSE_MARGIN_DAYS = 0


def lapse_cutoff(as_of: date, within: int, years: int) -> date:
    """The latest issue date of a check valid for ``years`` that can be lapsing or lapsed
    ``within`` days of ``as_of`` (by ``lapses_within``)."""
    horizon = as_of + timedelta(days=within)
    return add_years(horizon, -years) + timedelta(days=LAPSE_MARGIN_DAYS)


# Volunteers a required course never recorded is due for (``due``): the approved.
COURSE_DUE_STATUSES = (VolunteerStatus.approved.value,)


def may_lapse_params(rules: Rules, as_of: date, within: int) -> dict[str, str]:
    """The parameters of ``may_lapse_sql(rules)``."""
    params = {"lapse_on": as_of.isoformat(),
              "dbs_cut": lapse_cutoff(as_of, within, rules.dbs_years).isoformat()}
    for i, (course, years) in enumerate(rules.courses):
        params[f"course_{i}"] = course
        if years is not None:
            params[f"course_cut_{i}"] = lapse_cutoff(as_of, within, years).isoformat()
    return params


def may_lapse_sql(rules: Rules) -> str:
    """SQL for the ids of the volunteers whose checks are watched (``VolunteerStatus.checked``)
    whose latest DBS certificate or required course is old enough to lapse, or who are
    approved without a required course: a superset of those ``due`` lists
    (``compliance.due`` then decides). Parameters from ``may_lapse_params``."""
    course_due = sql_list(COURSE_DUE_STATUSES)
    clauses = ["(SELECT max(k.date) FROM volunteer_checks k WHERE k.volunteer_id = v.id"
               " AND k.step = 'dbs' AND k.date <= :lapse_on) <= :dbs_cut"]
    for i, (_, years) in enumerate(rules.courses):
        done = (f"FROM volunteer_trainings t WHERE t.volunteer_id = v.id AND t.course = "
                f":course_{i} AND t.date <= :lapse_on")
        clauses.append(f"(v.status IN ({course_due}) AND NOT EXISTS (SELECT 1 {done}))")
        if years is not None:
            clauses.append(f"(SELECT max(t.date) {done}) <= :course_cut_{i}")
    return (
        f"SELECT v.id FROM volunteers v WHERE v.status IN ({sql_list(VolunteerStatus.checked())})"
        f" AND ({' OR '.join(clauses)})"
    )


def evaluate(checks: Iterable[HasCheck], as_of: date, rules: Rules,
             trainings: Iterable[HasTraining] = ()) -> list[CheckState]:
    """The state of every required step and course, from one volunteer's check and training
    records (the panel last)."""
    by_step: dict[str, list[HasCheck]] = defaultdict(list)
    for c in checks:
        if c.date <= as_of:
            by_step[c.step].append(c)
    done: dict[str, date] = {}
    for t in trainings:
        if t.date <= as_of and (t.course not in done or done[t.course] < t.date):
            done[t.course] = t.date
    states = []
    for step, needed in REQUIRED_STEPS:
        if step == CheckStep.panel.value:
            for course, years in rules.courses:
                last = done.get(course)
                states.append(_state(
                    COURSE_STEP + course, last,
                    add_years(last, years) if last is not None and years is not None else None,
                    as_of, rules, course=course))
        records = sorted(by_step.get(step, []), key=lambda c: c.date)
        last = records[-1].date if records else None
        expires: date | None = None
        if step == "dbs" and records:
            cert = records[-1]
            expires = add_years(cert.date, rules.dbs_years)
            if cert.update_service:
                status_checks = [c.date for c in by_step.get("dbs_status_check", [])
                                 if c.date >= cert.date]
                if status_checks:
                    expires = max(expires, add_months(max(status_checks),
                                                      rules.status_check_months))
        states.append(_state(step, last, expires, as_of, rules, len(records) >= needed))
    return states


def problems(states: Iterable[CheckState], *, approved: bool = False) -> list[CheckState]:
    """The steps that stop a volunteer being approved or, ``approved``, matched: a required
    course never recorded stops an approval, not a volunteer already approved (it is due)."""
    return [s for s in states if s.status == "lapsed"
            or (s.status == "missing" and not (approved and s.course is not None))]


def _ids_sql(sql: str, column: str, volunteer_ids: Iterable[int] | None
             ) -> tuple[Any, dict[str, Any]]:
    """``sql`` as a ``text()`` statement, limited to ``column IN volunteer_ids`` when given."""
    from sqlalchemy import bindparam, text

    if volunteer_ids is None:
        return text(sql), {}
    stmt = text(f"{sql} WHERE {column} IN :ids").bindparams(bindparam("ids", expanding=True))
    return stmt, {"ids": sorted(set(volunteer_ids))}


def load_checks(conn: Connection, volunteer_ids: Iterable[int] | None = None,
                light: bool = False) -> dict[int, list[Any]]:
    """Check records by volunteer (``Check``). ``light`` reads only what ``evaluate`` needs
    (``CheckRow``: step, date, update_service): quicker for thousands."""
    make = date.fromisoformat
    if light:
        stmt, params = _ids_sql(
            "SELECT volunteer_id, step, date, update_service FROM volunteer_checks",
            "volunteer_id", volunteer_ids)
        light_rows: dict[int, list[Any]] = defaultdict(list)
        for vid, step, day, on_update in conn.execute(stmt, params):
            light_rows[vid].append(
                CheckRow(vid, step, make(day), None if on_update is None else bool(on_update)))
        return light_rows
    stmt, params = _ids_sql(
        "SELECT id, volunteer_id, step, date, number, level, outcome, update_service, "
        "created_at, note, decided_by FROM volunteer_checks", "volunteer_id", volunteer_ids)
    out: dict[int, list[Any]] = defaultdict(list)
    for cid, vid, step, day, number, level, outcome, on_update, created, note, by in \
            conn.execute(stmt, params):
        out[vid].append(Check(cid, vid, step, make(day), number, level, outcome,
                              None if on_update is None else bool(on_update), str(created),
                              note, by))
    return out


def load_trainings(conn: Connection, volunteer_ids: Iterable[int] | None = None
                   ) -> dict[int, list[TrainingRow]]:
    """The training courses by volunteer (``TrainingRow``)."""
    stmt, params = _ids_sql("SELECT volunteer_id, course, date FROM volunteer_trainings",
                            "volunteer_id", volunteer_ids)
    out: dict[int, list[TrainingRow]] = defaultdict(list)
    for vid, course, day in conn.execute(stmt, params):
        out[vid].append(TrainingRow(vid, str(course), date.fromisoformat(str(day)[:10])))
    return out


def records_of(conn: Connection, volunteer_ids: Sequence[int]
               ) -> tuple[dict[int, list[Any]], dict[int, list[TrainingRow]]]:
    """``load_checks(light=True)`` and ``load_trainings`` of ``volunteer_ids`` (everyone's, in
    one query each, for many: no huge IN)."""
    few = list(volunteer_ids) if len(volunteer_ids) < 900 else None
    return load_checks(conn, few, light=True), load_trainings(conn, few)


def volunteer_states(conn: Connection, volunteer_id: int, as_of: date) -> list[CheckState]:
    checks, trainings = records_of(conn, [volunteer_id])
    return evaluate(checks.get(volunteer_id, []), as_of, Rules.load(conn),
                    trainings.get(volunteer_id, []))


def _statuses(conn: Connection, statuses: Sequence[str],
              volunteer_ids: Iterable[int] | None = None) -> dict[int, str]:
    """The status of each volunteer with one of ``statuses`` (among ``volunteer_ids``)."""
    from sqlalchemy import bindparam, text

    sql = f"SELECT id, status FROM volunteers WHERE status IN ({sql_list(tuple(statuses))})"
    params: dict[str, Any] = {}
    stmt = text(sql + " ORDER BY id")
    if volunteer_ids is not None:
        stmt = text(sql + " AND id IN :ids ORDER BY id").bindparams(
            bindparam("ids", expanding=True))
        params["ids"] = sorted(set(volunteer_ids))
    return {int(vid): str(status) for vid, status in conn.execute(stmt, params)}


def matchable_ids(conn: Connection, as_of: date, among: Iterable[int] | None = None) -> set[int]:
    """Approved volunteers whose every check is recorded and current on ``as_of``; with
    ``among``, only those of these volunteers (so a caller that needs a few is quick)."""
    rules = Rules.load(conn)
    approved = list(_statuses(conn, (VolunteerStatus.approved.value,)))
    if among is not None:
        wanted = set(among)
        approved = [v for v in approved if v in wanted]
    checks, trainings = records_of(conn, approved)
    return {v for v in approved if not problems(
        evaluate(checks.get(v, []), as_of, rules, trainings.get(v, [])), approved=True)}


@dataclass(frozen=True)
class DueCheck:
    volunteer_id: int
    status: str  # volunteer status
    step: str
    label: str
    expires: date | None  # None: a required course never recorded (``missing``)
    days_left: int | None
    lapsed: bool
    matchable: bool
    missing: bool = False

    @property
    def state(self) -> str:
        return "missing" if self.missing else "lapsed" if self.lapsed else "lapsing"


def due(conn: Connection, as_of: date, within: int,
        volunteer_ids: Iterable[int] | None = None) -> list[DueCheck]:
    """Checks of active volunteers lapsing within ``within`` days or already lapsed, and the
    required courses an approved volunteer has never done; most urgent first (the
    lapsed, then the missing, then the soonest to lapse). ``volunteer_ids`` limits it to those
    volunteers."""
    rules = Rules.load(conn)
    active = _statuses(conn, VolunteerStatus.checked(), volunteer_ids)
    checks, trainings = (records_of(conn, sorted(active)) if volunteer_ids is not None
                         else (load_checks(conn, light=True), load_trainings(conn)))
    out: list[DueCheck] = []
    for vid, status in active.items():
        states = evaluate(checks.get(vid, []), as_of, rules, trainings.get(vid, []))
        approved = status == VolunteerStatus.approved.value
        matchable = approved and not problems(states, approved=True)
        for s in states:
            if s.course is not None and s.status == "missing" and status in COURSE_DUE_STATUSES:
                out.append(DueCheck(vid, status, s.step, s.label, None, None, False, matchable,
                                    missing=True))
            if s.expires is None or s.days_left is None \
                    or not lapses_within(s.expires, as_of, within):
                continue
            out.append(DueCheck(vid, status, s.step, s.label, s.expires, s.days_left,
                                s.status == "lapsed", matchable))
    out.sort(key=lambda d: (0 if d.days_left is None else d.days_left, not d.missing,
                            d.volunteer_id, d.step))
    return out
