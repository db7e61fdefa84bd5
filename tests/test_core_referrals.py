"""Referrals and young people on one Core Connection per command (issue 11): read commands start
without the ORM, every write is itemised in the audit trail by the code that made it, every
stored timestamp is ``db.now()``, and ``referral list --format csv|json`` streams."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from pathlib import Path

import pytest

from tests.test_referrals import DATA, add

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")
YES = ("--long-term-care-plan", "yes", "--consent", "yes", "--carer-support", "yes")


def rows(db_path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# Read commands start without the ORM, the models or pydantic


@pytest.mark.slow
@pytest.mark.parametrize("words", [
    ("referral", "list"),
    ("referral", "list", "--format", "csv"),
    ("referral", "list", "--format", "json", "--status", "received"),
    ("referral", "show", "1"),
    ("referral", "show", "1", "--format", "json"),
    ("young-person", "show", "1"),
    ("young-person", "show", "1", "--format", "json"),
])
def test_read_commands_import_no_orm(cli, db_path, words):
    from tests.conftest import run_noting_imports

    cli("demo")
    code, stdout, stderr, heavy = run_noting_imports("--db", str(db_path), *words)
    assert code == 0, stderr
    assert stdout.strip()
    assert heavy == []


# ---------------------------------------------------------------------------------------------
# Every write is recorded explicitly, with db.now() timestamps


@pytest.fixture
def explicit_audit(monkeypatch):
    """Fail a command whose writes reach the audit trail's safety net (``audit.complete``)
    instead of being recorded by the code that made them."""
    from ivcli.safety import audit

    complete = audit.complete

    def strict(conn):
        written = set(conn.info.get("written", {}))
        unrecorded = written - conn.info.get("audited", set())
        assert not unrecorded, f"written but not recorded: {sorted(unrecorded)}"
        complete(conn)

    monkeypatch.setattr(audit, "complete", strict)


def test_every_referral_write_is_recorded_by_its_command(cli, db_path, explicit_audit):
    ref = add(cli).stdout.strip()
    other = add(cli, "Bo", "Kay", "03/04/2013").stdout.strip()
    third = add(cli, "Cy", "Ray", "05/06/2012").stdout.strip()
    cli("referral", "update", ref, *YES, "--notes", "n")
    cli("referral", "accept", ref)
    cli("referral", "decline", other, "--reason", "other")
    cli("referral", "withdraw", third, "--reason", "other", "--note", "n")
    cli("young-person", "profile", "1", "--from-json", "-", input='{"interests": ["art"]}')
    cli("referral", "import", str(DATA / "excel_25.csv"), "-q")
    got = rows(db_path, "SELECT command, table_name, record_id, action, fields FROM audit_log "
               "WHERE command NOT IN ('referral add', 'referral import') ORDER BY id")
    assert got == [
        ("referral update", "referrals", ref, "update",
         "long_term_care_plan,consent,carer_support,notes,updated_at"),
        ("referral accept", "referrals", ref, "update", "status,decision_date,updated_at"),
        ("referral decline", "referrals", other, "update",
         "status,reason_code,decision_date,updated_at"),
        ("referral withdraw", "referrals", third, "update",
         "status,reason_code,decision_date,decision_reason,updated_at"),
        ("young-person profile", "young_people", "1", "update", "profile,updated_at"),
    ]


def test_an_update_that_changes_nothing_writes_nothing(cli, db_path, explicit_audit):
    ref = add(cli, "Amy", "Lee", "01/02/2014", "--notes", "same").stdout.strip()
    before = rows(db_path, "SELECT updated_at FROM referrals")
    result = cli("referral", "update", ref, "--notes", "same")
    assert "no change" in result.stderr
    assert rows(db_path, "SELECT updated_at FROM referrals") == before
    assert rows(db_path, "SELECT count(*) FROM audit_log WHERE command = 'referral update'"
                ) == [(0,)]


def test_every_timestamp_written_is_db_now(cli, db_path):
    """Before the conversion, intake wrote '2026-12-01 18:25:00' (no T, no zone) and the
    decisions a naive datetime."""
    ref = add(cli).stdout.strip()
    cli("referral", "import", str(DATA / "excel_25.csv"), "-q")
    cli("referral", "update", ref, *YES)
    cli("referral", "accept", ref)
    cli("young-person", "profile", "2", "--from-json", "-", input='{"interests": ["art"]}')
    stamps = [s for table in ("young_people", "referrals")
              for pair in rows(db_path, f"SELECT created_at, updated_at FROM {table}")
              for s in pair]
    assert len(stamps) == 2 * 2 * 26
    assert all(ISO_UTC.fullmatch(s) for s in stamps), sorted(set(stamps))[:3]


# ---------------------------------------------------------------------------------------------
# Reads give what the ORM objects gave


def test_show_and_list_keep_their_types(cli):
    ref = add(cli, "Amy", "Lee", "01/02/2014", "--consent", "yes", "--disability", "no").stdout
    shown = cli.json("referral", "show", ref.strip())
    # consent is the young person's answer since issue 13 (yes, no, not_now, best_interest)
    assert shown["consent"] == "yes" and shown["disability"] is False
    assert shown["carer_support"] is None
    assert shown["date_of_birth"] == "2014-02-01"
    [listed] = cli.json("referral", "list")
    assert listed == {k: shown[k] for k in listed}
    person = cli.json("young-person", "show", "1")
    assert person["disability"] is False and person["referrals"] == f"{ref.strip()} (received)"


def test_missing_records_are_not_found(cli):
    add(cli)
    assert "there is no referral 9" in cli("referral", "show", "9", code=1).stderr
    assert "there is no referral 9" in cli("referral", "accept", "9", code=1).stderr
    assert "there is no young person 9" in cli("young-person", "show", "9", code=1).stderr


# ---------------------------------------------------------------------------------------------
# Streaming list output


def test_list_csv_and_json_stream_instead_of_building_every_row(cli, db_path, monkeypatch):
    """The machine formats never build the list of every referral (``list_referrals``); what
    they write is what ``emit`` writes for that list."""
    from contextlib import redirect_stdout

    from ivcli import db
    from ivcli.referrals import screening as referrals
    from ivcli.render import emit

    add(cli, "=cmd()", "Lee\u202e", "01/02/2014", "--reference", "-12")
    add(cli, "Bo", "Kay", "03/04/2013", "--reference", "@x")
    add(cli, "Cy", "Ray", "05/06/2012")
    expected = {}
    for fmt in ("csv", "json"):
        out = io.StringIO()
        with db.reader(db_path) as conn, redirect_stdout(out):
            emit(fmt, referrals.LIST_COLUMNS, referrals.list_referrals(conn))
        expected[fmt] = out.getvalue()

    def refuse(*args, **kwargs):
        raise AssertionError("every row built in memory")

    monkeypatch.setattr(referrals, "list_referrals", refuse)
    for fmt in ("csv", "json"):
        assert cli("referral", "list", "--format", fmt).stdout == expected[fmt]
    assert "'=cmd()" in expected["csv"] and ",'@x," in expected["csv"]
    assert ",'-12," in expected["csv"]  # text starting like a formula, even a number's
    assert json.loads(expected["json"])[0]["last_name"] == "Lee\u202e"
    assert "\\u202e" in expected["json"]


def test_list_fetches_in_batches(cli, db_path, monkeypatch):
    from ivcli import db
    from ivcli.referrals import screening as referrals

    for i in range(5):
        add(cli, f"Amy{chr(97 + i)}", "Lee", "01/02/2014")
    monkeypatch.setattr(referrals, "STREAM_BATCH", 2)
    with db.reader(db_path) as conn:
        found = referrals.iter_referrals(conn)
        assert not isinstance(found, list)
        got = list(found)
    assert [r[0] for r in got] == [1, 2, 3, 4, 5]
    assert cli("referral", "list", "--format", "csv", "--status", "accepted").stdout == (
        ",".join(referrals.LIST_COLUMNS) + "\n")
    assert cli("referral", "list", "--format", "json", "--status", "accepted").stdout == "[]\n"


def test_stream_writers_write_rows_as_they_come(monkeypatch):
    """Neither writer waits for the last row (CSV holds one batch of rows at a time); what they
    write is what the writers of a whole list write (``csv_cell``, ``to_json``)."""
    import csv

    from ivcli import render
    from ivcli.render import csv_cell, to_json, write_csv_rows, write_json_rows

    monkeypatch.setattr(render, "CSV_BATCH", 2)
    columns = ("id", "a", "b")
    data = [(1, "=1+1", None), (-2, "x\ny", "\tz"), (3, "ok\x1b[31m", True),
            (4, "plain", "p"), (5, "also", "plain"), (6, "-", "+")]
    for writer in (write_csv_rows, write_json_rows):
        out = io.StringIO()
        seen = []

        def source(out=out, seen=seen):
            for row in data:
                seen.append(len(out.getvalue()))
                yield row

        writer(columns, source(), out)
        assert seen[-1] > seen[2] > seen[0], seen  # written before the last row was read
    out = io.StringIO()
    write_csv_rows(columns, data, out)
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        list(columns), *([csv_cell(v) for v in row] for row in data)]
    assert "plain,p\n5,also,plain\n" in out.getvalue()  # a clean batch, as it is
    out = io.StringIO()
    write_json_rows(columns, data, out)
    assert out.getvalue() == to_json([dict(zip(columns, r, strict=True)) for r in data]) + "\n"
