"""Issue 15 item 2: a council file whose headers are not known says which headers it did not
recognise, what each missing field might be, and the --map to type; ignored columns are listed
when the file is refused too; a date with a midnight time (case-system exports) is a date."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ivcli.parsing import parse_date
from tests.test_referrals import add

COUNCIL = ("Child Forename,Child Surname,Birth Date (DOB),Referral Received Date,Case Worker\n"
           "Amy,Lee,01/02/2014,01/03/2025,Jo\n")


def write(tmp_path: Path, text: str, name: str = "council.csv") -> Path:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def test_unfamiliar_headers_are_listed_with_a_guess_and_the_map_to_type(cli, tmp_path):
    r = cli("referral", "import", str(write(tmp_path, COUNCIL)), "-q", code=1)
    err = r.stderr
    assert "council.csv has no column for first_name, last_name, date_of_birth, " \
           "referral_date" in err
    assert ('headers not recognised: "Child Forename", "Child Surname", "Birth Date (DOB)", '
            '"Referral Received Date", "Case Worker"') in err
    assert 'first_name: did you mean "Child Forename"?' in err
    assert 'date_of_birth: did you mean "Birth Date (DOB)"?' in err
    assert ('Hint: --map "Child Forename=first_name" --map "Child Surname=last_name" '
            '--map "Birth Date (DOB)=date_of_birth" '
            '--map "Referral Received Date=referral_date"') in err
    assert "Amy" not in err and "Lee" not in err


def test_the_hint_typed_as_given_imports_the_file(cli, tmp_path):
    f = write(tmp_path, COUNCIL)
    cli("referral", "import", str(f), "-q",
        "--map", "Child Forename=first_name", "--map", "Child Surname=last_name",
        "--map", "Birth Date (DOB)=date_of_birth",
        "--map", "Referral Received Date=referral_date")
    assert len(cli.json("referral", "list")) == 1


def test_a_field_with_no_likely_header_gets_a_placeholder(cli, tmp_path):
    f = write(tmp_path, "first_name,last_name,date_of_birth,Zzz\nAmy,Lee,01/02/2014,x\n")
    r = cli("referral", "import", str(f), "-q", code=1)
    assert 'headers not recognised: "Zzz"' in r.stderr
    assert "did you mean" not in r.stderr
    assert 'Hint: --map "Their Header=referral_date"' in r.stderr


def test_volunteer_and_visit_imports_give_the_same_help(cli, tmp_path):
    f = write(tmp_path, "Volunteer Forename,Volunteer Surname,DOB,Application Date\n")
    r = cli("volunteer", "import", str(f), code=1)
    assert '--map "Volunteer Forename=first_name" --map "Volunteer Surname=last_name"' \
        in r.stderr
    f = write(tmp_path, "match_id,date,activity,Hours Spent\n1,01/02/2025,park,2\n")
    r = cli("visit", "import", str(f), code=1)
    assert "has no column for hours (or minutes)" in r.stderr
    assert 'headers not recognised: "Hours Spent"' in r.stderr
    assert 'Hint: --map "Hours Spent=hours"' in r.stderr


def test_ignored_columns_are_listed_when_rows_are_refused(cli, tmp_path):
    f = write(tmp_path, "first_name,last_name,date_of_birth,referral_date,Case Worker\n"
                        "Amy,Lee,31/02/2014,01/03/2025,Jo\n")
    r = cli("referral", "import", str(f), "-q", code=1)
    assert "line 2, date_of_birth" in r.stderr
    assert "Ignored columns (not stored): Case Worker." in r.stderr


@pytest.mark.parametrize("text", ["07/06/2012 00:00", "07/06/2012 00:00:00",
                                  "2012-06-07T00:00:00", "2012-06-07 00:00"])
def test_a_midnight_time_is_a_date(text):
    assert parse_date(text).isoformat() == "2012-06-07"


@pytest.mark.parametrize("text", ["07/06/2012 10:30", "2012-06-07T00:00:01"])
def test_another_time_of_day_is_refused(text):
    with pytest.raises(ValueError, match="has a time of day"):
        parse_date(text)


def test_midnight_dates_import_and_agree_with_the_fast_path(cli, tmp_path, db_path):
    body = "".join(f"Amy{i},Lee,{dob},{ref}\n" for i, (dob, ref) in enumerate(
        [("07/06/2012 00:00", "2012-06-07T00:00:00"), ("07/06/2012 00:00:00", "2025-01-02 00:00"),
         ("07/06/2012 00:00", "2012-06-07T00:00:00")]))  # a repeat goes by the fast path
    f = write(tmp_path, "first_name,last_name,date_of_birth,referral_date\n" + body)
    cli("referral", "import", str(f), "-q")
    conn = sqlite3.connect(db_path)
    try:
        dobs = {d for (d,) in conn.execute("SELECT date_of_birth FROM young_people")}
        refs = {d for (d,) in conn.execute("SELECT referral_date FROM referrals")}
    finally:
        conn.close()
    assert dobs == {"2012-06-07"}
    assert refs == {"2012-06-07", "2025-01-02"}


def test_a_time_of_day_is_refused_on_import_on_every_row(cli, tmp_path):
    f = write(tmp_path, "first_name,last_name,date_of_birth,referral_date\n"
                        "Amy,Lee,07/06/2012 10:30,01/03/2025\n"
                        "Bo,Kay,07/06/2012 10:30,01/03/2025\n")
    r = cli("referral", "import", str(f), "-q", code=1)
    assert "line 2, date_of_birth: has a time of day" in r.stderr
    assert "line 3, date_of_birth: has a time of day" in r.stderr
    assert "10:30" not in r.stderr


def test_referral_add_takes_a_midnight_date_of_birth(cli):
    ref = add(cli, "Amy", "Lee", "07/06/2012 00:00").stdout.strip()
    assert cli.json("referral", "show", ref)["date_of_birth"] == "2012-06-07"
    r = add(cli, "Bo", "Kay", "07/06/2012 10:30", code=1)
    assert "has a time of day" in r.stderr
