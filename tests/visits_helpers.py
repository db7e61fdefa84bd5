"""Records the visit tests need: young people and referrals through the CLI, volunteers,
checks and matches straight through the SQLModel classes (their commands belong to other
issues)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

TODAY = date.today()
NOW = datetime.now(UTC).replace(microsecond=0)


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
    from ivcli import db
    from ivcli.models import Volunteer

    with db.session(db_path, write=True) as s:
        v = Volunteer(first_name=first, last_name=last, name_key=f"{first}|{last}".lower(),
                      date_of_birth=date(1980, 5, 5), status=status, email="jo@example.org",
                      phone="07700 900123", created_at=NOW, updated_at=NOW)
        s.add(v)
        s.flush()
        assert v.id is not None
        return v.id


def add_checks(db_path: Path, volunteer_id: int, steps: list[tuple[str, date]]) -> None:
    from ivcli import db
    from ivcli.models import VolunteerCheck

    with db.session(db_path, write=True) as s:
        for step, on in steps:
            s.add(VolunteerCheck(volunteer_id=volunteer_id, step=step, date=on, created_at=NOW))


def add_match(db_path: Path, young_person_id: int, *, start: date | None = None,
              status: str = "active", end: date | None = None,
              volunteer_id: int | None = None, referral_id: int | None = None) -> int:
    from ivcli import db
    from ivcli.models import Match

    vol = volunteer_id or add_volunteer(db_path)
    start = start or days_ago(200)
    with db.session(db_path, write=True) as s:
        m = Match(young_person_id=young_person_id, volunteer_id=vol, referral_id=referral_id,
                  status=status, proposed_date=start - timedelta(days=14),
                  start_date=None if status in ("proposed", "accepted", "declined") else start,
                  end_date=end, created_at=db.now(), updated_at=db.now())
        s.add(m)
        s.flush()
        assert m.id is not None
        return m.id


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
