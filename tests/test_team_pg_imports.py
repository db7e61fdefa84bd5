"""Issue 17 (team mode): the volunteer and visit imports on PostgreSQL go by COPY into a staging
table inside the command's transaction (``dialect.insert_rows``), and the referral import's
staging table stays usable (``dialect.index_stage``).

Each scenario runs on an SQLite file and on a new PostgreSQL database in the same test, and
their output (exit code, stdout, stderr) and what they hold afterwards must be the same.
Marked slow: skipped, saying why, when IVCLI_TEST_PG names no server."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.test_team_postgres import EXAMPLES, add_referral, approved_volunteer, young_person_of

pytestmark = pytest.mark.slow
TODAY = date.today()
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def both(cli, pg_database: str, db_path: Path) -> dict[str, Run]:
    """A runner per database: ``run(*args, code=...)`` -> (exit code, stdout, stderr)."""

    def on(db: str) -> Run:
        def run(*args: str, code: int | None = 0) -> tuple[int, str, str]:
            r = cli("--db", db, *args, code=code)
            return r.exit_code, r.stdout, r.stderr
        return run

    return {"sqlite": on(str(db_path)), "postgresql": on(pg_database)}


def same_on_both(both: dict[str, Run], scenario: Callable[[Run], list]) -> list:
    """Run ``scenario`` on each database; what it returns must be equal. Returns it."""
    lite, pg = (scenario(both[k]) for k in ("sqlite", "postgresql"))
    assert pg == lite
    return lite


def held(run: Run) -> list:
    """What an import leaves: volunteers with their checks and training, visits, costs,
    concerns, and the audit trail's entries (by command, table and action)."""
    import json

    def js(*args: str):
        return json.loads(run(*args, "--format", "json")[1])

    vols = js("volunteer", "list")
    return [
        [(v["id"], v["reference"], v["status"]) for v in vols],
        [js("volunteer", "show", str(v["id"])) for v in vols],
        js("visit", "list"),
        js("concern", "list"),
        [(e["command"], e["table_name"], e["action"], e["record_id"], e["record_to"])
         for e in js("audit", "--limit", "0")],
    ]


def volunteers_csv(path: Path, n: int, bad_line: int | None = None) -> Path:
    """``n`` volunteers, each with every check dated; ``bad_line`` (a file line) has a date
    that is not one."""
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["reference", "first_name", "last_name", "date_of_birth",
                    "application_date", "interview_date", "reference_1_date",
                    "reference_2_date", "dbs_number", "dbs_issue_date", "training_date"])
        for i in range(1, n + 1):
            day = "41/01/2025" if i + 1 == bad_line else "10/01/2025"
            w.writerow([f"V{i:05d}", "Sam", f"Test{i}", "01/02/1980", "02/01/2025", day,
                        "12/01/2025", "13/01/2025", f"{i:012d}", "20/01/2025", "25/01/2025"])
    return path


# ---------------------------------------------------------------------------------------------
# volunteer import


def test_volunteer_import_and_reimport_are_the_same_on_both(both):
    def scenario(run: Run) -> list:
        first = run("volunteer", "import", str(EXAMPLES / "volunteers.csv"), "--quiet")
        again = run("volunteer", "import", str(EXAMPLES / "volunteers.csv"), "--quiet")
        return [first, again, held(run)]

    first, again, state = same_on_both(both, scenario)
    assert "Added 3 volunteer(s) and 11 step record(s); 0 volunteer(s) already held" in first[2]
    assert "Added 0 volunteer(s) and 0 step record(s); 3 volunteer(s) already held" in again[2]
    assert len(state[0]) == 3


def test_a_bad_volunteer_row_after_many_written_leaves_nothing(both, tmp_path, monkeypatch):
    from ivcli.volunteers import intake

    monkeypatch.setattr(intake, "CHECK_BATCH", 50)  # several batches go in before the bad row
    bad = volunteers_csv(tmp_path / "bad.csv", 120, bad_line=121)

    def scenario(run: Run) -> list:
        run("volunteer", "import", str(EXAMPLES / "volunteers.csv"), "--quiet")
        before = held(run)
        failed = run("volunteer", "import", str(bad), "--quiet", code=1)
        return [failed, held(run) == before]

    (code, _, err), unchanged = same_on_both(both, scenario)
    assert code == 1 and "line 121" in err and unchanged


def test_a_large_volunteer_import_in_batches_is_the_same_on_both(both, tmp_path, monkeypatch):
    from ivcli.volunteers import intake

    monkeypatch.setattr(intake, "CHECK_BATCH", 40)
    sheet = volunteers_csv(tmp_path / "pool.csv", 60)

    def scenario(run: Run) -> list:
        out = run("volunteer", "import", str(sheet), "--quiet")
        return [out, run("volunteer", "import", str(sheet), "--quiet"), held(run)]

    first, again, state = same_on_both(both, scenario)
    assert "Added 60 volunteer(s) and 360 step record(s)" in first[2]
    assert "Added 0 volunteer(s) and 0 step record(s); 60 volunteer(s) already held" in again[2]
    assert [v[1] for v in state[0]] == [f"V{i:05d}" for i in range(1, 61)]


# ---------------------------------------------------------------------------------------------
# visit import


def running_match(cli) -> int:
    """A match started 40 days ago, on the database IVCLI_DB names."""
    rid = add_referral(cli)
    cli("referral", "accept", str(rid), "--date", (TODAY - timedelta(days=60)).isoformat())
    vid = approved_volunteer(cli)
    m = cli("match", "propose", str(young_person_of(cli, rid)), str(vid), "--date",
            (TODAY - timedelta(days=50)).isoformat()).stdout.strip()
    cli("match", "accept", m, "--date", (TODAY - timedelta(days=49)).isoformat())
    cli("match", "start", m, "--date", (TODAY - timedelta(days=40)).isoformat())
    return int(m)


def visits_sheet(path: Path, match_id: int, bad_row: int | None = None) -> Path:
    """The example visit sheet's rows on ``match_id``, dated within the last 30 days, and
    twenty more; row ``bad_row`` (1 = the first after the header) has no valid hours."""
    with open(EXAMPLES / "visits.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    body += [[str(match_id), "", "1", f"Outing {i}", str(i), "activity", "", ""]
             for i in range(20)]
    for i, row in enumerate(body):
        row[0] = str(match_id)
        row[1] = (TODAY - timedelta(days=30 - i)).strftime("%d/%m/%Y")
        if bad_row == i + 1:
            row[2] = "lots"
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([header, *body])
    return path


@pytest.fixture
def with_match(cli, monkeypatch, pg_database, db_path) -> dict[str, int]:
    out = {}
    for name, db in (("sqlite", str(db_path)), ("postgresql", pg_database)):
        monkeypatch.setenv("IVCLI_DB", db)
        out[name] = running_match(cli)
    assert out["sqlite"] == out["postgresql"]
    return out


def test_visit_import_and_reimport_are_the_same_on_both(both, with_match, tmp_path):
    sheet = visits_sheet(tmp_path / "visits.csv", with_match["sqlite"])

    def scenario(run: Run) -> list:
        first = run("visit", "import", str(sheet), "--quiet")
        again = run("visit", "import", str(sheet), "--quiet")
        return [first, again, held(run)]

    first, again, state = same_on_both(both, scenario)
    assert "Added 24 visit(s); 0 unchanged" in first[2]
    assert "Concerns opened: 1" in first[2]
    assert "Added 0 visit(s); 24 unchanged" in again[2]
    visits, concerns = state[2], state[3]
    assert len(visits) == 24 and len(concerns) == 1
    assert [v["activity"] for v in visits][:4] == ["Bowling", "Cinema", "Walk in the park",
                                                   "Football match"]


def test_a_bad_visit_row_anywhere_leaves_nothing(both, with_match, tmp_path):
    def scenario(run: Run) -> list:
        out = []
        for bad_row in (1, 24):
            sheet = visits_sheet(tmp_path / f"bad{bad_row}.csv", with_match["sqlite"], bad_row)
            code, _, err = run("visit", "import", str(sheet), "--quiet", code=1)
            out.append((code, re.findall(r"line \d+", err)))
        return [out, held(run)[2:4]]

    results, (visits, concerns) = same_on_both(both, scenario)
    assert [r[0] for r in results] == [1, 1]
    assert visits == [] and concerns == []


def test_visits_already_held_are_kept_and_new_ones_added(both, with_match, tmp_path):
    sheet = visits_sheet(tmp_path / "visits.csv", with_match["sqlite"])
    part = tmp_path / "part.csv"
    lines = sheet.read_text().splitlines()
    part.write_text("\n".join(lines[:6]) + "\n")

    def scenario(run: Run) -> list:
        return [run("visit", "import", str(part), "--quiet"),
                run("visit", "import", str(sheet), "--quiet"), held(run)[2]]

    first, second, visits = same_on_both(both, scenario)
    assert "Added 5 visit(s)" in first[2] and "Added 19 visit(s); 5 unchanged" in second[2]
    assert len(visits) == 24


# ---------------------------------------------------------------------------------------------
# the referral import's staging table


def test_a_staging_index_built_after_updates_is_used(pg_database):
    """Rows updated in the transaction, then indexed: PostgreSQL would not let the transaction
    use that index (every lookup a walk of the table) unless index_stage rewrites it."""
    from ivcli import db, dialect

    with db.open_writer(pg_database) as conn:
        dialect.create_stage(conn, "stage_t", "line INTEGER PRIMARY KEY, ident TEXT")
        dialect.stage_rows(conn, "stage_t", ("line", "ident"), [(i, f"x{i}") for i in range(1, 51)])
        conn.exec_driver_sql("UPDATE stage_t SET ident = ident || 'y'")  # on the same page
        dialect.index_stage(conn, "stage_t", "ix_stage_t", "ident")
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(
            "EXPLAIN SELECT line FROM stage_t WHERE ident = 'x5y'"))
        found = conn.exec_driver_sql("SELECT line FROM stage_t WHERE ident = 'x5y'").all()
        dialect.drop_stage(conn, "stage_t")
    assert "ix_stage_t" in plan, plan
    assert found == [(5,)]


def test_referral_reimport_linking_every_row_is_the_same_on_both(both):
    def scenario(run: Run) -> list:
        first = run("referral", "import", str(EXAMPLES / "referrals.csv"))
        again = run("referral", "import", str(EXAMPLES / "referrals.csv"))
        return [first, again, run("referral", "list", "--format", "json")]

    first, again, _ = same_on_both(both, scenario)
    assert "Added 0 referral(s); 25 unchanged" in again[2]


def test_a_big_referral_load_drops_and_restores_indexes_and_keys(both, pg_database,
                                                                 monkeypatch):
    """A load bigger than what is held drops the tables' secondary indexes (and, on
    PostgreSQL, their foreign keys) for the insert and creates them again after."""
    from ivcli.referrals import intake
    from tests.conftest import pg_sql

    monkeypatch.setattr(intake, "BATCH", 10)
    dbname = pg_database.rsplit("/", 1)[1].split("?")[0]

    def schema() -> list:
        return pg_sql("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                      "FROM pg_constraint WHERE contype = 'f' UNION ALL SELECT tablename, "
                      "indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
                      "ORDER BY 1, 2", dbname)

    from ivcli.db import pg_prepare

    pg_prepare(pg_database, write=True)  # the schema, migrated
    before = schema()

    def scenario(run: Run) -> list:
        first = run("referral", "import", str(EXAMPLES / "referrals.csv"))
        return [first, run("referral", "list", "--format", "json")]

    first, listed = same_on_both(both, scenario)
    assert "Added 25 referral(s)" in first[2]
    assert schema() == before
    assert any(r[1] == "referrals_young_person_id_fkey" for r in before)
