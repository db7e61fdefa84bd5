"""Build v001.db: a populated database exactly as the first released schema (001_initial) wrote
it, kept in the repository so the migration test upgrades a real old file.

    python tests/data/safety/build_v001.py   (rewrites tests/data/safety/v001.db)
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent.parent))

from ivcli.migrations import m001_initial  # noqa: E402

T = "2024-03-01 10:00:00"


def build(path: Path) -> Path:
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("BEGIN")
    m001_initial(conn)
    conn.execute("CREATE TABLE schema_migrations (seq INTEGER PRIMARY KEY, name TEXT NOT NULL "
                 "UNIQUE, applied_at DATETIME NOT NULL)")
    conn.execute("INSERT INTO schema_migrations (name, applied_at) VALUES ('001_initial', ?)",
                 (T,))
    ex = conn.execute
    ex("INSERT INTO settings VALUES ('eligibility.min_age', '6')")
    for i in range(1, 31):
        ex("INSERT INTO young_people (id, reference, first_name, last_name, name_key, first_key, "
           "last_key, date_of_birth, gender, ethnicity, disability, care_leaver, local_authority, "
           "area, placement_type, profile, created_at, updated_at) VALUES "
           "(?, ?, ?, ?, ?, ?, ?, ?, ?, 'White British', ?, ?, 'Exampleshire', 'North', "
           "'Foster', '{\"interests\": [\"art\"]}', ?, ?)",
           (i, f"OLD-{i:03d}" if i % 3 else None, f"Child{i}", f"Family{i}",
            f"child{i}|family{i}", f"child{i}", f"family{i}", f"201{i % 10}-0{1 + i % 9}-1{i % 9}",
            "female" if i % 2 else "male", i % 4 == 0, i % 5 == 0, T, T))
        status = ["received", "accepted", "declined", "matched", "closed"][i % 5]
        ex("INSERT INTO referrals (young_person_id, status, referral_date, referrer_name, "
           "referrer_role, referrer_email, long_term_care_plan, consent, carer_support, "
           "social_isolation, interests, notes, created_at, updated_at) VALUES "
           "(?, ?, '2024-02-01', 'A Worker', 'social_worker', 'w@example.org', 1, 1, 1, 1, "
           "'art', ?, ?, ?)", (i, status, f"note {i}", T, T))
    for v in range(1, 11):
        ex("INSERT INTO volunteers (id, reference, first_name, last_name, name_key, "
           "date_of_birth, gender, email, phone, area, status, approved_date, profile, notes, "
           "created_at, updated_at) VALUES (?, ?, ?, 'Helper', ?, '1980-05-05', 'female', ?, "
           "'07700 900000', 'North', 'approved', '2023-01-01', '{}', 'kind', ?, ?)",
           (v, f"VOL-{v}", f"Vol{v}", f"vol{v}|helper", f"v{v}@example.org", T, T))
        for step in ("application", "interview", "dbs", "training", "panel"):
            ex("INSERT INTO volunteer_checks (volunteer_id, step, date, number, outcome, "
               "created_at) VALUES (?, ?, '2022-12-01', ?, 'ok', ?)",
               (v, step, "001234567890" if step == "dbs" else None, T))
    for m in range(1, 7):
        yp = m * 5 - 2  # the 'matched' referrals: young people 3, 8, ... 28
        ex("INSERT INTO matches (id, young_person_id, volunteer_id, referral_id, status, "
           "proposed_date, start_date, note, created_at, updated_at) VALUES "
           "(?, ?, ?, ?, 'active', '2024-02-10', '2024-02-20', 'good fit', ?, ?)",
           (m, yp, m, yp, T, T))
        ex("INSERT INTO match_events (match_id, date, event, note, created_at) VALUES "
           "(?, '2024-02-20', 'started', 'intro went well', ?)", (m, T))
        ex("INSERT INTO reviews (match_id, date, with_whom, note, created_at) VALUES "
           "(?, '2024-05-20', 'young_person', 'happy', ?)", (m, T))
        for k in range(3):
            ex("INSERT INTO visits (match_id, date, minutes, activity, cost_pence, cost_type, "
               "note, created_at) VALUES (?, ?, 150, 'park', 450, 'travel', 'fine', ?)",
               (m, f"2024-0{3 + k}-05", T))
        ex("INSERT INTO concerns (match_id, visit_id, opened_date, text, created_at) VALUES "
           "(?, (SELECT max(id) FROM visits), '2024-05-06', 'follow up', ?)", (m, T))
    ex("COMMIT")
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("VACUUM")
    conn.close()
    return path


if __name__ == "__main__":
    print(build(HERE / "v001.db"))
