"""Hostile text: any name, note or CSV cell survives import, list, show and every output format
without a crash, without being read as Rich markup, without raw escape or bidi controls reaching
the terminal, and without a spreadsheet formula in CSV."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ivcli.cli.main import app
from ivcli.render import FORMULA_START, MULTILINE_FIELDS, safe_lines, safe_text

DANGEROUS = "\x1b\x07\x00\x08\x7f\x9b\u202e\u202d\u2066\u2067\u2068\u2069\u200f\u200b\u061c\ufeff"
ALPHABET = st.sampled_from(list(DANGEROUS + "[]/=+-@\t\r\n\"',; ")) | st.characters(
    blacklist_categories=("Cs",))
hostile = st.text(ALPHABET, min_size=1, max_size=40)
# A name is required: one that is blank once trimmed is refused, so names have a visible
# character and every generated row is valid (the import must succeed).
hostile_name = hostile.filter(lambda s: bool(s.split()))
FORBIDDEN = set(DANGEROUS) - {"\x00"} | {"\x00"}


def invoke(db: Path, *args: str):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(app, ["--db", str(db), *args])
    out = result.stdout + result.stderr
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, out, result.exception)
    assert "Traceback" not in out
    bad = {c for c in out if c in FORBIDDEN}
    assert not bad, (args, bad)
    return result


def check_csv(text: str) -> None:
    for row in list(csv.reader(io.StringIO(text)))[1:]:
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=hostile_name, last=hostile_name, notes=hostile, interests=hostile)
@example(first="[red]Amy[/red]", last="=HYPERLINK(\"x\")", notes="[/bold] \x1b[31m",
         interests="+1;@SUM(A1)")
@example(first="\u202eevil", last="-2+3", notes="\tnote", interests="\rx")
def test_hostile_cells_survive_import_and_every_output(first, last, notes, interests):
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "ivcli.db"
        source = Path(tmp) / "in.csv"
        with open(source, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["first_name", "last_name", "date_of_birth", "referral_date", "notes",
                        "interests", "reference"])
            w.writerow([first, last, "01/02/2014", "01/03/2026", notes, interests, last])
        imported = invoke(db, "referral", "import", str(source), "-q")
        assert imported.exit_code == 0, imported.stderr
        # Stored as given (names with their runs of spaces made one, notes trimmed) ...
        shown = json.loads(invoke(db, "referral", "show", "1", "-f", "json").stdout)
        stored = {"first_name": " ".join(first.split()), "last_name": " ".join(last.split()),
                  "notes": notes.strip() or None, "interests": interests.strip() or None}
        assert {k: shown[k] for k in stored} == stored
        # ... and shown escaped: controls and bidi marks as \x.. / \u...., markup as text
        # (a long value may wrap, so spaces and line breaks are left out of the comparison).
        page = "".join(invoke(db, "referral", "show", "1").stdout.split())
        for key, value in stored.items():
            if value:
                shown_as = safe_lines(value) if key in MULTILINE_FIELDS else safe_text(value)
                assert "".join(shown_as.split()) in page, value
        table = invoke(db, "referral", "list").stdout
        if first == "[red]Amy[/red]":
            assert "[red]Amy[/red]" in table
        rows = json.loads(invoke(db, "referral", "list", "-f", "json").stdout)
        assert len(rows) == 1
        check_csv(invoke(db, "referral", "list", "-f", "csv").stdout)
        check_csv(invoke(db, "referral", "show", "1", "-f", "csv").stdout)
        invoke(db, "audit")
        json.loads(invoke(db, "subject-export", "1").stdout)
        # Errors name records by id, never by the value.
        err = invoke(db, "referral", "accept", "1").stderr
        for value in (first, last):
            if len(value.strip()) > 3:
                assert value.strip() not in err
