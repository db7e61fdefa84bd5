"""Versioned schema migrations, applied in order, each once, recorded in ``schema_migrations``.

A migration is a named function taking a DB-API connection already inside the opening
transaction. Never edit a released migration: add a new one at the end of ``MIGRATIONS``.
The schema is written out as SQL here (not ``create_all``) so that a year-old database
upgrades step by step and the tests can build a database of any earlier version.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several SQL statements inside the current transaction.

    ``sqlite3.Connection.executescript`` would COMMIT first, breaking the one-transaction rule.
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError("incomplete SQL statement in migration")


def m001_initial(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );

        CREATE TABLE young_people (
            id INTEGER PRIMARY KEY,
            reference TEXT UNIQUE,
            first_name TEXT NOT NULL,
            last_name TEXT NOT NULL,
            name_key TEXT NOT NULL,
            first_key TEXT NOT NULL,
            last_key TEXT NOT NULL,
            date_of_birth DATE NOT NULL,
            gender TEXT,
            ethnicity TEXT,
            disability BOOLEAN,
            care_leaver BOOLEAN,
            local_authority TEXT,
            area TEXT,
            placement_type TEXT,
            profile TEXT,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL
        );
        CREATE INDEX ix_young_people_identity ON young_people (name_key, date_of_birth);
        CREATE INDEX ix_young_people_dob_last ON young_people (date_of_birth, last_key);
        CREATE INDEX ix_young_people_dob_first ON young_people (date_of_birth, first_key);

        CREATE TABLE referrals (
            id INTEGER PRIMARY KEY,
            young_person_id INTEGER NOT NULL REFERENCES young_people (id),
            status TEXT NOT NULL DEFAULT 'received',
            referral_date DATE NOT NULL,
            referrer_name TEXT,
            referrer_role TEXT,
            referrer_email TEXT,
            long_term_care_plan BOOLEAN,
            consent BOOLEAN,
            carer_support BOOLEAN,
            social_isolation BOOLEAN,
            placement_instability BOOLEAN,
            no_family_contact BOOLEAN,
            single_carer_placement BOOLEAN,
            relationship_difficulty BOOLEAN,
            interests TEXT,
            notes TEXT,
            decision_date DATE,
            decision_reason TEXT,
            matched_date DATE,
            closed_date DATE,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL,
            UNIQUE (young_person_id, referral_date)
        );
        CREATE INDEX ix_referrals_status ON referrals (status, referral_date);

        CREATE TABLE volunteers (
            id INTEGER PRIMARY KEY,
            reference TEXT UNIQUE,
            first_name TEXT NOT NULL,
            last_name TEXT NOT NULL,
            name_key TEXT NOT NULL,
            date_of_birth DATE NOT NULL,
            gender TEXT,
            email TEXT,
            phone TEXT,
            area TEXT,
            languages TEXT,
            interests TEXT,
            coordinator TEXT,
            status TEXT NOT NULL DEFAULT 'applicant',
            status_reason TEXT,
            approved_date DATE,
            profile TEXT,
            notes TEXT,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL
        );
        CREATE INDEX ix_volunteers_identity ON volunteers (name_key, date_of_birth);
        CREATE INDEX ix_volunteers_status ON volunteers (status);

        CREATE TABLE volunteer_checks (
            id INTEGER PRIMARY KEY,
            volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
            step TEXT NOT NULL,
            date DATE NOT NULL,
            number TEXT,
            level TEXT,
            outcome TEXT,
            update_service BOOLEAN,
            created_at DATETIME NOT NULL,
            UNIQUE (volunteer_id, step, date)
        );

        CREATE TABLE matches (
            id INTEGER PRIMARY KEY,
            young_person_id INTEGER NOT NULL REFERENCES young_people (id),
            volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
            referral_id INTEGER REFERENCES referrals (id),
            status TEXT NOT NULL DEFAULT 'proposed',
            proposed_date DATE NOT NULL,
            decision_date DATE,
            decision_reason TEXT,
            start_date DATE,
            end_date DATE,
            end_reason TEXT,
            note TEXT,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL
        );
        CREATE INDEX ix_matches_young_person ON matches (young_person_id, status);
        CREATE INDEX ix_matches_volunteer ON matches (volunteer_id, status);
        CREATE INDEX ix_matches_status ON matches (status);

        CREATE TABLE match_events (
            id INTEGER PRIMARY KEY,
            match_id INTEGER NOT NULL REFERENCES matches (id),
            date DATE NOT NULL,
            event TEXT NOT NULL,
            note TEXT,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX ix_match_events_match ON match_events (match_id, date);

        CREATE TABLE visits (
            id INTEGER PRIMARY KEY,
            match_id INTEGER NOT NULL REFERENCES matches (id),
            date DATE NOT NULL,
            minutes INTEGER NOT NULL,
            activity TEXT,
            cost_pence INTEGER NOT NULL DEFAULT 0,
            cost_type TEXT,
            note TEXT,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX ix_visits_match_date ON visits (match_id, date);
        CREATE INDEX ix_visits_date ON visits (date);

        CREATE TABLE concerns (
            id INTEGER PRIMARY KEY,
            match_id INTEGER NOT NULL REFERENCES matches (id),
            visit_id INTEGER REFERENCES visits (id),
            opened_date DATE NOT NULL,
            text TEXT NOT NULL,
            closed_date DATE,
            close_note TEXT,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX ix_concerns_open ON concerns (closed_date);

        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            match_id INTEGER NOT NULL REFERENCES matches (id),
            date DATE NOT NULL,
            with_whom TEXT NOT NULL,
            note TEXT,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX ix_reviews_match_date ON reviews (match_id, date);
        """,
    )


def m002_identity_index(conn: sqlite3.Connection) -> None:
    """Identity look-ups go through (date_of_birth, last_key), which the search for possible
    duplicates needs anyway: one index fewer to update on every insert."""
    conn.execute("DROP INDEX ix_young_people_identity")


def m003_volunteers_checks(conn: sqlite3.Connection) -> None:
    """Volunteers: the date of the latest status change (approved, on hold, withdrawn, left), and
    two references received on the same day. A check record is now one per volunteer, step, date
    and number (the DBS certificate number, or which reference: 1 or 2)."""
    run_script(
        conn,
        """
        ALTER TABLE volunteers ADD COLUMN status_date DATE;

        CREATE TABLE volunteer_checks_002 (
            id INTEGER PRIMARY KEY,
            volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
            step TEXT NOT NULL,
            date DATE NOT NULL,
            number TEXT,
            level TEXT,
            outcome TEXT,
            update_service BOOLEAN,
            created_at DATETIME NOT NULL
        );
        INSERT INTO volunteer_checks_002 (id, volunteer_id, step, date, number, level, outcome,
                                          update_service, created_at)
            SELECT id, volunteer_id, step, date, number, level, outcome, update_service,
                   created_at FROM volunteer_checks;
        DROP TABLE volunteer_checks;
        ALTER TABLE volunteer_checks_002 RENAME TO volunteer_checks;
        CREATE UNIQUE INDEX ux_volunteer_checks_record
            ON volunteer_checks (volunteer_id, step, date, coalesce(number, ''));
        """,
    )


def m004_reports_indexes(conn: sqlite3.Connection) -> None:
    """Indexes the reports need to count by date without reading whole tables: referrals by
    referral date, and by status and decision date (covering the waiting list); matches by
    dates, and a match's first start by referral; pause events by kind; and visits by date
    covering minutes and costs (replacing the plain date index, a prefix of it)."""
    run_script(
        conn,
        """
        CREATE INDEX ix_referrals_referral_date ON referrals (referral_date);
        CREATE INDEX ix_referrals_decision
            ON referrals (status, decision_date, closed_date, young_person_id);
        CREATE INDEX ix_matches_referral ON matches (referral_id, start_date);
        CREATE INDEX ix_matches_dates ON matches (start_date, end_date, young_person_id);
        CREATE INDEX ix_match_events_event ON match_events (event, date);
        CREATE INDEX ix_visits_date_cost ON visits (date, minutes, cost_pence);
        DROP INDEX ix_visits_date;
        """,
    )


def m005_safety_audit(conn: sqlite3.Connection) -> None:
    """The audit trail: append-only and hash-chained. It records which record and which fields
    a command changed, never their values, so the log itself holds no personal data."""
    run_script(
        conn,
        """
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at DATETIME NOT NULL,
            command TEXT NOT NULL,
            table_name TEXT NOT NULL,
            record_id TEXT,
            action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
            fields TEXT,
            prev_hash BLOB NOT NULL,
            hash BLOB NOT NULL
        );
        CREATE INDEX ix_audit_log_record ON audit_log (table_name, record_id);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN
            SELECT RAISE(ABORT, 'audit_log is append-only');
        END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN
            SELECT RAISE(ABORT, 'audit_log is append-only');
        END;
        """,
    )


def m006_audit_ranges(conn: sqlite3.Connection) -> None:
    """A set-based insert of a run of ids is one audit entry: ``record_id`` is the first id,
    ``record_to`` the last (inclusive); NULL for an entry about one record, whose hash is
    computed exactly as before, so an existing chain still verifies."""
    conn.execute("ALTER TABLE audit_log ADD COLUMN record_to TEXT")


ISO_UTC_PATTERN = "____-__-__T__:__:__+00:00"


def m007_one_timestamp_form(conn: sqlite3.Connection) -> None:
    """Every stored timestamp in one form, ISO 8601 in UTC to the second
    (``2026-12-01T18:25:00+00:00``, as ``db.now()`` writes): earlier versions wrote
    ``2026-12-01 18:25:00`` and ``2026-12-01 18:25:00.000000`` too, sometimes in one column.
    The audit trail's ``at`` is already in this form and is covered by its hash chain: untouched.
    """
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN "
        "('audit_log', 'sqlite_sequence')")]
    for table in tables:
        for column in [r[1] for r in conn.execute(f"PRAGMA table_info({table})")
                       if str(r[2]).upper() == "DATETIME"]:
            conn.execute(
                f"UPDATE {table} SET {column} = substr({column}, 1, 10) || 'T' || "
                f"substr({column}, 12, 8) || '+00:00' WHERE {column} IS NOT NULL AND "
                f"{column} NOT LIKE '{ISO_UTC_PATTERN}'"
            )


VISITS_009 = """
CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    match_id INTEGER NOT NULL REFERENCES matches (id),
    date DATE NOT NULL,
    minutes INTEGER NOT NULL,
    activity TEXT,
    note TEXT,
    created_at DATETIME NOT NULL,
    uncleared TEXT
)
"""


def m009_visit_cost_lines(conn: sqlite3.Connection) -> None:
    """Several cost lines per visit: ``visit_costs`` holds each (amount, type, the day it was
    paid); every visit's single cost moves into it as its one line (a cost of 0 is no line),
    and the visit keeps no cost of its own. Visits keep their ids, so concerns still point at
    them."""
    run_script(
        conn,
        """
        CREATE TABLE visit_costs (
            id INTEGER PRIMARY KEY,
            visit_id INTEGER NOT NULL REFERENCES visits (id),
            amount_pence INTEGER NOT NULL,
            cost_type TEXT,
            paid_on DATE,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX ix_visit_costs_visit ON visit_costs (visit_id, paid_on);
        INSERT INTO visit_costs (visit_id, amount_pence, cost_type, created_at)
            SELECT id, cost_pence, cost_type, created_at FROM visits
             WHERE cost_pence <> 0 ORDER BY id;
        DROP INDEX ix_visits_date_cost;
        """,
    )
    rebuild_table(conn, "visits", VISITS_009.strip())
    conn.execute("CREATE INDEX ix_visits_date_minutes ON visits (date, minutes)")


def m011_vetting_decisions(conn: sqlite3.Connection) -> None:
    """Vetting as decisions: a check's note and who decided (a risk assessment); the outcome of
    every reference and interview held before, and the decision of every panel, taken as
    satisfactory / approve (they were recorded when a date alone counted as passing). A
    volunteer's declaration of independence, their voluntary monitoring answers, and why they
    left."""
    run_script(
        conn,
        """
        ALTER TABLE volunteer_checks ADD COLUMN note TEXT;
        ALTER TABLE volunteer_checks ADD COLUMN decided_by TEXT;
        UPDATE volunteer_checks SET outcome = 'satisfactory'
            WHERE step IN ('reference', 'interview') AND outcome IS NULL;
        UPDATE volunteer_checks SET outcome = 'approve' WHERE step = 'panel' AND outcome IS NULL;
        ALTER TABLE volunteers ADD COLUMN ethnicity TEXT;
        ALTER TABLE volunteers ADD COLUMN faith TEXT;
        ALTER TABLE volunteers ADD COLUMN disability TEXT;
        ALTER TABLE volunteers ADD COLUMN leave_reason TEXT;
        ALTER TABLE volunteers ADD COLUMN leave_note TEXT;
        ALTER TABLE volunteers ADD COLUMN exit_interview_date DATE;
        CREATE TABLE volunteer_declarations (
            id INTEGER PRIMARY KEY,
            volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
            date DATE NOT NULL,
            la_children_services TEXT NOT NULL,
            connections TEXT,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX ix_volunteer_declarations_volunteer
            ON volunteer_declarations (volunteer_id, date);
        """,
    )


def m012_import_mappings(conn: sqlite3.Connection) -> None:
    """Saved header mappings of imports (``--save-map``), by name: the import they belong to
    (referral, volunteer, visit), the headers of the file they were saved from (JSON list) and
    their ``--map`` pairs (JSON list of [header, field]). Headers, never values."""
    run_script(
        conn,
        """
        CREATE TABLE import_mappings (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            headers TEXT NOT NULL,
            maps TEXT NOT NULL,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL
        );
        """,
    )


def m013_people_duplicates_contacts(conn: sqlite3.Connection) -> None:
    """Casework over time (issue 13).

    - young_people: ``uasc`` and ``interpreter_language`` (``legal_status`` came with 010);
    - the name keys of young people and volunteers folded again by ``parsing.name_key`` (accents
      and punctuation ignored, so Zoe Bronte is Zoë Brontë);
    - ``possible_duplicates``: pairs of young people who may be one child, kept until merged or
      dismissed, filled here with the pairs already held (same date of birth and the same
      folded first or last name: the rule as it stood at this step);
    - ``contacts``: the young person's network (social worker, IRO, carer, personal adviser)
      with dated history.
    """
    from ivcli.parsing import name_key

    run_script(
        conn,
        """
        ALTER TABLE young_people ADD COLUMN uasc BOOLEAN;
        ALTER TABLE young_people ADD COLUMN interpreter_language TEXT;

        CREATE TABLE possible_duplicates (
            id INTEGER PRIMARY KEY,
            young_person_id INTEGER NOT NULL REFERENCES young_people (id),
            other_id INTEGER NOT NULL REFERENCES young_people (id),
            reason TEXT NOT NULL,
            found_at DATETIME NOT NULL,
            dismissed_at DATETIME,
            UNIQUE (young_person_id, other_id)
        );
        CREATE INDEX ix_possible_duplicates_other ON possible_duplicates (other_id);

        CREATE TABLE contacts (
            id INTEGER PRIMARY KEY,
            young_person_id INTEGER NOT NULL REFERENCES young_people (id),
            role TEXT NOT NULL,
            name TEXT NOT NULL,
            email TEXT,
            phone TEXT,
            organisation TEXT,
            from_date DATE,
            to_date DATE,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL
        );
        CREATE INDEX ix_contacts_young_person ON contacts (young_person_id, to_date);
        """,
    )
    people = conn.execute(
        "SELECT id, first_name, last_name FROM young_people WHERE name_key <> ''").fetchall()
    conn.executemany(
        "UPDATE young_people SET first_key = ?, last_key = ?, name_key = ? WHERE id = ?",
        [(f, la, f"{f}|{la}", i) for i, first, last in people
         for f, la in [(name_key(first), name_key(last))]])
    volunteers = conn.execute(
        "SELECT id, first_name, last_name FROM volunteers WHERE name_key <> ''").fetchall()
    conn.executemany(
        "UPDATE volunteers SET name_key = ? WHERE id = ?",
        [(f"{name_key(first)}|{name_key(last)}", i) for i, first, last in volunteers])
    conn.execute(
        "INSERT INTO possible_duplicates (young_person_id, other_id, reason, found_at) "
        "SELECT n.id, o.id, CASE WHEN n.first_key = o.first_key AND n.last_key = o.last_key "
        "  THEN 'same_name_and_date_of_birth' WHEN n.last_key = o.last_key "
        "  THEN 'same_last_name_and_date_of_birth' ELSE 'same_first_name_and_date_of_birth' END, "
        "  (SELECT max(updated_at) FROM young_people) "
        "FROM young_people n JOIN young_people o ON o.date_of_birth = n.date_of_birth "
        "  AND o.id < n.id AND (o.last_key = n.last_key OR o.first_key = n.first_key) "
        "WHERE n.name_key <> '' AND o.name_key <> '' ORDER BY n.id, o.id")


def m014_young_voice(conn: sqlite3.Connection) -> None:
    """The young person's voice: on a review, what they said, their rating, the themes they
    named, whether they agreed to be quoted, and the review's outcome; on a visit, its high and
    low points."""
    run_script(
        conn,
        """
        ALTER TABLE reviews ADD COLUMN their_words TEXT;
        ALTER TABLE reviews ADD COLUMN rating INTEGER;
        ALTER TABLE reviews ADD COLUMN themes TEXT;
        ALTER TABLE reviews ADD COLUMN quote_ok BOOLEAN;
        ALTER TABLE reviews ADD COLUMN outcome TEXT;
        ALTER TABLE visits ADD COLUMN high TEXT;
        ALTER TABLE visits ADD COLUMN low TEXT;
        """,
    )


def m015_coded_reasons(conn: sqlite3.Connection) -> None:
    """Coded reasons and ethnicity codes (docs/getting-started.md, docs/ethnicity.md).

    ``referrals.reason_code``: why a referral was declined, withdrawn or closed, as a code
    (``enums.DeclineReason``, ``enums.WithdrawReason``); ``decision_reason`` stays the free-text
    note. A declined or withdrawn referral's old free text becomes code ``other`` with the text
    kept as the note (a text that is itself a code takes that code); a referral closed when its
    young person left care (``decision_reason`` 'left_care', written by ivcli) takes code
    ``left_care`` and no note. A referral closed when its match ended takes the code of the
    end: ``young_person_choice`` or ``left_care``, else ``other``.

    Ethnicity of young people and volunteers: each value the mapping of ``ivcli.ethnicity``
    knows becomes its code ("White British" -> WBRI); other text is kept as it is; a
    volunteer's prefer_not_to_say stays."""
    from ivcli import ethnicity
    from ivcli.enums import DeclineReason, WithdrawReason

    conn.execute("ALTER TABLE referrals ADD COLUMN reason_code TEXT")
    for status, codes in (("declined", DeclineReason), ("withdrawn", WithdrawReason)):
        known = tuple(c.value for c in codes)
        conn.execute(
            f"UPDATE referrals SET reason_code = CASE WHEN decision_reason IN "
            f"({', '.join('?' * len(known))}) THEN decision_reason ELSE 'other' END "
            "WHERE status = ?", (*known, status))
        conn.execute(
            f"UPDATE referrals SET decision_reason = NULL WHERE status = ? AND decision_reason "
            f"IN ({', '.join('?' * len(known))})", (status, *known))
    conn.execute("UPDATE referrals SET reason_code = 'left_care', decision_reason = NULL "
                 "WHERE status = 'closed' AND decision_reason = 'left_care'")
    conn.execute(
        "UPDATE referrals SET reason_code = coalesce((SELECT CASE WHEN m.end_reason IN "
        "('young_person_choice', 'left_care') THEN m.end_reason ELSE 'other' END FROM matches m "
        "WHERE m.referral_id = referrals.id AND m.status = 'ended' ORDER BY m.end_date DESC, "
        "m.id DESC LIMIT 1), 'other') WHERE status = 'closed' AND reason_code IS NULL")
    for table in ("young_people", "volunteers"):
        held = [r[0] for r in conn.execute(
            f"SELECT DISTINCT ethnicity FROM {table} WHERE ethnicity IS NOT NULL")]
        for value in held:
            code = ethnicity.code_for(value)
            if code and code != value and value != "prefer_not_to_say":
                conn.execute(f"UPDATE {table} SET ethnicity = ? WHERE ethnicity = ?",
                             (code, value))


def m016_training_courses(conn: sqlite3.Connection) -> None:
    """Training as courses (setting ``training.required``, docs/volunteers.md): each
    ``training`` check held becomes an ``induction`` course (``enums.TRAINING_DATE_COURSE``)
    in ``volunteer_trainings``, unless that course on that date is held already (the UNIQUE
    (volunteer_id, course, date): running it again adds nothing). The check rows stay, as
    history. Nothing is invented: a volunteer approved before without a safeguarding course
    stays matchable and is shown as due for it. A changed ``training.valid_years`` (the old
    single training's refresh period) becomes the refresh period of safeguarding in
    ``training.required``, unless that is set, and is removed."""
    from ivcli.enums import TRAINING_DATE_COURSE

    conn.execute(
        "INSERT INTO volunteer_trainings (volunteer_id, course, date, created_at) "
        "SELECT c.volunteer_id, ?, c.date, min(c.created_at) FROM volunteer_checks c "
        "WHERE c.step = 'training' AND NOT EXISTS (SELECT 1 FROM volunteer_trainings t "
        "WHERE t.volunteer_id = c.volunteer_id AND t.course = ? AND t.date = c.date) "
        "GROUP BY c.volunteer_id, c.date",
        (TRAINING_DATE_COURSE, TRAINING_DATE_COURSE))
    old = conn.execute("SELECT value FROM settings WHERE key = 'training.valid_years'"
                       ).fetchone()
    if old is None:
        return
    held = conn.execute("SELECT 1 FROM settings WHERE key = 'training.required'").fetchone()
    years = str(old[0]).strip()
    if held is None and years.isdigit() and int(years) >= 1:
        conn.execute("INSERT INTO settings (key, value) VALUES ('training.required', ?)",
                     (f"{TRAINING_DATE_COURSE}, safeguarding={int(years)}",))
    conn.execute("DELETE FROM settings WHERE key = 'training.valid_years'")


def rebuild_table(conn: sqlite3.Connection, table: str, create_sql: str,
                  copy: dict[str, str] | None = None) -> None:
    """Change a table's definition the way SQLite's ALTER TABLE documentation prescribes:
    create the new table under a temporary name, copy every row, drop the old one, rename.

    Runs inside the migration transaction, which ``db.prepare`` opens with foreign keys OFF (the
    pragma is a no-op inside a transaction) so that dropping the old table cannot cascade to or
    fail on dependent rows; ``migrate`` runs ``PRAGMA foreign_key_check`` before it commits.
    ``create_sql`` is the new ``CREATE TABLE {table} (...)``; ``copy`` maps new column names to
    SQL expressions over the old columns (default: every column the two have in common).
    Indexes and triggers on the table are re-created from their stored SQL.
    """
    old_cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    extras = [r[0] for r in conn.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
        "AND sql IS NOT NULL", (table,))]
    tmp = f"{table}__new"
    conn.execute(create_sql.replace(f"CREATE TABLE {table} ", f"CREATE TABLE {tmp} ", 1))
    new_cols = [r[1] for r in conn.execute(f"PRAGMA table_info({tmp})")]
    mapping = copy or {c: c for c in new_cols if c in old_cols}
    targets = ", ".join(mapping)
    sources = ", ".join(mapping.values())
    before = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    conn.execute(f"INSERT INTO {tmp} ({targets}) SELECT {sources} FROM {table}")
    after = conn.execute(f"SELECT count(*) FROM {tmp}").fetchone()[0]
    if after != before:
        raise sqlite3.IntegrityError(f"rebuilding {table} copied {after} of {before} rows")
    conn.execute(f"DROP TABLE {table}")
    conn.execute(f"ALTER TABLE {tmp} RENAME TO {table}")
    for sql in extras:
        conn.execute(sql)


def m008_concerns_supervision(conn: sqlite3.Connection) -> None:
    """Concerns about anyone: a concern is about exactly one young person, volunteer or match
    (the existing ones are about their match), with a category (``other`` for the existing ones)
    and a record of who was told and when (``concern_actions``). Volunteers' supervision
    sessions and training courses (many per volunteer; each recorded training date becomes an
    ``induction`` course). A visit logged while its volunteer was not cleared (a check lapsed,
    or on hold) says why in ``visits.uncleared``."""
    rebuild_table(conn, "concerns", """
        CREATE TABLE concerns (
            id INTEGER PRIMARY KEY,
            match_id INTEGER REFERENCES matches (id),
            young_person_id INTEGER REFERENCES young_people (id),
            volunteer_id INTEGER REFERENCES volunteers (id),
            visit_id INTEGER REFERENCES visits (id),
            category TEXT NOT NULL DEFAULT 'other',
            opened_date DATE NOT NULL,
            text TEXT NOT NULL,
            closed_date DATE,
            close_note TEXT,
            hold_note TEXT,
            created_at DATETIME NOT NULL,
            CHECK ((CASE WHEN match_id IS NULL THEN 0 ELSE 1 END)
                   + (CASE WHEN young_person_id IS NULL THEN 0 ELSE 1 END)
                   + (CASE WHEN volunteer_id IS NULL THEN 0 ELSE 1 END) = 1)
        )""")
    run_script(
        conn,
        """
        CREATE INDEX ix_concerns_match ON concerns (match_id);
        CREATE INDEX ix_concerns_young_person ON concerns (young_person_id);
        CREATE INDEX ix_concerns_volunteer ON concerns (volunteer_id);

        CREATE TABLE concern_actions (
            id INTEGER PRIMARY KEY,
            concern_id INTEGER NOT NULL REFERENCES concerns (id),
            told TEXT NOT NULL,
            date DATE NOT NULL,
            note TEXT,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX ix_concern_actions_concern ON concern_actions (concern_id, date);

        CREATE TABLE volunteer_supervisions (
            id INTEGER PRIMARY KEY,
            volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
            date DATE NOT NULL,
            kind TEXT NOT NULL,
            note TEXT,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX ix_volunteer_supervisions ON volunteer_supervisions (volunteer_id, date);

        CREATE TABLE volunteer_trainings (
            id INTEGER PRIMARY KEY,
            volunteer_id INTEGER NOT NULL REFERENCES volunteers (id),
            course TEXT NOT NULL,
            date DATE NOT NULL,
            created_at DATETIME NOT NULL,
            UNIQUE (volunteer_id, course, date)
        );

        ALTER TABLE visits ADD COLUMN uncleared TEXT;
        """,
    )

REFERRAL_COLUMNS_011 = (
    ("understanding", "TEXT"), ("decided_by", "TEXT"), ("consent_note", "TEXT"),
    ("reoffer_date", "DATE"), ("pathway_plan", "BOOLEAN"), ("acknowledged_date", "DATE"),
)


def m010_legal_status_consent(conn: sqlite3.Connection) -> None:
    """Legal status and life events, consent as the law has it (docs/legal-status.md).

    - ``young_people.legal_status`` (looked_after, care_leaver, left_care), unless migration
      010 added it already; a young person recorded as a care leaver becomes ``care_leaver``.
    - ``legal_status_history`` and ``placement_history``: what changed, from which date.
    - Referrals: consent is no longer a yes/no but yes, no, not_now or best_interest (the old
      compulsory yes is ``yes``, a no ``no``), with the young person's understanding, who
      decided a best-interest consent and why, the re-offer date of a "not now", the pathway
      plan (a care leaver's core criterion) and the date the referral was acknowledged.
    """
    columns = [r[1] for r in conn.execute("PRAGMA table_info(young_people)")]
    if "legal_status" not in columns:
        conn.execute("ALTER TABLE young_people ADD COLUMN legal_status TEXT NOT NULL "
                     "DEFAULT 'looked_after'")
    conn.execute("UPDATE young_people SET legal_status = 'care_leaver' "
                 "WHERE care_leaver = 1 AND legal_status = 'looked_after'")
    run_script(
        conn,
        """
        CREATE TABLE legal_status_history (
            id INTEGER PRIMARY KEY,
            young_person_id INTEGER NOT NULL REFERENCES young_people (id),
            status TEXT NOT NULL,
            date DATE NOT NULL,
            reason TEXT,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX ix_legal_status_history ON legal_status_history (young_person_id, date);
        CREATE TABLE placement_history (
            id INTEGER PRIMARY KEY,
            young_person_id INTEGER NOT NULL REFERENCES young_people (id),
            field TEXT NOT NULL,
            value TEXT,
            date DATE NOT NULL,
            created_at DATETIME NOT NULL
        );
        CREATE INDEX ix_placement_history ON placement_history (young_person_id, date);
        """,
    )
    # The table as it now is (whatever earlier migrations added), with consent as text.
    (create_sql,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'referrals'").fetchone()
    create_sql, replaced = re.subn(r"\bconsent BOOLEAN\b", "consent TEXT", create_sql)
    if replaced:
        old = [r[1] for r in conn.execute("PRAGMA table_info(referrals)")]
        copy = {c: c for c in old}
        copy["consent"] = ("CASE WHEN consent IN (1, '1') THEN 'yes' "
                           "WHEN consent IN (0, '0') THEN 'no' ELSE NULL END")
        rebuild_table(conn, "referrals", create_sql, copy)
    held = [r[1] for r in conn.execute("PRAGMA table_info(referrals)")]
    for name, kind in REFERRAL_COLUMNS_011:
        if name not in held:
            conn.execute(f"ALTER TABLE referrals ADD COLUMN {name} {kind}")


MIGRATIONS: list[tuple[str, Migration]] = [
    ("001_initial", m001_initial),
    ("002_identity_index", m002_identity_index),
    ("003_volunteers_checks", m003_volunteers_checks),
    ("004_reports_indexes", m004_reports_indexes),
    ("005_safety_audit", m005_safety_audit),
    ("006_audit_ranges", m006_audit_ranges),
    ("007_one_timestamp_form", m007_one_timestamp_form),
    ("008_concerns_supervision", m008_concerns_supervision),
    ("009_visit_cost_lines", m009_visit_cost_lines),
    ("010_legal_status_consent", m010_legal_status_consent),
    ("011_vetting_decisions", m011_vetting_decisions),
    ("012_import_mappings", m012_import_mappings),
    ("013_people_duplicates_contacts", m013_people_duplicates_contacts),
    ("014_young_voice", m014_young_voice),
    ("015_coded_reasons", m015_coded_reasons),
    ("016_training_courses", m016_training_courses),
]

SCHEMA_VERSION = len(MIGRATIONS)


def applied(conn: sqlite3.Connection) -> list[str]:
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
    ).fetchone()
    if not has_table:
        return []
    return [row[0] for row in conn.execute("SELECT name FROM schema_migrations ORDER BY seq")]


def pending(conn: sqlite3.Connection) -> list[tuple[str, Migration]]:
    done = applied(conn)
    known = [name for name, _ in MIGRATIONS]
    unknown = [name for name in done if name not in known]
    if unknown or len(done) > len(known):
        from ivcli.errors import DatabaseUnusable

        raise DatabaseUnusable(
            "this database was written by a newer ivcli "
            f"(schema step {unknown[-1] if unknown else len(done)})",
            hint="upgrade ivcli (pip install -U ivcli); the file was not changed",
        )
    return [(name, fn) for name, fn in MIGRATIONS if name not in done]


def migrate(conn: sqlite3.Connection, now: str) -> list[str]:
    """Apply pending migrations on ``conn``, which must already be inside a write transaction."""
    todo = pending(conn)
    if not todo:
        return []
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " seq INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at DATETIME NOT NULL)"
    )
    for name, fn in todo:
        fn(conn)
        conn.execute(
            "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (name, now)
        )
    # Foreign keys are off while migrating (see rebuild_table): prove nothing dangles before
    # the transaction commits.
    broken = conn.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise sqlite3.IntegrityError(
            f"migration left {len(broken)} broken reference(s), e.g. {table} row {rowid} -> "
            f"{parent}"
        )
    return [name for name, _ in todo]
