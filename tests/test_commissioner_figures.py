"""The figures commissioners ask for (issue 16), on a small scheme counted by hand.

The report is the year 2025, run as of 10 January 2026. The scheme:

Referrals (young person, role, referred, decision; days to decision):
  R1 Y1 social_worker 10/01 declined 20/01 (10)   code no_consent
  R2 Y2 iro           01/02 declined 04/02 (3)    code not_eligible
  R3 Y3 personal_adviser 01/03 declined 31/03 (30) code returning_home  (Y3 a care leaver)
  R4 Y4 "Youth worker" 01/04 withdrawn 15/04       code moved_away
  R5 Y5 (none)        01/05 accepted 11/05 (10); M1 starts 10/06 (40 days from referral)
  R6 Y6 social_worker 01/06 accepted 03/06 (2);  M2 starts 01/07 (30)
                      (Y6 looked after then, a care leaver from 01/12/2025)
  R7 Y7 social_worker 01/07 declined 02/07 (1)    code Duplicate_Referral (a scheme's own)
Median days to decision: 1, 2, 3, 10, 10, 30 -> 6.5; to a match: 30, 40 -> 35.

Concerns: C1 safeguarding Fri 01/08, due Mon 04/08, social worker told 04/08 (on time); C2
allegation Mon 01/09, due 02/09, DSL told 01/09, LADO 05/09 (late); C3 safeguarding 31/12, due
01/01/2026 (not in 2025); C4 wellbeing 01/10; C5 safeguarding Mon 03/11, nobody told (not done).

Reviews: M1 (from 10/06): first due 22/07, held 20/07 (two conversations, one review: on time);
second due 20/10, held 01/11 (late); third due 01/05/2026. M2 (from 01/07): due 12/08, none.
Supervision (every 6 weeks): V1 (M1): due 22/07, held 15/07 (on time); due 26/08, held 10/09
(late); due 22/10, none (not done). V2 (M2): due 12/08, none.
Volunteers: V1 approved (White British, Christian, no), V2 approved (a formula-like ethnicity,
prefer_not_to_say), V3 left 01/05/2025 moved, V4 left 01/06/2025 (no reason), V5 left 2024.
Y5 (Leeds, looked after) is in M1 at the end; Y6 (Leeds) is a care leaver by then.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ivcli import report_figures
from ivcli.reports import publishing

YEAR = ["report", "annual", "--year", "2025", "--as-of", "2026-01-10"]
NAMES = ["Aurelia", "Brightwater", "Cosimo", "Delacroix", "Esperanza", "Fairweather",
         "Gideon", "Hollingsworth"]
FORMULA = '=HYPERLINK("http://example.com","x")'


def d(text: str) -> date:
    return date.fromisoformat(text)


def build(path: Path) -> None:
    from sqlalchemy import insert

    from ivcli import db, models
    from ivcli.safety import audit

    tables = {m.__tablename__: m.__table__ for m in (  # type: ignore[attr-defined]
        models.YoungPerson, models.Referral, models.Volunteer, models.Match, models.Review,
        models.Concern, models.ConcernAction, models.Supervision, models.LegalStatusHistory)}
    with db.writer(path, watch=audit.watch, complete=audit.complete) as conn:
        now = db.now()

        def add(table: str, **values: Any) -> None:
            values = {k: d(v) if isinstance(v, str) and len(v) == 10 and v[4] == "-" else v
                      for k, v in values.items()}
            key = conn.execute(insert(tables[table]).values(**values)).inserted_primary_key[0]
            audit.record(conn, [(table, str(key), "insert", [])])

        people = [(1, "Bradford", "looked_after"), (2, "Leeds", "looked_after"),
                  (3, "Leeds", "care_leaver"), (4, "Leeds", "looked_after"),
                  (5, "leeds ", "looked_after"), (6, "Leeds", "care_leaver"),
                  (7, "Leeds", "looked_after")]
        for i, la, status in people:
            first, last = NAMES[i - 1], NAMES[i]
            add("young_people", id=i, first_name=first, last_name=last,
                name_key=f"{first} {last}".lower(), first_key=first.lower(),
                last_key=last.lower(), date_of_birth="2010-01-01" if i != 3 else "2007-01-01",
                local_authority=la, legal_status=status, created_at=now, updated_at=now)
        add("legal_status_history", young_person_id=6, status="care_leaver",
            date="2025-12-01", created_at=now)
        referrals = [
            (1, "social_worker", "2025-01-10", "declined", "2025-01-20"),
            (2, "iro", "2025-02-01", "declined", "2025-02-04"),
            (3, "personal_adviser", "2025-03-01", "declined", "2025-03-31"),
            (4, "Youth worker", "2025-04-01", "withdrawn", "2025-04-15"),
            (5, None, "2025-05-01", "matched", "2025-05-11"),
            (6, "social_worker", "2025-06-01", "matched", "2025-06-03"),
            (7, "social_worker", "2025-07-01", "declined", "2025-07-02"),
        ]
        for i, role, referred, status, decided in referrals:
            add("referrals", id=i, young_person_id=i, referrer_role=role,
                referral_date=referred, status=status, decision_date=decided,
                created_at=now, updated_at=now)
        volunteers = [(1, "approved", "White British", "Christian", "no", None, None),
                      (2, "approved", FORMULA, None, "prefer_not_to_say", None, None),
                      (3, "left", None, None, None, "2025-05-01", "moved"),
                      (4, "left", None, None, None, "2025-06-01", None),
                      (5, "left", None, None, None, "2024-01-01", "time")]
        for i, status, ethnicity, faith, disability, left, reason in volunteers:
            add("volunteers", id=i, first_name=f"Vol{i}", last_name="Person",
                name_key=f"vol{i} person", date_of_birth="1980-01-01", status=status,
                ethnicity=ethnicity, faith=faith, disability=disability,
                approved_date="2024-01-01", status_date=left, leave_reason=reason,
                created_at="2023-06-01T10:00:00+00:00", updated_at=now)
        add("matches", id=1, young_person_id=5, volunteer_id=1, referral_id=5, status="active",
            proposed_date="2025-06-01", start_date="2025-06-10", created_at=now,
            updated_at=now)
        add("matches", id=2, young_person_id=6, volunteer_id=2, referral_id=6, status="active",
            proposed_date="2025-06-20", start_date="2025-07-01", created_at=now,
            updated_at=now)
        for on, who in (("2025-07-20", "young-person"), ("2025-07-20", "volunteer"),
                        ("2025-11-01", "young-person")):
            add("reviews", match_id=1, date=on, with_whom=who, created_at=now)
        for on in ("2025-07-15", "2025-09-10"):
            add("volunteer_supervisions", volunteer_id=1, date=on, kind="one_to_one",
                created_at=now)
        concerns = [(1, "safeguarding", "2025-08-01", {"young_person_id": 5}),
                    (2, "allegation", "2025-09-01", {"volunteer_id": 1}),
                    (3, "safeguarding", "2025-12-31", {"young_person_id": 5}),
                    (4, "wellbeing", "2025-10-01", {"match_id": 1}),
                    (5, "safeguarding", "2025-11-03", {"young_person_id": 6})]
        for i, category, opened, subject in concerns:
            add("concerns", id=i, category=category, opened_date=opened,
                text="Aurelia said something worrying", created_at=now, **subject)
        for cid, told, on in ((1, "social_worker", "2025-08-04"), (2, "dsl", "2025-09-01"),
                              (2, "lado", "2025-09-05")):
            add("concern_actions", concern_id=cid, told=told, date=on, created_at=now)


def add_reason_codes(path: Path) -> None:
    """Reason codes on the scheme's decided referrals (``referrals.reason_code``, as
    ``referral decline|withdraw --reason`` stores them; one a scheme's own code)."""
    conn = sqlite3.connect(path)
    for rid, code in ((1, "no_consent"), (2, "not_eligible"), (3, "returning_home"),
                      (4, "moved_away"), (7, "Duplicate_Referral")):
        conn.execute("UPDATE referrals SET reason_code = ? WHERE id = ?", (code, rid))
    conn.commit()
    conn.close()


@pytest.fixture
def scheme(db_path: Path) -> Path:
    build(db_path)
    return db_path


def test_figures_equal_hand_counts(cli, scheme):
    r = cli.json(*YEAR)
    assert r["referrals_by_source"] == {
        "social_worker": 3, "iro": 1, "personal_adviser": 1, "other_professional": 0,
        "self": 0, "other": 1, "not_recorded": 1}
    assert list(r["referrals_by_source"]) == sorted(r["referrals_by_source"])  # JSON: sorted
    assert r["referrals_by_legal_status"] == {"looked_after": 6, "care_leaver": 1,
                                              "left_care": 0}
    assert r["median_days_to_decision"] == 6.5
    assert r["median_days_to_match"] == 35
    assert r["median_wait_days"] == 29  # from acceptance: 30 (R5) and 28 (R6)
    assert r["concerns_by_category"] == {"wellbeing": 1, "safeguarding": 3, "allegation": 1,
                                         "practice": 0, "complaint": 0, "other": 0}
    assert r["escalations_on_time"] == {"due": 3, "on_time": 1, "late": 1, "not_held": 1}
    assert r["reviews_on_time"] == {"due": 3, "on_time": 1, "late": 1, "not_held": 1}
    assert r["supervision_on_time"] == {"due": 4, "on_time": 1, "late": 1, "not_held": 2}
    assert r["volunteers_left"] == 2
    assert r["volunteers_left_by_reason"] == {
        "moved": 1, "time": 0, "work": 0, "health": 0, "personal": 0, "not_suitable": 0,
        "other": 0, "not_recorded": 1}
    pool = r["volunteer_pool"]
    assert pool["total"] == 2
    assert pool["disability"] == {"yes": 0, "no": 1, "prefer_not_to_say": 1,
                                  "not_recorded": 0}
    assert pool["faith"] == {"Christian": 1, "prefer_not_to_say": 0, "not_recorded": 1}
    assert pool["ethnicity"][FORMULA] == 1 and pool["ethnicity"]["White British"] == 1
    assert "looked_after_with_iv_pct" not in r  # no setting: not shown


def test_without_reason_codes_every_decline_is_other(cli, scheme):
    r = cli.json(*YEAR)
    assert r["declines_by_reason"] == {
        "no_consent": 0, "carers_not_supportive": 0, "no_long_term_plan": 0,
        "returning_home": 0, "needs_advocacy": 0, "not_eligible": 0, "other": 4}
    assert r["withdrawals_by_reason"] == {"moved_away": 0, "left_care": 0,
                                          "young_person_choice": 0, "referrer_withdrew": 0,
                                          "other": 1}


def test_three_decline_codes_are_three_counts(cli, scheme):
    add_reason_codes(scheme)
    r = cli.json(*YEAR)
    assert r["declines_by_reason"] == {
        "no_consent": 1, "carers_not_supportive": 0, "no_long_term_plan": 0,
        "returning_home": 1, "needs_advocacy": 0, "not_eligible": 1, "other": 0,
        "duplicate_referral": 1}
    assert r["withdrawals_by_reason"]["moved_away"] == 1
    assert r["withdrawals_by_reason"]["other"] == 0
    csv = cli(*YEAR, "--format", "csv").stdout
    assert "declines_by_reason,no_consent,,1\n" in csv
    assert "declines_by_reason,duplicate_referral,,1\n" in csv
    text = cli(*YEAR).stdout
    assert "Declines by reason" in text and "Duplicate referral" in text


def _small_counts(value: Any, path: str = "") -> list[str]:
    """Paths of every number from 1 to 4 under ``value``."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _small_counts(v, f"{path}.{k}")]
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 4:
        return [path]
    return []


def test_publish_suppresses_counts_1_to_4(cli, scheme):
    add_reason_codes(scheme)
    cli("settings", "set", "report.looked_after_population", "Leeds=100; Bradford=40")
    r = cli.json(*YEAR, "--publish")
    keys = [*report_figures.COUNT_KEYS, "volunteer_pool", "looked_after_with_iv_pct"]
    leaks = [p for k in keys for p in _small_counts(r[k], k)
             if not p.endswith(".total")]
    for key, _, _ in report_figures.TIMELINESS:
        leaks += [p for p in _small_counts(r[key], key) if not p.endswith(".due")]
    assert not leaks
    assert r["declines_by_reason"]["carers_not_supportive"] in (0, "*")
    assert r["looked_after_with_iv_pct"]["Leeds"] == {"looked_after": 100, "with_iv": "<5",
                                                      "pct": "*"}
    assert r["looked_after_with_iv_pct"]["Bradford"] == {"looked_after": 40, "with_iv": 0,
                                                         "pct": 0.0}
    for fmt in ("markdown", "html", "csv"):
        out = cli(*YEAR, "--format", fmt, "--publish").stdout
        assert "<5" in out or "&lt;5" in out


def test_publish_keeps_a_count_of_5_and_hides_a_lone_small_one():
    cells = {"no_consent": 7, "not_eligible": 2, "other": 0}
    report: dict[str, Any] = {k: {} for k in (*report_figures.COUNT_KEYS,
                                               *publishing.MATCH_BREAKDOWNS)}
    report.update(breakdowns={}, volunteer_pool={"total": 0, "ethnicity": {}, "faith": {},
                                                 "disability": {}},
                  **{k: {"due": 0, "on_time": 0, "late": 0, "not_held": 0}
                     for k, _, _ in report_figures.TIMELINESS})
    report["declines_by_reason"] = cells
    out = publishing.publish(report, 5)["declines_by_reason"]
    assert out == {"no_consent": "*", "not_eligible": "<5", "other": 0}


def test_looked_after_share_per_council(cli, scheme):
    cli("settings", "set", "report.looked_after_population", "Leeds=1,000; Bradford = 40")
    r = cli.json(*YEAR)
    # Y5 (leeds, looked after) is matched at the end; Y6 is a care leaver by then.
    assert r["looked_after_with_iv_pct"] == {
        "Leeds": {"looked_after": 1000, "with_iv": 1, "pct": 0.1},
        "Bradford": {"looked_after": 40, "with_iv": 0, "pct": 0.0}}
    text = cli(*YEAR, "--format", "markdown", "--no-publish").stdout
    assert "Looked-after children with an Independent Visitor" in text
    assert "| Leeds | 1000 | 1 | 0.1 |" in text
    assert "looked_after_with_iv_pct,Leeds,pct,0.1" in cli(*YEAR, "--format", "csv").stdout


@pytest.mark.parametrize("value", ["Leeds", "Leeds=0", "Leeds=many", "Leeds=1; leeds=2",
                                   "=5"])
def test_a_bad_population_setting_is_refused(cli, db_path, value):
    result = cli("settings", "set", "report.looked_after_population", value, code=1)
    assert "report.looked_after_population" in result.stderr


def test_every_format_has_the_new_figures_and_names_no_child(cli, scheme):
    add_reason_codes(scheme)
    for fmt in ("table", "markdown", "html", "csv", "json"):
        out = cli(*YEAR, "--format", fmt, "--no-publish").stdout
        for title in ("Referrals by source", "Withdrawals by reason",
                      "Concerns raised by category", "Reviews due and held on time",
                      "Supervision on time", "Volunteers who left, by reason",
                      "Volunteer pool beside the waiting list"):
            if fmt in ("table", "markdown", "html"):
                assert title in " ".join(out.split()), (fmt, title)  # a table title wraps
        if fmt == "csv":
            assert "reviews_on_time,late,,1\n" in out
            assert "volunteer_pool,faith,Christian,1\n" in out
        if fmt == "json":
            assert json.loads(out)["median_days_to_match"] == 35
        assert not [n for n in NAMES if n in out], fmt
        assert "worrying" not in out  # a concern's text is in no report


def test_every_new_figure_is_documented():
    docs = Path(__file__).parent.parent / "docs"
    text = (docs / "reports.md").read_text(encoding="utf-8")
    keys = [*report_figures.COUNT_KEYS, *(t[0] for t in report_figures.TIMELINESS),
            "volunteer_pool", "looked_after_with_iv_pct", "report.looked_after_population"]
    assert not [k for k in keys if f"`{k}`" not in text]
    for key, _, definition, _ in report_figures.COUNTS:
        assert definition in text, key
    assert "`report.looked_after_population`" in (docs / "settings.md").read_text(
        encoding="utf-8")


def test_publish_hides_small_counts_of_matches_ended_by_reason_and_length():
    """Endings by reason and by length are breakdowns of matches_ended: a reason with one
    match (say, a safeguarding ending) is not published as 1."""
    report: dict[str, Any] = {k: {} for k in report_figures.COUNT_KEYS}
    report.update(breakdowns={}, volunteer_pool={"total": 0, "ethnicity": {}, "faith": {},
                                                 "disability": {}},
                  **{k: {"due": 0, "on_time": 0, "late": 0, "not_held": 0}
                     for k, _, _ in report_figures.TIMELINESS})
    report.update(matches_ended=9,
                  endings_by_reason={"planned": 6, "safeguarding": 1, "moved": 2, "other": 0},
                  match_length_bands={"under_1_year": 8, "over_2_years": 1})
    out = publishing.publish(report, 5)
    assert out["endings_by_reason"] == {"planned": 6, "safeguarding": "<5", "moved": "<5",
                                        "other": 0}
    assert out["match_length_bands"] == {"under_1_year": "*", "over_2_years": "<5"}
    assert out["matches_ended"] == 9  # the headline figure stays
