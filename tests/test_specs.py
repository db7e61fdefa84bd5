"""The record specs (ivcli/specs.py) against the database, the CLI and their consumers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ivcli.specs import (
    CHECK,
    MATCH,
    REFERRAL,
    SPECS,
    VISIT,
    VOLUNTEER,
    YOUNG_PERSON,
    Field,
    RecordSpec,
    parse_choice,
    rule,
)


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, tuple[str, bool]]]:
    """{table: {column: (declared type, not null)}} of a freshly migrated database."""
    from ivcli import db

    path = tmp_path_factory.mktemp("spec") / "schema.db"
    db.prepare(path, write=True)
    conn = sqlite3.connect(path)
    try:
        return {spec.table: {r[1]: ((r[2] or "").upper(), bool(r[3])) for r in
                             conn.execute(f"PRAGMA table_info({spec.table})")}
                for spec in SPECS if spec.table}
    finally:
        conn.close()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.entity)
def test_each_spec_declares_exactly_its_tables_columns(spec: RecordSpec, schema):
    """A column added by a migration and not to the spec (or the other way round) fails."""
    assert spec.table is not None
    assert set(spec.columns) == set(schema[spec.table])
    assert len(set(spec.columns)) == len(spec.columns)
    assert len({f.name for f in spec.fields}) == len(spec.fields)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.entity)
def test_erasure_marks_fit_the_columns(spec: RecordSpec, schema):
    """The ERASED marker goes in NOT NULL texts, blanking in nullable ones, and only personal
    fields are erased."""
    columns = schema[spec.table]
    for f in spec.fields:
        if f.erase == "keep" or f.stored is None:
            continue
        assert f.personal, f.name
        kind, not_null = columns[f.stored]
        if f.erase == "erased_marker":
            assert not_null and "TEXT" in kind, f.name
        elif f.erase == "blank":
            assert not not_null and "TEXT" in kind, f.name


def test_the_scrubbed_columns_are_those_held_before_the_specs():
    """Erasure and a volunteer's export leave out the same columns as before."""
    from ivcli.safety import privacy

    assert privacy.PERSONAL == {
        "first_name", "last_name", "reference", "email", "phone", "address", "postcode",
        "profile", "notes", "note", "text", "close_note", "decision_reason", "status_reason",
        "referrer_name", "referrer_email", "interests", "languages", "number", "description",
        "comment", "comments", "summary", "details", "activity", "hold_note",
        "decided_by", "consent_note",  # issue 13: who decided a best-interest consent, and why
        # migration 011: why a volunteer left, a risk assessment's decision maker, the
        # connections a volunteer declared
        "leave_note", "connections",
        # Issue 13: the interpreter's language, and a contact's name and organisation.
        "interpreter_language", "name", "organisation",
        # migration 014: the young person's words at a review, a visit's high and low points
        "their_words", "high", "low",
    }
    assert privacy.NAME_KEYS == ("name_key", "first_key", "last_key")
    assert privacy.COARSENED == {"date_of_birth"}


def _options(command: str) -> dict[str, str | None]:
    """{option name: help} of a ``referral`` command, as Typer builds it."""
    import typer.main

    from ivcli.cli import referral

    group = typer.main.get_command(referral.app)
    cmd = group.commands[command]  # type: ignore[attr-defined]
    return {opt: p.help for p in cmd.params if p.param_type_name == "option"
            for opt in p.opts}


def test_referral_add_has_an_option_for_every_field():
    options = _options("add")
    for f in YOUNG_PERSON.inputs + REFERRAL.inputs:
        assert f.cli, f.name
        assert options[f.option] == f.help, f.name
    assert "--format" in options


def test_referral_update_has_an_option_for_every_updatable_field():
    options = _options("update")
    updatable = [f for f in REFERRAL.fields if f.updatable]  # the child's: young-person update
    assert {o for o in options if o != "--help"} == {f.option for f in updatable}
    for f in updatable:
        assert options[f.option] == (f.update_help or f.help)
    assert options["--referrer-role"] == "The referrer's role."


def test_every_referral_field_has_a_rule_and_a_staged_column():
    from ivcli.referrals import rows

    for name in rows.FIELDS:
        assert name in rows.OWN_RULE or name in rows.FIELD_RULES, name
        assert name in rows.CLEAN, name
    assert set(rows.PERSON_COLUMNS) <= set(YOUNG_PERSON.columns)
    assert set(rows.REFERRAL_INSERT) <= set(REFERRAL.columns)


@pytest.mark.parametrize("specs", [(YOUNG_PERSON, REFERRAL), (VOLUNTEER,), (VISIT,)],
                         ids=["referral", "volunteer", "visit"])
def test_csv_headers_name_one_field_each(specs: tuple[RecordSpec, ...]):
    """A synonym given to two fields of one CSV, or that is another field's name, would map a
    header to the wrong field."""
    from ivcli.importing.csvfile import header_key

    fields = [f for s in specs for f in s.inputs]
    names = {header_key(f.name) for f in fields}
    seen: dict[str, str] = {}
    for f in fields:
        for synonym in f.synonyms:
            key = header_key(synonym)
            assert seen.get(key, f.name) == f.name, (synonym, f.name, seen[key])
            assert key not in names - {header_key(f.name)}, (synonym, f.name)
            seen[key] = f.name


def test_the_list_and_show_columns_follow_the_specs():
    from ivcli.matching import lifecycle as matches
    from ivcli.referrals import screening as referrals

    assert referrals.LIST_COLUMNS == (
        "id", "young_person_id", "status", "reason_code", "referral_date", "reference",
        "first_name",
        "last_name", "date_of_birth")
    assert [name for name, _ in referrals.SHOW_FIELDS][:len(referrals.LIST_COLUMNS)] == list(
        referrals.LIST_COLUMNS)
    assert matches.MATCH_COLUMNS == MATCH.listed
    assert CHECK.table == "volunteer_checks"


def test_a_choice_field_is_checked_by_its_rule():
    f = Field("legal_status", "choice", choices=("looked_after", "care_leaver"))
    check = rule(f)
    assert check(" Looked After ") == "looked_after"
    assert check("care-leaver") == "care_leaver"
    assert check("") == ""
    with pytest.raises(ValueError, match="not one of looked_after, care_leaver"):
        check("fostered")
    assert parse_choice("CARE_LEAVER", f.choices) == "care_leaver"


def test_a_text_field_keeps_its_limit():
    check = rule(Field("x", max_len=5))
    assert check(" a\nb ") == "a b"
    with pytest.raises(ValueError, match="longer than 5 characters"):
        check("abcdef")


@pytest.mark.slow
def test_the_specs_import_nothing_heavy():
    """Read commands and the CLI at start-up import the specs."""
    code = ("import sys, ivcli.specs, ivcli.referrals.rows\n"
            "print(','.join(m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'typer')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).parent.parent, check=True)
    assert out.stdout.strip() == ""
