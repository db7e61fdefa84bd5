"""Safer recruitment as decisions, not dates: what a volunteer's recorded outcomes, DBS
certificate, risk assessment and declaration of independence say about their approval.

``compliance`` says which steps are recorded and current (dates, lapsing); this module says
whether what was recorded allows approval (docs/volunteers.md):

- two references from different referees and the interview, each ``satisfactory``; the
  approval panel's decision ``approve`` (``defer``: not yet);
- the latest DBS certificate at the level of the setting ``vetting.required_dbs_level``
  (``enhanced_barred``: with the children's barred list) with its outcome recorded; with
  ``information_disclosed``, a risk assessment dated on or after its issue date that decided
  ``proceed``;
- a declaration of independence saying ``no`` link to the local authority's children's
  services (an officer, a member or the partner of one cannot be an IV: s23ZB(9)).

An ``unsatisfactory`` reference or interview, a panel ``decline`` or a risk assessment
``decline`` stops the pipeline (``stop``): the volunteer is ``not_approved`` with the reason.
Standard library only but for the reads, which take the command's Core Connection.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from ivcli import stored_settings as settings_service
from ivcli.enums import CheckStep, LaChildrenServices

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ivcli.volunteers.compliance import Check

RISK_ASSESSMENT = "risk_assessment"  # a check record's step (not a `volunteer check` step)
DBS_LEVELS = ("enhanced", "enhanced_barred")  # lowest first
LA_WORDS = {
    "officer": "to be an officer of",
    "member": "to be a member of",
    "partner": "to be the partner of an officer or member of",
}


@dataclass(frozen=True)
class Declaration:
    date: date
    la_children_services: str
    connections: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {"date": self.date, "la_children_services": self.la_children_services,
                "connections": list(self.connections)}


@dataclass(frozen=True)
class Stop:
    """Why the pipeline stopped, and the date of the decision that stopped it."""

    date: date
    reason: str


@dataclass(frozen=True)
class Vetting:
    problems: list[str]  # every decision that stops approval, in words (the stops first)
    stop: Stop | None


def connections_from(text: str | None) -> tuple[str, ...]:
    """A declaration's stored connections (a JSON list of text)."""
    if not text:
        return ()
    try:
        data = json.loads(text)
    except ValueError:
        return ()
    return tuple(str(x) for x in data) if isinstance(data, list) else ()


def declarations(conn: Connection, volunteer_ids: Iterable[int] | None = None
                 ) -> dict[int, Declaration]:
    """Each volunteer's latest declaration (by date, then as recorded)."""
    from sqlalchemy import bindparam, text

    sql = ("SELECT volunteer_id, date, la_children_services, connections "
           "FROM volunteer_declarations")
    params: dict[str, Any] = {}
    stmt = text(sql + " ORDER BY volunteer_id, date, id")
    if volunteer_ids is not None:
        stmt = text(sql + " WHERE volunteer_id IN :ids ORDER BY volunteer_id, date, id"
                    ).bindparams(bindparam("ids", expanding=True))
        params["ids"] = sorted(set(volunteer_ids))
    out: dict[int, Declaration] = {}
    for vid, day, la, conns in conn.execute(stmt, params):
        out[int(vid)] = Declaration(date.fromisoformat(str(day)[:10]), str(la),
                                    connections_from(conns))
    return out


def _latest(checks: Sequence[Check], step: str) -> Check | None:
    found = [c for c in checks if c.step == step]
    return max(found, key=lambda c: (c.date, c.id)) if found else None


def _on(c: Check) -> str:
    return c.date.isoformat()


def decide(checks: Sequence[Check], declaration: Declaration | None, required_level: str,
           as_of: date) -> Vetting:
    """What one volunteer's records (``compliance.Check``, those on or before ``as_of``) and
    latest declaration say about approval."""
    checks = [c for c in checks if c.date <= as_of]
    stops: list[tuple[date, str]] = []
    pending: list[str] = []

    referees: dict[str, Check] = {}
    for c in sorted((c for c in checks if c.step == CheckStep.reference.value),
                    key=lambda c: (c.date, c.id)):
        referees[c.number or "1"] = c  # the latest record of each referee is its outcome
    for number, c in sorted(referees.items()):
        if c.outcome == "unsatisfactory":
            stops.append((c.date, f"reference {number} ({_on(c)}) was unsatisfactory"))
        elif c.outcome != "satisfactory":
            pending.append(f"reference {number} ({_on(c)}): no outcome recorded")
    interview = _latest(checks, CheckStep.interview.value)
    if interview is not None:
        if interview.outcome == "unsatisfactory":
            stops.append((interview.date, f"the interview ({_on(interview)}) was unsatisfactory"))
        elif interview.outcome != "satisfactory":
            pending.append(f"interview ({_on(interview)}): no outcome recorded")
    panel = _latest(checks, CheckStep.panel.value)
    if panel is not None:
        if panel.outcome == "decline":
            stops.append((panel.date, f"the approval panel ({_on(panel)}) declined"))
        elif panel.outcome == "defer":
            pending.append(f"approval panel ({_on(panel)}): deferred; record its decision when "
                           "it meets again")
        elif panel.outcome != "approve":
            pending.append(f"approval panel ({_on(panel)}): no decision recorded")

    dbs = _latest(checks, CheckStep.dbs.value)
    if dbs is not None:
        if dbs.level is None:
            pending.append(f"DBS certificate ({_on(dbs)}): level not recorded "
                           f"({required_level} needed)")
        elif DBS_LEVELS.index(dbs.level) < DBS_LEVELS.index(required_level):
            pending.append(
                f"DBS certificate ({_on(dbs)}) is {dbs.level}: {required_level} (with the "
                "children's barred list) is needed (setting vetting.required_dbs_level)")
        if dbs.outcome is None:
            pending.append(f"DBS certificate ({_on(dbs)}): outcome not recorded (clear or "
                           "information_disclosed)")
        elif dbs.outcome == "information_disclosed":
            risk = _latest([c for c in checks if c.date >= dbs.date], RISK_ASSESSMENT)
            if risk is None:
                pending.append(f"DBS certificate ({_on(dbs)}): information disclosed; a risk "
                               "assessment deciding to proceed is needed")
            elif risk.outcome == "decline":
                stops.append((risk.date, f"the risk assessment ({_on(risk)}) of the DBS "
                              "certificate declined"))

    if declaration is None:
        pending.append("independence declaration: not recorded")
    elif declaration.la_children_services != LaChildrenServices.no.value:
        pending.append(
            f"declared {LA_WORDS.get(declaration.la_children_services, 'linked to')} the local "
            "authority's children's services: not independent (s23ZB(9)), cannot be approved")

    stop = (Stop(min(d for d, _ in stops), "; ".join(r for _, r in sorted(stops)))
            if stops else None)
    return Vetting([r for _, r in sorted(stops)] + pending, stop)


def vet(conn: Connection, volunteer_ids: Iterable[int], as_of: date) -> dict[int, Vetting]:
    """``decide`` for each of ``volunteer_ids``, from the database."""
    from ivcli.volunteers.compliance import load_checks

    ids = sorted(set(volunteer_ids))
    if not ids:
        return {}
    few = ids if len(ids) < 900 else None  # else read everyone's: one query, no huge IN
    checks = load_checks(conn, few)
    decls = declarations(conn, few)
    level = str(settings_service.get(conn, "vetting.required_dbs_level"))
    return {v: decide(checks.get(v, []), decls.get(v), level, as_of) for v in ids}


def vet_one(conn: Connection, volunteer_id: int, as_of: date) -> Vetting:
    return vet(conn, [volunteer_id], as_of)[volunteer_id]
