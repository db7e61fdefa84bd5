"""Data safety in-process: audit trail, check, backup and restore, migrations of an old file,
subject access, erasure and retention."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

OLD_DB = FIXTURES / "safety" / "v001.db"
EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "referrals.csv"


def add(cli, first="Amy", last="Lee", dob="01/02/2014", *extra: str) -> int:
    r = cli("referral", "add", "--first-name", first, "--last-name", last, "--date-of-birth", dob,
            "--long-term-care-plan", "yes", "--consent", "yes", "--carer-support", "yes",
            "--social-isolation", "yes", "--referral-date", "01/03/2026", *extra)
    return int(r.stdout.strip())


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def all_rows(db: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}
    finally:
        conn.close()


def table_columns(db: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in tables}
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# Audit trail


def test_every_write_is_audited_with_command_and_field_names_only(cli, db_path):
    ref = add(cli, "Zebedee", "Quartermain")
    cli("referral", "accept", str(ref))
    cli("referral", "update", str(ref), "--notes", "secret note text")
    entries = cli.json("audit")
    got = [(e["command"], e["table_name"], e["record_id"], e["action"]) for e in entries]
    assert got == [
        ("referral add", "young_people", "1", "insert"),
        ("referral add", "referrals", str(ref), "insert"),
        ("referral accept", "referrals", str(ref), "update"),
        ("referral update", "referrals", str(ref), "update"),
    ]
    assert all(e["record_to"] is None for e in entries)  # single records, never a range
    assert entries[2]["fields"].startswith("status,decision_date")
    assert entries[3]["fields"].split(",")[0] == "notes"
    raw = repr(rows(db_path, "SELECT * FROM audit_log"))
    for value in ("Zebedee", "Quartermain", "secret note", "2014-02-01"):
        assert value not in raw
    only = cli.json("audit", "--record", f"referrals:{ref}")
    assert [e["action"] for e in only] == ["insert", "update", "update"]


def test_import_records_one_range_entry_per_table(cli, db_path):
    add(cli)  # young person 1, referral 1: single entries
    cli("referral", "import", str(EXAMPLE), "-q")
    got = rows(db_path, "SELECT table_name, record_id, record_to FROM audit_log "
               "WHERE command = 'referral import' AND action = 'insert' ORDER BY id")
    last = {t: rows(db_path, f"SELECT max(id), count(*) FROM {t}")[0]
            for t in ("young_people", "referrals")}
    assert last["young_people"][1] > 3 and last["referrals"][1] > 3
    assert got == [("young_people", "2", str(last["young_people"][0])),
                   ("referrals", "2", str(last["referrals"][0]))]
    middle = last["referrals"][0] // 2 + 1
    shown = cli.json("audit", "--record", f"referrals:{middle}")
    assert [(e["command"], e["record_id"], e["record_to"]) for e in shown] == [
        ("referral import", "2", str(last["referrals"][0]))]
    assert [e["command"] for e in cli.json("audit", "--record", "referrals:1")] == [
        "referral add"]
    assert cli.json("audit", "--record", f"referrals:{last['referrals'][0] + 1}") == []
    assert "referral import" in cli("audit", "--record", f"young_people:{middle}").stdout
    cli("check")


def test_check_finds_a_tampered_range(cli, db_path):
    cli("referral", "import", str(EXAMPLE), "-q")
    cli("check")
    (entry, to), = rows(db_path, "SELECT id, record_to FROM audit_log "
                        "WHERE table_name = 'referrals' AND record_to IS NOT NULL")
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET record_to = ? WHERE id = ?", (str(int(to) - 1), entry))
    conn.commit()
    conn.close()
    result = cli("check", "--format", "json", code=1)
    chain = {c["check"]: c for c in json.loads(result.stdout)}["audit_chain"]
    assert f"audit entry {entry} was altered" in chain["detail"]


def test_record_bulk_covers_a_range_with_one_entry(db_path):
    from sqlalchemy import text

    from ivcli import db
    from ivcli.safety import audit

    insert = text("INSERT INTO volunteers (first_name, last_name, name_key, date_of_birth, "
                  "created_at, updated_at) VALUES ('a', 'b', 'a|b', '2000-01-01', 'x', 'x')")
    with db.writer(db_path, command="bulk", watch=audit.watch, complete=audit.complete) as conn:
        for _ in range(3):
            conn.execute(insert)
        assert audit.record_bulk(conn, "volunteers", (1, None), "insert", ()) == 3
        assert audit.record_bulk(conn, "volunteers", (4, None), "insert", ()) == 0
        assert audit.record_bulk(conn, "volunteers", (2, 3), "insert", ()) == 2
    assert rows(db_path, "SELECT record_id, record_to FROM audit_log") == [("1", "3"), ("2", "3")]


def test_dry_run_leaves_no_audit_entries(cli, db_path):
    add(cli)
    cli("referral", "import", str(EXAMPLE), "--dry-run", "-q")
    assert rows(db_path, "SELECT count(*) FROM audit_log")[0][0] == 2


def test_audit_log_refuses_update_and_delete(cli, db_path):
    add(cli)
    conn = sqlite3.connect(db_path)
    for sql in ("UPDATE audit_log SET fields = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(sql)
    conn.close()


def test_check_finds_a_tampered_entry(cli, db_path):
    add(cli)
    add(cli, "Bea", "Moss", "03/04/2013")
    cli("check")
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET fields = 'first_name' WHERE id = 3")
    conn.commit()
    conn.close()
    result = cli("check", code=1)
    assert "audit entry 3 was altered" in result.stdout
    assert "audit_log_no_update" in result.stdout


def test_check_finds_a_removed_entry(cli, db_path):
    add(cli)
    add(cli, "Bea", "Moss", "03/04/2013")
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE id = 2")
    conn.commit()
    conn.close()
    result = cli("check", "--format", "json", code=1)
    chain = {c["check"]: c for c in json.loads(result.stdout)}["audit_chain"]
    assert "audit entry 3 does not follow entry 1" in chain["detail"]


def test_recorded_and_unrecorded_core_writes_are_audited(db_path):
    from datetime import date

    from sqlalchemy import delete, insert, text

    from ivcli import db
    from ivcli.models import Volunteer
    from ivcli.safety import audit

    table = Volunteer.__table__

    def writer(command: str):  # as AppState.writing_sql opens a write
        return db.writer(db_path, command=command, watch=audit.watch, complete=audit.complete)

    with writer("volunteer add") as conn:
        now = db.now()
        vid = conn.execute(insert(table).values(
            first_name="Vi", last_name="Oh", name_key="vi|oh", date_of_birth=date(2026, 1, 1),
            created_at=now, updated_at=now)).inserted_primary_key[0]
        audit.record(conn, [("volunteers", str(vid), "insert", [])])
    with writer("volunteer remove") as conn:
        conn.execute(delete(table).where(table.c.id == vid))
        audit.record(conn, [("volunteers", str(vid), "delete", ["first_name"])])
    with writer("something core") as conn:
        conn.execute(text("INSERT INTO volunteers (first_name, last_name, name_key, "
                          "date_of_birth, created_at, updated_at) "
                          "VALUES ('a', 'b', 'a|b', '2000-01-01', 'x', 'x')"))
        conn.execute(text("UPDATE volunteers SET area = 'North', phone = '1'"))
    with writer("core delete") as conn:
        conn.execute(text("DELETE FROM volunteers"))
    got = rows(db_path, "SELECT command, table_name, record_id, action, fields FROM audit_log")
    # Recorded by the code that wrote them: kept as recorded (a delete names no fields), and
    # the safety net adds nothing to them.
    assert got[:2] == [("volunteer add", "volunteers", "1", "insert", None),
                       ("volunteer remove", "volunteers", "1", "delete", None)]
    # Not itemised by the code that wrote them, but never unrecorded: new rows are found by
    # id, other writes get one entry per table and action.
    assert got[2:] == [("something core", "volunteers", "1", "insert", None),
                       ("something core", "volunteers", None, "update", "area,phone"),
                       ("core delete", "volunteers", None, "delete", None)]


def test_check_finds_broken_invariants(cli, db_path):
    ref = add(cli)
    conn = sqlite3.connect(db_path)
    conn.execute("INSERT INTO volunteers (id, first_name, last_name, name_key, date_of_birth, "
                 "created_at, updated_at) VALUES (1, 'V', 'W', 'v|w', '1980-01-01', 'x', 'x')")
    for _ in range(2):
        conn.execute("INSERT INTO matches (young_person_id, volunteer_id, referral_id, status, "
                     "proposed_date, created_at, updated_at) VALUES (1, 1, ?, 'active', "
                     "'2026-01-01', 'x', 'x')", (ref,))
    conn.commit()
    conn.close()
    result = cli("check", code=1)
    assert "young person 1 has 2 open matches" in result.stdout
    assert "match 1 is live but young person 1 has no accepted" in result.stdout


# ---------------------------------------------------------------------------------------------
# Backup and restore


def test_backup_is_private_verified_and_complete(cli, db_path, tmp_path):
    cli("referral", "import", str(EXAMPLE), "-q")
    out = Path(cli("backup").stdout.strip())
    assert out.parent == db_path.parent / "backups"
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert rows(out, "PRAGMA integrity_check") == [("ok",)]
    assert all_rows(out) == all_rows(db_path)
    assert not list(out.parent.glob(".*tmp"))
    folder = tmp_path / "usb"
    folder.mkdir()
    second = Path(cli("backup", str(folder)).stdout.strip())
    assert second.parent == folder
    result = cli("backup", str(second), code=1)
    assert "already exists" in result.stderr


def test_restore_refuses_what_is_not_an_ivcli_database(cli, db_path, tmp_path):
    add(cli)
    before = all_rows(db_path)
    junk = tmp_path / "junk.db"
    junk.write_text("name,dob\nAmy,2014-01-01\n")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    for bad in (junk, other, tmp_path / "missing.db"):
        result = cli("restore", str(bad), "--yes", code=1)
        assert "cannot be restored" in result.stderr
    assert all_rows(db_path) == before


def test_restore_needs_yes_without_a_terminal_and_saves_the_current_database(cli, db_path):
    add(cli)
    saved = Path(cli("backup").stdout.strip())
    add(cli, "Bea", "Moss", "03/04/2013")
    result = cli("restore", str(saved), code=2)
    assert "--yes" in result.stderr
    assert rows(db_path, "SELECT count(*) FROM young_people") == [(2,)]
    cli("restore", str(saved), "--yes")
    assert rows(db_path, "SELECT count(*) FROM young_people") == [(1,)]
    before_restore = list((db_path.parent / "backups").glob("*before-restore*.db"))
    assert len(before_restore) == 1
    assert rows(before_restore[0], "SELECT count(*) FROM young_people") == [(2,)]
    cli("check")


# ---------------------------------------------------------------------------------------------
# Migrations


def iso_utc(stamp: object) -> object:
    """'2024-03-01 10:00:00[.000000]' as migration 007 rewrites it."""
    if not isinstance(stamp, str):
        return stamp
    return datetime.fromisoformat(stamp).replace(microsecond=0, tzinfo=UTC).isoformat()


def test_timestamps_are_rewritten_to_one_form(cli, db_path):
    shutil.copy(OLD_DB, db_path)
    assert rows(db_path, "SELECT DISTINCT length(created_at) FROM young_people") == [(19,)]
    cli("check")
    assert rows(db_path, "SELECT created_at, updated_at FROM young_people WHERE id = 1") == [
        ("2024-03-01T10:00:00+00:00", "2024-03-01T10:00:00+00:00")]
    forms = rows(db_path, "SELECT applied_at FROM schema_migrations")
    assert forms and all(datetime.fromisoformat(a).utcoffset() is not None for (a,) in forms)


def test_first_schema_database_upgrades_with_every_row_intact(cli, db_path):
    shutil.copy(OLD_DB, db_path)
    before = all_rows(db_path)
    assert rows(db_path, "SELECT name FROM schema_migrations") == [("001_initial",)]
    old_columns = table_columns(db_path)
    cli("check")
    after = all_rows(db_path)
    new_columns = table_columns(db_path)
    from ivcli.ethnicity import code_for
    for table, old in before.items():
        if table == "schema_migrations":
            assert after[table][: len(old)] == [(n, name, iso_utc(at)) for n, name, at in old]
            continue
        # Every old row, every old column, same value (new columns may be added); timestamps
        # (the *_at columns) in the one ISO 8601 UTC form of migration 007.
        # (A visit's cost moved to its cost lines in migration 009: checked below.)
        kept = [c for c in old_columns[table] if c in new_columns[table]]
        assert table == "visits" or kept == old_columns[table], table
        keep = [new_columns[table].index(c) for c in kept]
        stamps = {i for i, c in enumerate(kept) if c.endswith("_at")}
        # Migration 010: the yes/no consent is now the young person's answer, yes or no.
        consent = kept.index("consent") if table == "referrals" else -1
        # Migration 014: an ethnicity the mapping knows is stored as its code.
        coded = kept.index("ethnicity") if "ethnicity" in kept else -1
        expected = [tuple(iso_utc(v) if i in stamps else
                          {1: "yes", 0: "no"}.get(v) if i == consent else
                          (code_for(v) or v if v else v) if i == coded else v
                          for i, v in enumerate(r[old_columns[table].index(c)] for c in kept))
                    for r in old]
        assert [tuple(r[i] for i in keep) for r in after[table]] == expected, table
    old_costs = rows(OLD_DB, "SELECT id, cost_pence, cost_type FROM visits WHERE cost_pence <> 0 "
                     "ORDER BY id")
    assert old_costs and rows(db_path, "SELECT visit_id, amount_pence, cost_type FROM "
                              "visit_costs ORDER BY id") == old_costs
    names = [r[0] for r in rows(db_path, "SELECT name FROM schema_migrations")]
    from ivcli.migrations import MIGRATIONS

    assert names == [n for n, _ in MIGRATIONS]
    backups = list((db_path.parent / "backups").glob("*before-002_identity_index*.db"))
    assert len(backups) == 1
    assert all_rows(backups[0]) == before
    assert stat.S_IMODE(os.stat(backups[0]).st_mode) == 0o600
    # And it keeps working: an import links to the old records.
    cli("referral", "import", str(EXAMPLE), "-q")
    cli("check")


def test_table_rebuild_keeps_dependent_rows(db_path, monkeypatch):
    """A migration that rebuilds a parent table (here: young_people.date_of_birth nullable)
    leaves every referral, match and visit pointing at it in place."""
    from ivcli import db, migrations

    shutil.copy(OLD_DB, db_path)
    db.prepare(db_path, write=True)
    before = all_rows(db_path)

    def rebuild(conn):
        sql = rows(db_path, "SELECT sql FROM sqlite_master WHERE name = 'young_people'")[0][0]
        migrations.rebuild_table(
            conn, "young_people", sql.replace("date_of_birth DATE NOT NULL", "date_of_birth DATE")
        )

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, ("999_test", rebuild)])
    db.prepare(db_path, write=True)
    after = all_rows(db_path)
    for table, old in before.items():
        if table != "schema_migrations":
            assert after[table] == old, table
    assert rows(db_path, "PRAGMA foreign_key_check") == []
    notnull = {r[1]: r[3] for r in rows(db_path, "PRAGMA table_info(young_people)")}
    assert notnull["date_of_birth"] == 0
    assert rows(db_path, "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'young_people' "
                "AND type = 'index' AND sql IS NOT NULL")[0][0] == 2


def test_a_migration_that_would_break_references_changes_nothing(db_path, monkeypatch):
    from ivcli import db, migrations
    from ivcli.errors import DatabaseUnusable

    shutil.copy(OLD_DB, db_path)
    db.prepare(db_path, write=True)
    before = all_rows(db_path)

    def lossy(conn):
        conn.execute("DELETE FROM young_people WHERE id = 4")  # referred to by a match

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, ("999_lossy", lossy)])
    with pytest.raises(DatabaseUnusable, match="broken reference"):
        db.prepare(db_path, write=True)
    assert all_rows(db_path) == before


# ---------------------------------------------------------------------------------------------
# Subject access, erasure, retention


def test_a_schema_5_audit_trail_still_verifies_after_the_upgrade(cli, db_path, tmp_path):
    """v005.db's trail was written and hashed by ivcli at schema 005 (one entry per record)."""
    shutil.copy(OLD_DB.with_name("v005.db"), db_path)
    before = rows(db_path, "SELECT * FROM audit_log ORDER BY id")
    assert len(before) == 55
    cli("check")
    assert ("006_audit_ranges",) in rows(db_path, "SELECT name FROM schema_migrations")
    after = rows(db_path, "SELECT * FROM audit_log ORDER BY id")
    # The columns added since (record_to, actor) are NULL for every old entry.
    width = len(before[0])
    assert [r[:width] for r in after] == before and {r[width:] for r in after} == {(None, None)}
    more = tmp_path / "more.csv"
    more.write_text(EXAMPLE.read_text(encoding="utf-8-sig").replace("MOS-", "NEW-"),
                    encoding="utf-8")
    cli("referral", "import", str(more), "-q")
    # The young people and referrals, and (issue 13) the possible duplicates kept: the same
    # children under other references.
    assert rows(db_path, "SELECT table_name FROM audit_log WHERE record_to IS NOT NULL "
                "ORDER BY id") == [("young_people",), ("referrals",), ("possible_duplicates",)]
    cli("check")


def test_subject_export_holds_everything_about_one_person(cli, db_path, tmp_path):
    shutil.copy(OLD_DB, db_path)
    out = tmp_path / "sar.json"
    cli("subject-export", "8", "--output", str(out))
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    data = json.loads(out.read_text())
    rec = data["records"]
    assert rec["young_people"][0]["first_name"] == "Child8"
    assert [r["young_person_id"] for r in rec["referrals"]] == [8]
    assert len(rec["matches"]) == 1 and len(rec["visits"]) == 3
    assert len(rec["concerns"]) == 1 and len(rec["reviews"]) == 1
    assert "Child5" not in out.read_text()
    vol = json.loads(cli("subject-export", "--volunteer", "1").stdout)
    assert vol["records"]["volunteers"][0]["email"] == "v1@example.org"
    assert len(vol["records"]["volunteer_checks"]) == 5
    assert "note" not in vol["records"]["matches"][0]
    cli("subject-export", code=2)
    cli("subject-export", "99", code=1)


def test_subject_export_lists_a_covering_range_entry_once(cli, tmp_path):
    header, amira, ben = EXAMPLE.read_text(encoding="utf-8-sig").splitlines()[:3]
    again = amira.replace("05/06/2026", "06/06/2026")
    csv_file = tmp_path / "two.csv"
    csv_file.write_text("\n".join((header, amira, ben, again)) + "\n", encoding="utf-8")
    r = cli("referral", "import", str(csv_file), "-q")
    # The second referral for the child whose first is still open is not added (issue 13).
    assert "line 4: the young person already has open referral 1" in r.stderr
    data = json.loads(cli("subject-export", "1").stdout)
    assert [r["id"] for r in data["records"]["referrals"]] == [1]
    assert [(e["table_name"], e["record_id"], e["record_to"]) for e in data["audit"]] == [
        ("young_people", "1", "2"), ("referrals", "1", "2")]


def test_erase_removes_the_name_from_the_file_and_keeps_the_counts(cli, db_path):
    cli("referral", "import", str(EXAMPLE), "-q")
    yp = add(cli, "Xanthippe", "Wolstenholme", "17/05/2012", "--notes", "Loves Quidditch")
    cli("referral", "decline", str(yp), "--reason", "no_consent")  # one open referral at a time
    add(cli, "Xanthippe", "Wolstenholme", "17/05/2012", "--referral-date", "02/03/2026")
    list_before = cli.json("referral", "list")
    cli("check", "--scrub")
    data = db_path.read_bytes()
    assert b"Wolstenholme" in data or b"Wolstenholme" in Path(f"{db_path}-wal").read_bytes()
    yp_id = rows(db_path, "SELECT young_person_id FROM referrals WHERE id = ?", (yp,))[0][0]
    result = cli("erase", "young-person", str(yp_id), "--yes")
    assert "Backups made before now still hold it" in result.stderr
    for suffix in ("", "-wal"):
        f = Path(f"{db_path}{suffix}")
        if f.exists():
            blob = f.read_bytes()
            for secret in (b"Xanthippe", b"Wolstenholme", b"xanthippe", b"Quidditch"):
                assert secret not in blob, (suffix, secret)
    after = cli.json("referral", "list")
    assert len(after) == len(list_before)
    assert [r["status"] for r in after] == [r["status"] for r in list_before]
    mine = [r for r in after if r["young_person_id"] == yp_id]
    assert len(mine) == 2
    assert {r["first_name"] for r in mine} == {"erased"}
    assert {r["date_of_birth"] for r in mine} == {"2012-05-01"}
    shown = cli.json("referral", "show", str(yp))
    assert shown["notes"] is None and shown["reference"] is None
    cli("check")
    cli("erase", "young-person", str(yp_id), "--yes", code=1)


def test_erase_volunteer(cli, db_path):
    shutil.copy(OLD_DB, db_path)
    cli("match", "end", "2", "--reason", "volunteer_left")  # erasure refuses an open match
    cli("erase", "volunteer", "2", "--yes")
    v = rows(db_path, "SELECT first_name, email, phone, notes, date_of_birth, status FROM "
             "volunteers WHERE id = 2")[0]
    assert v == ("erased", None, None, None, "1980-05-01", "approved")
    assert rows(db_path, "SELECT number FROM volunteer_checks WHERE volunteer_id = 2 AND "
                "step = 'dbs'") == [(None,)]
    assert rows(db_path, "SELECT note FROM matches WHERE volunteer_id = 2") == [(None,)]
    # The free text of the volunteer's match's visits goes too (a name may be in it).
    assert rows(db_path, "SELECT count(*) FROM visits WHERE note = 'fine'") == [(15,)]
    assert rows(db_path, "SELECT email FROM volunteers WHERE id = 3") == [("v3@example.org",)]


def test_erase_without_yes_and_no_terminal_erases_nothing(cli, db_path):
    add(cli)
    before = all_rows(db_path)
    result = cli("erase", "young-person", "1", input="\n", code=2)
    assert "--yes" in result.stderr
    assert all_rows(db_path) == before


def test_erase_prompt_defaults_to_no(cli, db_path, monkeypatch):
    from tests.test_prompts import ENTER, keys

    add(cli)
    before = all_rows(db_path)
    monkeypatch.setattr("ivcli.prompts.can_prompt", lambda no_input: True)
    with keys(ENTER):
        result = cli("erase", "young-person", "1")
    assert "Nothing was erased" in result.stderr
    assert all_rows(db_path) == before
    with keys("y"):
        cli("erase", "young-person", "1")
    assert rows(db_path, "SELECT first_name FROM young_people") == [("erased",)]


def test_retention_lists_and_anonymises_past_the_period(cli, db_path):
    shutil.copy(OLD_DB, db_path)
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE volunteers SET status = 'left', updated_at = '2030-01-01 00:00:00' "
                 "WHERE id IN (6, 10)")
    conn.execute("UPDATE matches SET status = 'ended', end_date = '2031-06-01' "
                 "WHERE volunteer_id = 6")
    conn.commit()
    conn.close()
    # Born 2010-2019; young person 2 (born 2012) has only a declined referral, 1 a received one.
    assert cli.json("retention", "--as-of", "01/01/2030") == []
    due = cli.json("retention", "--as-of", "2036-01-01")
    assert [(d["kind"], d["id"], d["due_since"]) for d in due] == [("volunteer", 10, "2036-01-01")]
    due = cli.json("retention", "--as-of", "2045-01-01")
    kinds = {(d["kind"], d["id"]) for d in due}
    assert ("young_person", 2) in kinds and ("young_person", 1) not in kinds
    assert ("volunteer", 6) in kinds  # six years after the match ended, not the status change
    cli("settings", "set", "retention.volunteer_years", "5")
    due = cli.json("retention", "--as-of", "2035-01-01")
    assert [(d["kind"], d["id"]) for d in due] == [("volunteer", 10)]
    before = all_rows(db_path)
    cli("retention", "--as-of", "2045-01-01", "--apply", code=2)
    assert all_rows(db_path) == before
    cli("retention", "--as-of", "2045-01-01", "--apply", "--yes")
    assert rows(db_path, "SELECT first_name FROM young_people WHERE id = 2") == [("erased",)]
    assert rows(db_path, "SELECT first_name FROM young_people WHERE id = 1") == [("Child1",)]
    assert rows(db_path, "SELECT first_name FROM volunteers WHERE id = 10") == [("erased",)]
    assert cli.json("retention", "--as-of", "2045-01-01") == []
    # Everything holds, but the end date this test put in the future (issue 13: no step after
    # today) is reported.
    checks = {c["check"]: c for c in json.loads(cli("check", "--format", "json",
                                                    code=1).stdout)}
    assert [k for k, c in checks.items() if not c["ok"]] == ["match_history"]
    assert "has a step dated after today" in checks["match_history"]["detail"]


def test_core_writer_itemises_unrecorded_writes_and_rolls_back(db_path):
    """A bulk writer on a Core connection (``db.writer``) gets the audit trail's safety net: a
    write nobody recorded is still itemised before the commit; on an error nothing stays."""
    from ivcli import db
    from ivcli.safety import audit

    hooks = {"watch": audit.watch, "complete": audit.complete}  # as AppState.writing_sql passes
    with db.writer(db_path, command="test bulk", **hooks) as conn:
        db.dbapi(conn).execute(
            "INSERT INTO settings (key, value) VALUES ('eligibility.min_age', '6')")
        db.dbapi(conn).execute(
            "INSERT INTO young_people (first_name, last_name, name_key, first_key, last_key, "
            "date_of_birth, created_at, updated_at) VALUES ('A', 'B', 'a|b', 'a', 'b', "
            "'2015-01-01', 'x', 'x')")
    logged = rows(db_path, "SELECT command, table_name, record_id, action FROM audit_log")
    assert ("test bulk", "young_people", "1", "insert") in logged
    assert ("test bulk", "settings", None, "insert") in logged
    before = all_rows(db_path)
    with pytest.raises(RuntimeError), db.writer(db_path, command="test bulk", **hooks) as conn:
        db.dbapi(conn).execute("DELETE FROM settings")
        raise RuntimeError("stop")
    assert all_rows(db_path) == before
