"""The root's options (--db, --no-input) work after the command too, as people type them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivcli.cli.main import hoist_root_options


@pytest.mark.parametrize("args, expected", [
    (["referral", "list", "--db", "x.db"], ["--db", "x.db", "referral", "list"]),
    (["referral", "list", "--db=x.db", "-f", "json"], ["--db=x.db", "referral", "list", "-f",
                                                        "json"]),
    (["referral", "add", "--no-input", "--first-name", "A"],
     ["--no-input", "referral", "add", "--first-name", "A"]),
    (["--db", "x.db", "today"], ["--db", "x.db", "today"]),
    (["referral", "add", "--", "--db", "x"], ["referral", "add", "--", "--db", "x"]),
])
def test_root_options_move_in_front_of_the_command(args, expected):
    assert hoist_root_options(args) == expected


def test_db_after_the_command_names_the_database(cli, tmp_path: Path):
    other = tmp_path / "other.db"
    cli("referral", "add", "--first-name", "Amy", "--last-name", "Lee", "--date-of-birth",
        "01/02/2014", "--db", str(other), "--no-input")
    assert other.exists()
    assert [r["id"] for r in cli.json("referral", "list", "--db", str(other))] == [1]
    # The default database (IVCLI_DB of the test) was never created.
    r = cli("referral", "list", code=1)
    assert "no database at" in r.stderr


def test_no_input_after_the_command_refuses_to_prompt(cli):
    r = cli("referral", "add", "--no-input", code=2)
    assert "--first-name" in r.stderr
