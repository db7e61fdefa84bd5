"""Issue 13, point 9: acknowledge, then decide; point 7: one open referral per child."""

from __future__ import annotations

import json
from datetime import date, timedelta

from tests.conftest import file_sha256

TODAY = date.today()


def working_days_ago(n: int) -> date:
    """The day after which exactly ``n`` working days have passed by today."""
    day = TODAY
    while n:
        if day.weekday() < 5:
            n -= 1
        day -= timedelta(days=1)
    return day


def add(cli, first: str = "Amy", referred: date | None = None, *extra: str, code: int = 0):
    return cli("--no-input", "referral", "add", "--first-name", first, "--last-name", "Lee",
               "--date-of-birth", "01/02/2014", "--referral-date",
               (referred or TODAY).isoformat(), *extra, code=code)


def kind(cli, name: str) -> list[dict]:
    return [i for i in cli.json("today") if i["kind"] == name]


def test_unacknowledged_after_two_working_days_until_acknowledged(cli, db_path):
    add(cli, "Amy", working_days_ago(2))
    add(cli, "Ben", working_days_ago(3))
    items = kind(cli, "acknowledge")
    assert [(i["id"], i["days"]) for i in items] == [(2, 3)]
    assert "'ivcli referral acknowledge 2'" in items[0]["summary"]
    assert "Ben" not in items[0]["summary"]
    r = cli("referral", "acknowledge", "2", "--date", working_days_ago(1).isoformat())
    assert "Referral 2 acknowledged on" in r.stderr
    assert kind(cli, "acknowledge") == []
    assert cli.json("referral", "show", "2")["acknowledged_date"] == \
        working_days_ago(1).isoformat()


def test_acknowledge_formats_errors_and_no_second_time(cli, db_path):
    add(cli, "Amy", TODAY - timedelta(days=5))
    out = cli.json("referral", "acknowledge", "1")
    assert out == {"id": 1, "status": "received", "acknowledged_date": TODAY.isoformat()}
    r = cli("referral", "acknowledge", "1", code=1)
    assert "acknowledged on" in r.stderr and "already" in r.stderr
    add(cli, "Ben", TODAY - timedelta(days=5))
    csv_out = cli("referral", "acknowledge", "2", "--format", "csv").stdout
    assert csv_out.splitlines()[0] == "id,status,acknowledged_date"
    before = file_sha256(db_path)
    r = cli("referral", "acknowledge", "99", code=1)
    assert "there is no referral 99" in r.stderr and "Traceback" not in r.stderr
    add(cli, "Cy", TODAY - timedelta(days=5))
    before = file_sha256(db_path)
    r = cli("referral", "acknowledge", "3", "--date", (TODAY + timedelta(days=1)).isoformat(),
            code=1)
    assert "after today" in r.stderr
    r = cli("referral", "acknowledge", "3", "--date", (TODAY - timedelta(days=9)).isoformat(),
            code=1)
    assert "before referral 3 was received" in r.stderr
    assert file_sha256(db_path) == before


def test_undecided_after_the_decision_target_a_setting_default_20(cli, db_path):
    add(cli, "Amy", working_days_ago(20))
    add(cli, "Ben", working_days_ago(21))
    items = kind(cli, "referral_decision")
    assert [(i["id"], i["days"]) for i in items] == [(2, 21)]
    cli("settings", "set", "referral.decision_working_days", "30")
    assert kind(cli, "referral_decision") == []


def test_add_for_a_child_with_an_open_referral_exits_1_naming_it(cli, db_path):
    add(cli, "Amy", TODAY - timedelta(days=30))
    before = file_sha256(db_path)
    r = add(cli, "Amy", TODAY, code=1)
    assert "young person 1 already has open referral 1" in r.stderr
    assert "nothing was added" in r.stderr
    assert file_sha256(db_path) == before
    cli("referral", "withdraw", "1", "--reason", "moved_away")
    add(cli, "Amy", TODAY)  # closed: a new referral is added


def test_import_counts_already_open_and_names_the_referral(cli, db_path, tmp_path):
    add(cli, "Amy", TODAY - timedelta(days=30))
    cli("referral", "update", "1", "--consent", "not_now", "--reoffer-date",
        (TODAY + timedelta(days=60)).isoformat())  # deferred is open too
    f = tmp_path / "r.csv"
    f.write_text("first_name,last_name,date_of_birth,referral_date\n"
                 f"Amy,Lee,01/02/2014,{TODAY.strftime('%d/%m/%Y')}\n"
                 f"Ben,Ng,01/02/2013,{TODAY.strftime('%d/%m/%Y')}\n", encoding="utf-8")
    r = cli("referral", "import", str(f))
    assert "Added 1 referral(s); 0 unchanged" in r.stderr
    assert "Already open (not added): 1" in r.stderr
    assert "line 2: the young person already has open referral 1" in r.stderr
    assert [x["status"] for x in cli.json("referral", "list")] == ["deferred", "received"]
    # The same file again: nothing new, the open one still named.
    r = cli("referral", "import", str(f))
    assert "Added 0 referral(s); 1 unchanged" in r.stderr and "Already open" in r.stderr


def test_check_reports_two_open_referrals_from_older_data(cli, db_path):
    import sqlite3

    add(cli, "Amy", TODAY - timedelta(days=30))
    cli("referral", "withdraw", "1", "--reason", "moved_away")
    add(cli, "Amy", TODAY)
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE referrals SET status = 'received' WHERE id = 1")
    conn.commit()
    conn.close()
    rows = {c["check"]: c for c in json.loads(cli("check", "--format", "json",
                                                  code=1).stdout)}
    assert "young person 1 has 2 open referrals" in rows["invariants"]["detail"]
