"""The referral import's one pass on SQLite (issue 11, speed: no staging copy of the file):
rows go straight into young_people and referrals, batch by batch, and come to what the
set-based load over a staging table (PostgreSQL's, ``intake.staged``) comes to: the same
records and ids, the same messages and exit codes, the same audit trail."""

from __future__ import annotations

import random
import re
import sqlite3
from pathlib import Path

import pytest

from ivcli.referrals import intake, onepass

HEADER = ("reference,first_name,last_name,date_of_birth,referral_date,care_leaver,consent,"
          "reoffer_date\n")
STAMP = re.compile(r"\d{4}-\d\d-\d\dT[0-9:.+]+")


def query(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def state(db: Path) -> dict[str, list[str]]:
    """Everything an import writes, timestamps left out (they are to the second)."""
    tables = {"young_people": "*", "referrals": "*", "legal_status_history": "*",
              "possible_duplicates": "id, young_person_id, other_id, reason, dismissed_at",
              "audit_log": "id, command, table_name, record_id, record_to, action, fields"}
    return {t: [STAMP.sub("T", repr(r)).replace(",updated_at", "")
                for r in query(db, f"SELECT {cols} FROM {t} ORDER BY id")]
            for t, cols in tables.items()}


def files(seed: int, tmp_path: Path) -> list[Path]:
    """A few small files of few names, dates of birth and references: rows with and without
    a reference, one child on several rows, references reused for another child now and then,
    care leavers, deferred consent."""
    rnd = random.Random(seed)
    firsts = ["Amy", "Bob", "Cat"][: rnd.randint(1, 3)]
    lasts = ["Lee", "Ng"][: rnd.randint(1, 2)]
    dobs = ["01/02/2008", "03/04/2009"][: rnd.randint(1, 2)]
    refs = [f"R{seed}x{i}" for i in range(rnd.randint(1, 6))]
    out = []
    for k in range(rnd.randint(1, 3)):
        lines = []
        for _ in range(rnd.randint(1, 12)):
            ref = rnd.choice(refs) if rnd.random() < 0.6 else ""
            pick = random.Random(ref) if ref and rnd.random() < 0.93 else rnd
            name = pick.choice(firsts), pick.choice(lasts), pick.choice(dobs)
            consent = rnd.choice(["yes", "yes", "no", "not_now"])
            lines.append(",".join([
                ref, *name, rnd.choice(["01/03/2025", "02/03/2025", "03/03/2025"]),
                rnd.choice(["no", "no", "yes"]), consent,
                "01/09/2026" if consent == "not_now" else ""]) + "\n")
        f = tmp_path / f"f{seed}_{k}.csv"
        f.write_text(HEADER + "".join(lines), encoding="utf-8")
        out.append(f)
    return out


def run(cli, db: Path, paths: list[Path]) -> list[tuple[int, str]]:
    outs = []
    for i, f in enumerate(paths):
        r = cli("--db", str(db), "referral", "import", str(f), code=None)
        outs.append((r.exit_code, STAMP.sub("T", r.output)))
        if i == 0 and db.exists() and query(db, "SELECT 1 FROM referrals WHERE id = 1"):
            # A closed referral: the child may be referred again.
            cli("--db", str(db), "referral", "withdraw", "1", "--reason", "moved_away")
    return outs


@pytest.mark.parametrize("batch", [2, 5_000])
def test_the_one_pass_comes_to_what_the_staged_load_comes_to(cli, tmp_path, monkeypatch,
                                                             batch):
    monkeypatch.setattr(intake, "BATCH", batch)
    real = onepass.ingest

    def staged(conn, rows, *, collect=False, problems=None, batch=0):  # type: ignore[no-untyped-def]
        return intake.staged(conn, rows, collect=collect, problems=problems)

    for seed in range(10):
        paths = files(seed, tmp_path)
        monkeypatch.setattr(onepass, "ingest", staged)
        expected = run(cli, tmp_path / f"staged{seed}.db", paths)
        monkeypatch.setattr(onepass, "ingest", real)
        got = run(cli, tmp_path / f"onepass{seed}.db", paths)
        assert got == expected, seed
        if (tmp_path / f"staged{seed}.db").exists():
            assert state(tmp_path / f"onepass{seed}.db") == state(tmp_path / f"staged{seed}.db")


def test_no_staging_copy_of_the_file_on_sqlite(cli, db_path, tmp_path, monkeypatch):
    from ivcli import dialect

    staged: list[str] = []
    monkeypatch.setattr(dialect, "create_stage", lambda conn, table, *a, **k: staged.append(table))
    f = tmp_path / "refs.csv"
    f.write_text(HEADER + "".join(f"LA{i},Amy,Lee{i},01/02/2010,01/03/2025,no,yes,\n"
                                  for i in range(7)), encoding="utf-8")
    assert "Added 7 referral(s)" in cli("referral", "import", str(f)).stderr
    assert staged == []


def test_a_child_added_without_a_reference_takes_one_from_a_later_batch(cli, db_path,
                                                                         tmp_path, monkeypatch):
    """The young person of a row without a reference waits (in ``stage_people``) until the end:
    a row of a later batch gives them their reference, and they are inserted once with it, in
    the id of their first line, with no update in the audit trail."""
    monkeypatch.setattr(intake, "BATCH", 2)
    f = tmp_path / "refs.csv"
    f.write_text(HEADER + ",Amy,Lee,01/02/2010,01/03/2025,no,yes,\n"
                 "LA1,Bob,Hill,02/02/2010,01/03/2025,no,yes,\n"
                 "LA2,Cat,Ng,03/02/2010,01/03/2025,no,yes,\n"
                 "LA7,Amy,Lee,01/02/2010,01/03/2025,no,yes,\n"
                 ",Amy,Lee,01/02/2010,01/03/2025,no,yes,\n", encoding="utf-8")
    out = cli("referral", "import", str(f)).stderr
    assert "Added 3 referral(s); 2 unchanged" in out
    assert "Young people: 3 new" in out
    assert query(db_path, "SELECT id, reference, first_name FROM young_people ORDER BY id") == [
        (1, "LA7", "Amy"), (2, "LA1", "Bob"), (3, "LA2", "Cat")]
    assert query(db_path, "SELECT id, young_person_id FROM referrals ORDER BY id") == [
        (1, 1), (2, 2), (3, 3)]
    assert query(db_path, "SELECT table_name, record_id, record_to, action FROM audit_log "
                 "WHERE table_name = 'young_people'") == [("young_people", "1", "3", "insert")]
