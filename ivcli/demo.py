"""Realistic but fake people for the demo database, tests and benchmarks.

Names are drawn from common first names and surnames; no real person is described.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

FIRST = """Amira Ben Chloe Daniel Ella Finley Grace Harry Isla Jayden Kai Leah Mason Nia Oliver
Priya Quinn Ruby Sami Tia Umar Violet Wiktor Xena Yusuf Zara Alfie Bethany Callum Demi Ethan Freya
George Hana Ibrahim Jade Kofi Lily Aaliyah Archie Ava Bilal Brooke Caleb Darcy Dylan Eden Eli Esme
Evie Ezra Faith Felix Gabriel Hallie Hamza Harper Imogen Ivy Jack Jasmine Jesse Kacper Kayla Leo
Logan Lola Luca Maisie Maya Milo Mohammed Nathan Noah Olivia Omar Oscar Phoebe Poppy Reggie Riley
Rosie Sienna Sofia Theo Tyler Willow Yasmin Zain Zoe Aisha Bobby Cora Dexter Elsie
Frankie""".split()
LAST = """Adams Begum Clarke Davies Evans Fraser Green Hussain Iqbal Jones Khan Lewis Mensah Nowak
O'Neill Patel Quigley Roberts Smith Taylor Usman Vaughan Walker Xu Young Zielinski Ahmed Brown
Campbell Dlamini Edwards Foster Griffiths Hughes Ali Baker Bell Chen Collins Cooper Cox Doyle Ellis
Fisher Graham Hall Harris Hill Howard Hunt Jackson James Johnson Kaur Kelly King Knight Lee Marshall
Martin Mason Mitchell Moore Morgan Murphy Murray Okafor Owen Palmer Parker Phillips Powell Price
Reid Richards Robinson Rogers Rose Russell Scott Shaw Simpson Singh Stewart Thomas Thompson Turner
Ward Watson White Williams Wilson Wood Wright Yilmaz""".split()
AREAS = ["North", "South", "East", "West", "Central", "Riverside", "Hillside", "Docklands"]
INTERESTS = ["football", "drawing", "swimming", "gaming", "music", "cooking", "animals",
             "reading", "dance", "cinema", "cycling", "lego", "art", "climbing"]

HEADER = ["reference", "first_name", "last_name", "date_of_birth", "gender", "ethnicity",
          "disability", "care_leaver", "local_authority", "area", "placement_type",
          "referral_date", "referrer_name", "referrer_role", "referrer_email",
          "long_term_care_plan", "consent", "carer_support", "social_isolation",
          "placement_instability", "no_family_contact", "single_carer_placement",
          "relationship_difficulty", "interests", "notes"]


def referral_rows(n: int, seed: int = 1, today: date = date(2026, 11, 1)) -> Iterator[list[str]]:
    rnd = random.Random(seed)
    for i in range(n):
        dob = today - timedelta(days=rnd.randint(6 * 365, 17 * 365))
        referred = today - timedelta(days=rnd.randint(0, 3 * 365))
        if referred < dob:
            referred = today
        yn = lambda p: "yes" if rnd.random() < p else "no"  # noqa: E731
        disability, care_leaver = yn(0.15), yn(0.2)
        if not _may_be_care_leaver(dob, referred):
            care_leaver = "no"
        yield [
            f"LA{i + 1:07d}",
            rnd.choice(FIRST),
            rnd.choice(LAST),
            dob.strftime("%d/%m/%Y"),
            rnd.choice(["female", "male", "F", "M", "non-binary"]),
            rnd.choice(["White British", "Black African", "Asian Pakistani", "Mixed", "Other"]),
            disability,
            care_leaver,
            "Exampleshire",
            rnd.choice(AREAS),
            rnd.choice(["foster", "residential", "kinship"]),
            referred.strftime("%d/%m/%Y"),
            f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
            rnd.choice(["social worker", "IRO", "personal adviser"]),
            f"worker{rnd.randint(1, 500)}@council.example",
            yn(0.9),
            yn(0.9),
            yn(0.85),
            yn(0.5),
            yn(0.3),
            yn(0.2),
            yn(0.3),
            yn(0.4),
            "; ".join(rnd.sample(INTERESTS, 2)),
            "Likes to be outdoors" if rnd.random() < 0.3 else "",
        ]


def _may_be_care_leaver(dob: date, on: date) -> bool:
    from ivcli.referrals.rows import care_leaver_problem

    return care_leaver_problem(dob, on) is None


def write_referrals_csv(path: Path, n: int, seed: int = 1) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(referral_rows(n, seed))
    return path


DEMO_MARKER = "demo.database"


def is_demo(conn: Connection) -> bool:
    from sqlalchemy import text

    row = conn.execute(
        text("SELECT value FROM settings WHERE key = :k"), {"k": DEMO_MARKER}
    ).first()
    return row is not None


def is_empty(conn: Connection) -> bool:
    from sqlalchemy import text

    return conn.execute(text("SELECT count(*) FROM young_people")).scalar() == 0


def build(conn: Connection, today: date, young_people: int = 36, seed: int = 7
          ) -> dict[str, int]:
    """Fill an empty database with a small scheme: referrals in every state a coordinator
    reviews. Returns how many referrals are in each status."""
    from sqlalchemy import text

    from ivcli.referrals import intake
    from ivcli.referrals import screening as referrals
    from ivcli.referrals.rows import RowValidator
    from ivcli.safety import audit

    rnd = random.Random(seed)
    check = RowValidator(today, {h: i for i, h in enumerate(HEADER)})  # the demo's own columns
    clean = []
    for line, raw in enumerate(referral_rows(young_people, seed, today), start=2):
        referred = today - timedelta(days=rnd.randint(1, 400))
        raw[HEADER.index("referral_date")] = referred.strftime("%d/%m/%Y")
        born = datetime.strptime(raw[HEADER.index("date_of_birth")], "%d/%m/%Y").date()
        if not _may_be_care_leaver(born, referred):
            raw[HEADER.index("care_leaver")] = "no"
        row, problems = check(line, raw)
        assert row is not None, problems
        clean.append(row)
    intake.ingest(conn, clean)
    conn.execute(text("INSERT INTO settings (key, value) VALUES (:k, 'yes')"), {"k": DEMO_MARKER})
    audit.record(conn, [("settings", DEMO_MARKER, "insert", [])])
    counts: dict[str, int] = {}
    for ref in referrals.list_referrals(conn):
        rid = int(ref["id"])  # type: ignore[call-overload]
        roll = rnd.random()
        try:
            if roll < 0.2:
                referrals.decline(conn, rid, "Not in the young person's best interest now",
                                  today)
            elif roll < 0.3:
                referrals.withdraw(conn, rid, "Young person moved out of area", today)
            elif roll < 0.75:
                referrals.update(conn, rid, {"long_term_care_plan": "yes", "consent": "yes",
                                             "carer_support": "yes", "pathway_plan": "yes"})
                decided = min(today, date.fromisoformat(str(ref["referral_date"]))
                              + timedelta(days=rnd.randint(1, 10)))
                referrals.accept(conn, rid, decided)
        except Exception:  # noqa: BLE001 - an ineligible demo child stays received
            pass
    _volunteers_and_matches(conn, today, rnd)
    for ref in referrals.list_referrals(conn):
        counts[str(ref["status"])] = counts.get(str(ref["status"]), 0) + 1
    return counts


def _uk(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _volunteers_and_matches(conn: Connection, today: date, rnd: random.Random) -> None:
    """Volunteers at every step of safer recruitment (one whose DBS lapses soon), and matches
    for some of the young people waiting: active, one ended."""
    from ivcli.matching import candidates
    from ivcli.matching import lifecycle as matches
    from ivcli.matching import suggestions as matching
    from ivcli.volunteers import approval, enrolment, support

    approved_ids = []
    for i in range(14):
        started = today - timedelta(days=rnd.randint(200, 900))
        raw = {
            "reference": f"VOL-{i + 1:03d}",
            "first_name": rnd.choice(FIRST),
            "last_name": rnd.choice(LAST),
            "date_of_birth": _uk(today - timedelta(days=rnd.randint(22 * 365, 65 * 365))),
            "gender": rnd.choice(["female", "female", "male", "non-binary"]),
            "email": f"volunteer{i + 1}@example.org",
            "area": rnd.choice(AREAS),
            "languages": rnd.choice(["", "", "Arabic", "Polish", "Urdu"]),
            "interests": "; ".join(rnd.sample(INTERESTS, 3)),
            "application_date": _uk(started),
        }
        steps = 6 if i < 10 else i - 9  # ten approved, four still in the pipeline
        if steps >= 2:
            raw["interview_date"] = _uk(started + timedelta(days=14))
        if steps >= 3:
            raw["reference_1_date"] = _uk(started + timedelta(days=30))
            raw["reference_2_date"] = _uk(started + timedelta(days=35))
        if steps >= 4:
            # Volunteer 1's certificate lapses in about a month: it shows on `volunteer due`.
            issued = today - timedelta(days=3 * 365 - 30) if i == 0 else started + timedelta(45)
            raw["dbs_number"] = f"00{rnd.randint(10**9, 10**10 - 1)}"
            raw["dbs_issue_date"] = _uk(issued)
            raw["dbs_level"] = "enhanced_barred"
            raw["dbs_outcome"] = "clear"
        if steps >= 5:
            raw["training_date"] = _uk(started + timedelta(days=60))
        if steps >= 6:
            raw["panel_date"] = _uk(started + timedelta(days=75))
        v = enrolment.add(conn, raw, today)  # the dates of a pool's spreadsheet: passed steps
        if steps >= 5:  # training_date is the induction course; safeguarding (training.required)
            support.add_training(conn, v.id, "safeguarding", started + timedelta(days=62), today)
            enrolment.declare(conn, v.id, "no", ["Riverside Youth Club"] if i == 3 else [],
                              started + timedelta(days=10), today)
        if steps >= 6:
            approval.approve(conn, v.id, started + timedelta(days=75), today)
            approved_ids.append(v.id)
    # Matches for the longest waiting who have a suggestion, started some months ago.
    waiting = sorted(candidates.waiting(conn, today), key=lambda y: y.waiting_since)
    made = 0
    for young in waiting:
        if made >= 6:
            break
        if (today - young.waiting_since).days < 40:
            continue
        suggestions = matching.suggest(conn, young.id, today, top=1)
        if not suggestions:
            continue
        proposed_on = young.waiting_since + timedelta(
            days=rnd.randint(5, (today - young.waiting_since).days - 20))
        m = matches.propose(conn, young.id, suggestions[0].volunteer_id, proposed_on)
        matches.accept(conn, m.id, proposed_on + timedelta(days=3))
        started = min(today, proposed_on + timedelta(days=14))
        matches.start(conn, m.id, started)
        made += 1
        _visits(conn, m.id, started, today, rnd, overdue=made == 2, concern=made == 3)


ACTIVITIES = ["bowling", "cinema", "cafe and a walk", "swimming", "climbing wall", "museum",
              "football in the park", "baking at the community centre"]


def _visits(conn: Connection, match_id: int, started: date, today: date, rnd: random.Random,
            *, overdue: bool, concern: bool) -> None:
    """About one visit a month since the match started; one match has gone quiet (overdue
    on `ivcli today`) and one visit raised a concern still open."""
    from ivcli.visits import log as visits
    from ivcli.visits.rows import CostLine, VisitRow

    day = started + timedelta(days=rnd.randint(7, 20))
    stop = today - timedelta(days=60 if overdue else 0)
    n = 0
    while day <= stop:
        n += 1
        cost = rnd.choice([0, 350, 480, 1265, 820])
        visits.log(conn, VisitRow(
            line=0, match_id=match_id, date=day, minutes=rnd.choice([120, 150, 180]),
            activity=rnd.choice(ACTIVITIES),
            costs=(CostLine(cost, rnd.choice(["activity", "food", "travel"])),) if cost else (),
            concern="Said they are being bullied at school; follow up with the social worker"
            if concern and n == 2 else None,
        ), today)
        day += timedelta(days=rnd.randint(24, 34))
