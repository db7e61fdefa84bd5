"""Records the visit tests need: young people and referrals through the CLI, volunteers,
checks and matches straight through Core inserts over the SQLModel tables (their commands
belong to other issues), each recorded in the audit trail as a command would."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

TODAY = date.today()


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def add_young_person(cli, first: str = "Amy", last: str = "Lee", dob: str = "01/02/2014",
                     referral_date: date | None = None, **flags: str) -> dict:
    """A referral (and its young person) through the CLI; returns the referral record."""
    args = ["referral", "add", "--first-name", first, "--last-name", last,
            "--date-of-birth", dob,
            "--referral-date", (referral_date or days_ago(400)).isoformat()]
    for key, value in flags.items():
        args += [f"--{key.replace('_', '-')}", value]
    return cli.json(*args)


def add_volunteer(db_path: Path, *, first: str = "Jo", last: str = "Bloggs",
                  status: str = "approved") -> int:
    from sqlalchemy import insert

    from ivcli import db
    from ivcli.models import Volunteer
    from ivcli.safety import audit

    with db.writer(db_path, watch=audit.watch, complete=audit.complete) as conn:
        now = db.now()
        result = conn.execute(insert(Volunteer.__table__).values(
            first_name=first, last_name=last, name_key=f"{first}|{last}".lower(),
            date_of_birth=date(1980, 5, 5), status=status, email="jo@example.org",
            phone="07700 900123", created_at=now, updated_at=now))
        vid = int(result.inserted_primary_key[0])
        audit.record(conn, [("volunteers", str(vid), "insert", [])])
        return vid


def add_checks(db_path: Path, volunteer_id: int, steps: list[tuple[str, date]]) -> None:
    from sqlalchemy import insert

    from ivcli import db
    from ivcli.models import VolunteerCheck
    from ivcli.safety import audit

    with db.writer(db_path, watch=audit.watch, complete=audit.complete) as conn:
        now = db.now()
        entries = []
        for step, on in steps:
            result = conn.execute(insert(VolunteerCheck.__table__).values(
                volunteer_id=volunteer_id, step=step, date=on, created_at=now))
            entries.append(("volunteer_checks", str(result.inserted_primary_key[0]), "insert", []))
        audit.record(conn, entries)


def add_trainings(db_path: Path, volunteer_id: int, courses: list[tuple[str, date]]) -> None:
    """Training courses (``volunteer_trainings``), each recorded in the audit trail."""
    from sqlalchemy import insert

    from ivcli import db
    from ivcli.models import Training
    from ivcli.safety import audit

    with db.writer(db_path, watch=audit.watch, complete=audit.complete) as conn:
        now = db.now()
        entries = []
        for course, on in courses:
            result = conn.execute(insert(Training.__table__).values(
                volunteer_id=volunteer_id, course=course, date=on, created_at=now))
            entries.append(("volunteer_trainings", str(result.inserted_primary_key[0]),
                            "insert", []))
        audit.record(conn, entries)


def add_match(db_path: Path, young_person_id: int, *, start: date | None = None,
              status: str = "active", end: date | None = None,
              volunteer_id: int | None = None, referral_id: int | None = None) -> int:
    from sqlalchemy import insert

    from ivcli import db
    from ivcli.models import Match
    from ivcli.safety import audit

    vol = volunteer_id or add_volunteer(db_path)
    start = start or days_ago(200)
    with db.writer(db_path, watch=audit.watch, complete=audit.complete) as conn:
        now = db.now()
        result = conn.execute(insert(Match.__table__).values(
            young_person_id=young_person_id, volunteer_id=vol, referral_id=referral_id,
            status=status, proposed_date=start - timedelta(days=14),
            start_date=None if status in ("proposed", "accepted", "declined") else start,
            end_date=end, created_at=now, updated_at=now))
        match_id = int(result.inserted_primary_key[0])
        audit.record(conn, [("matches", str(match_id), "insert", [])])
        return match_id


def matched_young_person(cli, db_path: Path, *, start: date | None = None,
                         status: str = "active", **kw) -> tuple[int, int]:
    """A young person with a match; returns (young person id, match id)."""
    ref = add_young_person(cli, **kw)
    match_id = add_match(db_path, ref["young_person_id"], start=start, status=status,
                         referral_id=ref["id"])
    return ref["young_person_id"], match_id


def count(db_path: Path, table: str) -> int:
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def log(cli, match_id: int, on: date, *extra: str, hours: str = "2",
        activity: str = "cinema", code: int = 0):
    return cli("visit", "log", str(match_id), "--date", on.isoformat(), "--hours", hours,
               "--activity", activity, *extra, code=code)
