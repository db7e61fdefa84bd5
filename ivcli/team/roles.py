"""The two roles of a shared PostgreSQL database (docs/team.md, issue 17 point 6).

``ivcli_coordinator`` reads and writes every ivcli table (and uses their sequences);
``ivcli_reporting`` reads only the columns ``report monthly``, ``report annual`` and ``today``
read (``REPORTING_COLUMNS``): no names, no contact details, no concern text. Both are NOLOGIN
roles, cluster-wide, granted to people's logins (``add_user``). ``init`` creates the schema
(or upgrades it) through ``db.pg_upgrade``, creates the roles when missing and (re)applies
their grants; run again it covers tables and columns an upgrade added.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ivcli.db import TEAM_ROLES
from ivcli.errors import InvalidInput, NotFound, Refused

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

COORDINATOR, REPORTING = TEAM_ROLES
ROLES = {"coordinator": COORDINATOR, "reporting": REPORTING}

# What the reporting role may read: for each table, the columns the reports and `today` read
# (without --detail, --quotes or --names, which name people), and the schema's own record.
# tests/test_team_roles.py checks it against the columns those commands read on SQLite, and
# that no contact table or column, no name and no concern text is in it.
REPORTING_COLUMNS: dict[str, tuple[str, ...]] = {
    "schema_migrations": ("seq", "name"),
    "settings": ("key", "value"),
    "young_people": ("id", "date_of_birth", "gender", "ethnicity", "disability", "care_leaver",
                     "legal_status", "out_of_area", "uasc"),
    "legal_status_history": ("id", "young_person_id", "date", "status"),
    "referrals": ("id", "young_person_id", "status", "referral_date", "referrer_role",
                  "reason_code", "decision_date", "acknowledged_date", "reoffer_date",
                  "closed_date"),
    "volunteers": ("id", "status", "status_date", "created_at", "approved_date",
                   "leave_reason", "ethnicity", "faith", "disability"),
    "volunteer_checks": ("id", "volunteer_id", "step", "date", "update_service"),
    "volunteer_supervisions": ("volunteer_id", "date"),
    "volunteer_trainings": ("volunteer_id", "course", "date"),
    "matches": ("id", "young_person_id", "volunteer_id", "referral_id", "status",
                "start_date", "end_date", "end_reason"),
    "match_events": ("id", "match_id", "event", "date"),
    "visits": ("id", "match_id", "date", "minutes", "uncleared"),
    "visit_costs": ("visit_id", "amount_pence"),
    "concerns": ("id", "match_id", "young_person_id", "volunteer_id", "category",
                 "opened_date", "closed_date"),
    # Not their_words: the annual report counts the reviews in which the young person said
    # something through ``REPORTING_VIEWS`` (its --quotes needs the words and names).
    "reviews": ("match_id", "date", "with_whom", "rating", "themes", "outcome"),
}
# Views the reporting role reads whole (migrations): ``review_voices``, the reviews with
# whether the young person said something in place of their words.
REPORTING_VIEWS = ("review_voices",)


@dataclass(frozen=True)
class Step:
    """One line of what ``init`` did."""

    what: str
    done: str
    detail: str = ""

    def as_row(self) -> dict[str, object]:
        return {"what": self.what, "done": self.done, "detail": self.detail}


STEP_COLUMNS = ("what", "done", "detail")


def _sql(conn: Connection, sql: str, params: dict[str, object] | None = None) -> Any:
    """One query of the server's catalogue, with named parameters."""
    from sqlalchemy import text

    return conn.execute(text(sql), params or {})


Names = str | Sequence[str | tuple[str, str]]


def _ddl(conn: Connection, template: str, **names: Names) -> None:
    """One statement on roles or grants in ``conn``'s transaction: each ``{name}`` of
    ``template`` is an identifier (a login's name is user text), or a list of them (a
    (schema, name) pair qualified), quoted by psycopg (``psycopg.sql.Identifier``), never
    formatted into the SQL as text."""
    from psycopg import sql

    def ident(value: Names) -> sql.Composable:
        if isinstance(value, str):
            return sql.Identifier(value)
        return sql.SQL(", ").join(sql.Identifier(*v) if isinstance(v, tuple) else
                                  sql.Identifier(v) for v in value)

    raw = conn.connection.driver_connection
    raw.execute(sql.SQL(template).format(**{k: ident(v) for k, v in names.items()}))  # type: ignore[union-attr]


def _login(conn: Connection) -> tuple[str, bool, bool]:
    """The login, whether it may create roles (CREATEROLE or superuser), and whether it owns
    the schema and every table in it."""
    user, creates, owns = _sql(conn,
        "SELECT current_user, r.rolsuper OR r.rolcreaterole, "
        "pg_has_role(n.nspowner, 'USAGE') AND NOT EXISTS (SELECT 1 FROM pg_tables t WHERE "
        "t.schemaname = current_schema() AND NOT pg_has_role(t.tableowner, 'USAGE')) "
        "FROM pg_roles r, pg_namespace n "
        "WHERE r.rolname = current_user AND n.nspname = current_schema()").one()
    return str(user), bool(creates), bool(owns)


def require_admin(conn: Connection, *, owner: bool = True) -> str:
    """The login, when it may set the database up: create roles and grant them, and (with
    ``owner``) own the schema and its tables; otherwise refused (exit 1), nothing done."""
    with conn.begin():
        user, creates, owns = _login(conn)
    if not creates:
        raise Refused(
            f"the login {user} cannot create or grant roles; nothing changed",
            hint="run it with a login that has CREATEROLE (or a superuser) and owns the "
            "database, e.g. 'sudo -u postgres ivcli team init URL' (docs/team.md)")
    if owner and not owns:
        raise Refused(
            f"the login {user} does not own the database's schema and tables; nothing changed",
            hint="run it as the database's owner (createdb --owner NAME), or a superuser "
            "(docs/team.md)")
    return user


def _create_role(conn: Connection, role: str) -> bool:
    """Create the NOLOGIN ``role`` unless it exists (it is shared by every database on the
    server, and another one's init may create it at the same moment); True when created."""
    import psycopg

    from ivcli.db import pg_code

    if _sql(conn, "SELECT 1 FROM pg_roles WHERE rolname = :r", {"r": role}).first():
        return False
    try:
        with conn.begin_nested():
            _ddl(conn, "CREATE ROLE {role} NOLOGIN", role=role)
    except psycopg.Error as exc:
        if pg_code(exc) not in ("42710", "23505"):  # duplicate object, unique violation
            raise
        return False
    return True


def _sequences(conn: Connection) -> list[tuple[str, str]]:
    """The sequences of the schema (the ivcli tables' identity columns): (schema, name)."""
    return [(schema, name) for schema, name in _sql(
        conn, "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = "
        "c.relnamespace WHERE c.relkind = 'S' AND n.nspname = current_schema() ORDER BY 2")]


def _grant(conn: Connection, tables: list[str]) -> tuple[Step, Step]:
    """(Re)apply both roles' grants on ``tables``: the reporting role's are revoked first, so
    it keeps exactly ``REPORTING_COLUMNS``."""
    schema, database = _sql(conn, "SELECT current_schema(), current_database()").one()
    sequences = _sequences(conn)
    roles = {"coord": COORDINATOR, "rep": REPORTING}
    _ddl(conn, "GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {coord}", db=database, **roles)
    _ddl(conn, "GRANT CONNECT ON DATABASE {db} TO {rep}", db=database, **roles)
    _ddl(conn, "GRANT USAGE ON SCHEMA {schema} TO {coord}, {rep}", schema=schema, **roles)
    _ddl(conn, "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE {tables} TO {coord}",
         tables=tables, **roles)
    _ddl(conn, "REVOKE ALL ON TABLE {tables} FROM {rep}", tables=tables, **roles)
    if sequences:
        _ddl(conn, "GRANT USAGE, SELECT ON SEQUENCE {seqs} TO {coord}", seqs=sequences,
             **roles)
        _ddl(conn, "REVOKE ALL ON SEQUENCE {seqs} FROM {rep}", seqs=sequences, **roles)
    shown = {t: cols for t, cols in REPORTING_COLUMNS.items() if t in tables}
    for table, cols in shown.items():
        _ddl(conn, "GRANT SELECT ({cols}) ON TABLE {table} TO {rep}", cols=cols, table=table,
             **roles)
    views = [v for (v,) in _sql(conn, "SELECT table_name FROM information_schema.views WHERE "
                                "table_schema = current_schema() ORDER BY 1")]
    if views:
        _ddl(conn, "GRANT SELECT ON TABLE {views} TO {coord}", views=views, **roles)
        _ddl(conn, "REVOKE ALL ON TABLE {views} FROM {rep}", views=views, **roles)
        read = [v for v in views if v in REPORTING_VIEWS]
        if read:
            _ddl(conn, "GRANT SELECT ON TABLE {views} TO {rep}", views=read, **roles)
    columns = sum(len(cols) for cols in shown.values())
    return (Step(f"grants of {COORDINATOR}", "applied",
                 f"read and write: {len(tables)} tables, {len(sequences)} sequences"),
            Step(f"grants of {REPORTING}", "applied",
                 f"read only: {columns} columns of {len(shown)} tables (what report and today "
                 "read; no names, contact details or concern text)"))


def init(conn: Connection, target: str) -> list[Step]:
    """Set the database behind ``conn`` (a ``db.pg_session``) up for a team: its schema,
    the two roles, their grants. Refused (exit 1) to a login that may not."""
    from ivcli import db, migrations

    require_admin(conn)
    applied = db.pg_upgrade(conn, target)
    total = len(migrations.MIGRATIONS)
    steps = [Step("schema", "created" if len(applied) == total else
                  "upgraded" if applied else "up to date",
                  f"{len(applied)} migration(s) applied" if applied
                  else f"{total} migrations")]
    with conn.begin():
        for role in TEAM_ROLES:
            steps.append(Step(f"role {role}", "created" if _create_role(conn, role)
                              else "exists", "NOLOGIN"))
        steps += _grant(conn, migrations.PgDdl(conn).tables())
    return steps


USER_COLUMNS = ("user", "role", "granted", "revoked")


def add_user(conn: Connection, name: str, role: str) -> tuple[dict[str, object], str | None]:
    """Grant ``role`` ("coordinator" or "reporting") to the existing login ``name``, revoking
    the other ivcli role if it had it. Unknown login: exit 1 naming it. Returns what was done
    and a note for the person running it: a role that cannot log in (NOLOGIN, a group) is
    granted the role for its members, but cannot connect itself."""
    if role not in ROLES:
        raise InvalidInput(f"--role: {role} is not one of coordinator, reporting")
    if name in TEAM_ROLES:
        raise InvalidInput(f"{name} is one of ivcli's roles, not a person's login",
                           hint="give the login to grant it to")
    require_admin(conn, owner=False)
    wanted = ROLES[role]
    with conn.begin():
        found = _sql(conn, "SELECT rolcanlogin FROM pg_roles WHERE rolname = :n",
                                     {"n": name}).first()
        if found is None:
            raise NotFound(f"no login named {name} on the server; nothing changed",
                           hint="create it first (createuser NAME, or CREATE ROLE NAME LOGIN), "
                           "then run this again")
        missing = [r for r in TEAM_ROLES if not _sql(conn,
            "SELECT 1 FROM pg_roles WHERE rolname = :r", {"r": r}).first()]
        if missing:
            raise Refused(f"the role {missing[0]} does not exist yet; nothing changed",
                          hint="run 'ivcli team init URL' first (docs/team.md)")
        held = {r for (r,) in _sql(conn,
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :n "
            "AND g.rolname = ANY(:roles)", {"n": name, "roles": list(TEAM_ROLES)})}
        granted = wanted not in held
        if granted:
            _ddl(conn, "GRANT {role} TO {login}", role=wanted, login=name)
        revoked = [r for r in TEAM_ROLES if r != wanted and r in held]
        for other in revoked:
            _ddl(conn, "REVOKE {role} FROM {login}", role=other, login=name)
    note = None if found[0] else (
        f"{name} cannot log in (a NOLOGIN role): the logins that are members of it have "
        f"{wanted}, but {name} cannot connect itself; to let it, ALTER ROLE {name} LOGIN")
    return {"user": name, "role": wanted, "granted": granted,
            "revoked": ", ".join(revoked)}, note
