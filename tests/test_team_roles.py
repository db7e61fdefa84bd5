"""Issue 17 point 6: `ivcli team init` and `team add-user`, the roles ivcli_coordinator and
ivcli_reporting on a shared PostgreSQL database (docs/team.md).

PostgreSQL only: each test skips, saying why, without a server (IVCLI_TEST_PG). The two ivcli_*
roles are cluster-wide, shared with every other test database on the server: they are created
when missing and never dropped. Every login a test makes has a unique name and is dropped at
the end."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator

import pytest

from ivcli.team import roles
from tests.conftest import pg_sql

slow = pytest.mark.slow  # a real server (skipped without one), `ivcli demo` on it

CORE = ("--long-term-care-plan", "yes", "--consent", "yes", "--carer-support", "yes",
        "--social-isolation", "yes")


def dbname(url: str) -> str:
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    assert name
    return name


def as_login(url: str, login: str) -> str:
    """``url`` connecting as ``login`` (the test server trusts any role on its socket)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(username=login).render_as_string(hide_password=False)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@pytest.fixture
def login(pg_database: str) -> Iterator[Callable[..., str]]:
    """Makes a new login (``CREATE ROLE x LOGIN``, with ``options`` such as CREATEROLE) under
    a unique name, returns the name; every one is dropped at the end."""
    made: list[str] = []

    def make(prefix: str = "ivt", options: str = "") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        pg_sql(f"CREATE ROLE {quote(name)} LOGIN {options}")
        made.append(name)
        return name

    yield make
    for name in made:
        pg_sql(f"DROP OWNED BY {quote(name)}", dbname(pg_database))
        pg_sql(f"DROP ROLE {quote(name)}")


def table_count(url: str, table: str) -> int:
    return int(pg_sql(f"SELECT count(*) FROM {table}", dbname(url))[0][0])


def steps(cli, *args: str) -> dict[str, tuple[str, str]]:
    return {s["what"]: (s["done"], s["detail"]) for s in cli.json(*args)}


def privilege(url: str, check: str) -> bool:
    return bool(pg_sql(f"SELECT {check}", dbname(url))[0][0])


# ---------------------------------------------------------------------------------------------
# team init


@slow
def test_init_on_an_empty_database_then_again(cli, pg_database):
    first = steps(cli, "team", "init", pg_database)
    assert first["schema"][0] == "created"
    for role in ("ivcli_coordinator", "ivcli_reporting"):  # shared: another test may have
        assert first[f"role {role}"][0] in ("created", "exists")
        assert first[f"grants of {role}"][0] == "applied"
    assert table_count(pg_database, "schema_migrations") > 0
    again = steps(cli, "team", "init", pg_database)
    assert again["schema"][0] == "up to date"
    assert again["role ivcli_coordinator"][0] == again["role ivcli_reporting"][0] == "exists"
    assert again["grants of ivcli_reporting"] == first["grants of ivcli_reporting"]
    # The table output says the same.
    shown = cli("team", "init", pg_database).stdout
    assert "up to date" in shown and "ivcli_reporting" in shown

    co, rep = "'ivcli_coordinator'", "'ivcli_reporting'"
    assert privilege(pg_database, f"has_table_privilege({co}, 'referrals', 'INSERT')")
    assert privilege(pg_database, f"has_table_privilege({co}, 'audit_log', 'SELECT')")
    assert not privilege(pg_database, f"has_table_privilege({rep}, 'audit_log', 'SELECT')")
    assert not privilege(pg_database, f"has_table_privilege({rep}, 'contacts', 'SELECT')")
    assert privilege(pg_database,
                     f"has_column_privilege({rep}, 'referrals', 'status', 'SELECT')")
    for table, column in (("referrals", "referrer_email"), ("concerns", "text"),
                          ("volunteers", "email"), ("young_people", "first_name")):
        assert not privilege(pg_database,
                             f"has_column_privilege({rep}, '{table}', '{column}', 'SELECT')")
    assert not privilege(pg_database,
                         f"has_any_column_privilege({rep}, 'referrals', 'INSERT')")


@slow
def test_init_takes_back_a_reporting_grant_it_no_longer_gives(cli, pg_database):
    """Re-applied, the reporting role has exactly REPORTING_COLUMNS again."""
    cli("team", "init", pg_database)
    pg_sql("GRANT SELECT (referrer_email) ON referrals TO ivcli_reporting", dbname(pg_database))
    cli("team", "init", pg_database)
    assert not privilege(pg_database, "has_column_privilege('ivcli_reporting', 'referrals', "
                         "'referrer_email', 'SELECT')")


@slow
def test_init_refuses_a_file_a_password_and_a_login_that_may_not(cli, pg_database, login,
                                                                 tmp_path):
    r = cli("team", "init", str(tmp_path / "ivcli.db"), code=1)
    assert "PostgreSQL URL" in r.stderr and not (tmp_path / "ivcli.db").exists()
    r = cli("team", "init", pg_database.replace("ivpg@", "ivpg:secret@"), code=1)
    assert "password" in r.stderr and "secret" not in r.stderr
    plain = login()
    r = cli("team", "init", as_login(pg_database, plain), code=1)
    assert f"the login {plain} cannot create or grant roles" in r.stderr
    assert "CREATEROLE" in r.stderr
    creator = login(options="CREATEROLE")
    r = cli("team", "init", as_login(pg_database, creator), code=1)
    assert f"the login {creator} does not own" in r.stderr
    assert "Traceback" not in r.stderr
    assert pg_sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
                  dbname(pg_database)) == [(0,)]


@slow
def test_an_upgrade_is_done_by_team_init_and_a_coordinator_is_told_so(cli, pg_database, login,
                                                                      monkeypatch):
    """A newer ivcli against an older schema: a coordinator may not migrate it (the owner's);
    on a database set up by `team init`, neither does the owner's ordinary command: `team
    init` upgrades it and re-applies the grants. Nothing changes before."""
    from ivcli import migrations

    everything = list(migrations.MIGRATIONS)
    with monkeypatch.context() as m:
        m.setattr(migrations, "MIGRATIONS", everything[:-1])
        cli("team", "init", pg_database)
    ann = login()
    cli("team", "add-user", ann, "--role", "coordinator")
    before = table_count(pg_database, "schema_migrations")
    for url in (as_login(pg_database, ann), pg_database):
        r = cli("--db", url, "referral", "list", code=4)
        assert "older ivcli schema" in r.stderr and "ivcli team init URL" in r.stderr
        cli("--db", url, "referral", "add", "--first-name", "Amy", "--last-name", "Lee",
            "--date-of-birth", "01/02/2014", *CORE, code=4)
    assert table_count(pg_database, "schema_migrations") == before
    done = steps(cli, "team", "init", pg_database)
    assert done["schema"] == ("upgraded", "1 migration(s) applied")
    assert table_count(pg_database, "schema_migrations") == before + 1
    cli("--db", as_login(pg_database, ann), "referral", "list")


@slow
def test_a_login_with_no_ivcli_role_is_told_so(cli, pg_database, login):
    cli("team", "init", pg_database)
    nobody = login()
    r = cli("--db", as_login(pg_database, nobody), "referral", "list", code=1)
    assert f"the login {nobody} has no ivcli role on this database" in r.stderr
    assert f"ivcli team add-user {nobody} --role coordinator" in r.stderr


# ---------------------------------------------------------------------------------------------
# team add-user


def members(url: str, name: str) -> set[str]:
    literal = "'" + name.replace("'", "''") + "'"
    return {r[0] for r in pg_sql(
        "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        f"JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = {literal}", dbname(url))}


@slow
def test_add_user_both_roles_unknown_and_switching(cli, pg_database, login):
    cli("team", "init", pg_database)
    # A name that needs quoting: a quote, a semicolon, a space, a colon and a percent sign
    # are data, never SQL.
    odd = login(prefix='o"brien; x:y%')
    out = cli.json("team", "add-user", odd, "--role", "reporting")
    assert out == {"user": odd, "role": "ivcli_reporting", "granted": True, "revoked": ""}
    assert members(pg_database, odd) == {"ivcli_reporting"}
    again = cli.json("team", "add-user", odd, "--role", "reporting")
    assert again["granted"] is False and members(pg_database, odd) == {"ivcli_reporting"}
    switched = cli.json("team", "add-user", odd, "--role", "coordinator")
    assert switched == {"user": odd, "role": "ivcli_coordinator", "granted": True,
                        "revoked": "ivcli_reporting"}
    assert members(pg_database, odd) == {"ivcli_coordinator"}
    back = cli("team", "add-user", odd, "--role", "reporting", "--format", "csv").stdout
    assert back.splitlines()[0] == "user,role,granted,revoked"
    assert members(pg_database, odd) == {"ivcli_reporting"}

    unknown = f"nobody_{uuid.uuid4().hex[:8]}"
    r = cli("team", "add-user", unknown, "--role", "coordinator", code=1)
    assert f"no login named {unknown}" in r.stderr
    r = cli("team", "add-user", odd, "--role", "manager", code=1)
    assert "coordinator, reporting" in r.stderr
    cli("team", "add-user", odd, code=2)  # --role is needed
    r = cli("team", "add-user", "ivcli_reporting", "--role", "coordinator", code=1)
    assert "not a person's login" in r.stderr
    r = cli("--db", "ivcli.db", "team", "add-user", odd, "--role", "coordinator", code=1)
    assert "PostgreSQL" in r.stderr
    assert members(pg_database, odd) == {"ivcli_reporting"}


@slow
def test_add_user_to_a_role_that_cannot_log_in_says_so(cli, pg_database, login):
    """A NOLOGIN role (a group) is granted the role for its members, with a note that it
    cannot connect itself; a login gets no note. The JSON is the same either way."""
    cli("team", "init", pg_database)
    group = f"ivt_group_{uuid.uuid4().hex[:10]}"
    pg_sql(f"CREATE ROLE {quote(group)} NOLOGIN")
    try:
        r = cli("team", "add-user", group, "--role", "coordinator", "--format", "json")
        assert json.loads(r.stdout) == {"user": group, "role": "ivcli_coordinator",
                                        "granted": True, "revoked": ""}
        said = " ".join(r.stderr.split())  # as wrapped on the terminal
        assert f"{group} cannot log in (a NOLOGIN role)" in said
        assert f"ALTER ROLE {group} LOGIN" in said
        assert members(pg_database, group) == {"ivcli_coordinator"}
    finally:
        pg_sql(f"DROP ROLE {quote(group)}")
    person = login()
    r = cli("team", "add-user", person, "--role", "coordinator")
    assert "cannot log in" not in r.stderr


@slow
def test_add_user_needs_a_login_that_can_grant_roles(cli, pg_database, login):
    cli("team", "init", pg_database)
    ann, bob = login(), login()
    r = cli("--db", as_login(pg_database, ann), "team", "add-user", bob, "--role",
            "coordinator", code=1)
    assert f"the login {ann} cannot create or grant roles" in r.stderr
    assert members(pg_database, bob) == set()


# ---------------------------------------------------------------------------------------------
# THE ROLE TEST: reporting runs the reports and nothing else; a coordinator does the work


@slow
def test_reporting_reports_but_cannot_write_or_read_contacts_and_concerns(cli, pg_database,
                                                                          login):
    import psycopg

    cli("demo")  # a scheme with data in every table, built by the owner
    cli("team", "init", pg_database)
    rep, coord = login("rep"), login("coord")
    cli("team", "add-user", rep, "--role", "reporting")
    cli("team", "add-user", coord, "--role", "coordinator")
    as_rep, as_coord = as_login(pg_database, rep), as_login(pg_database, coord)

    # The reports and `today`: the same as the owner gets.
    for args in (("report", "monthly", "--month", "last"), ("report", "annual"),
                 ("today",)):
        mine = cli(*args, "--format", "json").stdout
        assert cli("--db", as_rep, *args, "--format", "json").stdout == mine
    cli("--db", as_rep, "report", "monthly", "--format", "markdown")
    cli("--db", as_rep, "today")

    # A write: refused before it begins, naming the login and its role; nothing changed.
    counts = {t: table_count(pg_database, t) for t in ("referrals", "young_people", "audit_log")}
    r = cli("--db", as_rep, "--no-input", "referral", "add", "--first-name", "Amy",
            "--last-name", "Lee", "--date-of-birth", "01/02/2014", *CORE, code=1)
    assert (f"the login {rep} may only read this database (its ivcli role: ivcli_reporting)"
            in r.stderr)
    assert f"ivcli team add-user {rep} --role coordinator" in r.stderr
    assert "Traceback" not in r.stderr and "permission denied" not in r.stderr
    assert {t: table_count(pg_database, t) for t in counts} == counts

    # Reads beyond the reports: a clear refusal, not a database error.
    rid = str(cli.json("referral", "list")[0]["id"])
    for args in (("referral", "show", rid), ("concern", "list"), ("today", "--names"),
                 ("report", "annual", "--quotes", "--no-publish"), ("audit",)):
        r = cli("--db", as_rep, *args, code=1)
        assert "your login's ivcli role does not allow this" in r.stderr, args
        assert "Traceback" not in r.stderr

    # A coordinator adds and accepts a referral.
    r = cli("--db", as_coord, "--no-input", "referral", "add", "--first-name", "Amy",
            "--last-name", "Lee", "--date-of-birth", "01/02/2014", *CORE, "--format", "json")
    new = str(json.loads(r.stdout)["id"])
    cli("--db", as_coord, "referral", "accept", new)
    assert cli.json("referral", "show", new)["status"] == "accepted"

    # Raw SQL as the reporting login: contact details and concern text are not there.
    conninfo = as_login(pg_database, rep).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        assert conn.execute("SELECT count(status) FROM referrals").fetchone()[0] > 0
        # Whether the young person said something, not what (the annual report counts it).
        said = conn.execute("SELECT sum(said), count(*) FROM review_voices").fetchone()
        assert 0 < said[0] < said[1]
        for sql in ("SELECT referrer_email FROM referrals", "SELECT text FROM concerns",
                    "SELECT email, phone FROM volunteers", "SELECT * FROM contacts",
                    "SELECT first_name FROM young_people", "SELECT * FROM referrals",
                    "SELECT their_words FROM reviews",
                    "INSERT INTO settings (key, value) VALUES ('x', 'y')"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)


def test_reporting_columns_hold_no_contact_detail_name_or_concern_text():
    """What the reporting role may read, checked against the record specs: of the personal
    data, only what the reports count (the breakdowns' monitoring fields and dates of birth),
    never a name, contact detail, note, concern text or a young person's words in a review
    (whether they said something is the view ``review_voices``)."""
    from ivcli import specs

    reported = {("young_people", c) for c in ("date_of_birth", "gender", "ethnicity",
                                             "disability", "care_leaver", "legal_status",
                                             "out_of_area", "uasc")}
    reported |= {("volunteers", c) for c in ("ethnicity", "faith", "disability")}
    by_table = {s.table: s for s in vars(specs).values()
                if isinstance(s, specs.RecordSpec) and s.table}
    assert "contacts" not in roles.REPORTING_COLUMNS
    for table, columns in roles.REPORTING_COLUMNS.items():
        spec = by_table.get(table)
        for column in columns:
            personal = spec is not None and any(
                f.stored == column and f.personal for f in spec.fields)
            assert not personal or (table, column) in reported, (table, column)
    assert "text" not in roles.REPORTING_COLUMNS["concerns"]
    assert "their_words" not in roles.REPORTING_COLUMNS["reviews"]
    assert roles.REPORTING_VIEWS == ("review_voices",)


@slow
def test_a_coordinators_big_import_keeps_the_indexes_it_may_not_drop(cli, pg_database, login,
                                                                    monkeypatch):
    """A load big enough to rebuild the referral indexes after it (``intake.BATCH``, made
    small here) drops them only when the login owns the table: a coordinator's import keeps
    them up row by row instead of failing."""
    from pathlib import Path

    from ivcli.referrals import intake

    cli("team", "init", pg_database)
    ann = login()
    cli("team", "add-user", ann, "--role", "coordinator")
    monkeypatch.setattr(intake, "BATCH", 1)
    examples = Path(__file__).parent.parent / "docs" / "examples" / "referrals.csv"
    indexes = pg_sql("SELECT indexname FROM pg_indexes WHERE tablename = 'referrals' "
                     "ORDER BY 1", dbname(pg_database))
    r = cli("--db", as_login(pg_database, ann), "referral", "import", str(examples))
    assert "Added 25 referral(s)" in r.stderr
    assert pg_sql("SELECT indexname FROM pg_indexes WHERE tablename = 'referrals' "
                  "ORDER BY 1", dbname(pg_database)) == indexes
