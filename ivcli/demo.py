"""Realistic but fake people for the demo database, tests and benchmarks.

Names are drawn from common first names and surnames; no real person is described.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ivcli.visits.reviews import Voice

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
            rnd.choice(["White British", "Black African", "Asian Pakistani",
                        "Mixed White and Black Caribbean", "Any other ethnic group"]),
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


# The demo scheme (``build``): made up, but shaped like a real one. Care leavers are 16 or over
# (about a quarter of referrals) and referred by their personal adviser; looked-after children
# (6 to 17) by their social worker. Genders about half and half, one non-binary young person
# in 36; ethnicity mostly White British with the spread of other DfE categories a council's
# looked-after population shows (as the council's export spells them: ivcli maps them).
DEMO_ETHNICITIES = (
    ["White British"] * 21 + ["Any other White background"] * 2
    + ["Mixed White and Black Caribbean"] * 2 + ["Mixed White and Asian",
       "Any other mixed background", "Black African", "Black African", "Black Caribbean",
       "Pakistani", "Pakistani", "Indian", "Bangladeshi", "Gypsy/Roma",
       "Any other ethnic group"])
DEMO_DECLINES = (  # (code, note or None), looked after / care leaver
    [("no_consent", "Said they would rather not, for now"),
     ("carers_not_supportive", None), ("no_long_term_plan", "Plan for permanence not agreed"),
     ("returning_home", "Returning to mum next month"), ("needs_advocacy", None),
     ("not_eligible", "Placed out of the council's area"), ("other", "Sibling already matched")],
    [("needs_advocacy", "Wants help with a complaint about housing"), ("no_consent", None)])
DEMO_WITHDRAWALS = [("moved_away", None), ("young_person_choice", None),
                    ("referrer_withdrew", "Placement ended; re-refer from the new area")]
COORDINATORS = ("Jo Fraser", "Sam Mensah")
NEIGHBOURS = {a: [AREAS[(i + 1) % len(AREAS)], AREAS[(i + 2) % len(AREAS)],
                  AREAS[(i - 1) % len(AREAS)]] for i, a in enumerate(AREAS)}


# The demo's own columns: the CSV's, and whether each child is placed out of the council's area
# (about two in five looked-after children in England are) and is an unaccompanied asylum-seeking
# child (about one in twelve), drawn from a generator of their own so the rest stays as it was.
DEMO_HEADER = [*HEADER, "out_of_area", "uasc"]


def _demo_rows(n: int, today: date, rnd: random.Random) -> Iterator[list[str]]:
    """The demo's referrals, in its columns (``DEMO_HEADER``)."""
    placed = random.Random(n)
    nonbinary = 1 if n >= 20 else 0
    genders = (["female"] * ((n - nonbinary) // 2) + ["non-binary"] * nonbinary)
    genders += ["male"] * (n - len(genders))
    rnd.shuffle(genders)
    ethnicities = [DEMO_ETHNICITIES[i % len(DEMO_ETHNICITIES)] for i in range(n)]
    rnd.shuffle(ethnicities)
    yn = lambda p: "yes" if rnd.random() < p else "no"  # noqa: E731
    for i in range(n):
        leaver = i % 4 == 1
        if leaver:  # 17 to 20 now, 16 or over when referred
            born = today - timedelta(days=rnd.randint(17 * 365 + 30, 20 * 365 + 200))
            referred = today - timedelta(days=rnd.randint(
                1, min(400, (today - born).days - 16 * 366)))
        else:  # 6 to 17 now, looked after until 18
            born = today - timedelta(days=rnd.randint(6 * 365 + 100, 17 * 365 + 150))
            referred = today - timedelta(days=rnd.randint(1, 400))
        worker = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        yield [
            f"LA{i + 1:07d}", rnd.choice(FIRST), rnd.choice(LAST), _uk(born), genders[i],
            ethnicities[i], yn(0.15), "yes" if leaver else "no", "Exampleshire",
            rnd.choice(AREAS),
            rnd.choice(["supported lodgings", "semi-independent", "staying put"]) if leaver
            else rnd.choice(["foster", "foster", "foster", "kinship", "residential"]),
            _uk(referred), worker, "personal adviser" if leaver else "social worker",
            f"{worker.split()[0].lower()}{i + 1}@council.example",
            "" if leaver else "yes", "yes", "" if leaver else "yes", yn(0.6), yn(0.3),
            yn(0.25), yn(0.3), yn(0.3), "; ".join(rnd.sample(INTERESTS, 3)),
            "Likes to be outdoors" if rnd.random() < 0.2 else "",
            "" if leaver else "yes" if placed.random() < 0.4 else "no",
            "yes" if placed.random() < 0.08 else "no",
        ]


def build(conn: Connection, today: date, young_people: int = 36, seed: int = 7
          ) -> dict[str, int]:
    """Fill an empty database with a small scheme (``_demo_rows``): referrals in every state a
    coordinator reviews, decided with varied coded reasons, and volunteers and matches
    (``_volunteers_and_matches``). Returns how many referrals are in each status."""
    from sqlalchemy import text

    from ivcli.referrals import intake
    from ivcli.referrals import screening as referrals
    from ivcli.referrals.rows import RowValidator
    from ivcli.safety import audit

    rnd = random.Random(seed)
    check = RowValidator(today, {h: i for i, h in enumerate(DEMO_HEADER)})
    clean = []
    for line, raw in enumerate(_demo_rows(young_people, today, rnd), start=2):
        row, problems = check(line, raw)
        assert row is not None, problems
        clean.append(row)
    intake.ingest(conn, clean)
    conn.execute(text("INSERT INTO settings (key, value) VALUES (:k, 'yes')"), {"k": DEMO_MARKER})
    audit.record(conn, [("settings", DEMO_MARKER, "insert", [])])
    # Oldest first: the five newest are still to review; of the others, about one in four is
    # declined and one in ten withdrawn, each with its own reason; the rest are accepted.
    held = referrals.list_referrals(conn)
    declines = [list(DEMO_DECLINES[0]), list(DEMO_DECLINES[1])]
    withdrawals = list(DEMO_WITHDRAWALS)
    for k, ref in enumerate(held[:-5]):
        rid = int(ref["id"])  # type: ignore[call-overload]
        referred = date.fromisoformat(str(ref["referral_date"]))
        decided = min(today, referred + timedelta(days=rnd.randint(3, 15)))
        referrals.acknowledge(conn, rid, min(today, referred + timedelta(days=1)), today)
        leaver = ref["legal_status"] == "care_leaver"
        pool = declines[1 if leaver else 0]
        if k % 4 == 2 and pool:
            code, note = pool.pop(0)
            if code == "no_consent":
                referrals.update(conn, rid, {"consent": "no"})
            elif code == "carers_not_supportive":
                referrals.update(conn, rid, {"carer_support": "no"})
            referrals.decline(conn, rid, code, decided, note)
            continue
        referrals.update(conn, rid, {"long_term_care_plan": "" if leaver else "yes",
                                     "consent": "yes", "carer_support": "" if leaver else "yes",
                                     "pathway_plan": "yes" if leaver else ""})
        referrals.accept(conn, rid, decided)
        if k % 10 == 3 and withdrawals:
            code, note = withdrawals.pop(0)
            referrals.withdraw(conn, rid, code, min(today, decided + timedelta(days=30)), note)
    for ref in held[-5:-2]:  # the newest two are not acknowledged yet
        referred = date.fromisoformat(str(ref["referral_date"]))
        referrals.acknowledge(conn, int(ref["id"]),  # type: ignore[call-overload]
                              min(today, referred + timedelta(days=1)), today)
    _volunteers_and_matches(conn, today, rnd)
    counts: dict[str, int] = {}
    for ref in referrals.list_referrals(conn):
        counts[str(ref["status"])] = counts.get(str(ref["status"]), 0) + 1
    return counts


def _uk(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _volunteers_and_matches(conn: Connection, today: date, rnd: random.Random) -> None:
    """Volunteers at every step of safer recruitment (one whose DBS lapses soon, one whose
    certificate disclosed information and was risk assessed), each with a coordinator; the
    approved ones with profiles (the areas they reach, ages, capacity) that fit the waiting
    list. Matches for the longest waiting, with visits, reviews held on time (one overdue,
    one due soon) and their volunteers' supervision (one due)."""
    from ivcli.matching import candidates, profiles
    from ivcli.matching import lifecycle as matches
    from ivcli.matching import suggestions as matching
    from ivcli.volunteers import approval, enrolment, records, support

    approved_ids = []
    for i in range(16):
        started = today - timedelta(days=rnd.randint(200, 900))
        area = AREAS[i % len(AREAS)]
        raw = {
            "reference": f"VOL-{i + 1:03d}",
            "first_name": rnd.choice(FIRST),
            "last_name": rnd.choice(LAST),
            "date_of_birth": _uk(today - timedelta(days=rnd.randint(22 * 365, 65 * 365))),
            "gender": rnd.choice(["female", "female", "male"]),
            "email": f"volunteer{i + 1}@example.org",
            "area": area,
            "languages": rnd.choice(["", "", "", "Arabic", "Polish", "Urdu"]),
            "interests": "; ".join(rnd.sample(INTERESTS, 4)),
            "coordinator": COORDINATORS[i % 2],
            "ethnicity": rnd.choice(["White British"] * 6 + ["White Irish", "Black African",
                                     "Indian", "Mixed White and Asian", "prefer not to say"]),
            "application_date": _uk(started),
        }
        steps = 6 if i < 12 else i - 11  # twelve approved, four still in the pipeline
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
            raw["dbs_outcome"] = "information_disclosed" if i == 4 else "clear"
        if steps >= 5:
            raw["training_date"] = _uk(started + timedelta(days=60))
        if steps >= 6:
            raw["panel_date"] = _uk(started + timedelta(days=75))
        v = enrolment.add(conn, raw, today)  # the dates of a pool's spreadsheet: passed steps
        if steps >= 5:  # training_date is the induction course; safeguarding (training.required)
            support.add_training(conn, v.id, "safeguarding", started + timedelta(days=62), today)
            enrolment.declare(conn, v.id, "no", ["Riverside Youth Club"] if i == 3 else [],
                              started + timedelta(days=10), today)
        if i == 4:  # an old caution, disclosed and risk assessed before the panel
            enrolment.risk_assessment(conn, v.id, "proceed", f"{COORDINATORS[0]}, manager",
                                      started + timedelta(days=55),
                                      "Minor offence over 20 years ago; no risk to children",
                                      today)
        if steps >= 6:
            approval.approve(conn, v.id, started + timedelta(days=75), today)
            approved_ids.append(v.id)
            record = records.load(conn, v.id)
            profiles.save(conn, "volunteer", record, profiles.merge(
                "volunteer", profiles.load_volunteer_profile(record), {
                    "areas": NEIGHBOURS[area][: 2 + i % 2],
                    "availability": rnd.sample(["saturday", "sunday", "weekday_evening"], 2),
                    "child_age_min": 11 if i % 3 == 0 else 6,
                    "child_age_max": 25 if i % 3 == 0 else 17 if i % 3 == 1 else 21,
                    "capacity": 2 if i % 4 == 0 else 1}))
    # Matches for the longest waiting who have a suggestion, started some months ago.
    waiting = sorted(candidates.waiting(conn, today), key=lambda y: y.waiting_since)
    made = 0
    for young in waiting:
        if made >= 8:
            break
        if (today - young.waiting_since).days < 90:
            continue
        proposed_on = young.waiting_since + timedelta(
            days=rnd.randint(5, (today - young.waiting_since).days - 80))
        suggestions = matching.suggest(conn, young.id, proposed_on, top=1)
        if not suggestions:
            continue
        vol_id = suggestions[0].volunteer_id
        m = matches.propose(conn, young.id, vol_id, proposed_on)
        matches.accept(conn, m.id, proposed_on + timedelta(days=3))
        started = min(today, proposed_on + timedelta(days=14))
        matches.start(conn, m.id, started)
        made += 1
        _visits(conn, m.id, started, today, rnd, overdue=made == 2, concern=made == 3)
        _reviews(conn, m.id, started, today, rnd, late=made == 4)
        _supervision(conn, vol_id, started, today, rnd, due=made == 5)


def _reviews(conn: Connection, match_id: int, started: date, today: date, rnd: random.Random,
             *, late: bool) -> None:
    """The match's reviews, each held a few days before it was due; a ``late`` match missed
    its latest one (overdue on `ivcli today`)."""
    from ivcli.visits import reviews
    from ivcli.visits.review_schedule import Schedule

    schedule = Schedule.load(conn)
    held, last = 0, None
    while True:
        due = schedule.next_due(started, held, last)
        on = max(started, due - timedelta(days=rnd.randint(0, 10)))
        if on > today or (late and schedule.next_due(started, held + 1, on) > today):
            return
        reviews.record(conn, match_id, on, ["young-person", "volunteer"], None, today,
                       _voice(rnd))
        held, last = held + 1, on


# What young people say at their reviews (made up): a few agreed to be quoted.
_WORDS = (
    ("She listens and never rushes me.", True),
    ("I tried climbing for the first time and I want to go again.", True),
    ("It's nice to have someone who is just for me.", False),
    ("Sometimes I don't feel like talking but it's still good.", False),
    ("We laugh a lot. I didn't expect that.", True),
)


def _voice(rnd: random.Random) -> Voice:
    """A review's outcome, and most times the young person's rating, themes and words."""
    from ivcli.enums import ReviewTheme
    from ivcli.visits.reviews import Voice as Said

    if rnd.random() < 0.25:
        return Said(outcome="continue")
    words, quote_ok = _WORDS[rnd.randrange(len(_WORDS))]
    themes = tuple(sorted(rnd.sample([t.value for t in ReviewTheme], 2)))
    return Said(their_words=words, rating=rnd.choice((3, 4, 4, 5, 5)), themes=themes,
                 quote_ok=quote_ok, outcome="continue")


def _supervision(conn: Connection, volunteer_id: int, started: date, today: date,
                 rnd: random.Random, *, due: bool) -> None:
    """Supervision about every five weeks since the match started (the setting asks for
    six); a ``due`` volunteer had one a week into the match and none in the last eight weeks."""
    from ivcli.volunteers import support

    stop = today - timedelta(weeks=8 if due else 0)
    day = started + timedelta(days=7 if due else rnd.randint(25, 38))
    while day <= min(today, max(stop, started + timedelta(days=7))):
        support.add_supervision(conn, volunteer_id, day,
                                rnd.choice(["one_to_one", "one_to_one", "phone", "group"]),
                                None, today)
        day += timedelta(days=rnd.randint(30, 38))


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
