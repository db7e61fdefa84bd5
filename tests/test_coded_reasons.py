"""Issue 16, point 1: coded decline and withdrawal reasons (``referrals.reason_code``), the note
beside them, the scheme's own codes, the codes ivcli sets itself, and migration 015."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest

from tests.conftest import file_sha256
from tests.test_consent import _active_match
from tests.test_prompts import DOWN, ENTER, keys

TODAY = date.today()


def add(cli, first="Amy", last="Lee", dob="01/02/2014", *extra: str):
    return cli("--no-input", "referral", "add", "--first-name", first, "--last-name", last,
               "--date-of-birth", dob, *extra).stdout.strip()


def test_decline_stores_the_code_and_the_note_apart(cli, db_path):
    ref = add(cli)
    cli("referral", "decline", ref, "--reason", "carers_not_supportive", "--note",
        "Foster carer worried about contact")
    shown = cli.json("referral", "show", ref)
    assert (shown["status"], shown["reason_code"], shown["decision_reason"]) == (
        "declined", "carers_not_supportive", "Foster carer worried about contact")
    [listed] = cli.json("referral", "list")
    assert listed["reason_code"] == "carers_not_supportive"
    assert "reason_code" in cli("referral", "list", "--format", "csv").stdout.splitlines()[0]


def test_the_code_is_forgiving_of_case_and_spaces_and_the_note_optional(cli, db_path):
    ref = add(cli)
    cli("referral", "withdraw", ref, "--reason", "Referrer Withdrew")
    shown = cli.json("referral", "show", ref)
    assert (shown["reason_code"], shown["decision_reason"]) == ("referrer_withdrew", None)


def test_undecided_and_accepted_referrals_have_no_code(cli, db_path):
    ref = add(cli, "Amy", "Lee", "01/02/2014", "--long-term-care-plan", "yes", "--consent",
              "yes", "--carer-support", "yes")
    assert cli.json("referral", "show", ref)["reason_code"] is None
    cli("referral", "accept", ref)
    assert cli.json("referral", "show", ref)["reason_code"] is None


def test_an_unknown_code_is_refused_listing_the_codes_with_did_you_mean(cli, db_path):
    ref = add(cli)
    before = file_sha256(db_path)
    r = cli("referral", "decline", ref, "--reason", "no_consnt", code=1)
    assert "did you mean no_consent?" in r.stderr and "nothing was changed" in r.stderr
    for code in ("no_consent", "carers_not_supportive", "no_long_term_plan", "returning_home",
                 "needs_advocacy", "not_eligible", "other"):
        assert code in r.stderr
    assert "moved_away" not in r.stderr  # a withdrawal code is not a decline code
    r = cli("referral", "decline", ref, "--reason", "Not the right time", code=1)
    assert "unknown reason code" in r.stderr and "did you mean" not in r.stderr
    r = cli("referral", "withdraw", ref, "--reason", "no_consent", code=1)
    for code in ("moved_away", "left_care", "young_person_choice", "referrer_withdrew"):
        assert code in r.stderr
    assert file_sha256(db_path) == before
    assert cli.json("referral", "show", ref)["status"] == "received"


def test_a_missing_code_without_a_terminal_is_exit_2(cli, db_path):
    ref = add(cli)
    r = cli("--no-input", "referral", "decline", ref, "--note", "x", code=2)
    assert "--reason" in r.stderr


def test_a_note_too_long_is_refused(cli, db_path):
    ref = add(cli)
    r = cli("referral", "decline", ref, "--reason", "other", "--note", "x" * 2_001, code=1)
    assert "longer than 2000" in r.stderr
    assert cli.json("referral", "show", ref)["status"] == "received"


def test_the_scheme_adds_its_own_codes(cli, db_path):
    ref = add(cli)
    cli("referral", "decline", ref, "--reason", "sibling_waiting", code=1)
    cli("settings", "set", "reasons.decline_extra", "sibling_waiting, Out-of-area")
    r = cli("referral", "decline", ref, "--reason", "nonsense", code=1)
    assert "sibling_waiting" in r.stderr and "out_of_area" in r.stderr
    cli("referral", "decline", ref, "--reason", "out_of_area")
    assert cli.json("referral", "show", ref)["reason_code"] == "out_of_area"
    other = add(cli, "Bo", "Ray", "01/01/2012")
    cli("referral", "withdraw", other, "--reason", "sibling_waiting", code=1)  # decline only
    cli("settings", "set", "reasons.withdraw_extra", "adopted")
    cli("referral", "withdraw", other, "--reason", "adopted")


@pytest.mark.parametrize("value", ["no_consent", "2bad", "has space!", "x" * 41])
def test_extra_codes_must_be_new_codes(cli, db_path, value):
    r = cli("settings", "set", "reasons.decline_extra", value, code=1)
    assert "reasons.decline_extra" in r.stderr


def test_extra_codes_can_be_emptied(cli, db_path):
    cli("settings", "set", "reasons.withdraw_extra", "adopted")
    cli("settings", "set", "reasons.withdraw_extra", "")
    ref = add(cli)
    cli("referral", "withdraw", ref, "--reason", "adopted", code=1)


def test_at_a_terminal_the_codes_are_offered_with_labels(cli, db_path, monkeypatch):
    from ivcli import prompts
    from ivcli.cli.common import AppState

    ref = add(cli)
    offered: list[list[str]] = []
    real = prompts.select

    def select(label, choices, **kw):  # type: ignore[no-untyped-def]
        offered.append(list(choices))
        return real(label, choices, **kw)

    monkeypatch.setattr(prompts, "select", select)
    monkeypatch.setattr(AppState, "can_prompt", lambda self: True)
    with keys(DOWN + DOWN + DOWN + ENTER, "Going home to mum" + ENTER):
        cli("referral", "decline", ref)
    assert offered[0][0] == "no_consent: The young person did not consent"
    assert offered[0][-1].startswith("other: ")
    shown = cli.json("referral", "show", ref)
    assert (shown["reason_code"], shown["decision_reason"]) == (
        "returning_home", "Going home to mum")


def test_leaving_care_closes_the_referral_with_code_left_care(cli, db_path):
    ref = add(cli, "Amy", "Lee", "01/02/2014")
    cli("young-person", "update", "1", "--legal-status", "left_care", "--reason",
        "returned_home")
    shown = cli.json("referral", "show", ref)
    assert (shown["status"], shown["reason_code"], shown["decision_reason"]) == (
        "closed", "left_care", None)


def test_the_young_persons_choice_to_have_no_visitor_closes_with_its_code(cli, db_path):
    m = _active_match(cli, db_path)
    cli("match", "end", m, "--reason", "young_person_choice", "--wants-another", "no")
    shown = cli.json("referral", "show", "1")
    assert (shown["status"], shown["reason_code"]) == ("closed", "young_person_choice")


def test_a_match_ended_with_close_gives_the_referral_a_code(cli, db_path):
    m = _active_match(cli, db_path)
    cli("match", "end", m, "--reason", "planned", "--close")
    shown = cli.json("referral", "show", "1")
    assert (shown["status"], shown["reason_code"]) == ("closed", "other")


def test_a_match_ended_back_to_the_waiting_list_leaves_no_code(cli, db_path):
    m = _active_match(cli, db_path)
    cli("match", "end", m, "--reason", "volunteer_left")
    shown = cli.json("referral", "show", "1")
    assert (shown["status"], shown["reason_code"]) == ("accepted", None)


def _database_before_014(path) -> sqlite3.Connection:
    """A database migrated up to, not including, 015_coded_reasons."""
    from ivcli import migrations

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    keep = migrations.MIGRATIONS
    at = [n for n, _ in keep].index("015_coded_reasons")
    try:
        migrations.MIGRATIONS = keep[:at]
        migrations.migrate(conn, "2026-01-01T00:00:00+00:00")
    finally:
        migrations.MIGRATIONS = keep
    conn.execute("COMMIT")
    return conn


def test_migration_014_maps_old_reasons_and_ethnicity(cli, db_path):
    conn = _database_before_014(db_path)
    stamp = "2026-01-01T00:00:00+00:00"
    people = [(1, "White British"), (2, "white - british"), (3, "Martian"), (4, None),
              (5, "Asian or Asian British: Pakistani"), (6, "Black African")]
    for yp, eth in people:
        conn.execute("INSERT INTO young_people (id, first_name, last_name, name_key, first_key, "
                     "last_key, date_of_birth, ethnicity, created_at, updated_at) VALUES "
                     "(?, 'A', 'B', ?, 'a', ?, '2010-01-01', ?, ?, ?)",
                     (yp, f"a|b{yp}", f"b{yp}", eth, stamp, stamp))
    referrals = [(1, "declined", "Not the right time"), (2, "withdrawn", "Moved to Leeds"),
                 (3, "closed", "left_care"), (4, "accepted", None),
                 (5, "declined", "no_consent"), (6, "withdrawn", None)]
    for ref, status, reason in referrals:
        conn.execute("INSERT INTO referrals (id, young_person_id, status, referral_date, "
                     "decision_reason, created_at, updated_at) VALUES (?, ?, ?, '2025-06-01', "
                     "?, ?, ?)", (ref, ref, status, reason, stamp, stamp))
    conn.execute("INSERT INTO volunteers (first_name, last_name, name_key, date_of_birth, "
                 "status, ethnicity, created_at, updated_at) VALUES ('V', 'W', 'v|w', "
                 "'1980-01-01', 'applied', 'prefer_not_to_say', ?, ?)", (stamp, stamp))
    conn.execute("INSERT INTO volunteers (first_name, last_name, name_key, date_of_birth, "
                 "status, ethnicity, created_at, updated_at) VALUES ('X', 'Y', 'x|y', "
                 "'1980-01-01', 'applied', 'Irish', ?, ?)", (stamp, stamp))
    conn.close()
    cli("check")  # opens the database: migration 015 runs
    with sqlite3.connect(db_path) as db:
        got = db.execute("SELECT id, reason_code, decision_reason FROM referrals "
                         "ORDER BY id").fetchall()
        ethnicities = db.execute("SELECT ethnicity FROM young_people ORDER BY id").fetchall()
        volunteers = db.execute("SELECT ethnicity FROM volunteers ORDER BY id").fetchall()
    assert got == [(1, "other", "Not the right time"), (2, "other", "Moved to Leeds"),
                   (3, "left_care", None), (4, None, None), (5, "no_consent", None),
                   (6, "other", None)]
    assert [e for (e,) in ethnicities] == ["WBRI", "WBRI", "Martian", None, "APKN", "BAFR"]
    assert [e for (e,) in volunteers] == ["prefer_not_to_say", "WIRI"]
    [row] = [c for c in cli.json("check") if c["check"] == "ethnicity_not_mapped"]
    assert row["ok"] is True and row["detail"].startswith("1 young people, 0 volunteer(s)")


def test_demo_declines_use_codes(cli, db_path):
    cli("--db", str(db_path), "demo")
    decided = [r for r in cli.json("--db", str(db_path), "referral", "list")
               if r["status"] in ("declined", "withdrawn")]
    assert decided and all(r["reason_code"] for r in decided)


def test_a_decline_date_is_still_checked(cli, db_path):
    ref = add(cli)
    cli("referral", "decline", ref, "--reason", "other", "--date",
        (TODAY - timedelta(days=1)).isoformat())
    assert cli.json("referral", "show", ref)["status"] == "declined"
