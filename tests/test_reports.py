"""Reports, on a small designed scheme whose every figure is counted by hand below.

The report month is March 2026 (1-31 March), run as of 10 April 2026. The scheme:

Young people (age on 31/03/2026, gender, ethnicity, disability, care leaver):
  Y1  9 female  White British   no   no     referral R1 received 05/03/2026
  Y2 14 male    Black African   yes  no     R2 accepted 12/01/2026, still waiting (78 days)
  Y3 17 non-binary (none)       (none) no   R3 referred 02/03, accepted 03/03/2026, waiting (28)
  Y4 18 female  White British   no   yes    R4 referred 20/02, declined 01/03/2026
  Y5 11 gender-fluid Asian Indian no (none) R5 referred 01/12/2025, withdrawn 15/03/2026
  Y6 16 male    White British   no   no     R6 accepted 05/10/2025; M1 starts 10/03/2026 (156)
  Y7 10 female  Mixed Other     no   no     R7 accepted 03/06/2025; M2 01/07/2025-, visits
  Y8 12 male    White British   no   no     R8 closed; M3 01/02/2024-20/03/2026 planned (778 d)
  Y9 15 female  Black African   no   no     R9; M4 01/09/2025-, paused 15/02/2026
  Y10 13 male   White British   no   no     R10 closed; M5 01/10/2025-31/03/2026 breakdown (181 d)
  Y11 19 female White British   no   yes    R11 accepted 10/04/2025; M6 (no referral recorded)
                                            01/05/2025-, last visit 20/02/2026
  Y12 7 male    Black African   no   no     R12 accepted 01/02/2026; M8 starts 01/03/2026 (28)
  Y2 also has a match M7 proposed 25/03/2026 (never started).

Volunteers: V1 approved 01/04/2025, DBS 01/05/2023 (lapses 01/05/2026: lapsing); V2 enquired
03/03/2026; V3 approved 12/03/2026; V4 left; V5 approved, DBS and training lapsed; V6 in checks;
V7 approved, old DBS kept current by the Update Service.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from datetime import date
from pathlib import Path

import pytest

from ivcli import report_figures
from ivcli.reports import aggregates as reports
from ivcli.reports import publishing
from ivcli.reports.period import monthly_period

MONTH = ["report", "monthly", "--month", "2026-03", "--as-of", "2026-04-10"]
YP_NAMES = ["Amira", "Boateng", "Chloe", "Dlamini", "Ezra", "Fraser", "Grace", "Hussain",
            "Isla", "Jovanovic", "Kofi", "Lindqvist", "Maya", "Nakamura", "Oscar", "Pemberton",
            "Quinn", "Rasmussen", "Sami", "Thorsen", "Umar", "Vasquez", "Willow", "Xiong"]
VOL_NAMES = ["Victoria", "Ashworth", "Walter", "Brennan", "Yolanda", "Castellano", "Zachary",
             "Drummond", "Ursula", "Ellingham", "Theodora", "Fairbanks", "Sebastian",
             "Gallagher"]


def d(text: str) -> date:
    return date.fromisoformat(text)


def build_scheme(path: Path) -> None:
    from sqlalchemy import insert

    from ivcli import db
    from ivcli.models import (
        Match,
        MatchEvent,
        Referral,
        Training,
        Visit,
        VisitCost,
        Volunteer,
        VolunteerCheck,
        YoungPerson,
    )
    from ivcli.safety import audit

    people = [  # id, dob, gender, ethnicity, disability, care_leaver
        (1, "2016-06-01", "female", "White British", False, False),
        (2, "2012-01-15", "male", "Black African", True, False),
        (3, "2009-03-31", "non-binary", None, None, False),
        (4, "2007-08-01", "female", "White British", False, True),
        (5, "2014-04-01", "gender-fluid", "Asian Indian", False, None),
        (6, "2010-02-10", "male", "White British", False, False),
        (7, "2015-12-31", "female", "Mixed Other", False, False),
        (8, "2013-05-05", "male", "White British", False, False),
        (9, "2010-06-30", "female", "Black African", False, False),
        (10, "2012-09-09", "male", "White British", False, False),
        (11, "2006-11-11", "female", " White British ", False, True),
        (12, "2018-07-07", "male", "Black African", False, False),
    ]
    referrals = [  # id, person, status, referral_date, decision_date, closed_date
        (1, 1, "received", "2026-03-05", None, None),
        (2, 2, "accepted", "2026-01-10", "2026-01-12", None),
        (3, 3, "accepted", "2026-03-02", "2026-03-03", None),
        (4, 4, "declined", "2026-02-20", "2026-03-01", None),
        (5, 5, "withdrawn", "2025-12-01", "2026-03-15", None),
        (6, 6, "matched", "2025-10-01", "2025-10-05", None),
        (7, 7, "matched", "2025-06-01", "2025-06-03", None),
        (8, 8, "closed", "2024-01-01", "2024-01-05", "2026-03-20"),
        (9, 9, "matched", "2025-08-01", "2025-08-02", None),
        (10, 10, "closed", "2025-09-01", "2025-09-03", "2026-03-31"),
        (11, 11, "matched", "2025-04-08", "2025-04-10", None),
        (12, 12, "matched", "2026-01-25", "2026-02-01", None),
    ]
    volunteers = [  # id, status, created, approved
        (1, "approved", "2025-01-10", "2025-04-01"),
        (2, "applicant", "2026-03-03", None),
        (3, "approved", "2025-11-01", "2026-03-12"),
        (4, "left", "2022-01-01", "2022-06-01"),
        (5, "approved", "2023-01-01", "2023-03-01"),
        (6, "in_checks", "2026-02-01", None),
        (7, "approved", "2022-12-01", "2023-03-01"),
    ]
    checks = [  # volunteer, step, date, update_service
        (1, "dbs", "2023-05-01", False), (1, "training", "2025-03-01", None),
        (3, "dbs", "2026-01-10", False), (3, "training", "2026-02-01", None),
        (4, "dbs", "2022-03-01", False),
        (5, "dbs", "2022-12-01", False), (5, "training", "2023-02-01", None),
        (6, "dbs", "2026-02-15", False),
        (7, "dbs", "2023-01-10", True), (7, "dbs_status_check", "2026-01-05", None),
        (7, "training", "2024-06-01", None),
    ] + [(v, step, "2020-01-01", None) for v in (1, 3, 5, 7)
         for step in ("application", "interview", "panel")]
    matches = [  # id, person, volunteer, referral, status, proposed, start, end, reason
        (1, 6, 1, 6, "active", "2026-02-20", "2026-03-10", None, None),
        (2, 7, 3, 7, "active", "2025-06-15", "2025-07-01", None, None),
        (3, 8, 7, 8, "ended", "2024-01-20", "2024-02-01", "2026-03-20", "planned"),
        (4, 9, 1, 9, "paused", "2025-08-15", "2025-09-01", None, None),
        (5, 10, 7, 10, "ended", "2025-09-15", "2025-10-01", "2026-03-31", "breakdown"),
        (6, 11, 5, None, "active", "2025-04-20", "2025-05-01", None, None),
        (7, 2, 1, 2, "proposed", "2026-03-25", None, None, None),
        (8, 12, 3, 12, "active", "2026-02-15", "2026-03-01", None, None),
    ]
    events = [(4, "2025-09-01", "started"), (4, "2025-12-01", "paused"),
              (4, "2026-01-01", "resumed"), (4, "2026-02-15", "paused"),
              (2, "2025-10-01", "paused"), (2, "2025-10-20", "resumed")]
    visits = [  # match, date, minutes, cost
        (2, "2026-03-04", 120, 350), (2, "2026-03-18", 90, 0), (8, "2026-03-05", 150, 1200),
        (3, "2026-03-10", 60, 500), (6, "2026-02-20", 120, 0), (2, "2026-04-02", 120, 900),
        (2, "2026-02-28", 100, 0),
    ]
    with db.writer(path, watch=audit.watch, complete=audit.complete) as conn:
        now = db.now()

        def add(model: type, **values: object) -> object:
            table = model.__table__  # type: ignore[attr-defined]
            key = conn.execute(insert(table).values(**values)).inserted_primary_key[0]
            audit.record(conn, [(table.name, str(key), "insert", [])])
            return key

        for i, dob, gender, ethnicity, disability, care_leaver in people:
            first, last = YP_NAMES[2 * (i - 1) % len(YP_NAMES)], YP_NAMES[(2 * i - 1) % 24]
            add(YoungPerson, id=i, reference=f"LA{i}", first_name=first, last_name=last,
                name_key=f"{first} {last}".lower(), first_key=first.lower(),
                last_key=last.lower(), date_of_birth=d(dob), gender=gender,
                ethnicity=ethnicity, disability=disability, care_leaver=care_leaver,
                created_at=now, updated_at=now)
        for i, yp, status, referred, decided, closed in referrals:
            add(Referral, id=i, young_person_id=yp, status=status, referral_date=d(referred),
                decision_date=d(decided) if decided else None,
                closed_date=d(closed) if closed else None, created_at=now, updated_at=now)
        for i, status, created, approved in volunteers:
            first, last = VOL_NAMES[2 * (i - 1)], VOL_NAMES[2 * i - 1]
            add(Volunteer, id=i, first_name=first, last_name=last,
                name_key=f"{first} {last}".lower(), date_of_birth=d("1980-01-01"),
                status=status, approved_date=d(approved) if approved else None,
                created_at=f"{created}T10:30:00+00:00", updated_at=now)
        for v, step, when, update_service in checks:
            if step == "training":  # the courses of training.required: safeguarding lapses
                for course in ("induction", "safeguarding"):
                    add(Training, volunteer_id=v, course=course, date=d(when), created_at=now)
                continue
            add(VolunteerCheck, volunteer_id=v, step=step, date=d(when),
                update_service=update_service, created_at=now)
        for i, yp, vol, ref, status, proposed, start, end, reason in matches:
            add(Match, id=i, young_person_id=yp, volunteer_id=vol, referral_id=ref,
                status=status, proposed_date=d(proposed),
                start_date=d(start) if start else None, end_date=d(end) if end else None,
                end_reason=reason, created_at=now, updated_at=now)
        for m, when, event in events:
            add(MatchEvent, match_id=m, date=d(when), event=event, created_at=now)
        for m, when, minutes, cost in visits:
            visit = add(Visit, match_id=m, date=d(when), minutes=minutes, created_at=now)
            if cost:
                add(VisitCost, visit_id=visit, amount_pence=cost, cost_type="travel",
                    created_at=now)


@pytest.fixture
def scheme(db_path: Path) -> Path:
    build_scheme(db_path)
    return db_path


def all_names() -> list[str]:
    return YP_NAMES + VOL_NAMES


# ---------------------------------------------------------------------------------------------
# Every figure, by hand


def test_monthly_figures_equal_hand_counts(cli, scheme):
    r = cli.json(*MONTH)
    assert r["period"] == {"kind": "monthly", "start": "2026-03-01", "end": "2026-03-31",
                           "label": "March 2026", "complete": True}
    assert r["published"] is False
    expected = {
        "referrals_received": 2,  # R1 05/03, R3 02/03
        "referrals_accepted": 1,  # R3 accepted 03/03
        "referrals_declined": 1,  # R4
        "referrals_withdrawn": 1,  # R5
        "waiting_at_end": 2,  # R2, R3 (R11's unlinked match M6 started: not waiting)
        "longest_current_wait_days": 78,  # R2 12/01 -> 31/03
        "longest_wait_days": 156,  # R6 05/10/2025 -> M1 10/03/2026
        "median_wait_days": 92,  # R6 156 and R12 28 (01/02 -> 01/03): (156 + 28) / 2
        "matches_started": 2,  # M1, M8
        "matches_ended": 2,  # M3 20/03, M5 31/03
        "active_at_end": 5,  # M1, M2, M4 (paused), M6, M8; M5 ended on the 31st
        "paused_at_end": 1,  # M4
        "young_people_matched_at_end": 5,  # Y6, Y7, Y9, Y11, Y12
        "visits": 4,  # M2 x2, M8, M3 (not M6 in Feb, not M2 in April)
        "visit_minutes": 420,  # 120 + 90 + 150 + 60
        "visit_hours": 7.0,
        "expenses_total": 2050,  # 350 + 0 + 1200 + 500
        "active_without_visit": 1,  # M6 (M2 visited, M4 paused, M1 and M8 started in March)
        "volunteers_enquired": 1,  # V2
        "volunteers_approved": 1,  # V3
        "volunteers_approved_at_end": 4,  # V1, V3, V5, V7
        "checks_lapsing": 1,  # V1 DBS lapses 01/05/2026, within 60 days
        "checks_lapsed": 2,  # V5 DBS and safeguarding training (V4 has left)
        "median_days_to_decision": 5,  # R3 02/03 -> 03/03 (1), R4 20/02 -> 01/03 (9)
        "median_days_to_match": 97.5,  # R6 01/10/2025 -> 10/03 (160), R12 25/01 -> 01/03 (35)
        "volunteers_left": 0,  # V4 left, on no recorded date
    }
    assert {k: r[k] for k in expected} == expected
    assert set(report_figures.FIGURE_KEYS) == set(expected)
    assert r["endings_by_reason"] == {
        "planned": 1, "aged_out": 0, "young_person_choice": 0, "volunteer_left": 0,
        "placement_move": 0, "breakdown": 1, "safeguarding": 0, "left_care": 0, "other": 0,
        "not_recorded": 0}
    # M3 01/02/2024 -> 20/03/2026 is 778 days; M5 01/10/2025 -> 31/03/2026 is 181 days.
    assert r["match_length_bands"] == {"under_6_months": 1, "6_to_12_months": 0,
                                       "1_to_2_years": 0, "2_years_and_over": 1}


def test_breakdowns_equal_hand_counts(cli, scheme):
    b = cli.json(*MONTH)["breakdowns"]
    # Waiting: Y2 (14, male, Black African, disabled), Y3 (17 today, non-binary, nothing else).
    assert b["waiting"] == {
        "total": 2,
        "age_band": {"under_5": 0, "5_to_9": 0, "10_to_15": 1, "16_to_17": 1, "18_and_over": 0},
        "gender": {"female": 0, "male": 1, "non_binary": 1, "another": 0, "not_recorded": 0},
        "ethnicity": {"Black African": 1, "Mixed Other": 0, "White British": 0,
                      "not_recorded": 1},
        "disability": {"yes": 1, "no": 0, "not_recorded": 1},
        "care_leaver": {"yes": 0, "no": 2, "not_recorded": 0},
    }
    # Matched: Y6 (16, m, WB), Y7 (10, f, Mixed Other), Y9 (15, f, BA), Y11 (19, f, WB with
    # spaces, care leaver), Y12 (7, m, BA).
    assert b["matched"] == {
        "total": 5,
        "age_band": {"under_5": 0, "5_to_9": 1, "10_to_15": 2, "16_to_17": 1, "18_and_over": 1},
        "gender": {"female": 3, "male": 2, "non_binary": 0, "another": 0, "not_recorded": 0},
        "ethnicity": {"Black African": 2, "Mixed Other": 1, "White British": 2,
                      "not_recorded": 0},
        "disability": {"yes": 0, "no": 5, "not_recorded": 0},
        "care_leaver": {"yes": 1, "no": 4, "not_recorded": 0},
    }


def test_trends_equal_hand_counts(cli, scheme):
    trends = cli.json(*MONTH)["trends"]
    assert [t["month"] for t in trends] == [f"2025-{m:02d}" for m in range(4, 13)] + [
        "2026-01", "2026-02", "2026-03"]
    by = {t["month"]: t for t in trends}
    # February: R4 referred; waiting at 28/02: R2, R6 (starts 10/03), R12 (starts 01/03);
    # running: M2, M3, M4, M5, M6; visits: M6 20/02, M2 28/02.
    assert by["2026-02"] == {"month": "2026-02", "referrals_received": 1, "waiting_at_end": 3,
                             "active_at_end": 5, "visits": 2}
    assert by["2026-03"] == {"month": "2026-03", "referrals_received": 2, "waiting_at_end": 2,
                             "active_at_end": 5, "visits": 4}
    # April 2025: R11 referred 08/04 and accepted 10/04, its match starts 01/05; M3 running.
    assert by["2025-04"] == {"month": "2025-04", "referrals_received": 1, "waiting_at_end": 1,
                             "active_at_end": 1, "visits": 0}


def test_detail_lists_by_name(cli, scheme):
    r = cli.json(*MONTH, "--detail")
    without = r["detail"]["matches_without_visit"]
    assert [(m["match_id"], m["young_person_id"], m["last_visit"]) for m in without] == [
        (6, 11, "2026-02-20")]
    assert without[0]["young_person"] == f"{YP_NAMES[20]} {YP_NAMES[21]}"
    assert without[0]["volunteer"] == f"{VOL_NAMES[8]} {VOL_NAMES[9]}"
    waits = r["detail"]["longest_waits"]
    assert [(w["referral_id"], w["accepted_date"], w["days_waiting"]) for w in waits] == [
        (2, "2026-01-12", 78), (3, "2026-03-03", 28)]


def test_annual_and_custom_periods(cli, scheme):
    r = cli.json("report", "annual", "--year", "2025", "--as-of", "2026-04-10")
    assert r["period"]["start"] == "2025-01-01" and r["period"]["end"] == "2025-12-31"
    # Referred in 2025: R5, R6, R7, R9, R10, R11. Started in 2025: M2, M4, M5, M6.
    assert (r["referrals_received"], r["matches_started"], r["matches_ended"]) == (6, 4, 0)
    # Waits ended in 2025: R7 28 (03/06 -> 01/07), R9 30, R10 28, R11 21 (10/04 -> 01/05).
    assert (r["longest_wait_days"], r["median_wait_days"]) == (30, 28)
    assert [t["month"] for t in r["trends"]][-1] == "2025-12"
    fy = cli.json("report", "annual", "--from", "01/04/2025", "--to", "31/03/2026",
                  "--as-of", "2026-04-10")
    assert fy["period"]["label"] == "2025-04-01 to 2026-03-31"
    assert fy["referrals_received"] == 11  # all but R8 (2024)
    assert fy["matches_started"] == 6  # M2, M4, M5, M6, M8, M1


def test_month_to_date_is_capped_at_as_of(cli, scheme):
    r = cli.json("report", "monthly", "--month", "2026-03", "--as-of", "2026-03-15")
    assert r["period"]["end"] == "2026-03-15" and r["period"]["complete"] is False
    assert r["visits"] == 3  # 04/03, 05/03, 10/03
    assert r["matches_ended"] == 0


def test_month_last_is_the_month_before_as_of(cli, scheme):
    r = cli.json("report", "monthly", "--as-of", "2026-04-10")
    assert r["period"]["start"] == "2026-03-01"
    assert cli.json("report", "monthly", "--month", "03/2026", "--as-of", "2026-04-10") == r


# ---------------------------------------------------------------------------------------------
# Publishing


def cells(breakdowns: dict) -> list[object]:
    return [v for section in breakdowns.values() for dim, group in section.items()
            if dim != "total" for v in group.values()]


def test_publish_hides_small_cells_and_names(cli, scheme):
    result = cli(*MONTH, "--format", "json", "--publish", "--detail", code=1)
    assert "cannot go in a published report" in result.stderr
    r = cli.json(*MONTH, "--publish")
    assert r["published"] is True and r["suppress_below"] == 5
    values = cells(r["breakdowns"])
    assert not [v for v in values if isinstance(v, int) and 1 <= v <= 4]
    assert "<5" in values and "*" in values
    # Waiting gender: male 1, non-binary 1 and total 2 would give both away: all hidden.
    assert set(r["breakdowns"]["waiting"]["gender"].values()) == {"*"}
    assert "detail" not in r
    for fmt in ("json", "csv", "markdown", "html", "table"):
        out = cli(*MONTH, "--format", fmt, "--publish").stdout
        assert not [n for n in all_names() if n in out], fmt


def test_markdown_and_html_publish_by_default(cli, scheme):
    md = cli(*MONTH, "--format", "markdown").stdout
    assert "\\<5" in md  # escaped for Markdown: shows as <5
    breakdowns = md.split("## Young people waiting")[1].split("## 12-month trends")[0]
    rows = [line for line in breakdowns.splitlines() if line.startswith("| ")
            and not line.startswith("| Total")]
    assert rows and not [line for line in rows if re.search(r"\| [1-4] \|", line)]
    cli(*MONTH, "--format", "html", "--detail", code=1)
    own = cli(*MONTH, "--format", "markdown", "--no-publish", "--detail").stdout
    assert YP_NAMES[20] in own and "coordinator only" in own


def test_threshold_is_a_setting(cli, scheme):
    cli("settings", "set", "report.suppress_below", "3")
    r = cli.json(*MONTH, "--publish")
    assert r["suppress_below"] == 3
    # male 2 is small; female 3 is then hidden too, or 5 - 3 would give male away.
    assert r["breakdowns"]["matched"]["gender"] == {
        "female": "*", "male": "<3", "non_binary": 0, "another": 0, "not_recorded": 0}


@pytest.mark.parametrize("values, expected", [
    ([10, 3, 0, 20], ["*", "<5", 0, 20]),  # one small cell: the next smallest hides too
    ([2, 1, 0], ["<5", "<5", 0]),  # 3 split as 2+1 or 1+2: not given away
    ([1, 1, 10], ["<5", "<5", "*"]),  # 1+1=2 would be given away
    ([1, 5], ["*", "*"]),  # 6 = 1 + 5 whatever is hidden: the whole breakdown goes
    ([3, 0, 0], ["*", "*", "*"]),  # total 3, all in one cell
    ([7, 8, 0], [7, 8, 0]),
    ([0, 0], [0, 0]),
])
def test_suppress_cells(values, expected):
    assert publishing.suppress_cells(values, 5) == expected


def feasible(shown: list[object], total: int, t: int) -> list[set[int]]:
    """Every value each cell could take, to a reader who knows the rule (sums of the other
    cells by dynamic programming, independent of the rule's own interval arithmetic)."""
    everything = all(v == "*" for v in shown)
    ranges = []
    for v in shown:
        if v == f"<{t}":
            ranges.append(range(1, t))
        elif v == "*":
            ranges.append(range(0 if everything else t, total + 1))
        else:
            ranges.append(range(v, v + 1))  # type: ignore[call-overload]

    def sums(rs: list[range]) -> set[int]:
        reach = {0}
        for r in rs:
            reach = {a + x for a in reach for x in r if a + x <= total}
        return reach

    return [{x for x in r if total - x in sums(ranges[:i] + ranges[i + 1:])}
            for i, r in enumerate(ranges)]


def test_no_hidden_cell_can_be_worked_out():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.integers(0, 12), min_size=2, max_size=5), st.integers(2, 6))
    def check(values: list[int], t: int) -> None:
        shown = publishing.suppress_cells(values, t)
        assert not [v for v in shown if isinstance(v, int) and 0 < v < t]
        options = feasible(shown, sum(values), t)
        for i, v in enumerate(shown):
            assert values[i] in options[i]
            if not isinstance(v, int):
                assert len(options[i]) > 1, (values, shown)

    check()


# ---------------------------------------------------------------------------------------------
# Scripting: formats, silence, files, errors


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown", "html"])
def test_every_format_is_silent_and_deterministic(cli, scheme, fmt):
    first = cli(*MONTH, "--format", fmt)
    second = cli(*MONTH, "--format", fmt)
    assert first.stderr == "" and second.stderr == ""
    assert first.stdout and first.stdout == second.stdout


@pytest.mark.slow
def test_json_is_byte_identical_across_processes(scheme, tmp_path):
    import sys

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parent.parent))
    outs = [subprocess.run([sys.executable, "-m", "ivcli", *MONTH, "--format", "json"],
                           capture_output=True, env=env, check=True) for _ in range(2)]
    assert outs[0].stdout == outs[1].stdout and outs[0].stderr == b""
    json.loads(outs[0].stdout)


def test_output_file_is_private_and_replaced_whole(cli, scheme, tmp_path):
    out = tmp_path / "out" / "march.json"
    out.parent.mkdir()
    out.write_text("old report")
    result = cli(*MONTH, "--format", "json", "--output", str(out))
    assert result.stdout == "" and result.stderr == ""
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text())["visits"] == 4
    assert os.listdir(out.parent) == ["march.json"]  # no temporary file left behind
    first = out.read_bytes()
    cli(*MONTH, "--format", "json", "--output", str(out))
    assert out.read_bytes() == first


@pytest.mark.parametrize("where", ["missing/report.json", "afile/report.json", "."])
def test_unwritable_output_exits_non_zero_and_creates_nothing(cli, scheme, tmp_path, where):
    def files() -> list[str]:
        return sorted(str(p) for p in tmp_path.rglob("*") if not p.name.startswith("ivcli.db"))

    (tmp_path / "afile").write_text("x")
    before = files()
    target = tmp_path / where
    result = cli(*MONTH, "--format", "html", "--output", str(target), code=1)
    assert result.stderr.startswith("Error: cannot write to")
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert files() == before


def test_missing_database_exits_1_and_creates_nothing(cli, db_path, tmp_path):
    out = tmp_path / "r.json"
    result = cli(*MONTH, "--format", "json", "--output", str(out), code=1)
    assert "no database at" in result.stderr
    assert not db_path.exists() and not out.exists()


@pytest.mark.parametrize("args, message, code", [
    (["report", "monthly", "--month", "2026-13"], "no month 13", 1),
    (["report", "monthly", "--month", "March"], "not a month", 1),
    (["report", "monthly", "--month", "2027-01", "--as-of", "2026-04-10"], "nothing to report", 1),
    (["report", "annual", "--from", "2026-03-01", "--to", "2026-01-01"], "--from is after", 1),
    (["report", "annual", "--year", "2025", "--from", "2025-01-01"], "not both", 2),
    (["report", "annual", "--from", "2025-01-01"], "give both", 2),
    (["report", "monthly", "--format", "pdf"], "pdf", 1),
])
def test_bad_periods_exit_1_and_conflicting_options_2(cli, scheme, args, message, code):
    # docs/exit-codes.md: a value that is not acceptable is 1; options that cannot go
    # together, or one missing, are 2.
    result = cli(*args, code=code)
    assert message in result.stderr and result.stdout == ""


def test_table_shows_trends_as_sparklines(cli, scheme):
    out = cli(*MONTH).stdout
    assert "Monthly report: March 2026" in out
    assert re.search("[▁▂▃▄▅▆▇█]{12}", out)
    assert "£20.50" in out


def test_csv_is_long_and_neutralises_formulas(cli, db_path):
    build_scheme(db_path)
    import sqlite3

    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE young_people SET ethnicity = '=HYPERLINK(1)' WHERE id = 2")
    conn.commit()
    conn.close()
    out = cli(*MONTH, "--format", "csv").stdout.splitlines()
    assert out[0] == "section,item,group,value"
    assert "figures,visits,,4" in out
    assert "waiting,ethnicity,'=HYPERLINK(1),1" in out
    assert "trends,visits,2026-02,2" in out


def test_markdown_escapes_recorded_text(cli, db_path):
    build_scheme(db_path)
    import sqlite3

    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE young_people SET ethnicity = 'A|B <b>x</b>' WHERE id = 6")
    conn.commit()
    conn.close()
    md = cli(*MONTH, "--format", "markdown").stdout
    assert "A\\|B \\<b\\>x\\</b\\>" in md
    html = cli(*MONTH, "--format", "html").stdout
    assert "A|B &lt;b&gt;x&lt;/b&gt;" in html


# ---------------------------------------------------------------------------------------------
# HTML: one self-contained file with the charts


def test_html_is_self_contained_with_four_charts(cli, scheme, tmp_path):
    out = tmp_path / "march.html"
    cli(*MONTH, "--format", "html", "--output", str(out))
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"https?:", page, re.I)
    assert "<script" not in page.lower() and " src=" not in page
    assert page.count("<svg") == 4 and page.count("</svg>") == 4
    assert "Waiting list at the end of each month" in page
    for name in all_names():
        assert name not in page


@pytest.mark.slow
def test_html_renders_in_headless_chromium_without_network(cli, scheme, tmp_path):
    from PIL import Image

    out = tmp_path / "march.html"
    cli(*MONTH, "--format", "html", "--output", str(out))
    shot = tmp_path / "shot.png"
    chromium = Path("/usr/bin/chromium")
    assert chromium.exists(), "chromium is needed: .ci/run installs it (apt-get install chromium)"
    subprocess.run(
        [str(chromium), "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--window-size=1200,2400", f"--screenshot={shot}", out.as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 2400)
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 20  # text and charts, not a blank page
    # The charts' blue bars and lines are drawn.
    assert any(abs(r - 0x1D) < 12 and abs(g - 0x70) < 12 and abs(b - 0xB8) < 12
               for _, (r, g, b) in colours)


# ---------------------------------------------------------------------------------------------
# The SQL against a plain count, on a generated scheme


def test_generated_scheme_matches_plain_counts(tmp_path):
    import sqlite3
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    from large_scheme import END, build

    from ivcli import db

    path = tmp_path / "gen.db"
    build(path, young_people=400, volunteers=200, matches=220, visits=6000, years=3, seed=7)
    conn = sqlite3.connect(path)
    refs = conn.execute("SELECT id, status, referral_date, decision_date, closed_date "
                        "FROM referrals").fetchall()
    matches = conn.execute("SELECT id, referral_id, start_date, end_date FROM matches").fetchall()
    visit_dates = [r[0] for r in conn.execute("SELECT date FROM visits")]
    conn.close()
    first_start: dict[int, str] = {}
    for _, rid, start, _ in matches:
        if rid is not None and start is not None:
            first_start[rid] = min(first_start.get(rid, start), start)
    with db.reader(path) as conn:
        for month in ("2026-08", "2026-09", "2026-10", "2025-02"):
            period = monthly_period(month, END)
            r = reports.build(conn, period)
            start, end = period.start.isoformat(), period.end.isoformat()
            waiting = 0
            for rid, status, _, decided, closed in refs:
                if status in ("accepted", "matched", "closed") and decided and decided <= end:
                    leaves = min([x for x in (first_start.get(rid), closed) if x], default=None)
                    waiting += leaves is None or leaves > end
            running = sum(1 for _, _, s0, e0 in matches
                          if s0 and s0 <= end and (e0 is None or e0 > end))
            assert r["waiting_at_end"] == waiting
            assert r["active_at_end"] == running
            assert r["visits"] == sum(start <= v <= end for v in visit_dates)
            assert r["referrals_received"] == sum(start <= x[2] <= end for x in refs)
            assert r["trends"][-1] == {"month": month, "referrals_received":
                                       r["referrals_received"], "waiting_at_end": waiting,
                                       "active_at_end": running, "visits": r["visits"]}


def test_every_figure_is_documented():
    text = (Path(__file__).parent.parent / "docs" / "reports.md").read_text(encoding="utf-8")
    missing = [k for k in (*report_figures.FIGURE_KEYS, "endings_by_reason", "match_length_bands",
                           "report.suppress_below") if f"`{k}`" not in text]
    assert not missing, f"docs/reports.md does not define {missing}"
    for fig in report_figures.FIGURES:
        assert fig.definition in text, fig.key


def test_lapsing_checks_are_counted_alike_for_a_few_volunteers_and_for_many(cli, scheme,
                                                                           monkeypatch):
    """The candidates' records are read by an IN list of ids for a few, and for many by
    reading everyone's (``compliance.records_of``), of whom only the candidates count: both
    give the same figures."""
    from ivcli.volunteers import compliance

    few = cli.json(*MONTH)
    monkeypatch.setattr(compliance, "records_of", lambda conn, ids: (
        compliance.load_checks(conn, None, light=True), compliance.load_trainings(conn, None)))
    many = cli.json(*MONTH)
    assert (few["checks_lapsing"], few["checks_lapsed"]) == (
        many["checks_lapsing"], many["checks_lapsed"])
    assert few["checks_lapsing"] == 1
