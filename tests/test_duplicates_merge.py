"""Issue 13, points 2 and 3: possible duplicates kept until resolved, merge, not-duplicate."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import file_sha256
from tests.test_people_update import referral
from tests.test_safety import rows
from tests.visits_helpers import add_match, days_ago


def two_records_of_one_child(cli, tmp_path: Path) -> tuple[dict, int]:
    """Zoë Brontë added, then `Zoe Bronte` with her date of birth imported under another
    council reference (so not linked): the pair is flagged."""
    first = referral(cli, reference="LA-1")
    sheet = tmp_path / "zoe.csv"
    sheet.write_text("reference,first_name,last_name,date_of_birth,referral_date\n"
                     "LA-2,Zoe,Bronte,01/02/2014,01/10/2025\n", encoding="utf-8")
    result = cli("referral", "import", str(sheet), "-q")
    assert "Possible duplicates (not merged): 1" in result.stderr
    other = cli.json("young-person", "list", "--name", "zoe bronte")[-1]["id"]
    return first, other


def test_zoe_bronte_with_zoes_birthday_is_linked_or_flagged(cli, db_path, tmp_path):
    """Same folded name and date of birth: linked (the identity rule) when neither has a
    different reference; flagged when they have two references."""
    first = referral(cli)
    # A child has one open referral at a time: the first is closed before she is referred again.
    cli("referral", "withdraw", str(first["id"]), "--reason", "moved away")
    linked = referral(cli, first="ZOE", last="Bronte", on="01/10/2025")
    assert linked["young_person_id"] == first["young_person_id"]
    assert cli.json("young-person", "duplicates") == []
    cli("young-person", "update", str(first["young_person_id"]), "--reference", "LA-1")
    sheet = tmp_path / "zoe.csv"
    sheet.write_text("reference,first_name,last_name,date_of_birth,referral_date\n"
                     "LA-2,Zoe,Bronte,01/02/2014,01/11/2025\n", encoding="utf-8")
    cli("referral", "import", str(sheet), "-q")
    other = cli.json("young-person", "list")[-1]["id"]
    assert cli.json("young-person", "duplicates") == [
        {"young_person_id": other, "other_id": first["young_person_id"],
         "reason": "same_name_and_date_of_birth"}]


def test_duplicates_are_kept_not_only_printed_and_dismissed_for_good(cli, db_path, tmp_path):
    first, other = two_records_of_one_child(cli, tmp_path)
    yp = first["young_person_id"]
    # A near miss too: the same date of birth and first name.
    third = referral(cli, first="Zoë", last="Jones", on="01/11/2025")["young_person_id"]
    pairs = cli.json("young-person", "duplicates")
    assert {(p["young_person_id"], p["other_id"], p["reason"]) for p in pairs} == {
        (other, yp, "same_name_and_date_of_birth"),
        (third, yp, "same_first_name_and_date_of_birth"),
        (third, other, "same_first_name_and_date_of_birth")}
    assert cli("young-person", "duplicates", "--format", "csv").stdout.splitlines()[0] == \
        "young_person_id,other_id,reason"
    assert "Possible duplicates" in cli("young-person", "duplicates").stdout
    cli("young-person", "not-duplicate", str(yp), str(third))
    again = cli("young-person", "not-duplicate", str(third), str(yp))
    assert "already" in again.stderr
    cli("young-person", "not-duplicate", str(other), str(third))
    assert [(p["young_person_id"], p["other_id"]) for p in
            cli.json("young-person", "duplicates")] == [(other, yp)]
    # A later correction does not bring a dismissed pair back.
    cli("young-person", "update", str(third), "--last-name", "Jonés")
    assert len(cli.json("young-person", "duplicates")) == 1
    cli("young-person", "not-duplicate", str(yp), "99", code=1)
    cli("young-person", "not-duplicate", str(yp), str(yp), code=1)
    assert rows(db_path, "SELECT count(*) FROM audit_log WHERE table_name = "
                "'possible_duplicates'")[0][0] >= 3


def test_a_correction_that_makes_two_records_alike_flags_them(cli, db_path):
    yp = referral(cli)["young_person_id"]
    other = referral(cli, first="Amy", last="Lee", dob="05/05/2013")["young_person_id"]
    assert cli.json("young-person", "duplicates") == []
    cli("young-person", "update", str(other), "--date-of-birth", "01/02/2014",
        "--last-name", "BRONTE")
    assert cli.json("young-person", "duplicates") == [
        {"young_person_id": other, "other_id": yp, "reason": "same_last_name_and_date_of_birth"}]
    cli("young-person", "update", str(other), "--date-of-birth", "05/05/2013")
    assert cli.json("young-person", "duplicates") == []


def test_merge_leaves_one_person_with_both_referrals(cli, db_path, tmp_path):
    """Acceptance: after the import flags the pair, merge leaves one person with both."""
    first, other = two_records_of_one_child(cli, tmp_path)
    keep = first["young_person_id"]
    cli("young-person", "contact", str(other), "add", "--role", "social_worker", "--name",
        "Sam Worker", "--from", days_ago(30).isoformat())
    cli("young-person", "update", str(other), "--area", "North", "--gender", "female")
    match = add_match(db_path, other, start=days_ago(20))
    visit_ids = [r[0] for r in rows(db_path, "SELECT id FROM visits WHERE match_id = ?",
                                    (match,))]
    before = file_sha256(db_path)
    # Without a terminal and without --yes: asks for --yes, merges nothing.
    refused = cli("--no-input", "young-person", "merge", str(keep), str(other), code=2)
    assert "--yes" in refused.stderr
    assert "referrals" in refused.stdout and "contacts" in refused.stdout
    assert file_sha256(db_path) == before
    plan = cli.json("young-person", "merge", str(keep), str(other), "--yes")
    assert plan["keep"] == keep and plan["drop"] == other
    assert set(plan["moves"]) >= {"referrals", "matches", "contacts"}
    assert plan["moves"]["matches"] == [match]
    assert plan["moves"].get("visits", []) == visit_ids
    assert {"area", "gender"} <= set(plan["filled"])
    people = cli.json("young-person", "list")
    assert [p["id"] for p in people] == [keep]
    shown = cli.json("young-person", "show", str(keep))
    assert len(shown["referrals"].split(", ")) == 2
    assert shown["area"] == "North" and shown["reference"] == "LA-1"
    assert [c["name"] for c in shown["contacts"]] == ["Sam Worker"]
    assert rows(db_path, "SELECT young_person_id FROM matches WHERE id = ?", (match,)) == [
        (keep,)]
    assert cli.json("young-person", "duplicates") == []
    assert rows(db_path, "SELECT count(*) FROM audit_log WHERE table_name = 'young_people' "
                "AND record_id = ? AND action = 'delete'", (str(other),)) == [(1,)]
    assert rows(db_path, "SELECT fields FROM audit_log WHERE table_name = 'referrals' AND "
                "action = 'update' ORDER BY id DESC LIMIT 1") == [("young_person_id",)]
    checks = cli("check", code=None).stdout  # the test's match has no matched referral
    for name in ("foreign_key_check", "audit_chain"):
        assert any(line.split()[1:4] == [name, "│", "yes"] for line in checks.splitlines()
                   if name in line), checks
    cli("young-person", "show", str(other), code=1)


def test_merge_is_refused_when_both_have_an_open_match(cli, db_path, tmp_path):
    first, other = two_records_of_one_child(cli, tmp_path)
    keep = first["young_person_id"]
    add_match(db_path, keep)
    add_match(db_path, other)
    before = file_sha256(db_path)
    refused = cli("young-person", "merge", str(keep), str(other), "--yes", code=1)
    assert "both have an open match" in refused.stderr
    assert file_sha256(db_path) == before
    assert "Traceback" not in refused.stderr and "Zo" not in refused.stderr


def test_merge_refuses_unknown_ids_itself_and_two_referrals_on_one_day(cli, db_path, tmp_path):
    yp = referral(cli, reference="LA-1")["young_person_id"]
    cli("young-person", "merge", str(yp), "99", "--yes", code=1)
    cli("young-person", "merge", "99", str(yp), "--yes", code=1)
    cli("young-person", "merge", str(yp), str(yp), "--yes", code=1)
    other = referral(cli, first="Zoe", last="Bronte", reference="LA-2")["young_person_id"]
    clash = cli("young-person", "merge", str(yp), str(other), "--yes", code=1)
    assert "on the same date" in clash.stderr
    assert "referral update" in clash.stderr
