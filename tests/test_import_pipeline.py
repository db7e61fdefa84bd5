"""The referral import's pipeline (issue 11, speed): staged rows carry their identity, each
referral finds its young person in the INSERT itself, the first row per young person and
referral date wins, and possible duplicates are found the same way for a big load (read through
the name indexes) as for a small one. What a coordinator sees must not change with the shape."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ivcli.referrals import intake

HEADER = "reference,first_name,last_name,date_of_birth,referral_date,notes\n"


def csv_file(tmp_path: Path, rows: list[str], name: str = "refs.csv") -> Path:
    f = tmp_path / name
    f.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return f


def query(db_path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_row_without_reference_takes_the_reference_a_later_row_gives(cli, db_path, tmp_path):
    f = csv_file(tmp_path, [
        ",Amy,Lee,01/02/2014,01/03/2025,first",
        "LA1,Bob,Hill,02/02/2014,01/03/2025,",
        "LA7,Amy,Lee,01/02/2014,01/04/2025,second",
    ])
    out = cli("referral", "import", str(f)).stderr
    # Lines 2 and 4 are one child (LA7): their second referral waits while the first is open.
    assert "Added 2 referral(s)" in out
    assert "line 4: the young person already has open referral 1" in out
    assert query(db_path, "SELECT id, reference, first_name FROM young_people ORDER BY id") == [
        (1, "LA7", "Amy"), (2, "LA1", "Bob")]
    assert query(db_path, "SELECT young_person_id, referral_date, notes FROM referrals "
                          "ORDER BY id") == [
        (1, "2025-03-01", "first"), (2, "2025-03-01", None)]


def test_the_first_row_per_young_person_and_date_wins_and_the_rest_are_unchanged(
        cli, db_path, tmp_path):
    f = csv_file(tmp_path, [
        "LA1,Amy,Lee,01/02/2014,01/03/2025,first",
        "LA1,Amy,Lee,01/02/2014,01/03/2025,again",
        ",Cy,Ray,03/02/2014,01/03/2025,named",
        ",Cy,Ray,03/02/2014,01/03/2025,named again",
    ])
    out = cli("referral", "import", str(f)).stderr
    assert "Added 2 referral(s); 2 unchanged" in out
    assert query(db_path, "SELECT r.id, yp.id, yp.reference, r.notes FROM referrals r "
                          "JOIN young_people yp ON yp.id = r.young_person_id ORDER BY r.id") == [
        (1, 1, "LA1", "first"), (2, 2, None, "named")]
    again = cli("referral", "import", str(f)).stderr
    assert "Added 0 referral(s); 4 unchanged" in again
    assert "0 new, 2 linked to existing records" in again


def test_rows_linked_to_people_held_and_new_people_in_one_file(cli, db_path, tmp_path):
    cli("referral", "import", str(csv_file(tmp_path, [
        "LA1,Amy,Lee,01/02/2014,01/03/2025,", ",Bob,Hill,02/02/2014,01/03/2025,"], "a.csv")))
    for referral in ("1", "2"):  # closed, so each child may be referred again
        cli("referral", "withdraw", referral, "--reason", "moved away")
    out = cli("referral", "import", str(csv_file(tmp_path, [
        ",Cy,Ray,03/02/2014,01/05/2025,new",
        ",Bob,Hill,02/02/2014,01/05/2025,by name",
        "LA1,Amy,Lee,01/02/2014,01/05/2025,by reference",
        "LA9,Di,Fox,04/02/2014,01/05/2025,new with reference",
    ], "b.csv"))).stderr
    assert "Young people: 2 new, 2 linked to existing records." in out
    assert query(db_path, "SELECT r.notes, r.young_person_id FROM referrals r WHERE r.id > 2 "
                          "ORDER BY r.id") == [
        ("new", 3), ("by name", 2), ("by reference", 1), ("new with reference", 4)]
    assert query(db_path, "SELECT id, reference FROM young_people WHERE id > 2 ORDER BY id") == [
        (3, None), (4, "LA9")]


def _duplicates(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if "may be the same child" in line]


def test_possible_duplicates_name_the_first_line_and_count_each_pair_once(
        cli, db_path, tmp_path):
    f = csv_file(tmp_path, [
        "LA1,Amy,Lee,01/02/2014,01/03/2025,",
        "LA2,Amy,Lee,01/02/2014,01/03/2025,",     # same first and last name: one pair
        "LA3,Zoe,Lee,01/02/2014,01/03/2025,",     # same last name as lines 2 and 3
        "LA3,Zoe,Lee,01/02/2014,01/04/2025,",     # the same child again: no new pair
        "LA4,Bob,Hill,05/05/2015,01/03/2025,",
    ])
    out = cli("referral", "import", str(f)).stderr
    assert "Possible duplicates (not merged): 3." in out
    assert _duplicates(out) == [
        "line 3 may be the same child as young person 1",
        "line 4 may be the same child as young person 1",
        "line 4 may be the same child as young person 2",
    ]


def test_a_small_load_finds_the_duplicates_a_big_load_finds(cli, db_path, tmp_path,
                                                            monkeypatch):
    """The same file into a database holding more people than it adds (looked up by id) as into
    an empty one (read through the name indexes): the same pairs."""
    rows = [f"LA{i},Amy{i % 3},Lee{i % 4},01/02/2014,01/03/2025," for i in range(1, 13)]
    big = cli("referral", "import", str(csv_file(tmp_path, rows, "big.csv"))).stderr
    assert "Possible duplicates" in big
    small_db = tmp_path / "small.db"
    held = [f"HX{i},Held{i},Person{i},0{1 + i % 9}/01/2010,01/03/2025," for i in range(40)]
    cli("--db", str(small_db), "referral", "import", str(csv_file(tmp_path, held, "held.csv")))
    small = cli("--db", str(small_db), "referral", "import",
                str(csv_file(tmp_path, rows, "again.csv"))).stderr
    shift = 40  # the young people held before
    expected = [line.replace(f"person {n}", f"person {n + shift}")
                for line in _duplicates(big) for n in [int(line.rsplit(" ", 1)[1])]]
    assert _duplicates(small) == expected
    count = [line for line in big.splitlines() if line.startswith("Possible duplicates")]
    assert count and count == [line for line in small.splitlines()
                               if line.startswith("Possible duplicates")]


def test_a_big_load_keeps_the_in_order_index_and_rebuilds_the_others(db_path, tmp_path,
                                                                       monkeypatch):
    from datetime import date

    from ivcli import db, dialect

    dropped: list[list[str]] = []
    real = dialect.drop_secondary_indexes

    def spy(conn, table, keep=()):
        sqls = real(conn, table, keep)
        dropped.append([s.split()[2] for s in sqls])
        return sqls

    monkeypatch.setattr(dialect, "drop_secondary_indexes", spy)
    monkeypatch.setattr(intake, "BATCH", 2)
    f = csv_file(tmp_path, [f"LA{i},Amy{i},Lee,01/02/2014,01/03/2025," for i in range(6)])
    with db.writer(db_path) as conn:
        intake.import_csv(conn, f, today=date(2026, 1, 1))
    assert dropped == [
        ["ix_young_people_dob_first", "ix_young_people_dob_last"],
        ["ix_referrals_referral_date", "ix_referrals_status"],
        ["ix_possible_duplicates_other"],  # the six share a last name and date of birth
    ]
    names = {r[0] for r in query(db_path, "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"ix_referrals_decision", "ix_referrals_status", "ix_referrals_referral_date",
            "ix_young_people_dob_first", "ix_young_people_dob_last",
            "ix_possible_duplicates_other"} <= names
    assert query(db_path, "SELECT count(*) FROM possible_duplicates")[0][0] == 15


def test_a_staged_rows_identity_is_the_rule_the_held_young_people_use():
    """``staged_ident`` (Python, as a row is staged) and ``IDENT_SQL`` (SQL, over the young
    people held) are one rule written twice: they must give the same identity."""
    from ivcli.referrals.rows import CLEAN

    def row(reference: str, name_key: str, dob: str) -> tuple:
        values = dict.fromkeys(CLEAN, "")
        values.update(reference=reference, name_key=name_key, date_of_birth=dob)
        return tuple(values[c] for c in CLEAN)

    sql = intake.IDENT_SQL.format(reference="NULLIF(?, '')", name_key="?", date_of_birth="?")
    con = sqlite3.connect(":memory:")
    cases = [("LA1", "amy|lee", "2014-02-01"), ("", "amy|lee", "2014-02-01"),
             ("", "o'neil|ng", "2010-12-31")]
    for ref, key, dob in cases:
        expected = con.execute(f"SELECT {sql}", (ref, key, dob)).fetchone()[0]
        assert intake.staged_ident(row(ref, key, dob)) == expected
    assert intake.staged_ident(row("", "amy|lee", "2014-02-01")) == "~amy|lee|2014-02-01"
