"""Issue 17 (team mode) after migrations 013-016: upgrading a database that holds data, and the
features that came with them, the same on SQLite and on PostgreSQL (``backend``,
tests/conftest.py; the PostgreSQL cases are slow and skip, saying why, without a server)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.test_people_update import referral


@contextmanager
def old_schema(backend: str, db_path: Path, steps: int) -> Iterator[Any]:
    """A database of schema ``steps`` (the first migrations only) at the test's target: what
    a migration is given there (sqlite3 connection or ``PgDdl``), committed on leaving."""
    from ivcli import db, migrations

    create = ("CREATE TABLE schema_migrations (seq INTEGER PRIMARY KEY, name TEXT NOT NULL "
              "UNIQUE, applied_at DATETIME NOT NULL)")
    if backend == "sqlite":
        conn = sqlite3.connect(db_path)
        ddl: Any = conn
    else:
        from sqlalchemy import create_engine

        engine = create_engine(db.pg_url(os.environ["IVCLI_DB"]))
        pg = engine.connect()
        pg.begin()
        ddl = migrations.PgDdl(pg)
        ddl.ensure_domains()
    ddl.execute(create)
    for name, fn in migrations.MIGRATIONS[:steps]:
        fn(ddl)
        ddl.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                    (name, db.now()))
    yield ddl
    if backend == "sqlite":
        conn.commit()
        conn.close()
    else:
        pg.commit()
        pg.close()
        engine.dispose()


def query(backend: str, db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    """The rows of one SELECT on the test's database, as tuples."""
    if backend == "sqlite":
        conn = sqlite3.connect(db_path)
        try:
            return [tuple(r) for r in conn.execute(sql)]
        finally:
            conn.close()
    from tests.conftest import pg_sql

    return [tuple(r) for r in pg_sql(sql, os.environ["IVCLI_DB"].rsplit("/", 1)[1].split("?")[0])]


def test_an_old_database_with_data_upgrades_through_013_to_016(cli, backend, db_path):
    """Schema 012 holding data, then any command: the names folded again and the pairs kept
    as possible duplicates (013), the reasons coded and the ethnicity codes (015), the training
    date an induction course and training.valid_years moved into training.required (016)."""
    stamp = "2025-01-01T09:00:00+00:00"
    with old_schema(backend, db_path, 12) as conn:
        for first, last, ref in (("Zoë", "Brontë", "A"), ("Zoe", "Bronte", "B")):
            conn.execute(
                "INSERT INTO young_people (reference, first_name, last_name, name_key, "
                "first_key, last_key, date_of_birth, ethnicity, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, '2014-02-01', 'White British', ?, ?)",
                (ref, first, last, f"{first.lower()}|{last.lower()}", first.lower(),
                 last.lower(), stamp, stamp))
        conn.execute(
            "INSERT INTO referrals (young_person_id, status, referral_date, decision_reason, "
            "created_at, updated_at) VALUES (1, 'declined', '2025-01-01', 'too far away', ?, ?)",
            (stamp, stamp))
        conn.execute(
            "INSERT INTO volunteers (first_name, last_name, name_key, date_of_birth, "
            "created_at, updated_at) VALUES ('Jo', 'Ní Bhriain', 'jo|ní bhriain', "
            "'1980-01-01', ?, ?)", (stamp, stamp))
        conn.execute(
            "INSERT INTO volunteer_checks (volunteer_id, step, date, created_at) "
            "VALUES (1, 'training', '2024-06-01', ?)", (stamp,))
        conn.execute("INSERT INTO settings (key, value) VALUES ('training.valid_years', '2')")

    dups = cli.json("young-person", "duplicates")
    assert [(d["young_person_id"], d["other_id"], d["reason"]) for d in dups] == \
        [(2, 1, "same_name_and_date_of_birth")]
    assert cli.json("young-person", "list", "--name", "zoe bronte")
    assert cli.json("volunteer", "list", "--name", "jo ni bhriain")
    referral = cli.json("referral", "show", "1")
    assert (referral["reason_code"], referral["decision_reason"]) == ("other", "too far away")
    assert query(backend, db_path, "SELECT DISTINCT ethnicity FROM young_people") == \
        [("WBRI",)]
    trainings = cli.json("volunteer", "show", "1")["trainings"]
    assert [(t["course"], t["date"]) for t in trainings] == [("induction", "2024-06-01")]
    settings = {s["key"]: s["value"] for s in cli.json("settings", "list")}
    assert settings["training.required"] == "induction, safeguarding=2"
    assert "training.valid_years" not in settings


@pytest.mark.slow
def test_executemany_with_no_rows_runs_nothing(pg_database):
    """``PgDdl.executemany`` as sqlite3's: each row once, none when there are none."""
    from sqlalchemy import create_engine

    from ivcli import db
    from ivcli.migrations import PgDdl

    engine = create_engine(db.pg_url(pg_database))
    try:
        with engine.begin() as conn:
            ddl = PgDdl(conn)
            ddl.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, p TEXT)")
            ddl.executemany("INSERT INTO t (v, p) VALUES (?, ?)", [])
            ddl.executemany("INSERT INTO t (v, p) VALUES (?, ?)", [("a", "5%"), ("b", "x")])
            assert ddl.execute("SELECT v, p FROM t ORDER BY v").fetchall() == \
                [("a", "5%"), ("b", "x")]
            assert [tuple(r) for r in ddl.execute("SELECT v FROM t WHERE v = ?", ("b",))] == \
                [("b",)]
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------
# The features of 013-016, end to end, on both


def test_young_person_update_contacts_duplicates_and_merge(cli, backend, tmp_path):
    from tests.test_duplicates_merge import two_records_of_one_child
    from tests.visits_helpers import days_ago

    first, other = two_records_of_one_child(cli, tmp_path)
    keep = first["young_person_id"]
    third = referral(cli, first="Zoë", last="Jones", on="01/11/2025")["young_person_id"]
    assert {(p["young_person_id"], p["other_id"], p["reason"])
            for p in cli.json("young-person", "duplicates")} == {
        (other, keep, "same_name_and_date_of_birth"),
        (third, keep, "same_first_name_and_date_of_birth"),
        (third, other, "same_first_name_and_date_of_birth")}
    cli("young-person", "not-duplicate", str(keep), str(third))
    assert "already" in cli("young-person", "not-duplicate", str(third), str(keep)).stderr
    cli("young-person", "update", str(third), "--last-name", "Jonés", "--uasc", "yes",
        "--interpreter-language", "Tigrinya", "--ethnicity", "White British")
    shown = cli.json("young-person", "show", str(third))
    assert (shown["last_name"], shown["uasc"], shown["interpreter_language"]) == \
        ("Jonés", True, "Tigrinya")
    assert [p["id"] for p in cli.json("young-person", "list", "--name", "zoe jones")] == [third]
    cli("young-person", "update", "99", "--uasc", "no", code=1)

    old = int(cli("young-person", "contact", str(other), "add", "--role", "social_worker",
                  "--name", "Sam Old", "--email", "sam@council.example",
                  "--from", days_ago(300).isoformat()).stdout)
    cli("young-person", "contact", str(other), "end", str(old), "--date",
        days_ago(10).isoformat())
    new = int(cli("young-person", "contact", str(other), "add", "--role", "Social Worker",
                  "--name", "Kim New", "--from", days_ago(5).isoformat()).stdout)
    assert [(c["id"], c["to_date"]) for c in
            cli.json("young-person", "contact", str(other), "list")] == \
        [(old, days_ago(10).isoformat()), (new, None)]
    cli("young-person", "contact", str(other), "add", "--role", "teacher", "--name", "X",
        code=1)
    cli("young-person", "contact", str(other), "end", "99", "--date", days_ago(1).isoformat(),
        code=1)

    plan = cli.json("young-person", "merge", str(keep), str(other), "--yes")
    assert (plan["keep"], plan["drop"]) == (keep, other)
    assert set(plan["moves"]) >= {"referrals", "contacts"}
    shown = cli.json("young-person", "show", str(keep))
    assert len(shown["referrals"].split(", ")) == 2
    assert [c["name"] for c in shown["contacts"]] == ["Kim New"]
    assert [p["id"] for p in cli.json("young-person", "list")] == [keep, third]
    assert cli.json("young-person", "duplicates") == []
    cli("young-person", "show", str(other), code=1)
    assert {e["table_name"] for e in cli.json("audit", "--limit", "0")} >= {
        "contacts", "possible_duplicates", "young_people"}


def test_coded_decline_and_withdraw_reasons(cli, backend):
    ref = str(referral(cli, first="Amy", last="Lee")["id"])
    cli("referral", "decline", ref, "--reason", "carers_not_supportive", "--note",
        "Foster carer worried about contact")
    shown = cli.json("referral", "show", ref)
    assert (shown["status"], shown["reason_code"], shown["decision_reason"]) == (
        "declined", "carers_not_supportive", "Foster carer worried about contact")
    other = str(referral(cli, first="Ben", last="Ray", dob="05/05/2012")["id"])
    r = cli("referral", "decline", other, "--reason", "no_consnt", code=1)
    assert "no_consent" in r.stderr
    cli("referral", "withdraw", other, "--reason", "Referrer Withdrew")
    assert {(x["id"], x["reason_code"]) for x in cli.json("referral", "list")} == {
        (int(ref), "carers_not_supportive"), (int(other), "referrer_withdrew")}
    assert "reason_code" in cli("referral", "list", "--format", "csv").stdout.splitlines()[0]


def test_volunteer_training_courses_and_approval(cli, backend):
    from tests.test_training_required import DAY, vetted_without_safeguarding

    vid = vetted_without_safeguarding(cli)
    r = cli("volunteer", "approve", str(vid), code=1)
    assert "safeguarding training: not recorded" in r.stderr
    assert cli.json("volunteer", "show", str(vid))["status"] == "in_checks"
    cli("volunteer", "training", str(vid), "--course", "Safeguarding", "--date", DAY)
    cli("volunteer", "training", str(vid), "--course", "safeguarding", "--date", DAY)
    assert cli.json("volunteer", "show", str(vid))["status"] == "ready_for_panel"
    cli("volunteer", "approve", str(vid))
    shown = cli.json("volunteer", "show", str(vid))
    assert shown["matchable"] is True
    assert sorted((t["course"], t["date"]) for t in shown["trainings"]) == [
        ("induction", "2025-01-10"), ("safeguarding", "2025-01-10")]
    cli("volunteer", "training", "99", "--course", "safeguarding", code=1)
    cli("settings", "set", "training.required", "induction, first aid=2")
    cli("volunteer", "due", "--format", "json")
    cli("today", "--format", "json")


@pytest.mark.slow
def test_the_demo_on_postgresql_is_built_in_an_empty_database_only(cli, pg_database,
                                                                  tmp_path, monkeypatch):
    """Never over a database (--replace is refused: ivcli drops no database), and never
    touching the SQLite file in the default folder (it deleted it when the PostgreSQL
    database held a schema but no records, or a demo and --replace was given)."""
    monkeypatch.delenv("IVCLI_DB")
    cli("--no-input", "referral", "add", "--first-name", "Amy", "--last-name", "Lee",
        "--date-of-birth", "01/02/2014")
    [lone] = (tmp_path / "home" / "data").rglob("ivcli.db")
    monkeypatch.setenv("IVCLI_DB", pg_database)
    cli("settings", "set", "visit.max_cost", "900")  # the schema, no records
    built = cli("demo")
    assert "Built a demo database at postgresql" in built.stderr
    assert f"ivcli --db {pg_database} today" in built.stderr
    assert "Referrals to review" in built.stdout
    again = cli("demo")
    assert "already exists" in again.stderr
    r = cli("demo", "--replace", code=1)
    assert "never over one" in r.stderr and "createdb" in r.stderr
    assert len(cli.json("referral", "list")) > 1
    assert lone.exists()
    monkeypatch.delenv("IVCLI_DB")
    assert len(cli.json("referral", "list")) == 1


def test_report_detail_lists_matches_without_a_visit_alike(cli, backend):
    """``report monthly --detail`` orders the matches with no visit by their last visit: on
    PostgreSQL too (it failed there with exit 70: an output name inside ORDER BY's expression)."""
    cli("demo")
    r = cli.json("report", "monthly", "--month", "last", "--detail")
    rows = r["detail"]["matches_without_visit"]
    assert rows, "the demo has a match with no visit last month"
    keys = [(row["last_visit"] is not None, row["last_visit"] or "", row["match_id"])
            for row in rows]
    assert keys == sorted(keys)


def test_a_rebuild_keeps_the_views_over_its_table(cli, backend, db_path, monkeypatch):
    """``migrations.rebuild_table`` on a table a view reads (``review_voices`` over
    ``reviews``): the view is there after, reading the rebuilt table (SQLite refused the
    rename with a view over a dropped table; PostgreSQL's DROP ... CASCADE took the view)."""
    from ivcli import migrations

    cli("demo")
    before = cli.json("report", "annual")
    voices = "SELECT sum(said), count(*) FROM review_voices"
    said = query(backend, db_path, voices)
    assert 0 < said[0][0] < said[0][1]

    def rebuild(conn) -> None:  # the table as it is, its id made AUTOINCREMENT
        cols = ", ".join("id INTEGER PRIMARY KEY AUTOINCREMENT" if name == "id" else
                         f"{name} {kind}" for name, kind in migrations.table_columns(
                             conn, "reviews"))
        migrations.rebuild_table(conn, "reviews", f"CREATE TABLE reviews ({cols})")

    monkeypatch.setattr(migrations, "MIGRATIONS",
                        [*migrations.MIGRATIONS, ("999_rebuild_reviews", rebuild)])
    after = cli.json("report", "annual")  # migrates first
    assert after["outcomes"] == before["outcomes"]
    assert query(backend, db_path, voices) == said
    assert query(backend, db_path, "SELECT count(*) FROM reviews") == [(said[0][1],)]
