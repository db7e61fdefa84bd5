"""A large, made-up Independent Visitor scheme for benchmarks: years of referrals, volunteers
through their checks, matches in every state, half a million visits, concerns and reviews.

    from benchmarks.large_scheme import build
    build(Path("/tmp/large.db"))            # 10,000 young people, 500,000 visits, ~10 s

or ``python benchmarks/large_scheme.py /tmp/large.db``. Deterministic for a seed; dates run up
to today so ``ivcli today`` has a realistic agenda. Rows go in with raw sqlite3 executemany in
one transaction, into a database whose schema ``ivcli.db.prepare`` made.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIRST = ["Amy", "Ben", "Cara", "Dan", "Ella", "Finn", "Grace", "Harry", "Isla", "Jack", "Kai",
         "Lily", "Mia", "Noah", "Olivia", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma",
         "Viktor", "Wren", "Yusuf", "Zara", "Aoife", "Bartek", "Chloe", "Dev", "Eve"]
LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
        "Khan", "Evans", "Thomas", "Roberts", "Walker", "Wright", "Robinson", "Thompson",
        "White", "Hughes", "Edwards", "Green", "Hall", "Wood", "Harris", "Lewis", "Martin",
        "Jackson", "Clarke", "Kowalski", "O'Neill"]
AREAS = ["North", "South", "East", "West", "Central", "Riverside", "Hillside", "Old Town"]
ETHNICITY = ["White British", "White other", "Mixed", "Asian British", "Black British",
             "Other", None]
INTERESTS = ["football", "art", "music", "swimming", "cooking", "gaming", "reading", "animals",
             "cinema", "climbing", "dance", "science"]
ACTIVITIES = ["cinema", "bowling", "park", "museum", "swimming", "cafe", "football",
              "climbing wall", "library", "cooking", "zoo", "walk"]
END_REASONS = ["planned", "aged_out", "young_person_choice", "volunteer_left", "placement_move",
               "breakdown", "other"]
COST_TYPES = ["travel", "activity", "food"]
WITH = ["young-person", "volunteer", "carer", "social-worker"]


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:
        return d.replace(year=d.year - years, day=28)


def build(path: Path, *, young_people: int = 10_000, volunteers: int = 8_000,
          matches: int = 6_000, visits: int = 500_000, years: int = 5, seed: int = 1,
          today: date | None = None) -> None:
    """Fill a new database at ``path`` with a scheme of this size, ending ``today``."""
    from ivcli.db import prepare

    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists; build wants a new file")
    prepare(path, write=True)
    rnd = random.Random(seed)
    end = today or date.today()
    begin = end - timedelta(days=365 * years)
    span = (end - begin).days
    stamp = f"{begin.isoformat()} 09:00:00"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("BEGIN")

    # Young people and their referrals.
    yp_rows, ref_rows, ref_dates = [], [], []
    for i in range(1, young_people + 1):
        referral_date = begin + timedelta(days=rnd.randrange(span))
        age = rnd.randint(5, 20)
        dob = _years_before(referral_date, age) - timedelta(days=rnd.randrange(365))
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        care_leaver = age >= 17 and rnd.random() < 0.6
        profile = json.dumps({"interests": rnd.sample(INTERESTS, 3),
                              "area": rnd.choice(AREAS)})
        fk, lk = first.lower(), last.lower().replace("'", "")
        yp_rows.append((i, f"YP{i:06d}", first, last, f"{fk}|{lk}", fk, lk, dob.isoformat(),
                        rnd.choice(["female", "male", "male", "female", "non-binary"]),
                        rnd.choice(ETHNICITY), rnd.random() < 0.15, care_leaver, "Anyshire",
                        rnd.choice(AREAS), rnd.choice(["foster", "residential", "kinship"]),
                        profile, stamp, stamp))
        ref_dates.append(referral_date)
    conn.executemany(
        "INSERT INTO young_people (id, reference, first_name, last_name, name_key, first_key, "
        "last_key, date_of_birth, gender, ethnicity, disability, care_leaver, local_authority, "
        "area, placement_type, profile, created_at, updated_at) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", yp_rows)

    # Volunteers and their safer-recruitment checks.
    vol_rows, check_rows, matchable = [], [], []
    statuses = (["approved"] * 45 + ["left"] * 33 + ["withdrawn"] * 8 + ["in_checks"] * 7
                + ["applicant"] * 4 + ["on_hold"] * 3)
    for v in range(1, volunteers + 1):
        status = rnd.choice(statuses)
        applied = begin + timedelta(days=rnd.randrange(span))
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        approved = applied + timedelta(days=rnd.randint(60, 120))
        if approved > end:
            status = "in_checks" if status == "approved" else status
        if status in ("in_checks", "applicant") and (end - applied).days > 200:
            status = "withdrawn"  # nobody stays in the pipeline for years
        vol_rows.append((v, f"V{v:05d}", first, last, f"{first.lower()}|{last.lower()}",
                         (_years_before(applied, rnd.randint(19, 70))).isoformat(),
                         rnd.choice(["female", "male"]), f"v{v}@example.org", None,
                         rnd.choice(AREAS), status,
                         approved.isoformat() if status in ("approved", "left", "on_hold")
                         else None,
                         json.dumps({"interests": rnd.sample(INTERESTS, 3),
                                     "areas": rnd.sample(AREAS, 3), "capacity": 1}),
                         stamp, stamp))
        steps = [("application", applied), ("interview", applied + timedelta(days=14)),
                 ("reference", applied + timedelta(days=20)),
                 ("reference", applied + timedelta(days=25))]
        if status in ("approved", "left", "on_hold", "in_checks"):
            dbs = applied + timedelta(days=40)
            steps.append(("dbs", dbs))
            training = applied + timedelta(days=50)
            steps.append(("training", training))
            if status != "in_checks":
                steps.append(("panel", approved))
                # Renewals every three years, until about now.
                while dbs + timedelta(days=3 * 365 - rnd.randint(0, 90)) < end:
                    dbs += timedelta(days=3 * 365 - rnd.randint(0, 90))
                    steps.append(("dbs", dbs))
                while training + timedelta(days=3 * 365 - rnd.randint(0, 60)) < end:
                    training += timedelta(days=3 * 365 - rnd.randint(0, 60))
                    steps.append(("training", training))
        for step, d in steps:
            if d <= end:
                check_rows.append((v, step, d.isoformat(),
                                   f"00{rnd.randrange(10**10):010d}" if step == "dbs" else None,
                                   "enhanced" if step == "dbs" else None, "clear",
                                   rnd.random() < 0.3 if step == "dbs" else None, stamp))
        if status in ("approved", "left"):
            matchable.append((v, approved))
    conn.executemany(
        "INSERT INTO volunteers (id, reference, first_name, last_name, name_key, date_of_birth, "
        "gender, email, phone, area, status, approved_date, profile, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", vol_rows)
    conn.executemany(
        "INSERT OR IGNORE INTO volunteer_checks (volunteer_id, step, date, number, level, "
        "outcome, update_service, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", check_rows)

    # Matches: `matches` of the young people, chosen at random, were matched.
    matched = set(rnd.sample(range(young_people), min(matches, young_people)))
    match_rows, spans = [], []
    mid = 0
    for i in sorted(matched, key=lambda i: ref_dates[i]):
        mid += 1
        proposed = min(ref_dates[i] + timedelta(days=rnd.randint(20, 200)), end)
        start = min(proposed + timedelta(days=rnd.randint(7, 30)), end)
        vol, _ = rnd.choice(matchable)
        # Older matches have mostly ended; recent ones are mostly active.
        age_days = (end - start).days
        p_end = min(0.9, age_days / (365 * 4))
        if rnd.random() < p_end and age_days > 60:
            status = "ended"
            stop = start + timedelta(days=rnd.randint(60, age_days))
        else:
            status = "paused" if rnd.random() < 0.03 else "active"
            stop = None
        match_rows.append((mid, i + 1, vol, i + 1, status, proposed.isoformat(),
                           proposed.isoformat(), start.isoformat(),
                           stop.isoformat() if stop else None,
                           rnd.choice(END_REASONS) if stop else None, stamp, stamp))
        spans.append((mid, start, stop or end, status))
    conn.executemany(
        "INSERT INTO matches (id, young_person_id, volunteer_id, referral_id, status, "
        "proposed_date, decision_date, start_date, end_date, end_reason, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", match_rows)

    # Referral statuses follow from the matches; the rest wait, or were declined or withdrawn.
    status_of = {m[1]: ("closed" if m[4] == "ended" else "matched") for m in match_rows}
    for i in range(young_people):
        yp = i + 1
        rd = ref_dates[i]
        if yp in status_of:
            st = status_of[yp]
        elif (end - rd).days < 10:
            st = "received"
        elif (end - rd).days > 365:
            st = rnd.choice(["declined"] * 3 + ["withdrawn"] * 2)
        else:
            st = rnd.choice(["accepted"] * 6 + ["declined"] * 2 + ["withdrawn"])
        decided = None if st == "received" else min(rd + timedelta(days=rnd.randint(1, 5)), end)
        ref_rows.append((i + 1, yp, st, rd.isoformat(), "A Social Worker", "social_worker",
                         True, True, True, rnd.random() < 0.6, rnd.random() < 0.3,
                         decided.isoformat() if decided else None, stamp, stamp))
    conn.executemany(
        "INSERT INTO referrals (id, young_person_id, status, referral_date, referrer_name, "
        "referrer_role, long_term_care_plan, consent, carer_support, social_isolation, "
        "placement_instability, decision_date, created_at, updated_at) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ref_rows)

    # Visits, spread over each match's life in proportion to its length; a few active
    # matches have gone quiet (overdue).
    total_days = sum(max((stop - start).days, 1) for _, start, stop, _ in spans) or 1
    visit_rows: list[tuple] = []
    concern_rows: list[tuple] = []
    review_rows: list[tuple] = []
    vid = 0
    for m, start, stop, status in spans:
        length = max((stop - start).days, 1)
        quiet_from = stop
        if status == "active" and rnd.random() < 0.06:
            quiet_from = stop - timedelta(days=rnd.randint(36, 120))
        n = round(visits * length / total_days)
        days = sorted(rnd.randrange(length) for _ in range(n))
        for offset in days:
            d = start + timedelta(days=offset)
            if d > quiet_from:
                break
            vid += 1
            cost = rnd.choice((0, 0, 0, 250, 480, 650, 1265, 1500, 320))
            visit_rows.append((vid, m, d.isoformat(), rnd.choice((60, 90, 120, 150, 180)),
                               rnd.choice(ACTIVITIES), cost,
                               rnd.choice(COST_TYPES) if cost else None, None, stamp))
            if rnd.random() < 0.01:
                closed = d + timedelta(days=rnd.randint(0, 20))
                still_open = closed > end or (rnd.random() < 0.05 and (end - d).days < 90)
                concern_rows.append((m, vid, d.isoformat(), "made-up concern",
                                     None if still_open else closed.isoformat(),
                                     None if still_open else "followed up", stamp))
            if len(visit_rows) >= 50_000:
                _visits(conn, visit_rows)
        # Reviews: roughly on schedule, with both sides on the same day.
        due = start + timedelta(weeks=6)
        held = 0
        while due + timedelta(days=rnd.randint(-10, 40)) < stop and due < end - timedelta(
                days=rnd.randint(0, 60)):
            d = min(due + timedelta(days=rnd.randint(-7, 21)), end)
            for who in rnd.sample(WITH, 2):
                review_rows.append((m, d.isoformat(), who, None, stamp))
            held += 1
            due = d + timedelta(days=91 if held == 1 else 182)
    _visits(conn, visit_rows)
    conn.executemany(
        "INSERT INTO concerns (match_id, visit_id, opened_date, text, closed_date, close_note, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", concern_rows)
    conn.executemany(
        "INSERT INTO reviews (match_id, date, with_whom, note, created_at) VALUES "
        "(?, ?, ?, ?, ?)", review_rows)
    conn.execute("COMMIT")
    conn.close()


def _visits(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    conn.executemany(
        "INSERT INTO visits (id, match_id, date, minutes, activity, cost_pence, cost_type, note, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    rows.clear()


if __name__ == "__main__":
    import time

    if len(sys.argv) != 2:
        sys.exit("usage: python benchmarks/large_scheme.py NEW_FILE.db")
    t = time.perf_counter()
    build(Path(sys.argv[1]))
    print(f"built {sys.argv[1]} in {time.perf_counter() - t:.1f} s")
