"""The possible duplicates of a big load come from one of two SQL shapes, grouped (SQLite) or
one self join per name key (PostgreSQL): both give the same pairs with the same reasons."""

from __future__ import annotations

import random
from datetime import date, timedelta


def test_both_shapes_give_the_same_pairs(cli, db_path, tmp_path):
    from sqlalchemy import text

    from ivcli import db
    from ivcli.referrals import duplicates

    rnd = random.Random(5)
    rows = ["reference,first_name,last_name,date_of_birth,referral_date"]
    for i in range(400):
        born = date(2012, 1, 1) + timedelta(days=rnd.randint(0, 20))
        rows.append(f"R{i},{rnd.choice(['Amy', 'Ben', 'Cal'])},"
                    f"{rnd.choice(['Lee', 'Roe', 'Fox'])},{born:%d/%m/%Y},01/03/2026")
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_text("\n".join(rows[:101]) + "\n", encoding="utf-8")
    new.write_text("\n".join(rows[:1] + rows[101:]) + "\n", encoding="utf-8")
    cli("referral", "import", str(old), "-q")
    cli("referral", "import", str(new), "-q")
    with db.reader(db_path) as conn:
        held = conn.execute(text("SELECT young_person_id, other_id, reason FROM "
                                 "possible_duplicates WHERE young_person_id > 100")).all()
        shapes = [sorted(conn.execute(text(duplicates._added_pairs(grouped)),
                                      {"before": 100}).all()) for grouped in (True, False)]
    assert shapes[0] == shapes[1]
    assert len(shapes[0]) > 100
    assert {r.reason for r in held} == set(duplicates.REASONS)
