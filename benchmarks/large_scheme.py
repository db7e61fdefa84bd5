"""A large scheme's history for benchmarks: young people, referrals in every state, volunteers
through safer recruitment, matches that start, pause and end for every reason, visits, the
concerns some visits raised and the reviews of each match.

    from large_scheme import build
    build(Path("big.db"))          # 10,000 young people ... 500,000 visits over 5 years

Raw sqlite3 ``executemany`` into a database prepared (migrated) by ``ivcli.db.prepare``, in one
transaction: well under 30 seconds. Deterministic for a given seed. The history ends on
``END`` (the last visit is dated in END's month).
"""

from __future__ import annotations

import random
import sqlite3
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

END = date(2026, 10, 31)
ETHNICITIES = ["White British"] * 10 + ["White Irish", "White Other", "Gypsy or Irish Traveller",
               "Black African", "Black African", "Black Caribbean", "Asian Pakistani",
               "Asian Bangladeshi", "Asian Indian", "Mixed White and Black Caribbean",
               "Mixed Other", "Arab", "Any other ethnic group", "", ""]
GENDERS = ["female"] * 45 + ["male"] * 50 + ["non-binary"] * 3 + ["gender-fluid", ""]
END_REASONS = (["planned"] * 30 + ["aged_out"] * 15 + ["young_person_choice"] * 15
               + ["volunteer_left"] * 15 + ["placement_move"] * 12 + ["breakdown"] * 8
               + ["safeguarding"] * 2 + ["other"] * 3)
AREAS = ["North", "South", "East", "West", "Central", "Riverside", "Hillside", "Docklands"]
FIRST = "Amira Ben Chloe Daniel Ella Finley Grace Harry Isla Jayden Kai Leah Mason Nia".split()
LAST = "Adams Begum Clarke Davies Evans Fraser Green Hussain Iqbal Jones Khan Lewis".split()
REVIEW_WITH = ["young-person", "volunteer", "carer", "social-worker"]


def _iso(d: date) -> str:
    return d.isoformat()


def _stamp(d: date) -> str:
    return f"{d.isoformat()} 09:00:00"


def build(path: Path, *, young_people: int = 10_000, volunteers: int = 8_000,
          matches: int = 6_000, visits: int = 500_000, years: int = 5, seed: int = 1) -> None:
    from ivcli.db import prepare

    rnd = random.Random(seed)
    start = END - timedelta(days=round(365.25 * years))
    span = (END - start).days
    prepare(path, write=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("BEGIN")
    try:
        _fill(conn, rnd, start, span, young_people, volunteers, matches, visits)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


def _fill(conn: sqlite3.Connection, rnd: random.Random, start: date, span: int,
          n_people: int, n_volunteers: int, n_matches: int, n_visits: int) -> None:
    day = lambda: start + timedelta(days=rnd.randrange(span))  # noqa: E731

    # Young people and one referral each; referral dates spread over the years.
    people, referrals = [], []
    for i in range(1, n_people + 1):
        referred = day()
        dob = referred - timedelta(days=rnd.randint(5 * 365 + 2, 19 * 365))
        care_leaver = 1 if (referred - dob).days > 16 * 365 and rnd.random() < 0.6 else 0
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        people.append((i, f"LA{i:07d}", first, last, f"{first} {last}".lower(), first.lower(),
                       last.lower(), _iso(dob), rnd.choice(GENDERS) or None,
                       rnd.choice(ETHNICITIES) or None,
                       None if rnd.random() < 0.05 else int(rnd.random() < 0.15),
                       None if rnd.random() < 0.03 else care_leaver, "Exampleshire",
                       rnd.choice(AREAS), _stamp(referred), _stamp(referred)))
        referrals.append([i, i, "received", referred, None, None, None])
    conn.executemany(
        "INSERT INTO young_people (id, reference, first_name, last_name, name_key, first_key, "
        "last_key, date_of_birth, gender, ethnicity, disability, care_leaver, local_authority, "
        "area, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", people)

    # Decisions: most accepted within a fortnight; some declined or withdrawn; the newest wait.
    accepted = []
    for r in referrals:
        referred: date = r[3]
        decided = referred + timedelta(days=rnd.randint(1, 14))
        if decided > END:
            continue  # still received
        x = rnd.random()
        if x < 0.10:
            r[2], r[4] = "declined", decided
        elif x < 0.15:
            r[2], r[4] = "withdrawn", decided + timedelta(days=rnd.randint(0, 60))
            if r[4] > END:
                r[2], r[4] = "accepted", decided
                accepted.append(r)
        else:
            r[2], r[4] = "accepted", decided
            accepted.append(r)

    # Volunteers through the pipeline; approved ones (and some who left) carry their checks.
    vols, checks, trainings, approved_ids = [], [], [], []
    statuses = (["approved"] * 40 + ["applicant"] * 14 + ["in_checks"] * 14
                + ["ready_for_panel"] * 3 + ["on_hold"] * 5 + ["withdrawn"] * 12 + ["left"] * 12)
    for i in range(1, n_volunteers + 1):
        enquired = day()
        status = rnd.choice(statuses)
        approved = enquired + timedelta(days=rnd.randint(60, 150))
        if approved > END and status in ("approved", "left", "on_hold"):
            status = "in_checks"
        has_approval = status in ("approved", "left", "on_hold")
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        vols.append((i, f"V{i:06d}", first, last, f"{first} {last}".lower(),
                     _iso(enquired - timedelta(days=rnd.randint(20 * 365, 65 * 365))),
                     rnd.choice(["female", "female", "male", "non-binary"]),
                     rnd.choice(AREAS), status, _iso(approved) if has_approval else None,
                     _stamp(enquired), _stamp(enquired)))
        steps: list[tuple[str, date]] = []
        if status != "applicant":
            steps += [("application", enquired + timedelta(days=3)),
                      ("interview", enquired + timedelta(days=20)),
                      ("reference", enquired + timedelta(days=25)),
                      ("reference", enquired + timedelta(days=30))]
        if status in ("ready_for_panel", "approved", "left", "on_hold") or (
                status == "in_checks" and rnd.random() < 0.5):
            dbs = enquired + timedelta(days=40)
            steps.append(("dbs", dbs))
            # The courses of the default training.required: induction once, safeguarding
            # every 3 years (renewed with the DBS).
            courses = [("induction", enquired + timedelta(days=50)),
                       ("safeguarding", enquired + timedelta(days=50))]
            renew = dbs + timedelta(days=3 * 365 - rnd.randint(0, 60))
            while renew <= END and rnd.random() < 0.8:
                steps.append(("dbs", renew))
                courses.append(("safeguarding", renew + timedelta(days=5)))
                renew += timedelta(days=3 * 365 - rnd.randint(0, 60))
            trainings += [(i, course, _iso(d), _stamp(d)) for course, d in courses if d <= END]
        if has_approval:
            steps.append(("panel", approved))
            approved_ids.append(i)
        for step, d in steps:
            if d <= END:
                checks.append((i, step, _iso(d), "enhanced" if step == "dbs" else None,
                               "clear" if step == "dbs" else None, 0, _stamp(d)))
    conn.executemany(
        "INSERT INTO volunteers (id, reference, first_name, last_name, name_key, date_of_birth, "
        "gender, area, status, approved_date, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", vols)
    conn.executemany(
        "INSERT OR IGNORE INTO volunteer_checks (volunteer_id, step, date, level, outcome, "
        "update_service, created_at) VALUES (?,?,?,?,?,?,?)", checks)
    conn.executemany(
        "INSERT OR IGNORE INTO volunteer_trainings (volunteer_id, course, date, created_at) "
        "VALUES (?,?,?,?)", trainings)

    # Matches for a random choice of the accepted referrals, across the years; most of the
    # others are withdrawn after a long wait, the rest are still waiting.
    rnd.shuffle(accepted)
    chosen, others = [], []
    for r in accepted:
        proposed = r[4] + timedelta(days=int(rnd.expovariate(1 / 75)) + 7)
        if len(chosen) < n_matches and proposed <= END - timedelta(days=7):
            chosen.append((r, proposed))
        else:
            others.append(r)
    chosen.sort(key=lambda c: (c[0][4], c[0][0]))
    for r in others:
        gave_up = r[4] + timedelta(days=rnd.randint(90, 540))
        if gave_up <= END and rnd.random() < 0.85:
            r[2], r[4] = "withdrawn", gave_up
    match_rows, events, spans = [], [], []
    mid = 0
    for r, proposed in chosen:
        mid += 1
        vol = rnd.choice(approved_ids)
        if rnd.random() < 0.05:  # the young person said no; the referral waits on
            match_rows.append((mid, r[1], vol, r[0], "declined", _iso(proposed),
                               _iso(proposed + timedelta(days=5)), "young person declined",
                               None, None, None, _stamp(proposed), _stamp(proposed)))
            continue
        started = proposed + timedelta(days=rnd.randint(10, 35))
        if started > END:
            match_rows.append((mid, r[1], vol, r[0], "accepted", _iso(proposed),
                               _iso(proposed + timedelta(days=5)), None, None, None, None,
                               _stamp(proposed), _stamp(proposed)))
            continue
        length = int(rnd.lognormvariate(6.4, 0.6))  # median about 600 days
        ended = started + timedelta(days=max(20, length))
        status, reason = "active", None
        if ended <= END:
            status, reason = "ended", rnd.choice(END_REASONS)
            r[2], r[6] = "closed", ended
        else:
            ended = None
            r[2] = "matched"
        r[5] = started
        events.append((mid, _iso(proposed), "proposed", _stamp(proposed)))
        events.append((mid, _iso(proposed + timedelta(days=5)), "accepted", _stamp(proposed)))
        events.append((mid, _iso(started), "started", _stamp(started)))
        last = ended or END
        if rnd.random() < 0.08 and (last - started).days > 90:
            pause = started + timedelta(days=rnd.randint(30, (last - started).days - 30))
            events.append((mid, _iso(pause), "paused", _stamp(pause)))
            resume = pause + timedelta(days=rnd.randint(14, 90))
            if resume < last:
                events.append((mid, _iso(resume), "resumed", _stamp(resume)))
            elif ended is None:
                status = "paused"
        if ended is not None:
            events.append((mid, _iso(ended), "ended", _stamp(ended)))
        match_rows.append((mid, r[1], vol, r[0], status, _iso(proposed),
                           _iso(proposed + timedelta(days=5)), None, _iso(started),
                           _iso(ended) if ended else None, reason, _stamp(proposed),
                           _stamp(last)))
        spans.append((mid, started, last))
    conn.executemany(
        "INSERT INTO referrals (id, young_person_id, status, referral_date, decision_date, "
        "matched_date, closed_date, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
        [(r[0], r[1], r[2], _iso(r[3]), _iso(r[4]) if r[4] else None,
          _iso(r[5]) if r[5] else None, _iso(r[6]) if r[6] else None,
          _stamp(r[3]), _stamp(r[3])) for r in referrals])
    conn.executemany(
        "INSERT INTO matches (id, young_person_id, volunteer_id, referral_id, status, "
        "proposed_date, decision_date, decision_reason, start_date, end_date, end_reason, "
        "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", match_rows)
    conn.executemany("INSERT INTO match_events (match_id, date, event, created_at) "
                     "VALUES (?,?,?,?)", events)

    # Visits spread over each match's running days, in proportion, so the total is exact;
    # a few running matches have had no visit lately.
    total_days = sum((last - s).days + 1 for _, s, last in spans) or 1
    activities = ["cinema", "football", "cafe", "park", "museum", "swimming", "bowling"]
    costs = [0, 0, 350, 600, 1250, 2000]
    batch: list[tuple] = []
    made = 0
    for k, (mid, s, last) in enumerate(spans):
        days = (last - s).days + 1
        share = n_visits - made if k == len(spans) - 1 else round(n_visits * days / total_days)
        share = max(0, min(share, n_visits - made))
        made += share
        if last == END and days > 120 and rnd.random() < 0.04:
            days -= 60  # overdue: nothing in the last two months
        jitter = rnd.choices((0, 1, 2), k=share)
        minutes = rnd.choices((90, 120, 150, 180), k=share)
        cost = rnd.choices(costs, k=share)
        what = rnd.choices(activities, k=share)
        for j in range(share):
            d = _iso(min(s + timedelta(days=(j * days) // share + jitter[j]), last))
            batch.append((mid, d, minutes[j], what[j], cost[j],
                          "activity" if cost[j] else None, d + " 19:00:00"))
        if len(batch) >= 50_000:
            _insert_visits(conn, batch)
            batch.clear()
    _insert_visits(conn, batch)
    _concerns_and_reviews(conn, rnd, spans)


def _concerns_and_reviews(conn: sqlite3.Connection, rnd: random.Random,
                          spans: list[tuple[int, date, date]]) -> None:
    """About one visit in a hundred raised a concern, closed within three weeks (a few recent
    ones are still open); each match was reviewed with two people at a time, roughly on the
    default schedule (6 weeks, 3 months, then every 6 months), some running late."""
    concerns = []
    for vid, mid, d in conn.execute("SELECT id, match_id, date FROM visits WHERE id % 97 = 0"):
        opened = date.fromisoformat(d)
        closed = opened + timedelta(days=rnd.randint(0, 21))
        still_open = closed > END or ((END - opened).days < 60 and rnd.random() < 0.1)
        concerns.append((mid, vid, d, "made-up concern", None if still_open else _iso(closed),
                         None if still_open else "followed up", _stamp(opened)))
    conn.executemany(
        "INSERT INTO concerns (match_id, visit_id, opened_date, text, closed_date, close_note, "
        "created_at) VALUES (?,?,?,?,?,?,?)", concerns)
    reviews = []
    for mid, started, last in spans:
        due, held = started + timedelta(weeks=6), 0
        cutoff = END - timedelta(days=rnd.randint(0, 60)) if last == END else last
        while True:
            on = due + timedelta(days=rnd.randint(-7, 28))
            if on > cutoff:
                break
            for who in rnd.sample(REVIEW_WITH, 2):
                reviews.append((mid, _iso(on), who, _stamp(on)))
            held += 1
            due = on + timedelta(days=91 if held == 1 else 182)
    conn.executemany("INSERT INTO reviews (match_id, date, with_whom, created_at) "
                     "VALUES (?,?,?,?)", reviews)


def _insert_visits(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """Visits (match, date, minutes, activity, cost pence, cost type, created) and, for those
    with a cost, their one cost line (visits get the next ids in order: one writer)."""
    first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM visits").fetchone()[0]
    conn.executemany("INSERT INTO visits (match_id, date, minutes, activity, created_at) "
                     "VALUES (?,?,?,?,?)", [(*r[:4], r[6]) for r in rows])
    conn.executemany("INSERT INTO visit_costs (visit_id, amount_pence, cost_type, created_at) "
                     "VALUES (?,?,?,?)",
                     [(first + i, r[4], r[5], r[6]) for i, r in enumerate(rows) if r[4]])


if __name__ == "__main__":
    import time

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "large_scheme.db")
    if target.exists():
        raise SystemExit(f"{target} exists; remove it first")
    t = time.perf_counter()
    build(target)
    print(f"built {target} in {time.perf_counter() - t:.1f} s")
