"""Out-of-area placements and UASC in the commissioner's figures (issue 16): recorded per young
person (add, update, CSV), counted by referral in the period, suppressed when published."""

from __future__ import annotations

from pathlib import Path

HEADER = "first_name,last_name,date_of_birth,referral_date,Placed Out of Area,UASC Status\n"
ROWS = [  # out of area, UASC
    ("Aa", "Bb", "yes", "yes"), ("Cc", "Dd", "yes", "no"), ("Ee", "Ff", "no", "no"),
    ("Gg", "Hh", "", ""), ("Ii", "Jj", "yes", ""),
]
MONTH = ["report", "monthly", "--month", "2026-03", "--as-of", "2026-04-02"]


def load(cli, tmp_path: Path, rows=ROWS) -> None:
    f = tmp_path / "council.csv"
    f.write_text(HEADER + "".join(
        f"{a},{b},01/02/2014,{10 + i:02d}/03/2026,{ooa},{uasc}\n"
        for i, (a, b, ooa, uasc) in enumerate(rows)), encoding="utf-8")
    cli("referral", "import", str(f))


def test_the_csv_columns_are_read_and_counted_by_referral(cli, backend, tmp_path):
    load(cli, tmp_path)
    r = cli.json(*MONTH)
    assert r["referrals_by_placement"] == {"in_area": 1, "out_of_area": 3, "not_recorded": 1}
    assert r["referrals_by_uasc"] == {"uasc": 1, "not_uasc": 2, "not_recorded": 2}
    # Another month counts none of them.
    other = cli.json("report", "monthly", "--month", "2026-02", "--as-of", "2026-04-02")
    assert set(other["referrals_by_placement"].values()) == {0}


def test_an_update_moves_a_child_between_groups_and_show_says_so(cli, db_path, tmp_path):
    load(cli, tmp_path)
    yp = cli.json("young-person", "list")[3]["id"]  # Gg Hh: nothing recorded
    cli("young-person", "update", str(yp), "--out-of-area", "no", "--uasc", "yes")
    shown = cli.json("young-person", "show", str(yp))
    assert (shown["out_of_area"], shown["uasc"]) == (False, True)
    r = cli.json(*MONTH)
    assert r["referrals_by_placement"] == {"in_area": 2, "out_of_area": 3, "not_recorded": 0}
    assert r["referrals_by_uasc"]["uasc"] == 2
    cli("young-person", "update", str(yp), "--out-of-area", "perhaps", code=1)
    assert cli.json("young-person", "show", str(yp))["out_of_area"] is False


def test_a_bad_csv_value_names_the_line_and_loads_nothing(cli, db_path, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(HEADER + "Aa,Bb,01/02/2014,10/03/2026,yes,no\nCc,Dd,01/02/2014,11/03/2026,"
                 "sometimes,no\n", encoding="utf-8")
    result = cli("referral", "import", str(f), code=1)
    assert "line 3" in result.stderr and "out_of_area" in result.stderr.lower().replace(" ", "_")
    assert not db_path.exists()  # a failed import leaves no new database


def test_published_reports_hide_small_counts(cli, db_path, tmp_path):
    load(cli, tmp_path)
    r = cli.json(*MONTH, "--publish")
    assert r["referrals_by_placement"]["out_of_area"] == "<5"
    assert r["referrals_by_uasc"]["uasc"] == "<5"
    text = cli(*MONTH, "--publish").stdout
    assert "Referrals: out-of-area placements" in text and "Referrals: UASC" in text


def test_the_demo_records_placements_for_looked_after_children(cli, db_path):
    cli("demo")
    people = [cli.json("young-person", "show", str(p["id"]))
              for p in cli.json("young-person", "list")]
    looked_after = [p for p in people if p["legal_status"] == "looked_after"]
    out = sum(1 for p in looked_after if p["out_of_area"])
    assert 0 < out < len(looked_after)
    assert all(p["out_of_area"] is None for p in people if p["legal_status"] != "looked_after")
    assert 0 < sum(1 for p in people if p["uasc"]) < len(people) // 4
