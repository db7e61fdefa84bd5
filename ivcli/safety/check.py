"""``ivcli check``: SQLite's own checks of the database, the audit chain and the scheme's
invariants.

Every check reads through the command's Core Connection. SQLite's own checks of the file and its
schema are ``ivcli.dialect``'s (``integrity_problems``, ``foreign_key_problems``,
``table_exists``, ``trigger_names``); the rest is portable SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import text

from ivcli import dialect
from ivcli.enums import MatchStatus, ReferralStatus, sql_list
from ivcli.parsing import MAX_PENCE, format_pence
from ivcli.safety import audit
from ivcli.visits.rows import COST_IN_RANGE

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

MAX_SHOWN = 50


@dataclass
class Check:
    name: str
    problems: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_row(self) -> dict[str, object]:
        detail = "; ".join(self.problems[:MAX_SHOWN])
        if len(self.problems) > MAX_SHOWN:
            detail += f"; ... and {len(self.problems) - MAX_SHOWN} more"
        return {"check": self.name, "ok": self.ok, "detail": detail or self.note}


def _rows(conn: Connection, sql: str, params: dict[str, Any] | None = None) -> list[Any]:
    return list(conn.execute(text(sql), params or {}))


def integrity(conn: Connection) -> Check:
    return Check("integrity_check", dialect.integrity_problems(conn), "ok")


def foreign_keys(conn: Connection) -> Check:
    return Check(
        "foreign_key_check",
        [f"{table} row {rowid} refers to a missing {parent} record" for table, rowid, parent
         in dialect.foreign_key_problems(conn)],
        "ok",
    )


def audit_chain(conn: Connection) -> Check:
    report = audit.verify_chain(conn)
    check = Check("audit_chain", list(report.problems),
                  f"{report.entries} entries, last hash {report.head.hex()[:16]}")
    triggers = dialect.trigger_names(conn, "audit_log")
    for name in ("audit_log_no_update", "audit_log_no_delete"):
        if name not in triggers:
            check.problems.append(f"the trigger {name} that keeps the log append-only is missing")
    return check


def invariants(conn: Connection) -> Check:
    problems: list[str] = []
    open_list = sql_list(MatchStatus.open())
    live_list = sql_list(MatchStatus.running())
    for yp, n in _rows(
        conn, f"SELECT young_person_id, count(*) FROM matches WHERE status IN ({open_list}) "
        "GROUP BY young_person_id HAVING count(*) > 1 ORDER BY young_person_id"
    ):
        problems.append(f"young person {yp} has {n} open matches (at most one may be proposed, "
                        "accepted, active or paused)")
    for yp, n in _rows(
        conn, f"SELECT young_person_id, count(*) FROM referrals WHERE status IN "
        f"({sql_list(ReferralStatus.open())}) GROUP BY young_person_id HAVING count(*) > 1 "
        "ORDER BY young_person_id"
    ):
        problems.append(f"young person {yp} has {n} open referrals (a child has one at a time: "
                        "close or withdraw the others)")
    for ref, yp in _rows(
        conn, "SELECT r.id, r.young_person_id FROM referrals r WHERE r.status = 'matched' "
        "AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.young_person_id = r.young_person_id "
        "AND m.status NOT IN ('proposed', 'declined')) ORDER BY r.id"
    ):
        problems.append(f"referral {ref} is matched but young person {yp} has no match that "
                        "went ahead")
    for m, yp in _rows(
        conn, f"SELECT m.id, m.young_person_id FROM matches m WHERE m.status IN ({live_list}) "
        "AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.young_person_id = m.young_person_id "
        "AND r.status IN ('accepted', 'matched')) ORDER BY m.id"
    ):
        problems.append(f"match {m} is live but young person {yp} has no accepted or matched "
                        "referral")
    for m, ref in _rows(
        conn, "SELECT m.id, m.referral_id FROM matches m JOIN referrals r ON r.id = m.referral_id "
        "WHERE r.young_person_id <> m.young_person_id ORDER BY m.id"
    ):
        problems.append(f"match {m} names referral {ref}, which is for another young person")
    for v in _rows(conn, "SELECT id FROM visits WHERE minutes < 0 ORDER BY id"):
        problems.append(f"visit {v[0]} has a negative length")
    for line, v in _rows(conn, "SELECT id, visit_id FROM visit_costs "
                         f"WHERE NOT ({COST_IN_RANGE}) ORDER BY visit_id, id"):
        problems.append(f"visit {v} has a cost out of range (0 to £{format_pence(MAX_PENCE)}"
                        f", cost line {line}): reports leave it out of the expenses until it is "
                        f"corrected ('ivcli visit update {v} --cost ...')")
    return Check("invariants", problems, "ok")


# The order a match's steps keep (matching.lifecycle): proposed on or after the referral's
# acceptance, accepted (or declined) on or after the proposal, started on or after that, ended
# on or after the start; none after today.
_ORDER_RULES = (
    ("r.decision_date IS NOT NULL AND m.proposed_date < r.decision_date",
     "was proposed on {proposed} before referral {referral} was accepted on {accepted}"),
    ("m.decision_date IS NOT NULL AND m.decision_date < m.proposed_date",
     "was decided on {decided}, before it was proposed on {proposed}"),
    ("m.start_date IS NOT NULL AND m.start_date < coalesce(m.decision_date, m.proposed_date)",
     "started on {started}, before it was accepted on {decided}"),
    ("m.end_date IS NOT NULL AND m.end_date < coalesce(m.start_date, m.proposed_date)",
     "ended on {ended}, before it started on {started}"),
    ("(m.proposed_date > :today OR m.decision_date > :today OR m.start_date > :today "
     "OR m.end_date > :today)", "has a step dated after today ({today})"),
)


def match_history(conn: Connection, today: date | None = None) -> Check:
    """Matches whose dates break the order of the steps (from older data, before ivcli
    checked them): correct each with 'ivcli match correct'."""
    today = today or date.today()
    problems: list[str] = []
    for where, says in _ORDER_RULES:
        for mid, ref, accepted, proposed, decided, started, ended in _rows(
            conn,
            "SELECT m.id, m.referral_id, r.decision_date, m.proposed_date, m.decision_date, "
            "m.start_date, m.end_date FROM matches m "
            f"LEFT JOIN referrals r ON r.id = m.referral_id WHERE {where} ORDER BY m.id",
            {"today": today.isoformat()},
        ):
            problems.append(f"match {mid} " + says.format(
                referral=ref, accepted=accepted, proposed=proposed, decided=decided,
                started=started, ended=ended, today=today.isoformat())
                + f" ('ivcli match correct {mid} --step STEP --date DATE')")
    for (mid,) in _rows(
        conn,
        "SELECT DISTINCT e.match_id FROM match_events e JOIN match_events p "
        "ON p.match_id = e.match_id AND p.id < e.id AND p.date > e.date ORDER BY e.match_id"
    ):
        problems.append(f"match {mid} has a step dated before the step recorded before it "
                        f"('ivcli match show {mid}')")
    return Check("match_history", problems, "ok")


def ethnicity_not_mapped(conn: Connection) -> Check:
    """How many young people and volunteers have an ethnicity the mapping did not know
    (``ivcli.ethnicity``): a count to put right, never a failure."""
    from ivcli.ethnicity import KNOWN

    known = ", ".join(f"'{v}'" for v in sorted(KNOWN))  # codes: identifiers, safe to inline
    counts = [int(conn.execute(text(
        f"SELECT count(*) FROM {table} WHERE ethnicity IS NOT NULL AND trim(ethnicity) <> '' "
        f"AND ethnicity NOT IN ({known})")).scalar_one())
        for table in ("young_people", "volunteers")]
    return Check("ethnicity_not_mapped", [],
                 f"{counts[0]} young people, {counts[1]} volunteer(s) with an ethnicity not "
                 "mapped to a DfE code (docs/ethnicity.md)" if any(counts) else "none")


def run_checks(conn: Connection) -> list[Check]:
    checks = [integrity(conn), foreign_keys(conn)]
    if dialect.table_exists(conn, "audit_log"):
        checks.append(audit_chain(conn))
    checks.append(invariants(conn))
    checks.append(match_history(conn))
    checks.append(ethnicity_not_mapped(conn))
    return checks
