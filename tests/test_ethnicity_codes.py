"""Issue 16, point 2: ethnicity as the DfE (SSDA903) codes, mapped from council spellings at
add and import; unknown text kept and reported as not mapped."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivcli import ethnicity


@pytest.mark.parametrize(("text", "code"), [
    ("White British", "WBRI"), ("white - british", "WBRI"), ("WHITE: BRITISH", "WBRI"),
    ("wbri", "WBRI"), ("White Irish", "WIRI"), ("Traveller of Irish Heritage", "WIRT"),
    ("Any other White background", "WOTH"), ("White - Other", "WOTH"), ("Gypsy/Roma", "WROM"),
    ("Mixed White and Black Caribbean", "MWBC"), ("White & Black Caribbean", "MWBC"),
    ("Mixed: White and Black African", "MWBA"), ("Mixed White and Asian", "MWAS"),
    ("Any other mixed background", "MOTH"), ("Indian", "AIND"),
    ("Asian or Asian British: Pakistani", "APKN"), ("Pakistani", "APKN"),
    ("Asian Pakistani", "APKN"), ("Bangladeshi", "ABAN"), ("Asian - other", "AOTH"),
    ("Black Caribbean", "BCRB"), ("Black or Black British - African", "BAFR"),
    ("Black African", "BAFR"), ("Any other Black background", "BOTH"), ("Chinese", "CHNE"),
    ("Any other ethnic group", "OOTH"), ("Arab", "OOTH"), ("refused", "REFU"),
    ("Information not yet obtained", "NOBT"), ("Not known", "NOBT"),
])
def test_common_spellings_map_to_their_code(text, code):
    assert ethnicity.code_for(text) == code
    assert ethnicity.record(text) == code


@pytest.mark.parametrize("text", ["White", "Mixed", "Martian", "Black", "Asian"])
def test_ambiguous_or_unknown_text_is_kept(text):
    assert ethnicity.code_for(text) is None
    assert ethnicity.record(text) == text
    assert ethnicity.not_mapped(text)


def test_the_list_is_the_dfe_list():
    assert list(ethnicity.CODES) == [
        "WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
        "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT"]
    assert not ethnicity.not_mapped("WBRI") and not ethnicity.not_mapped(None)
    assert not ethnicity.not_mapped("prefer_not_to_say")


def test_the_docs_list_every_code():
    doc = (Path(__file__).parents[1] / "docs" / "ethnicity.md").read_text(encoding="utf-8")
    for code, label in ethnicity.CODES.items():
        assert f"| `{code}` | {label} |" in doc


def test_referral_add_stores_the_code_and_warns_when_not_mapped(cli, db_path):
    r = cli("--no-input", "referral", "add", "--first-name", "Amy", "--last-name", "Lee",
            "--date-of-birth", "01/02/2014", "--ethnicity", "Black - African")
    assert "not mapped" not in r.stderr
    assert cli.json("referral", "show", "1")["ethnicity"] == "BAFR"
    r = cli("--no-input", "referral", "add", "--first-name", "Bo", "--last-name", "Ray",
            "--date-of-birth", "01/02/2013", "--ethnicity", "Martian")
    assert "Warning: the ethnicity of young person 2 is not mapped" in r.stderr
    assert "Martian" not in r.stderr  # personal data stays out of messages
    assert cli.json("referral", "show", "2")["ethnicity"] == "Martian"
    [row] = [c for c in cli.json("check") if c["check"] == "ethnicity_not_mapped"]
    assert row["ok"] is True and row["detail"].startswith("1 young people, 0 volunteer(s)")


def test_an_ethnicity_too_long_is_still_refused(cli, db_path):
    r = cli("--no-input", "referral", "add", "--first-name", "Amy", "--last-name", "Lee",
            "--date-of-birth", "01/02/2014", "--ethnicity", "x" * 201, code=1)
    assert "ethnicity: longer than 200 characters" in r.stderr


def test_import_maps_and_names_the_lines_not_mapped(cli, db_path, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text(
        "first_name,last_name,date_of_birth,referral_date,Ethnic Group\n"
        "Amy,Lee,01/02/2014,01/09/2025,White British\n"
        "Bo,Ray,01/02/2013,01/09/2025,Mixed\n"
        "Cy,Oak,01/02/2012,01/09/2025,white - british\n"
        "Di,Ash,01/02/2011,01/09/2025,Pakistani\n"
        "Ed,Elm,01/02/2011,01/09/2025,Mixed\n"
        "Fi,Yew,01/02/2011,01/09/2025,\n", encoding="utf-8")
    r = cli("referral", "import", str(f), "-q")
    assert "ethnicity not mapped to a DfE code" in r.stderr
    assert "2 row(s), line(s) 3, 6." in r.stderr
    shown = [cli.json("referral", "show", str(i))["ethnicity"] for i in range(1, 7)]
    assert shown == ["WBRI", "Mixed", "WBRI", "APKN", "Mixed", None]


def test_a_clean_import_gives_no_warning(cli, db_path, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("first_name,last_name,date_of_birth,referral_date,ethnicity\n"
                 "Amy,Lee,01/02/2014,01/09/2025,WBRI\n", encoding="utf-8")
    assert "not mapped" not in cli("referral", "import", str(f), "-q").stderr


def test_the_fast_path_maps_like_the_full_check(db_path):
    """Rows repeating values take the validator's fast path: the mapping applies there too."""
    from datetime import date

    from ivcli.referrals.rows import CLEAN, FIELD_POSITIONS, FIELDS, RowValidator

    check = RowValidator(date(2026, 1, 1), FIELD_POSITIONS)

    def row(eth: str) -> list[str]:
        cells = [""] * len(FIELDS)
        for k, v in (("first_name", "Amy"), ("last_name", "Lee"),
                     ("date_of_birth", "01/02/2014"), ("referral_date", "01/09/2025"),
                     ("ethnicity", eth)):
            cells[FIELD_POSITIONS[k]] = v
        return cells

    at = CLEAN.index("ethnicity")
    first, _ = check(2, row("Black African"))
    again, _ = check(3, row("Black African"))  # every value seen: the fast path
    assert first is not None and again is not None
    assert first[at] == again[at] == "BAFR"


def test_volunteer_ethnicity_is_mapped_and_prefer_not_to_say_kept(cli, db_path, tmp_path):
    r = cli("--no-input", "volunteer", "add", "--first-name", "Sam", "--last-name", "Ray",
            "--date-of-birth", "01/01/1980", "--ethnicity", "Asian or Asian British: Indian")
    assert "not mapped" not in r.stderr
    assert cli.json("volunteer", "show", "1")["ethnicity"] == "AIND"
    cli("--no-input", "volunteer", "add", "--first-name", "Kim", "--last-name", "Ode",
        "--date-of-birth", "01/01/1981", "--ethnicity", "Prefer not to say")
    assert cli.json("volunteer", "show", "2")["ethnicity"] == "prefer_not_to_say"
    r = cli("--no-input", "volunteer", "add", "--first-name", "Lu", "--last-name", "Fen",
            "--date-of-birth", "01/01/1982", "--ethnicity", "Martian")
    assert "Warning: the ethnicity of volunteer 3 is not mapped" in r.stderr
    f = tmp_path / "v.csv"
    f.write_text("first_name,last_name,date_of_birth,application_date,ethnic group\n"
                 "Ann,Bee,01/01/1980,01/09/2025,Black Caribbean\n"
                 "Cat,Dee,01/01/1980,01/09/2025,Venusian\n", encoding="utf-8")
    r = cli("volunteer", "import", str(f), "-q")
    assert "1 row(s), line(s) 3." in r.stderr
    assert cli.json("volunteer", "show", "4")["ethnicity"] == "BCRB"
    [row] = [c for c in cli.json("check") if c["check"] == "ethnicity_not_mapped"]
    assert row["detail"].startswith("0 young people, 2 volunteer(s)")
