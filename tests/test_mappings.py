"""Issue 15 item 2: saved header mappings. `--map ... --save-map NAME` keeps a council's
mapping once the import succeeds; `--mapping NAME` uses it; a file with exactly the saved
headers uses it with no flags (and says so); `ivcli mappings` lists and deletes them."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import file_sha256, run_noting_imports

HEADER = "Child Given,Child Family,Born On,Received,Case Worker\n"
MAPS = ["--map", "Child Given=first_name", "--map", "Child Family=last_name",
        "--map", "Born On=date_of_birth", "--map", "Received=referral_date"]


def council(tmp_path: Path, rows: str, name: str = "council.csv", header: str = HEADER) -> Path:
    f = tmp_path / name
    f.write_text(header + rows, encoding="utf-8")
    return f


def referral_count(db_path: Path) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("SELECT count(*) FROM referrals").fetchone()[0]
    finally:
        conn.close()


def audited(db_path: Path) -> list[str]:
    """The audit trail's actions on saved mappings, in order."""
    conn = sqlite3.connect(db_path)
    try:
        return [a for (a,) in conn.execute(
            "SELECT action FROM audit_log WHERE table_name = 'import_mappings' ORDER BY id")]
    finally:
        conn.close()


def make_db(cli, tmp_path: Path) -> None:
    cli("referral", "import", str(council(tmp_path, "", name="empty.csv",
                                          header="first_name,last_name,date_of_birth,referral_date\n")),
        "-q")


def save_council(cli, tmp_path: Path):
    return cli("referral", "import", str(council(tmp_path, "Amy,Lee,01/02/2014,01/03/2025,Jo\n")),
               "-q", *MAPS, "--save-map", "council")


def test_one_run_with_save_map_then_next_months_file_needs_no_flags(cli, tmp_path, db_path):
    r = save_council(cli, tmp_path)
    assert "Saved mapping 'council'" in r.stderr
    nxt = council(tmp_path, "Ben,Ray,02/03/2013,04/04/2025,Sam\n", name="november.csv")
    r = cli("referral", "import", str(nxt), "-q")
    assert "Added 1 referral(s)" in r.stderr
    assert "Used saved mapping 'council'" in r.stderr
    assert referral_count(db_path) == 2


def test_the_headers_match_as_a_set_in_any_order_and_case(cli, tmp_path, db_path):
    save_council(cli, tmp_path)
    nxt = council(tmp_path, "Lee,Ben,02/03/2013,04/04/2025,Sam\n", name="next.csv",
                  header="child family,CHILD GIVEN,Born On,Received,Case  Worker\n")
    r = cli("referral", "import", str(nxt), "-q")
    assert "Used saved mapping 'council'" in r.stderr
    assert referral_count(db_path) == 2


def test_other_headers_do_not_use_the_saved_mapping(cli, tmp_path):
    save_council(cli, tmp_path)
    other = council(tmp_path, "Ben,Ray,02/03/2013,04/04/2025\n", name="other.csv",
                    header="Child Given,Child Family,Born On,Received\n")
    r = cli("referral", "import", str(other), "-q", code=1)
    assert "has no column for first_name" in r.stderr
    assert "saved mapping" not in r.stderr.lower()


def test_mapping_by_name_for_other_headers_and_map_adds_to_it(cli, tmp_path, db_path):
    save_council(cli, tmp_path)
    other = council(tmp_path, "Ben,Ray,02/03/2013,04/04/2025,Sam\n", name="other.csv",
                    header="Child Given,Child Family,Born On,Received,Worker Name\n")
    r = cli("referral", "import", str(other), "-q", "--mapping", "council",
            "--map", "Worker Name=referrer_name")
    assert "Used saved mapping 'council'." in r.stderr
    assert "Ignored columns" not in r.stderr
    assert referral_count(db_path) == 2


def test_map_adds_to_a_matching_saved_mapping_and_wins_over_it(cli, tmp_path, db_path):
    save_council(cli, tmp_path)
    nxt = council(tmp_path, "Ben,Ray,02/03/2013,04/04/2025,Sam\n", name="next.csv")
    r = cli("referral", "import", str(nxt), "-q", "--map", "Case Worker=referrer_name")
    assert "Used saved mapping 'council'" in r.stderr and "Ignored columns" not in r.stderr
    # --map names the same header as the saved map: --map wins (here: a wrong field, refused).
    r = cli("referral", "import", str(nxt), "-q", "--map", "Born On=referral_date", code=1)
    assert "two columns give the same field" in r.stderr


def test_an_unknown_mapping_name_lists_the_saved_ones(cli, tmp_path, db_path):
    f = council(tmp_path, "Amy,Lee,01/02/2014,01/03/2025,Jo\n")
    r = cli("referral", "import", str(f), "-q", "--mapping", "council", code=1)
    assert "there is no saved referral mapping 'council'" in r.stderr
    assert "no referral mapping is saved yet" in r.stderr
    assert not db_path.exists()  # a failed import leaves no new database
    save_council(cli, tmp_path)
    cli("referral", "import", str(f), "-q", "--map", "Child Given=first_name",
        "--map", "Child Family=last_name", "--map", "Born On=date_of_birth",
        "--map", "Received=referral_date", "--save-map", "la2")
    before = file_sha256(db_path)
    r = cli("referral", "import", str(f), "-q", "--mapping", "counci", code=1)
    assert "saved referral mappings: 'council', 'la2'" in r.stderr
    assert file_sha256(db_path) == before


def test_a_mapping_of_another_import_is_refused(cli, tmp_path):
    save_council(cli, tmp_path)
    f = tmp_path / "vols.csv"
    f.write_text("first_name,last_name,date_of_birth\n", encoding="utf-8")
    r = cli("volunteer", "import", str(f), "--mapping", "council", code=1)
    assert "'council' is for 'referral import', not 'volunteer import'" in r.stderr
    r = cli("volunteer", "import", str(f), "--map", "first_name=first_name", "--save-map",
            "council", code=1)
    assert "already a mapping for 'referral import'" in r.stderr


def test_save_map_needs_a_map(cli, tmp_path, db_path):
    f = council(tmp_path, "", header="first_name,last_name,date_of_birth,referral_date\n")
    r = cli("referral", "import", str(f), "-q", "--save-map", "council", code=1)
    assert "nothing to save without --map" in r.stderr
    assert not db_path.exists()


@pytest.mark.parametrize("name", ["", " padded", "x" * 61])
def test_a_mapping_name_must_be_usable(cli, tmp_path, name):
    f = council(tmp_path, "Amy,Lee,01/02/2014,01/03/2025,Jo\n")
    r = cli("referral", "import", str(f), "-q", *MAPS, "--save-map", name, code=1)
    assert "a mapping's name is 1 to 60 characters" in r.stderr


def test_a_dry_run_saves_nothing_and_says_so(cli, tmp_path, db_path):
    make_db(cli, tmp_path)
    f = council(tmp_path, "Amy,Lee,01/02/2014,01/03/2025,Jo\n")
    r = cli("referral", "import", str(f), "-q", *MAPS, "--save-map", "council", "--dry-run")
    assert "Mapping 'council' not saved (dry run)" in r.stderr
    assert cli.json("mappings") == []


def test_a_failed_import_saves_no_mapping(cli, tmp_path, db_path):
    make_db(cli, tmp_path)
    f = council(tmp_path, "Amy,Lee,31/02/2014,01/03/2025,Jo\n")
    before = file_sha256(db_path)
    r = cli("referral", "import", str(f), "-q", *MAPS, "--save-map", "council", code=1)
    assert "line 2, date_of_birth" in r.stderr
    assert file_sha256(db_path) == before
    assert cli.json("mappings") == []


def test_mappings_list_in_every_format(cli, tmp_path):
    make_db(cli, tmp_path)
    assert "No saved mappings" in cli("mappings", "list").output
    save_council(cli, tmp_path)
    rows = cli.json("mappings")
    assert rows == cli.json("mappings", "list")
    assert [sorted(r) for r in rows] == [["headers", "kind", "maps", "name", "updated_at"]]
    (row,) = rows
    assert row["name"] == "council" and row["kind"] == "referral"
    assert row["maps"] == {"Child Given": "first_name", "Child Family": "last_name",
                           "Born On": "date_of_birth", "Received": "referral_date"}
    assert row["headers"] == ["Child Given", "Child Family", "Born On", "Received",
                              "Case Worker"]
    csv_out = cli("mappings", "list", "--format", "csv").stdout.splitlines()
    assert csv_out[0] == "name,kind,maps,headers,updated_at"
    assert csv_out[1].startswith("council,referral,Child Given=first_name; Child Family=")
    table = cli("mappings").stdout
    assert "council" in table and "referral" in table and "Born On=date_of_birth" in table


def test_saving_again_replaces_the_mapping(cli, tmp_path, db_path):
    save_council(cli, tmp_path)
    f = council(tmp_path, "", name="v2.csv",
                header="Child Given,Child Family,Born On,Received,Worker\n")
    cli("referral", "import", str(f), "-q", "--mapping", "council", "--map",
        "Worker=referrer_name", "--save-map", "council")
    (row,) = cli.json("mappings")
    assert row["maps"]["Worker"] == "referrer_name"
    assert row["headers"][-1] == "Worker"
    actions = audited(db_path)
    assert actions == ["insert", "update"]


def test_delete(cli, tmp_path, db_path):
    save_council(cli, tmp_path)
    r = cli("mappings", "delete", "nope", code=1)
    assert "there is no saved mapping 'nope'" in r.stderr and "'council'" in r.stderr
    r = cli("mappings", "delete", "council")
    assert "Deleted saved mapping 'council'" in r.stderr
    assert cli.json("mappings") == []
    actions = audited(db_path)
    assert actions == ["insert", "delete"]
    nxt = council(tmp_path, "Ben,Ray,02/03/2013,04/04/2025,Sam\n", name="next.csv")
    cli("referral", "import", str(nxt), "-q", code=1)  # needs --map again


def test_volunteer_and_visit_imports_save_and_use_mappings(cli, tmp_path, db_path):
    from tests.visits_helpers import matched_young_person

    vols = tmp_path / "vols.csv"
    head = "Forename Vol,Family Vol,Born,Applied\n"
    vols.write_text(head + "Priya,Shah,14/03/1986,06/01/2025\n", encoding="utf-8")
    cli("volunteer", "import", str(vols), "--map", "Forename Vol=first_name",
        "--map", "Family Vol=last_name", "--map", "Born=date_of_birth",
        "--map", "Applied=application_date", "--save-map", "pool")
    vols.write_text(head + "Tom,Neill,02/11/1979,01/04/2025\n", encoding="utf-8")
    r = cli("volunteer", "import", str(vols))
    assert "Used saved mapping 'pool'" in r.stderr and "Added 1 volunteer(s)" in r.stderr

    _, match_id = matched_young_person(cli, db_path)
    first, second = (date.today() - timedelta(days=d) for d in (20, 10))
    sheet = tmp_path / "visits.csv"
    sheet.write_text(f"Pairing,When,Length,What\n{match_id},{first},2,bowling\n",
                     encoding="utf-8")
    cli("visit", "import", str(sheet), "--map", "Pairing=match_id", "--map", "When=date",
        "--map", "Length=hours", "--map", "What=activity", "--save-map", "visits")
    sheet.write_text(f"Pairing,When,Length,What\n{match_id},{second},2,cinema\n",
                     encoding="utf-8")
    r = cli("visit", "import", str(sheet))
    assert "Used saved mapping 'visits'" in r.stderr and "Added 1 visit(s)" in r.stderr
    assert {(m["name"], m["kind"]) for m in cli.json("mappings")} == {
        ("pool", "volunteer"), ("visits", "visit")}


def test_a_mistyped_map_is_refused_before_the_file_is_read(cli, tmp_path):
    r = cli("referral", "import", str(tmp_path / "missing.csv"), "--map", "Born On",
            code=1)
    assert "is not of the form" in r.stderr


@pytest.mark.slow
def test_mappings_list_starts_without_the_models(db_path, tmp_path, cli):
    save_council(cli, tmp_path)
    code, out, err, heavy = run_noting_imports("--db", str(db_path), "mappings", "--format",
                                               "json")
    assert code == 0, err
    assert heavy == []
    nxt = council(tmp_path, "Ben,Ray,02/03/2013,04/04/2025,Sam\n", name="next.csv")
    code, out, err, heavy = run_noting_imports("--db", str(db_path), "referral", "import",
                                               str(nxt), "-q")
    assert code == 0, err
    assert "Used saved mapping 'council'" in err
    assert "ivcli.models" not in heavy  # using a saved mapping does not load the models
