"""``--names`` on match suggest/list/show, concern list and visit list (issue 15 item 4): ids
only by default (names are personal data); with --names, the young person's and volunteer's
names in the table, JSON and CSV, escaped like all user text."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import test_matching as matching
from tests.conftest import run_noting_imports
from tests.test_core_matches import demo_db  # noqa: F401  (the demo database fixture)
from tests.visits_helpers import add_match, add_volunteer, add_young_person, days_ago, log

CHILD, VOLUNTEER = "Zebedee Quill", "Xanthe Moss"


def one_match(cli, db_path: Path) -> int:
    ref = add_young_person(cli, first="Zebedee", last="Quill")
    vol = add_volunteer(db_path, first="Xanthe", last="Moss")
    m = add_match(db_path, ref["young_person_id"], start=days_ago(60), volunteer_id=vol,
                  referral_id=ref["id"])
    log(cli, m, days_ago(1), "--concern", "Worried about school")
    return m


def check(cli, *args: str) -> None:
    """Without --names: no name in any format; with it: both names, in table, JSON, CSV."""
    for fmt in ("table", "json", "csv"):
        plain = cli(*args, "--format", fmt).stdout
        assert "Zebedee" not in plain and "Xanthe" not in plain, (args, fmt)
        assert "young_person\"" not in plain and "volunteer\":" not in plain
        named = cli(*args, "--names", "--format", fmt).stdout
        assert "Zebedee" in named and "Xanthe" in named, (args, fmt)
    data = cli.json(*args, "--names")
    record = data[0] if isinstance(data, list) else data
    assert record["young_person"] == CHILD and record["volunteer"] == VOLUNTEER


@pytest.mark.parametrize("args", [
    ("match", "list"), ("match", "show", "{m}"), ("concern", "list"), ("visit", "list"),
    ("visit", "list", "{m}"),
], ids=" ".join)
def test_names_only_with_the_option(cli, db_path, args):
    m = one_match(cli, db_path)
    check(cli, *(a.format(m=m) for a in args))


def test_name_columns_sit_after_the_ids(cli, db_path):
    one_match(cli, db_path)
    [row] = cli.json("match", "list", "--names")
    keys = list(row)
    assert keys.index("young_person") == keys.index("volunteer_id") + 1
    assert keys.index("volunteer") == keys.index("young_person") + 1
    [visit] = cli.json("visit", "list", "--names")
    assert list(visit)[2:4] == ["young_person", "volunteer"]  # after id, match_id


def test_suggest_names_with_the_option(cli, db_path):
    # Some shared ground: a pair with none is never proposed by --all.
    yp = matching.add_young(db_path, first_name="Zebedee", profile={"interests": ["art"]})
    matching.add_volunteer(db_path, first_name="Xanthe", profile={"interests": ["art"]})
    on = ("--as-of", matching.ON.isoformat())
    for args in (("match", "suggest", str(yp), *on), ("match", "suggest", "--all", *on)):
        for fmt in ("table", "json", "csv"):
            assert "Zebedee" not in cli(*args, "--format", fmt).stdout
            assert "Xanthe" not in cli(*args, "--format", fmt).stdout
            named = cli(*args, "--names", "--format", fmt).stdout
            assert "Xanthe" in named and "Zebedee" in named, (args, fmt)
        [row] = cli.json(*args, "--names")
        assert row["young_person"] == "Zebedee Young"
        assert row["volunteer"] == "Xanthe Tester"
        assert "young_person_id" in row if "--all" in args else "young_person_id" not in row


def test_names_are_escaped_like_all_user_text(cli, db_path):
    ref = add_young_person(cli, first="[bold]Zed[/bold]", last="Quill")
    vol = add_volunteer(db_path, first="Xan\x1b[31m", last="Moss")
    add_match(db_path, ref["young_person_id"], volunteer_id=vol, referral_id=ref["id"])
    out = cli("match", "list", "--names").stdout
    assert "[bold]Zed[/bold]" in out  # shown as typed, never markup
    assert "\x1b[31m" not in out
    for fmt in ("csv", "json"):
        assert "\x1b" not in cli("match", "list", "--names", "--format", fmt).stdout


def test_today_keeps_its_names_option(cli):
    help_text = cli("today", "--help").stdout
    assert "--names" in help_text and "in summaries" in help_text


@pytest.mark.slow
@pytest.mark.parametrize("args", [
    ("match", "list"), ("match", "show", "1"), ("match", "suggest", "--all"),
    ("concern", "list", "--all"), ("visit", "list"), ("today",),
], ids=" ".join)
def test_names_start_without_the_orm(demo_db, monkeypatch, args):  # noqa: F811
    monkeypatch.setenv("IVCLI_DB", str(demo_db))
    code, out, err, heavy = run_noting_imports(*args, "--names", "--format", "json")
    assert code == 0, err
    assert heavy == []
