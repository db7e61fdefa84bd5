"""The volunteer capability on one Core Connection per command (issue 11): read commands start
without the ORM, the models or pydantic; every write is recorded in the audit trail by the code
that makes it; every stored timestamp is ``db.now()``; compliance reads with portable SQL."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import run_noting_imports, vet_fully

ROOT = Path(__file__).parent.parent
MINE = ("volunteers/records.py", "volunteers/enrolment.py", "volunteers/approval.py",
        "volunteers/status.py", "volunteers/compliance.py", "volunteers/intake.py",
        "volunteers/rows.py", "cli/volunteer.py")
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")  # db.now()


def add(cli, first: str = "Ann", last: str = "Smith", *extra: str) -> int:
    r = cli("volunteer", "add", "--first-name", first, "--last-name", last,
            "--date-of-birth", "01/02/1980", "--application-date", "01/01/2021", *extra)
    return int(r.stdout.strip())


def every_step(cli, vid: int) -> None:
    vet_fully(cli, vid, dbs_on="01/06/2021", update_service=True)
    cli("volunteer", "check", str(vid), "dbs_status_check", "--date",
        date.today().strftime("%d/%m/%Y"))


POOL = ("first_name,last_name,date_of_birth,reference,application_date,interview_date,"
        "reference_1_date,reference_2_date,dbs_number,dbs_issue_date,training_date,panel_date\n"
        "Bea,Jones,01/02/1981,,01/01/2025,02/01/2025,03/01/2025,03/01/2025,001234567891,"
        "04/01/2025,05/01/2025,06/01/2025\n"
        "Cy,Brown,01/02/1982,,01/01/2025,02/01/2025,,,,,,\n")


# --- Every write recorded explicitly ------------------------------------------------------------


@pytest.fixture
def unrecorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """The (table, kind of write) that reached the audit trail's safety net at a commit
    because the code that wrote them did not record them."""
    from ivcli.safety import audit

    found: list[tuple[str, str]] = []
    complete = audit.complete

    def noting(unit) -> None:  # type: ignore[no-untyped-def]
        audited = unit.info.get("audited", set())
        found.extend(k for k in unit.info.get("written", {}) if k not in audited)
        complete(unit)

    monkeypatch.setattr(audit, "complete", noting)
    return found


def test_every_volunteer_write_is_recorded_by_its_command(cli, tmp_path, unrecorded):
    vid = add(cli)
    every_step(cli, vid)
    cli("volunteer", "approve", str(vid))
    cli("volunteer", "hold", str(vid), "--reason", "a break")
    cli("volunteer", "resume", str(vid))
    cli("volunteer", "leave", str(vid), "--reason", "moved", "--note", "moved away")
    cli("volunteer", "resume", str(vid))
    other = add(cli, "Dan", "Hill")
    cli("volunteer", "withdraw", str(other), "--reason", "changed their mind")
    f = tmp_path / "pool.csv"
    f.write_text(POOL)
    cli("volunteer", "import", str(f))
    # The same people again, now with references: the existing records get them.
    f.write_text(POOL.replace("01/02/1981,,", "01/02/1981,V-1,").replace(
        "01/02/1982,,", "01/02/1982,V-2,"))
    cli("volunteer", "import", str(f))
    assert unrecorded == []
    entries = cli.json("audit", "--limit", "0")
    mine = [e for e in entries if e["command"].startswith("volunteer ")]
    assert all(e["record_id"] for e in mine)  # each names its record
    approve = [e for e in mine if e["command"] == "volunteer approve"]
    assert [(e["record_id"], e["fields"]) for e in approve] == [
        (str(vid), "approved_date,status,status_date,updated_at")]
    refs = [e for e in mine if e["command"] == "volunteer import" and e["action"] == "update"
            and "reference" in (e["fields"] or "")]
    assert len(refs) == 2
    cli("check")


def test_every_timestamp_written_is_db_now(cli, db_path, tmp_path):
    vid = add(cli)
    every_step(cli, vid)
    cli("volunteer", "approve", str(vid))
    f = tmp_path / "pool.csv"
    f.write_text(POOL)
    cli("volunteer", "import", str(f))
    conn = sqlite3.connect(db_path)
    try:
        stamps = conn.execute("SELECT created_at FROM volunteers UNION ALL "
                              "SELECT updated_at FROM volunteers UNION ALL "
                              "SELECT created_at FROM volunteer_checks").fetchall()
    finally:
        conn.close()
    assert len(stamps) > 10
    assert [s for (s,) in stamps if not STAMP.match(s)] == []


# --- The services on a Core Connection ----------------------------------------------------------


def test_services_read_on_a_core_connection(cli, db_path):
    from ivcli import db
    from ivcli.volunteers import compliance, status
    from ivcli.volunteers import records as volunteers

    vid = add(cli)
    every_step(cli, vid)
    cli("volunteer", "approve", str(vid))
    late = add(cli, "Eve", "Late")
    today = date.today()
    with db.reader(db_path) as conn:
        v = volunteers.get(conn, vid)
        assert (v.id, v.status, v.date_of_birth, v.approved_date) == (
            vid, "approved", date(1980, 2, 1), today)
        assert STAMP.match(v.updated_at)
        assert compliance.matchable_ids(conn, today) == {vid}
        [dbs] = compliance.load_checks(conn, [vid])[vid][3:4] or [None]
        assert compliance.volunteer_states(conn, late, today)[0].status == "current"
        due = compliance.due(conn, today, 60)
        assert volunteers.outstanding(conn, vid, today) == []
        assert status.open_matches(conn, vid) == []
    assert dbs is not None and isinstance(dbs.date, date)
    assert {d.volunteer_id for d in due} <= {vid, late}


def test_my_files_use_no_orm_no_raw_sqlite_and_portable_sql():
    banned = re.compile(r"Session|session|dbapi\(|expire_all|sqlalchemy\.orm|julianday|"
                        r"(?<!\.)strftime\(|INSERT OR|printf\(|datetime\('now'\)|VALUES \(\?|"
                        r"= \?|IN \(\?|datetime\.now")
    found = [f"{name}:{n}" for name in MINE
             for n, line in enumerate((ROOT / "ivcli" / name).read_text().splitlines(), 1)
             if banned.search(line)]
    assert found == []


# --- Read commands start without the ORM ---------------------------------------------------------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    db = folder / "demo.db"
    env = {**os.environ, "IVCLI_DB": str(db), "HOME": str(folder / "home"),
           "XDG_DATA_HOME": str(folder / "home" / "data"), "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "ivcli", "demo"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    return db


@pytest.mark.slow
@pytest.mark.parametrize("args", [
    ("volunteer", "list"),
    ("volunteer", "list", "--status", "approved", "--format", "json"),
    ("volunteer", "show", "1"),
    ("volunteer", "show", "1", "--format", "json"),
    ("volunteer", "due"),
    ("volunteer", "due", "--within", "400", "--format", "csv"),
])
def test_read_commands_start_without_the_orm(demo_db, args):
    code, stdout, stderr, heavy = run_noting_imports("--db", str(demo_db), *args)
    assert code == 0, stderr
    assert stdout.strip()
    assert heavy == []


# --- The import's batches of new volunteers -----------------------------------------------------


@pytest.mark.parametrize("batch", [1, 3, 5000])
def test_import_links_rows_to_volunteers_added_earlier_in_the_file(cli, monkeypatch, tmp_path,
                                                                    batch):
    """New volunteers are written in batches with provisional ids: a later row still finds the
    volunteer an earlier row added, before or after its batch was written."""
    from ivcli.volunteers import intake as volunteer_intake

    monkeypatch.setattr(volunteer_intake, "CHECK_BATCH", batch)
    f = tmp_path / "v.csv"
    f.write_text(
        "reference,first_name,last_name,date_of_birth,application_date,interview_date,"
        "training_date\n"
        ",Ann,Smith,01/02/1980,01/01/2025,,\n"
        "B-1,Bob,Jones,01/02/1970,02/01/2025,03/01/2025,\n"
        "A-1,Ann,Smith,01/02/1980,01/01/2025,04/01/2025,\n"
        "B-1,Robert,Jones,01/02/1970,02/01/2025,,05/01/2025\n"
        ",Cat,Lee,01/02/1990,06/01/2025,,\n"
        ",Ann,Smith,01/02/1980,01/01/2025,,\n")
    r = cli("volunteer", "import", str(f))
    assert "Added 3 volunteer(s) and 6 step record(s); 0 volunteer(s) already held" in r.stderr
    listed = cli.json("volunteer", "list")
    assert [(v["first_name"], v["reference"]) for v in listed] == [
        ("Ann", "A-1"), ("Bob", "B-1"), ("Cat", None)]
    ann, bob, _ = (v["id"] for v in listed)
    shown = cli.json("volunteer", "show", str(ann))
    assert (shown["application_date"], shown["interview_date"]) == ("2025-01-01", "2025-01-04")
    shown = cli.json("volunteer", "show", str(bob))
    assert (shown["interview_date"], shown["training_date"]) == ("2025-01-03", "2025-01-05")
    r = cli("volunteer", "import", str(f))
    assert "Added 0 volunteer(s) and 0 step record(s); 3 volunteer(s) already held" in r.stderr
    cli("check")
