"""Issue 16, point 6: a demo that rings true. Care leavers 16 or over, referred by personal
advisers (and only they refer care leavers); a realistic gender and ethnicity mix; varied coded
reasons; reviews mostly on time; coordinators, supervision and vetting outcomes recorded; a
waiting list the suggestions can reduce."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivcli.cli.main import app
from ivcli.enums import DeclineReason, WithdrawReason
from ivcli.ethnicity import CODES
from ivcli.parsing import age_on


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result = CliRunner().invoke(app, ["--db", str(path), "demo"])
    assert result.exit_code == 0, result.output
    return path


def rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def ivcli_json(path: Path, *args: str):
    result = CliRunner().invoke(app, ["--db", str(path), *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


PEOPLE = ("SELECT y.id, y.legal_status, y.date_of_birth, r.referral_date, r.referrer_role "
          "FROM young_people y JOIN referrals r ON r.young_person_id = y.id")


def test_care_leavers_are_16_or_over_and_children_under_18(demo):
    today = date.today()
    people = rows(demo, PEOPLE)
    leavers = [p for p in people if p[1] == "care_leaver"]
    looked_after = [p for p in people if p[1] == "looked_after"]
    assert 6 <= len(leavers) <= 12 and len(leavers) + len(looked_after) == len(people) == 36
    for _, _, born, referred, _ in leavers:
        assert age_on(date.fromisoformat(born), date.fromisoformat(referred)) >= 16
        assert 16 <= age_on(date.fromisoformat(born), today) < 21
    for _, _, born, referred, _ in looked_after:
        assert 5 <= age_on(date.fromisoformat(born), date.fromisoformat(referred))
        assert age_on(date.fromisoformat(born), today) < 18


def test_personal_advisers_refer_care_leavers_and_social_workers_the_others(demo):
    roles = Counter((status, role) for _, status, _, _, role in rows(demo, PEOPLE))
    assert set(roles) == {("care_leaver", "personal_adviser"), ("looked_after", "social_worker")}


def test_the_gender_mix_is_realistic(demo):
    genders = dict(rows(demo, "SELECT gender, count(*) FROM young_people GROUP BY gender"))
    assert set(genders) <= {"female", "male", "non-binary"}
    assert 15 <= genders["female"] <= 21 and 15 <= genders["male"] <= 21
    assert genders.get("non-binary", 0) <= 2


def test_the_ethnicity_mix_is_mostly_white_british_with_a_spread_of_codes(demo):
    counts = dict(rows(demo, "SELECT ethnicity, count(*) FROM young_people GROUP BY 1"))
    assert set(counts) <= set(CODES)  # every one mapped from the council's spelling
    assert counts["WBRI"] > sum(counts.values()) / 2
    assert len(counts) >= 8


def test_declines_and_withdrawals_have_varied_coded_reasons(demo):
    decided = rows(demo, "SELECT status, reason_code FROM referrals "
                   "WHERE status IN ('declined', 'withdrawn')")
    declines = {c for s, c in decided if s == "declined"}
    withdrawals = {c for s, c in decided if s == "withdrawn"}
    assert declines <= {c.value for c in DeclineReason} and len(declines) >= 5
    assert withdrawals <= {c.value for c in WithdrawReason} and len(withdrawals) >= 2
    assert rows(demo, "SELECT count(*) FROM referrals WHERE reason_code IS NOT NULL "
                "AND status NOT IN ('declined', 'withdrawn', 'closed')") == [(0,)]
    # Decided some days after the referral, not all on the day the demo was built.
    assert len({d for (d,) in rows(demo, "SELECT decision_date FROM referrals "
                                   "WHERE status = 'declined'")}) > 1


def test_suggestions_can_reduce_the_waiting_list(demo):
    waiting = rows(demo, "SELECT count(*) FROM referrals WHERE status = 'accepted'")[0][0]
    proposal = ivcli_json(demo, "match", "suggest", "--all")
    assert waiting >= 8
    assert len(proposal) >= 5
    assert len({p["volunteer_id"] for p in proposal}) >= 4


def test_today_is_not_dominated_by_overdue_reviews(demo):
    items = ivcli_json(demo, "today")
    kinds = Counter(i["kind"] for i in items)
    assert kinds["review_due"] <= 2 and kinds["review_due"] * 4 <= len(items)
    assert kinds["supervision"] <= 2
    held = rows(demo, "SELECT m.id, count(r.id) FROM matches m LEFT JOIN reviews r "
                "ON r.match_id = m.id WHERE m.status = 'active' GROUP BY m.id")
    assert len(held) >= 6 and sum(n == 0 for _, n in held) <= 1  # one missed its first


def test_volunteers_have_coordinators_supervision_and_vetting_outcomes(demo):
    assert rows(demo, "SELECT count(*) FROM volunteers WHERE coordinator IS NULL") == [(0,)]
    assert rows(demo, "SELECT count(DISTINCT coordinator) FROM volunteers") == [(2,)]
    unsupervised = rows(demo, "SELECT DISTINCT m.volunteer_id FROM matches m "
                        "WHERE m.status = 'active' AND NOT EXISTS (SELECT 1 FROM "
                        "volunteer_supervisions s WHERE s.volunteer_id = m.volunteer_id)")
    assert unsupervised == []
    outcomes = {o for (o,) in rows(demo, "SELECT DISTINCT outcome FROM volunteer_checks "
                                   "WHERE outcome IS NOT NULL")}
    assert {"clear", "information_disclosed", "satisfactory", "proceed"} <= outcomes
    assert rows(demo, "SELECT count(*) FROM volunteers WHERE ethnicity IS NOT NULL") != [(0,)]


def test_the_demo_is_deterministic(demo, tmp_path):
    again = tmp_path / "again.db"
    assert CliRunner().invoke(app, ["--db", str(again), "demo"]).exit_code == 0
    sql = ("SELECT first_name, date_of_birth, gender, ethnicity, status, reason_code "
           "FROM young_people y JOIN referrals r ON r.young_person_id = y.id ORDER BY y.id")
    assert rows(again, sql) == rows(demo, sql)


def test_the_demo_has_the_young_persons_voice_with_a_few_quotes(cli):
    """Issue 16, point 6: reviews record what the young person said; a few agreed to a quote."""
    import datetime

    cli("demo")
    today = datetime.date.today()  # the calendar year holding most of the demo's last year
    year = str(today.year if today.month >= 7 else today.year - 1)
    annual = cli.json("report", "annual", "--year", year, "--quotes")
    outcomes = annual["outcomes"]
    assert outcomes["ratings"]["count"] >= 3 and outcomes["ratings"]["median"] is not None
    assert outcomes["quotes"], "some reviews were quoted with consent"
    assert len(outcomes["quotes"]) < outcomes["words_recorded"]  # not every young person agreed
