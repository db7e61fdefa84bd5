"""Issue 16, point 4: the young person's voice. What they say at a review (their words, a
rating, themes, consent to be quoted, the review's outcome), a visit's highs and lows, and the
annual report's ``outcomes``."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import file_sha256
from tests.test_money_erasure import rows
from tests.visits_helpers import TODAY, days_ago, log, matched_young_person


@pytest.fixture
def match(cli, db_path) -> int:
    """An active match of Amy Lee (young person) with Jo Bloggs (volunteer)."""
    return matched_young_person(cli, db_path, start=days_ago(200))[1]


def review(cli, match_id: int, *extra: str, on: int = 10, code: int = 0):
    return cli("match", "review", str(match_id), "--date", days_ago(on).isoformat(), *extra,
               code=code)


def annual(cli, *extra: str) -> dict:
    """The annual report over the last 300 days, as JSON (not published unless asked)."""
    return cli.json("report", "annual", "--from", days_ago(300).isoformat(), "--to",
                    TODAY.isoformat(), *extra)


def annual_text(cli, fmt: str, *extra: str) -> str:
    return cli("report", "annual", "--from", days_ago(300).isoformat(), "--to",
               TODAY.isoformat(), "--format", fmt, *extra).stdout


# ---------------------------------------------------------------------------------------------
# Recording a review


def test_a_review_records_the_young_persons_voice_on_their_entry(cli, db_path, match):
    result = review(cli, match, "--with", "young-person", "--with", "volunteer",
                    "--their-words", "  It's good to have someone\non my side  ",
                    "--rating", "4", "--theme", "trust", "--theme", "confidence",
                    "--theme", "trust", "--quote-ok", "--outcome", "continue")
    assert "Recorded the review" in result.stderr and "side" not in result.stderr
    assert rows(db_path, "SELECT with_whom, their_words, rating, themes, quote_ok, outcome "
                "FROM reviews ORDER BY id") == [
        ("young-person", "It's good to have someone\non my side", 4, '["trust", "confidence"]',
         1, "continue"),
        ("volunteer", None, None, None, None, "continue")]
    # The audit trail names the records, never the words.
    assert not [r for r in rows(db_path, "SELECT * FROM audit_log") if "side" in repr(r)]


@pytest.mark.parametrize("extra, says", [
    (("--with", "volunteer", "--their-words", "Great"), "--their-words: what the young person"),
    (("--with", "carer", "--rating", "3"), "--rating: what the young person"),
    (("--with", "volunteer", "--theme", "trust"), "--theme: what the young person"),
    (("--with", "young-person", "--quote-ok"), "--quote-ok without --their-words"),
    (("--with", "young-person", "--their-words", "x" * 2001), "longer than 2000 characters"),
    (("--with", "young-person", "--rating", "0"), "Invalid value for '--rating'"),
    (("--with", "young-person", "--rating", "6"), "Invalid value for '--rating'"),
    (("--with", "young-person", "--rating", "four"), "Invalid value for '--rating'"),
    (("--with", "young-person", "--theme", "money"), "Invalid value for '--theme'"),
    (("--with", "young-person", "--outcome", "stop"), "Invalid value for '--outcome'"),
])
def test_a_review_the_voice_cannot_go_on_is_refused_and_writes_nothing(cli, db_path, match,
                                                                      extra, says):
    before = file_sha256(db_path)
    result = review(cli, match, *extra, "--no-input", code=1)
    assert says in result.stderr
    assert "Traceback" not in result.stderr and "xxxxx" not in result.stderr
    assert file_sha256(db_path) == before


def test_blank_words_are_no_words(cli, db_path, match):
    review(cli, match, "--with", "young-person", "--their-words", "   ")
    assert rows(db_path, "SELECT their_words, quote_ok FROM reviews") == [(None, None)]
    review(cli, match, "--with", "young-person", "--their-words", " ", "--quote-ok", on=9,
           code=1)


def test_the_voice_service_checks_the_rating_too(cli, db_path, match):
    from ivcli.errors import InvalidInput
    from ivcli.visits.reviews import Voice, check_voice

    with pytest.raises(InvalidInput, match="from 1 to 5"):
        check_voice(Voice(rating=9), ["young-person"])
    assert check_voice(Voice(themes=("trust", "trust")), ["young-person"]).themes == ("trust",)


# ---------------------------------------------------------------------------------------------
# The annual report's outcomes


def test_a_review_with_their_words_and_a_rating_appears_in_the_annual_outcomes(cli, match):
    before = annual(cli)["outcomes"]
    assert before == {
        "reviews_with_young_person": 0, "words_recorded": 0,
        "ratings": {"count": 0, "median": None,
                    "by_score": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}},
        "themes": {"confidence": 0, "trust": 0, "trying_new_things": 0, "having_fun": 0,
                   "someone_to_talk_to": 0, "feeling_listened_to": 0},
        "review_outcomes": {"continue": 0, "change": 0, "end": 0},
        "quotes": [],
    }
    review(cli, match, "--with", "young-person", "--with", "carer",
           "--their-words", "We go bowling", "--rating", "4", "--theme", "having_fun",
           "--theme", "confidence", "--outcome", "change")
    review(cli, match, "--with", "young-person", "--rating", "5", "--theme", "having_fun",
           on=5)
    out = annual(cli)["outcomes"]
    assert out["reviews_with_young_person"] == 2 and out["words_recorded"] == 1
    assert out["ratings"] == {"count": 2, "median": 4.5,
                              "by_score": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}}
    assert out["themes"]["having_fun"] == 2 and out["themes"]["confidence"] == 1
    # The review with the young person and the carer is one review, counted once.
    assert out["review_outcomes"] == {"continue": 0, "change": 1, "end": 0}
    assert out["quotes"] == []  # no --quote-ok, no --quotes


def test_only_reviews_in_the_period_count_and_a_monthly_report_has_no_outcomes(cli, match):
    review(cli, match, "--with", "young-person", "--rating", "2", on=100)
    out = cli.json("report", "annual", "--from", days_ago(50).isoformat(), "--to",
                   TODAY.isoformat())["outcomes"]
    assert out["ratings"]["count"] == 0
    assert annual(cli)["outcomes"]["ratings"]["count"] == 1
    assert "outcomes" not in cli.json("report", "monthly")
    cli("report", "monthly", "--quotes", code=2)


def test_a_quote_needs_both_quote_ok_and_quotes(cli, match):
    review(cli, match, "--with", "young-person", "--their-words", "Agreed to be quoted",
           "--quote-ok")
    review(cli, match, "--with", "young-person", "--their-words", "Not for quoting", on=5)
    assert annual(cli)["outcomes"]["quotes"] == []
    assert annual(cli, "--quotes")["outcomes"]["quotes"] == ["Agreed to be quoted"]
    assert annual(cli, "--quotes", "--publish")["outcomes"]["quotes"] == ["Agreed to be quoted"]
    for fmt in ("table", "csv", "markdown", "html"):
        assert "Not for quoting" not in annual_text(cli, fmt, "--quotes")
        assert "Agreed to be quoted" not in annual_text(cli, fmt)
        assert "Agreed to be quoted" in annual_text(cli, fmt, "--quotes")


def test_a_quote_never_names_anyone_nor_gives_an_id(cli, db_path, match):
    review(cli, match, "--with", "young-person", "--quote-ok", "--their-words",
           "JO takes me out.\n  Amy-Lee likes Jo's dog; Joanna and amy say LEE")
    out = annual(cli, "--quotes")
    assert out["outcomes"]["quotes"] == [
        "[name] takes me out. [name]-[name] likes [name]'s dog; Joanna and [name] say [name]"]
    csv_out = annual_text(cli, "csv", "--quotes")
    [line] = [x for x in csv_out.splitlines() if x.startswith("outcomes,quote,")]
    assert line.startswith("outcomes,quote,,")
    text = annual_text(cli, "markdown", "--quotes")
    assert "Amy" not in text and "Bloggs" not in text and "Lee" not in text


def test_a_quote_is_text_in_every_format(cli, match):
    hostile = "[bold red]loud[/] <script>x</script> *star* | pipe"
    review(cli, match, "--with", "young-person", "--their-words", hostile, "--quote-ok")
    review(cli, match, "--with", "young-person", "--their-words", "=HYPERLINK(1)",
           "--quote-ok", on=5)
    table = annual_text(cli, "table", "--quotes")
    assert "[bold red]loud[/]" in table
    md = annual_text(cli, "markdown", "--quotes")
    assert r"\[bold red\]loud\[/\] \<script\>x\</script\> \*star\* \| pipe" in md
    html = annual_text(cli, "html", "--quotes")
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html
    csv_out = annual_text(cli, "csv", "--quotes")
    assert "outcomes,quote,,'=HYPERLINK(1)" in csv_out


def test_publishing_suppresses_the_small_counts_and_the_median(cli, db_path, match):
    review(cli, match, "--with", "young-person", "--rating", "4", "--theme", "trust",
           "--their-words", "Fine", "--outcome", "continue")
    out = annual(cli, "--publish")["outcomes"]
    assert out["reviews_with_young_person"] == "<5" and out["words_recorded"] == "<5"
    assert out["ratings"]["count"] == "<5" and out["ratings"]["median"] == "*"
    assert set(out["ratings"]["by_score"].values()) == {"*"}
    assert out["themes"]["trust"] == "<5" and out["themes"]["confidence"] == 0
    assert set(out["review_outcomes"].values()) == {"*"}
    md = annual_text(cli, "markdown")  # published by default
    assert r"| Median answer (1 to 5) | \* |" in md
    for day in (9, 8, 7, 6):
        review(cli, match, "--with", "young-person", "--rating", "5", on=day)
    out = annual(cli, "--publish")["outcomes"]
    assert out["ratings"]["count"] == 5 and out["ratings"]["median"] == 5
    assert out["ratings"]["by_score"] == {"1": 0, "2": 0, "3": 0, "4": "<5", "5": "<5"}


def test_publish_outcomes_directly():
    from ivcli.reports.publishing import publish_outcomes

    section = {"reviews_with_young_person": 12, "words_recorded": 3,
               "ratings": {"count": 12, "median": 4,
                           "by_score": {"1": 0, "2": 1, "3": 5, "4": 6, "5": 0}},
               "themes": {"trust": 7, "confidence": 2, "having_fun": 0},
               "review_outcomes": {"continue": 9, "change": 2, "end": 1}, "quotes": ["Hi"]}
    out = publish_outcomes(section, 5)
    assert out["reviews_with_young_person"] == 12 and out["words_recorded"] == "<5"
    assert out["ratings"] == {"count": 12, "median": 4,
                              "by_score": {"1": 0, "2": "<5", "3": "*", "4": "*", "5": 0}}
    assert out["themes"] == {"trust": 7, "confidence": "<5", "having_fun": 0}
    assert out["review_outcomes"] == {"continue": 9, "change": "<5", "end": "<5"}
    assert out["quotes"] == ["Hi"]


def test_without_names_handles_every_case():
    from ivcli.reports.outcomes import without_names

    assert without_names("Mary Ann and ann met Smith-Jones", ["Mary Ann", "Smith-Jones"]) == (
        "[name] and [name] met [name]")
    assert without_names("Annabel", ["Ann", None, "", "A"]) == "Annabel"


# ---------------------------------------------------------------------------------------------
# A visit's highs and lows


def test_a_visit_records_highs_and_lows_and_update_changes_them(cli, db_path, match):
    log(cli, match, days_ago(3), "--high", "Scoring a strike", "--low", "Rain on the way home")
    [visit] = cli.json("visit", "list")
    assert (visit["high"], visit["low"]) == ("Scoring a strike", "Rain on the way home")
    cli("visit", "update", "1", "--high", "The milkshake")
    cli("visit", "update", "1", "--low", "")
    assert rows(db_path, "SELECT high, low FROM visits") == [("The milkshake", None)]
    assert rows(db_path, "SELECT fields FROM audit_log WHERE table_name = 'visits' AND "
                "action = 'update' ORDER BY id") == [("high",), ("low",)]
    before = file_sha256(db_path)
    result = cli("visit", "update", "1", "--high", "y" * 1001, code=1)
    assert "high: longer than 1000 characters" in result.stderr and "yyy" not in result.stderr
    assert file_sha256(db_path) == before


def test_a_visit_sheet_may_carry_highs_and_lows(cli, db_path, tmp_path, match):
    path = tmp_path / "visits.csv"
    day = days_ago(4).strftime("%d/%m/%Y")
    path.write_text(f"Match,Date,Hours,Activity,High point,Low point\n"
                    f"{match},{day},2,park,Feeding the ducks,\n", encoding="utf-8")
    cli("visit", "import", str(path))
    assert rows(db_path, "SELECT high, low FROM visits") == [("Feeding the ducks", None)]


# ---------------------------------------------------------------------------------------------
# Privacy: their words are personal data


def test_their_words_and_highs_are_exported_and_erased(cli, db_path, match):
    yp = rows(db_path, "SELECT young_person_id, volunteer_id FROM matches")[0]
    log(cli, match, days_ago(3), "--high", "Zebedee high", "--low", "Zebedee low")
    review(cli, match, "--with", "young-person", "--their-words", "Zebedee is kind",
           "--rating", "5", "--theme", "trust", "--quote-ok", "--outcome", "end")
    export = json.loads(cli("subject-export", str(yp[0])).stdout)
    [entry] = export["records"]["reviews"]
    assert entry["their_words"] == "Zebedee is kind" and entry["rating"] == 5
    assert export["records"]["visits"][0]["high"] == "Zebedee high"
    theirs = json.loads(cli("subject-export", "--volunteer", str(yp[1])).stdout)
    assert "Zebedee" not in json.dumps(theirs)  # the young person's words are not theirs
    cli("match", "end", str(match), "--reason", "planned")
    cli("erase", "young-person", str(yp[0]), "--yes")
    assert rows(db_path, "SELECT their_words, rating, themes, quote_ok, outcome FROM reviews"
                ) == [(None, 5, '["trust"]', 1, "end")]
    assert rows(db_path, "SELECT high, low FROM visits") == [(None, None)]
    out = annual(cli, "--quotes")["outcomes"]
    assert out["ratings"]["count"] == 1 and out["quotes"] == []
    for suffix in ("", "-wal"):
        f = Path(f"{db_path}{suffix}")
        if f.exists():
            assert b"Zebedee" not in f.read_bytes()


def test_migration_015_keeps_the_reviews_and_visits_held_before():
    from ivcli.migrations import MIGRATIONS

    conn = sqlite3.connect(":memory:")
    for name, fn in MIGRATIONS:
        if name < "014":
            fn(conn)
    conn.execute("INSERT INTO reviews (match_id, date, with_whom, note, created_at) "
                 "VALUES (1, '2025-01-01', 'carer', 'fine', 'x')")
    dict(MIGRATIONS)["014_young_voice"](conn)
    assert conn.execute("SELECT with_whom, note, their_words, rating, themes, quote_ok, "
                        "outcome FROM reviews").fetchall() == [
        ("carer", "fine", None, None, None, None, None)]
    assert {"high", "low"} <= {r[1] for r in conn.execute("PRAGMA table_info(visits)")}
