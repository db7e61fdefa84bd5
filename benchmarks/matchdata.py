"""Synthetic waiting lists and volunteer pools for the matching benchmarks (raw sqlite, fast)."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from ivcli import db
from ivcli.vocab import INTERESTS

AREAS = [f"area {i}" for i in range(12)]
SLOTS = ["weekday_after_school", "weekday_evening", "saturday", "sunday"]
LANGS = ["english", "arabic", "polish", "urdu", "somali", "romanian"]
GENDERS = ["female", "male", "non-binary"]
NOW = "2026-01-01 00:00:00"


def build(path: Path, n_young: int, n_volunteers: int, *, as_of: date = date(2026, 3, 1),
          seed: int = 1) -> None:
    """A database with ``n_young`` young people on the waiting list (accepted referrals) and
    ``n_volunteers`` approved volunteers with every check current on ``as_of``."""
    rnd = random.Random(seed)
    db.prepare(path, write=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    people, referrals = [], []
    for i in range(1, n_young + 1):
        dob = date(2008, 1, 1) + timedelta(days=rnd.randrange(365 * 10))
        profile = {
            "interests": rnd.sample(INTERESTS, rnd.randint(1, 5)),
            "activities": rnd.sample(INTERESTS, rnd.randint(0, 3)),
            "iv_gender": rnd.choice(["any", "any", "any", "female", "male"]),
            "languages": ["english"] + (rnd.sample(LANGS[1:], 1) if rnd.random() < 0.2 else []),
            "availability": rnd.sample(SLOTS, rnd.randint(1, 3)),
            "area": rnd.choice(AREAS),
        }
        if rnd.random() < 0.3:
            profile["iv_age_min"], profile["iv_age_max"] = 20, 45
        people.append((i, f"Young{i}", "Person", f"young{i} person", f"young{i}", "person",
                       dob.isoformat(), rnd.choice(GENDERS[:2]), profile["area"],
                       json.dumps(profile), NOW, NOW))
        referred = as_of - timedelta(days=rnd.randrange(20, 700))
        referrals.append((i, i, "accepted", referred.isoformat(), True, True, True,
                          referred.isoformat(), NOW, NOW))
    conn.executemany(
        "INSERT INTO young_people (id, first_name, last_name, name_key, first_key, last_key, "
        "date_of_birth, gender, area, profile, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", people)
    conn.executemany(
        "INSERT INTO referrals (id, young_person_id, status, referral_date, long_term_care_plan, "
        "consent, carer_support, decision_date, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?)", referrals)
    vols, checks, trainings = [], [], []
    recent = (as_of - timedelta(days=200)).isoformat()
    for i in range(1, n_volunteers + 1):
        dob = date(1960, 1, 1) + timedelta(days=rnd.randrange(365 * 40))
        home = rnd.choice(AREAS)
        profile = {
            "interests": rnd.sample(INTERESTS, rnd.randint(2, 6)),
            "skills": rnd.sample(INTERESTS, rnd.randint(0, 3)),
            "languages": ["english"] + (rnd.sample(LANGS[1:], 1) if rnd.random() < 0.2 else []),
            "areas": sorted({home, *rnd.sample(AREAS, rnd.randint(2, 6))}),
            "availability": rnd.sample(SLOTS, rnd.randint(1, 4)),
            "child_age_min": 5,
            "child_age_max": 18,
            "capacity": 1,
        }
        vols.append((i, f"Vol{i}", "Unteer", f"vol{i} unteer", dob.isoformat(),
                     rnd.choice(GENDERS), home, "approved", recent, json.dumps(profile), NOW,
                     NOW))
        for step, d in (("application", "2025-01-01"), ("interview", "2025-02-01"),
                        ("reference", "2025-02-10"), ("reference", "2025-02-11"),
                        ("dbs", "2025-03-01"), ("panel", "2025-05-01")):
            checks.append((i, step, d, NOW))
        trainings += [(i, "induction", "2025-04-01", NOW), (i, "safeguarding", "2025-04-01", NOW)]
    conn.executemany(
        "INSERT INTO volunteers (id, first_name, last_name, name_key, date_of_birth, gender, "
        "area, status, approved_date, profile, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", vols)
    conn.executemany(
        "INSERT INTO volunteer_checks (volunteer_id, step, date, created_at) VALUES (?,?,?,?)",
        checks)
    conn.executemany(
        "INSERT INTO volunteer_trainings (volunteer_id, course, date, created_at) "
        "VALUES (?,?,?,?)", trainings)
    conn.execute("COMMIT")
    conn.close()


def typical_young_person(path: Path) -> int:
    """A young person with no gender or age wish (so the most volunteers are candidates)."""
    conn = sqlite3.connect(path)
    try:
        for yp_id, text in conn.execute("SELECT id, profile FROM young_people ORDER BY id"):
            p = json.loads(text)
            if p.get("iv_gender") == "any" and "iv_age_min" not in p:
                return int(yp_id)
    finally:
        conn.close()
    raise LookupError("no typical young person")
