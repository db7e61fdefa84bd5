"""Issue 13, point 8: the child's network, with history; personal data in export and erasure;
reviews with the IRO."""

from __future__ import annotations

import json
import sqlite3

from tests.conftest import file_sha256
from tests.test_people_update import referral
from tests.visits_helpers import add_match, days_ago


def network(cli, yp: int) -> list[dict]:
    return cli.json("young-person", "contact", str(yp), "list")


def test_contacts_are_added_ended_and_kept_as_history(cli, db_path):
    yp = referral(cli)["young_person_id"]
    old = int(cli("young-person", "contact", str(yp), "add", "--role", "social_worker",
                  "--name", "Sam Old", "--email", "sam@council.example", "--phone",
                  "0113 496 0000", "--organisation", "Leeds CC",
                  "--from", days_ago(300).isoformat()).stdout)
    cli("young-person", "contact", str(yp), "end", str(old), "--date", days_ago(10).isoformat())
    new = int(cli("young-person", "contact", str(yp), "add", "--role", "Social Worker",
                  "--name", "Kim New").stdout)
    iro = int(cli("young-person", "contact", str(yp), "add", "--role", "iro", "--name",
                  "Ira Reviewer", "--from", days_ago(50).isoformat()).stdout)
    everyone = network(cli, yp)
    assert [(c["id"], c["role"], c["to_date"]) for c in everyone] == [
        (iro, "iro", None), (old, "social_worker", days_ago(10).isoformat()),
        (new, "social_worker", None)]
    assert everyone[1]["email"] == "sam@council.example"
    shown = cli.json("young-person", "show", str(yp))
    assert [c["id"] for c in shown["contacts"]] == [iro, new]
    assert "to_date" not in shown["contacts"][0]
    table = cli("young-person", "show", str(yp)).stdout
    assert "Network" in table and "Kim New" in table and "Sam Old" not in table
    csv_out = cli("young-person", "contact", str(yp), "list", "--format", "csv").stdout
    assert csv_out.splitlines()[0] == \
        "id,role,name,email,phone,organisation,from_date,to_date"
    assert "Network of young person" in cli("young-person", "contact", str(yp), "list").stdout


def test_contact_errors(cli, db_path):
    yp = referral(cli)["young_person_id"]
    before = file_sha256(db_path)
    bad = cli("young-person", "contact", str(yp), "add", "--role", "teacher", "--name", "X",
              "--email", "nope", code=1)
    assert "role: not one of social_worker, iro, carer, personal_adviser" in bad.stderr
    assert "email: not an email address" in bad.stderr
    cli("young-person", "contact", str(yp), "add", "--role", "carer", "--name", "A", "--from",
        "01/01/2099", code=1)
    cli("young-person", "contact", "99", "add", "--role", "carer", "--name", "A", code=1)
    cli("--no-input", "young-person", "contact", str(yp), "add", "--role", "carer", code=2)
    cli("young-person", "contact", "99", "list", code=1)
    assert file_sha256(db_path) == before
    cid = int(cli("young-person", "contact", str(yp), "add", "--role", "carer", "--name",
                  "Cara", "--from", days_ago(5).isoformat()).stdout)
    cli("young-person", "contact", str(yp), "end", "99", "--date", days_ago(1).isoformat(),
        code=1)
    early = cli("young-person", "contact", str(yp), "end", str(cid), "--date",
                days_ago(9).isoformat(), code=1)
    assert "before contact" in early.stderr
    cli("--no-input", "young-person", "contact", str(yp), "end", str(cid), code=2)
    cli("young-person", "contact", str(yp), "end", str(cid), "--date", days_ago(1).isoformat())
    again = cli("young-person", "contact", str(yp), "end", str(cid), "--date",
                days_ago(1).isoformat(), code=1)
    assert "already ended" in again.stderr
    other = referral(cli, first="Amy", last="Lee")["young_person_id"]
    cli("young-person", "contact", str(other), "end", str(cid), "--date",
        days_ago(1).isoformat(), code=1)


def test_lists_reports_and_today_never_print_contact_details(cli, db_path):
    added = referral(cli)
    yp = added["young_person_id"]
    add_match(db_path, yp, referral_id=added["id"])
    cli("young-person", "contact", str(yp), "add", "--role", "social_worker", "--name",
        "Sam Secretname", "--email", "sam@secret.example", "--phone", "0113 496 0999")
    for args in (("young-person", "list"), ("referral", "list"), ("today", "--names"),
                 ("young-person", "duplicates"), ("match", "list")):
        for fmt in ("table", "json", "csv"):
            out = cli(*args, "--format", fmt).stdout
            assert "Secretname" not in out and "secret.example" not in out, args


def test_subject_export_holds_the_contacts_and_erasure_scrubs_them(cli, db_path):
    yp = referral(cli)["young_person_id"]
    cid = int(cli("young-person", "contact", str(yp), "add", "--role", "carer", "--name",
                  "Cara Carer", "--email", "cara@example.org", "--phone", "07700 900111",
                  "--organisation", "Fostering Ltd").stdout)
    data = json.loads(cli("subject-export", str(yp)).stdout)
    assert [c["name"] for c in data["records"]["contacts"]] == ["Cara Carer"]
    cli("erase", "young-person", str(yp), "--yes")
    conn = sqlite3.connect(db_path)
    try:
        row = conn.execute("SELECT role, name, email, phone, organisation FROM contacts "
                           "WHERE id = ?", (cid,)).fetchone()
    finally:
        conn.close()
    assert row == ("carer", "erased", None, None, None)


def test_a_review_can_be_with_the_iro(cli, db_path):
    added = referral(cli)
    match = add_match(db_path, added["young_person_id"], start=days_ago(60))
    result = cli("match", "review", str(match), "--date", days_ago(1).isoformat(), "--with",
                 "iro")
    assert "with the iro" in result.stderr
    cli("match", "review", str(match), "--date", days_ago(1).isoformat(), "--with", "teacher",
        code=1)
