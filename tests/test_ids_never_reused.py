"""An id is never given to a second record (migration 021), on SQLite and on PostgreSQL
(``backend``; the PostgreSQL cases are slow and skip, saying why, without a server).

The audit trail, and the subject access export that quotes it, name records by id. SQLite gave
a new row the highest id held plus one, so a young person added after a merge took the id of
the record merged away, and that record's history with it; on PostgreSQL, whose identities
never go back, ``visit log`` computed the same and failed (exit 70) for good once the latest
visit was deleted, or a visit import's dry run had used ids."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from tests.test_team_postgres_features import old_schema, query

PERSON = ("--referrer-name", "Sam Jones", "--referrer-role", "iro", "--referrer-email",
          "sam@council.example", "--long-term-care-plan", "yes", "--consent", "yes",
          "--carer-support", "no", "--social-isolation", "no", "--placement-instability",
          "no", "--no-family-contact", "no", "--single-carer-placement", "no",
          "--relationship-difficulty", "no")


def add(cli, reference: str, first: str, last: str, born: str, referred: str) -> int:
    """Add a referral; the young person's id."""
    cli("referral", "add", "--reference", reference, "--first-name", first, "--last-name", last,
        "--date-of-birth", born, "--referral-date", referred, *PERSON)
    return max(r["young_person_id"] for r in cli.json("referral", "list"))


def audited(entries: list[dict], table: str) -> set[str]:
    return {e["record_id"] for e in entries if e["table_name"] == table}


def test_a_young_person_added_after_a_merge_gets_a_new_id(cli, backend, tmp_path):
    ann = add(cli, "R1", "Ann", "Lee", "01/01/2012", "01/10/2026")
    twin = add(cli, "R2", "Ann", "Lee", "01/01/2012", "02/10/2026")
    assert (ann, twin) == (1, 2)
    cli("young-person", "merge", str(ann), str(twin), "--yes")
    bob = add(cli, "R3", "Bob", "Ray", "05/05/2013", "03/10/2026")
    assert bob == 3
    export = json.loads(cli("subject-export", str(bob)).stdout)
    assert audited(export["audit"], "young_people") == {"3"}, export["audit"]
    # The import's own path (the one pass on SQLite) gives the next id too, after merging the
    # highest again.
    cli("young-person", "merge", str(ann), str(bob), "--yes")
    sheet = tmp_path / "one.csv"
    sheet.write_text("reference,first_name,last_name,date_of_birth,referral_date\n"
                     "R4,Cara,Moss,07/07/2014,04/10/2026\n", encoding="utf-8")
    cli("referral", "import", str(sheet), "-q")
    [cara] = [p for p in cli.json("young-person", "list") if p["first_name"] == "Cara"]
    assert cara["id"] == 4
    export = json.loads(cli("subject-export", "4").stdout)
    assert audited(export["audit"], "young_people") == {"4"}


def test_visits_go_on_after_the_latest_is_deleted_or_a_dry_run(cli, backend, tmp_path):
    cli("demo")
    visits = cli.json("visit", "list")
    top = max(v["id"] for v in visits)
    match = next(v["match_id"] for v in visits if v["id"] == top)
    yesterday = (date.today() - timedelta(days=1)).isoformat()

    def log(activity: str) -> int:
        cli("visit", "log", str(match), "--date", yesterday, "--hours", "2", "--activity",
            activity)
        return max(v["id"] for v in cli.json("visit", "list"))

    cli("visit", "delete", str(top), "--yes")
    assert log("park") == top + 1
    cli("visit", "delete", str(top + 1), "--yes")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(f"match_id,date,hours,activity,concern\n{match},{yesterday},1,cafe,\n"
                     f"{match},{yesterday},1,museum,Seemed upset\n", encoding="utf-8")
    dry = cli("visit", "import", str(sheet), "--dry-run", "-q")
    assert "nothing" in (dry.stdout + dry.stderr).lower()
    after = log("bowling")
    assert after > top + 1
    assert [v["id"] for v in cli.json("visit", "list") if v["id"] > top] == [after]
    # The concern a visit opens is named by the id it got (the dry run used some too).
    said = cli("visit", "log", str(match), "--date", yesterday, "--hours", "1", "--activity",
               "walk", "--concern", "Worried about school").stderr
    newest = max(c["id"] for c in cli.json("concern", "list"))
    assert f"Opened concern {newest}:" in said


def test_the_migration_starts_each_table_above_the_audit_trails_highest_id(cli, backend,
                                                                           db_path):
    """A database of schema 020 whose latest young person and visit were deleted: only the
    audit trail still names their ids (7 and 12); after 021 no new record gets them."""
    from ivcli import migrations

    step = [name for name, _ in migrations.MIGRATIONS].index("021_ids_never_reused")
    with old_schema(backend, db_path, step) as ddl:
        for table, gone in (("young_people", 7), ("visits", 12)):
            for action in ("insert", "delete"):
                ddl.execute("INSERT INTO audit_log (at, command, table_name, record_id, "
                            "action, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            ("2026-01-01T00:00:00+00:00", "test", table, str(gone), action,
                             b"\0" * 32, b"\0" * 32))
        ddl.execute("INSERT INTO young_people (id, first_name, last_name, name_key, first_key, "
                    "last_key, date_of_birth, created_at, updated_at) VALUES (5, 'Dee', 'Fox', "
                    "'dee|fox', 'dee', 'fox', '2012-02-02', '2026-01-01T00:00:00+00:00', "
                    "'2026-01-01T00:00:00+00:00')")
    newcomer = add(cli, "R8", "Eve", "Hart", "03/03/2013", "03/10/2026")
    assert newcomer == 8
    if backend == "sqlite":
        tables = dict(query(backend, db_path, "SELECT name, sql FROM sqlite_master "
                                              "WHERE type = 'table'"))
        for table in migrations.DELETED_FROM:
            assert "id INTEGER PRIMARY KEY AUTOINCREMENT" in tables[table], table
        assert dict(query(backend, db_path, "SELECT name, seq FROM sqlite_sequence"))[
            "visits"] == 12
    assert cli.json("young-person", "list")[-1]["id"] == 8


def test_a_new_database_declares_its_deleted_from_tables_autoincrement(db_path, cli):
    from ivcli import migrations

    cli("settings", "set", "visit.max_cost", "900")  # creates and migrates the file
    conn = sqlite3.connect(db_path)
    try:
        stored = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    finally:
        conn.close()
    assert {t for t, sql in stored.items() if "AUTOINCREMENT" in sql} == set(
        migrations.DELETED_FROM)


def test_postgresql_ddl_drops_autoincrement_for_an_identity():
    from ivcli.migrations import PgDdl

    [sql] = PgDdl.translate("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT)")
    assert sql == "CREATE TABLE t (id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, x TEXT)"


def test_next_id_on_sqlite_is_above_a_deleted_highest(db_path, cli):
    """``dialect.next_id`` on an AUTOINCREMENT table and on one that is not."""
    from ivcli import db, dialect

    cli("demo")
    with db.writer(Path(db_path), dry_run=True) as conn:
        top = dialect.next_id(conn, "visits") - 1
        conn.exec_driver_sql(f"DELETE FROM visit_costs WHERE visit_id = {top}")
        conn.exec_driver_sql(f"UPDATE concerns SET visit_id = NULL WHERE visit_id = {top}")
        conn.exec_driver_sql(f"DELETE FROM visits WHERE id = {top}")
        assert dialect.next_id(conn, "visits") == top + 1
        referrals = conn.exec_driver_sql("SELECT max(id) FROM referrals").scalar_one()
        assert dialect.next_id(conn, "referrals") == referrals + 1
