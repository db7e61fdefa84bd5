"""A coordinator's week without dead ends: nothing is written to a wrong place in silence, a
wait for a lock says so, and notes, reports, the demo and settings read as they should."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import sysconfig
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "referrals.csv"


def beside(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir()) if path.parent.exists() else []


# ---------------------------------------------------------------------------------------------
# Backups go where they are told, or nowhere


@pytest.fixture
def live(cli, db_path: Path) -> Path:
    cli("settings", "set", "checks.warn_days", "30")
    return db_path


@pytest.mark.parametrize("name", ["notmounted/", "notmounted"])
def test_backup_to_a_missing_folder_is_refused_and_creates_nothing(cli, live, tmp_path, name):
    usb = tmp_path / "media" / "usb"
    usb.mkdir(parents=True)
    result = cli("backup", str(usb) + "/" + name, code=1)
    assert "there is no such folder" in result.stderr
    assert "nothing was written" in result.stderr
    assert list(usb.iterdir()) == []


def test_backup_into_a_missing_folders_file_creates_no_parents(cli, live, tmp_path):
    result = cli("backup", str(tmp_path / "media" / "usb" / "copy.db"), code=1)
    assert "does not exist" in result.stderr
    assert not (tmp_path / "media").exists()


def test_backup_to_an_existing_folder_writes_inside_it(cli, live, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    for arg in (str(usb), str(usb) + "/"):
        out = Path(cli("backup", arg).stdout.strip())
        assert out.parent == usb and out.suffix == ".db"
    assert len(list(usb.iterdir())) == 2
    named = Path(cli("backup", str(usb / "copy.db")).stdout.strip())
    assert named == usb / "copy.db" and named.is_file()


# ---------------------------------------------------------------------------------------------
# A mistyped --db creates nothing; a failed write leaves no new database behind


def test_a_write_to_a_db_in_a_missing_folder_is_exit_1_and_creates_nothing(cli, tmp_path):
    target = tmp_path / "typo" / "deeper" / "ivcli.db"
    result = cli("--db", str(target), "settings", "set", "checks.warn_days", "30", code=1)
    assert f"the folder {target.parent} does not exist" in result.stderr
    assert "nothing was created" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "typo").exists()


def test_ivcli_db_in_a_missing_folder_is_refused_too(cli, tmp_path, monkeypatch):
    target = tmp_path / "typo" / "ivcli.db"
    monkeypatch.setenv("IVCLI_DB", str(target))
    cli("referral", "import", str(EXAMPLE), "-q", code=1)
    assert not (tmp_path / "typo").exists()


def test_the_default_data_folder_is_still_created(cli, tmp_path, monkeypatch):
    from ivcli.cli.common import default_db_path

    monkeypatch.delenv("IVCLI_DB")
    default = default_db_path()
    assert not default.parent.exists() and str(default).startswith(str(tmp_path))
    cli("settings", "set", "checks.warn_days", "30")
    assert default.is_file()


BAD_ROW = "first_name,last_name,date_of_birth,referral_date\nAmy,Ash,31/02/2014,01/03/2026\n"


@pytest.mark.parametrize("group", ["referral", "volunteer"])
def test_a_failed_import_leaves_no_new_database(cli, db_path, tmp_path, group):
    source = tmp_path / "bad.csv"
    header = "first_name,last_name,date_of_birth," + (
        "referral_date" if group == "referral" else "application_date")
    source.write_text(header + "\nAmy,Ash,31/02/1990,01/03/2026\n", encoding="utf-8")
    result = cli(group, "import", str(source), "-q", code=1)
    assert "line 2" in result.stderr
    assert not db_path.exists()
    assert beside(db_path) == ["bad.csv"]  # no -wal, -shm or journal either


def test_a_failed_import_into_an_existing_database_keeps_it(cli, live, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text(BAD_ROW, encoding="utf-8")
    cli("referral", "import", str(source), "-q", code=1)
    assert live.is_file()
    assert cli.json("settings", "list")[0]["key"]  # still a database
    assert any(r["key"] == "checks.warn_days" and r["value"] == 30
               for r in cli.json("settings", "list"))


def test_a_new_database_another_ivcli_wrote_to_is_kept(tmp_path):
    """The clean-up removes only what holds nothing but the schema."""
    from ivcli import db, migrations

    path = tmp_path / "ivcli.db"
    db.prepare(path, write=True)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO settings (key, value) VALUES ('checks.warn_days', '3')")
    conn.commit()
    conn.close()
    db.discard_new(path)
    assert path.is_file()
    conn = sqlite3.connect(path)
    try:
        assert migrations.applied(conn)
    finally:
        conn.close()


@pytest.mark.slow
def test_a_write_waiting_for_a_lock_says_so(cli, live):
    holder = sqlite3.connect(live, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        out = subprocess.run(
            [sys.executable, "-m", "ivcli", "--db", str(live), "settings", "set",
             "checks.warn_days", "40"],
            capture_output=True, text=True, cwd=ROOT,
            env={**os.environ, "IVCLI_BUSY_TIMEOUT": "2", "PYTHONPATH": str(ROOT)})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert out.returncode == 3, out.stderr
    waiting, _, rest = out.stderr.partition("\n")
    assert "waiting for another ivcli to finish" in waiting.lower()
    assert "another ivcli is writing; nothing changed" in rest
    assert "Traceback" not in out.stderr


# ---------------------------------------------------------------------------------------------
# Notes keep their line breaks in tables, and stay data


NOTE = "Likes football.\nAsk about [bold]Saturdays[/bold]\x1b[31m\r\nCarer: Mrs K"


def test_referral_show_prints_the_lines_of_a_note(cli):
    cli("referral", "add", "--first-name", "Amy", "--last-name", "Ash", "--date-of-birth",
        "01/02/2014", "--referral-date", "01/03/2026", "--notes", NOTE)
    out = cli("referral", "show", "1").stdout
    lines = [line.strip() for line in out.splitlines()]
    assert any(line.startswith("notes") and line.endswith("Likes football.") for line in lines)
    assert "Ask about [bold]Saturdays[/bold]\\x1b[31m" in lines  # its own line, not markup
    assert "Carer: Mrs K" in lines
    assert "\\n" not in out and "\\r" not in out and "\x1b" not in out
    assert cli.json("referral", "show", "1")["notes"] == NOTE  # the data itself is unchanged


def test_tables_show_note_columns_over_several_lines(capsys):
    from ivcli.render import print_table

    print_table(["id", "note", "activity"], [{"id": 1, "note": "one\ntwo", "activity": "a\nb"}])
    out = capsys.readouterr().out
    assert any(line.split("│")[2].strip() == "two" for line in out.splitlines()
               if line.count("│") == 4)
    assert "a\\nb" in out  # other columns stay on one line, escaped


# ---------------------------------------------------------------------------------------------
# Reports: Markdown that reads well in an email, HTML with unique ids


@pytest.fixture
def demo(cli, db_path: Path) -> Path:
    cli("demo")
    return db_path


HOSTILE = ["2026-11-01", "£12.60", "A|B", "*x* and _y_", "`code`", "[l](http://x)", "<b>x</b>",
           "a > b", "> quoted", "- item", "+ item", "---", "# heading", "1. first", "2026) x",
           "Tom & Jerry", "&amp; &#169;", "~~gone~~", "back\\slash", "![img](x)",
           "White - British", "Group #3 (coordinator only)!"]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_escaping_renders_as_the_text_itself(text):
    import html

    from markdown_it import MarkdownIt

    from ivcli.render_report import md_escape

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    para = md.render(md_escape(text)).strip()
    assert para.startswith("<p>") and para.endswith("</p>"), para
    assert html.unescape(para[3:-4]) == text
    table = md.render(f"| h |\n| --- |\n| {md_escape(text)} |\n")
    cell = table.split("<td>")[1].split("</td>")[0]
    assert html.unescape(cell) == text


def test_markdown_leaves_dates_and_money_alone(cli, demo):
    md = cli("report", "monthly", "--month", "last", "--format", "markdown", "--no-publish"
             ).stdout
    assert re.search(r"From \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2} inclusive\.", md)
    assert re.search(r"\| £\d+\.\d\d \|", md)
    assert "\\-" not in md and "\\." not in md and "\\(" not in md
    assert "## 12-month trends" in md


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value is not None:
                self.ids.append(value)
            elif name == "href" and value and value.startswith("#"):
                self.refs.append(value[1:])
            elif value and "url(#" in value:
                self.refs += re.findall(r"url\(#([^)]+)\)", value)

    handle_startendtag = handle_starttag


def test_html_report_element_ids_are_unique(cli, demo):
    page = cli("report", "monthly", "--month", "last", "--format", "html").stdout
    parser = _Ids()
    parser.feed(page)
    assert len(parser.ids) > 100  # four charts' worth
    dupes = sorted({i for i in parser.ids if parser.ids.count(i) > 1})
    assert dupes == []
    assert parser.refs and set(parser.refs) <= set(parser.ids)  # every reference still resolves


# ---------------------------------------------------------------------------------------------
# The demo ends with the referrals awaiting review


def test_demo_lists_only_the_referrals_awaiting_review(cli, db_path):
    out = cli("demo").stdout
    conn = sqlite3.connect(db_path)
    try:
        received = conn.execute("SELECT count(*) FROM referrals WHERE status = 'received'"
                                ).fetchone()[0]
        total = conn.execute("SELECT count(*) FROM referrals").fetchone()[0]
    finally:
        conn.close()
    rows = [line for line in out.splitlines() if re.match(r"│ \d+ ", line)]
    assert 0 < received < total
    assert len(rows) == received
    assert all("│ Received │" in line for line in rows)  # the status's label


# ---------------------------------------------------------------------------------------------
# Settings: checked against each other; a mistyped key gets the nearest names


def value_of(cli, key: str) -> object:
    return next(r["value"] for r in cli.json("settings", "list") if r["key"] == key)


def test_a_minimum_age_above_the_maximum_ages_is_refused(cli, live):
    err = cli("settings", "set", "eligibility.min_age", "30", code=1).stderr
    assert "eligibility.min_age = 30 would contradict other settings; nothing was changed" in err
    for key, value in (("looked_after", 18), ("care_leaver", 21), ("additional_needs", 25)):
        assert f"eligibility.{key}_max_age ({value})" in err
    assert value_of(cli, "eligibility.min_age") == 5
    cli("settings", "set", "eligibility.min_age", "18")  # care leavers only: allowed
    err = cli("settings", "set", "eligibility.looked_after_max_age", "17", code=1).stderr
    assert "eligibility.min_age (18) must be at most eligibility.looked_after_max_age (17)" in err


def test_maximum_ages_rise_with_the_group_and_budgets_agree(cli):
    err = cli("settings", "set", "eligibility.care_leaver_max_age", "26", code=1).stderr
    assert "eligibility.additional_needs_max_age (25)" in err
    cli("settings", "set", "eligibility.looked_after_max_age", "22", code=1)
    cli("settings", "set", "eligibility.additional_needs_max_age", "30")
    cli("settings", "set", "eligibility.care_leaver_max_age", "28")
    # A reset whose default would contradict another setting is refused too.
    err = cli("settings", "reset", "eligibility.additional_needs_max_age", code=1).stderr
    assert "eligibility.care_leaver_max_age (28)" in err
    assert value_of(cli, "eligibility.additional_needs_max_age") == 30
    cli("settings", "set", "budget.monthly", "50")  # no yearly budget: nothing to agree with
    err = cli("settings", "set", "budget.yearly", "40", code=1).stderr
    assert "budget.monthly (50.00) must be at most budget.yearly (40.00)" in err
    cli("settings", "set", "budget.yearly", "600")
    cli("settings", "set", "budget.monthly", "0")


def test_a_text_setting_takes_only_its_choices(cli, live):
    err = cli("settings", "set", "privacy.erase_dob_to", "day", code=1).stderr
    assert "privacy.erase_dob_to must be month or year" in err
    cli("settings", "set", "privacy.erase_dob_to", "Year")
    assert value_of(cli, "privacy.erase_dob_to") == "year"


@pytest.mark.parametrize(("typed", "meant"), [
    ("min_age", "eligibility.min_age or volunteer.min_age"),
    ("eligibilty.min_age", "eligibility.min_age"),
    ("visit.overdue", "visit.overdue_days"),
])
def test_an_unknown_setting_suggests_the_nearest(cli, typed, meant):
    for args in (("set", typed, "3"), ("reset", typed)):
        err = cli("settings", *args, code=1).stderr
        assert f"there is no setting '{typed}'" in err
        assert f"did you mean {meant}" in err
    err = cli("settings", "set", "zzz", "3", code=1).stderr
    assert "did you mean" not in err and "'ivcli settings list' shows them all" in err


# ---------------------------------------------------------------------------------------------
# Set-up on a fresh Debian or Ubuntu: a virtual environment, and .ci/run that finds it


def test_readme_quick_start_makes_a_virtual_environment():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```console\n(.*?)```", readme, re.S)
    assert blocks[0].strip() == ("python3 -m venv .venv && .venv/bin/pip install . && "
                                 ".venv/bin/ivcli demo")
    assert blocks[1].strip() == "bash .ci/run"
    assert "python3-venv" in readme and "python3 -m pip install ." not in readme


FAKE_PYTHON = """#!/usr/bin/env bash
if [ "$1" = -c ]; then [ "$MANAGED" = 1 ]; exit; fi  # is pip externally managed here?
echo "$(basename "$(dirname "$(dirname "$0")")")/$(basename "$0") $*" >> "$CALLS"
if [ "$1 $2" = "-m venv" ]; then mkdir -p "$3/bin" && cp "$0" "$3/bin/python"; fi
"""


@pytest.mark.slow
@pytest.mark.parametrize("managed", [True, False], ids=["externally-managed", "pip-allowed"])
def test_ci_run_uses_a_virtual_environment_where_pip_is_externally_managed(tmp_path, managed):
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("would install chromium")
    repo, bin_dir = tmp_path / "repo", tmp_path / "fake" / "bin"
    (repo / ".ci").mkdir(parents=True)
    (repo / ".ci" / "run").write_text((ROOT / ".ci" / "run").read_text())
    bin_dir.mkdir(parents=True)
    (bin_dir / "python3").write_text(FAKE_PYTHON)
    (bin_dir / "python3").chmod(0o755)
    calls = tmp_path / "calls"
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "CALLS": str(calls),
           "MANAGED": "1" if managed else "0"}
    subprocess.run(["bash", str(repo / ".ci" / "run")], env=env, check=True, cwd=tmp_path)
    ran = calls.read_text().splitlines()
    if managed:
        assert ran == ["fake/python3 -m venv .venv", ".venv/python -m pip install --quiet .[test]",
                       ".venv/python -m ruff check .", ".venv/python -m mypy ivcli",
                       ".venv/python -m pytest"]
    else:
        assert ran == ["fake/python3 -m pip install --quiet .[test]",
                       "fake/python3 -m ruff check .", "fake/python3 -m mypy ivcli",
                       "fake/python3 -m pytest"]


@pytest.mark.slow
def test_ci_run_tells_debians_python_from_others():
    check = re.search(r"python3 -c '(.*?)'; then", (ROOT / ".ci" / "run").read_text(), re.S)
    assert check
    here = subprocess.run([sys.executable, "-c", check.group(1)])
    managed = sys.prefix == sys.base_prefix and Path(sysconfig.get_path("stdlib"),
                                                      "EXTERNALLY-MANAGED").exists()
    assert here.returncode == (0 if managed else 1)
    debian = Path("/usr/bin/python3")
    if debian.exists():
        stdlib = subprocess.run([debian, "-c", "import sysconfig; print(sysconfig.get_path("
                                 "'stdlib'))"], capture_output=True, text=True).stdout.strip()
        expected = 0 if Path(stdlib, "EXTERNALLY-MANAGED").exists() else 1
        assert subprocess.run([debian, "-c", check.group(1)]).returncode == expected
