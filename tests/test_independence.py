"""Independence from the council's children's services (#14 point 3): the declaration, approval,
and the matching rule on declared connections (one rule for proposals and suggestions)."""

from __future__ import annotations

import pytest

from tests.conftest import file_sha256, vet_fully
from tests.visits_helpers import add_young_person

DAY = "10/01/2025"
YES = {"long_term_care_plan": "yes", "consent": "yes", "carer_support": "yes",
       "social_isolation": "yes"}


def volunteer(cli, *connections: str, first: str = "Ann") -> int:
    """An approved volunteer whose declaration names ``connections``."""
    vid = int(cli("volunteer", "add", "--first-name", first, "--last-name", "Smith",
                  "--date-of-birth", "01/02/1980", "--application-date", "01/01/2025",
                  "--interests", "art").stdout)
    vet_fully(cli, vid, DAY)
    args = [a for c in connections for a in ("--connections", c)]
    cli("volunteer", "declare", str(vid), "--la-children-services", "no", "--date", DAY, *args)
    cli("volunteer", "approve", str(vid))
    return vid


def waiting(cli, **fields: str) -> int:
    """A young person on the waiting list; returns their id."""
    ref = add_young_person(cli, **YES, interests="art", **fields)
    cli("referral", "accept", str(ref["id"]))
    return int(ref["young_person_id"])


# --- The declaration and approval ----------------------------------------------------------------


@pytest.mark.parametrize("link", ["officer", "member", "partner"])
def test_a_volunteer_linked_to_childrens_services_cannot_be_approved(cli, link):
    vid = int(cli("volunteer", "add", "--first-name", "Ann", "--last-name", "Smith",
                  "--date-of-birth", "01/02/1980", "--application-date", "01/01/2025").stdout)
    vet_fully(cli, vid, DAY)
    cli("volunteer", "declare", str(vid), "--la-children-services", link, "--date",
        "11/01/2025")
    r = cli("volunteer", "approve", str(vid), code=1)
    assert "not independent" in r.stderr and "children's services" in r.stderr
    assert cli.json("volunteer", "show", str(vid))["declaration"] == {
        "date": "2025-01-11", "la_children_services": link, "connections": []}


def test_approval_needs_a_declaration_and_the_latest_counts(cli):
    vid = int(cli("volunteer", "add", "--first-name", "Ann", "--last-name", "Smith",
                  "--date-of-birth", "01/02/1980", "--application-date", "01/01/2025").stdout)
    for step, extra in (("interview", ("--outcome", "satisfactory")),
                        ("reference", ("--outcome", "satisfactory", "--number", "1")),
                        ("reference", ("--outcome", "satisfactory", "--number", "2")),
                        ("dbs", ("--number", "001234567890", "--level", "enhanced_barred",
                                 "--outcome", "clear")),
                        ("training", ()), ("panel", ("--decision", "approve"))):
        cli("volunteer", "check", str(vid), step, "--date", DAY, *extra)
    cli("volunteer", "training", str(vid), "--course", "safeguarding", "--date", DAY)
    r = cli("volunteer", "approve", str(vid), code=1)
    assert "independence declaration: not recorded" in r.stderr
    assert cli.json("volunteer", "show", str(vid))["declaration"] is None
    cli("volunteer", "declare", str(vid), "--la-children-services", "partner", "--date", DAY)
    cli("volunteer", "declare", str(vid), "--la-children-services", "no", "--date",
        "11/01/2025", "--connections", "Oakwood House", "--connections", "oakwood house")
    assert cli.json("volunteer", "show", str(vid))["declaration"]["connections"] == [
        "Oakwood House"]  # the same connection twice is one
    cli("volunteer", "approve", str(vid))


def test_declare_refusals(cli, db_path):
    vid = int(cli("volunteer", "add", "--first-name", "Ann", "--last-name", "Smith",
                  "--date-of-birth", "01/02/1980", "--application-date", "01/01/2025").stdout)
    before = file_sha256(db_path)
    cli("volunteer", "declare", str(vid), "--la-children-services", "cousin", code=1)
    assert "--la-children-services" in cli("volunteer", "declare", str(vid), code=2).stderr
    assert "there is no volunteer 42" in cli("volunteer", "declare", "42",
                                             "--la-children-services", "no", code=1).stderr
    cli("volunteer", "declare", str(vid), "--la-children-services", "no", "--date",
        "01/01/2099", code=1)
    cli("volunteer", "declare", str(vid), "--la-children-services", "no", "--connections",
        "x" * 300, code=1)
    assert file_sha256(db_path) == before


# --- Matching ------------------------------------------------------------------------------------


def test_a_connection_naming_the_placement_provider_blocks_the_proposal(cli):
    yp = waiting(cli, placement_type="Residential: Oakwood House (Acme Care Ltd)")
    vid = volunteer(cli, "oakwood-house")  # folded: case and punctuation do not count
    r = cli("match", "propose", str(yp), str(vid), code=1)
    assert "independence: a connection the volunteer declared names the young person's " \
           "placement" in r.stderr
    assert "Oakwood" not in r.stderr  # the young person's details are not repeated
    assert cli.json("match", "list") == []


def test_a_connection_naming_the_local_authority_blocks_either_way(cli):
    yp = waiting(cli, local_authority="Leeds City Council")
    one = volunteer(cli, "LEEDS CITY COUNCIL, Children's Services", first="Ann")
    r = cli("match", "propose", str(yp), str(one), code=1)
    assert "names the young person's local authority" in r.stderr


def test_suggestions_leave_out_the_pair_the_proposal_refuses(cli):
    yp = waiting(cli, placement_type="Foster: Brightside Fostering", local_authority="Kirklees")
    blocked = volunteer(cli, "Brightside Fostering", first="Ann")
    free = volunteer(cli, "Foster Care Associates", "Leeds Rhinos Foundation", first="Bea")
    suggested = [s["volunteer_id"] for s in cli.json("match", "suggest", str(yp))]
    assert suggested == [free]
    whole = cli.json("match", "suggest", "--all")
    assert [(p["young_person_id"], p["volunteer_id"]) for p in whole] == [
        (yp, free)]
    assert blocked not in suggested
    cli("match", "propose", str(yp), str(free))  # "Foster Care ..." does not name "Foster: ..."


def test_the_rule_is_one_function_for_proposals_and_suggestions():
    from datetime import date

    from ivcli.matching import rules, sides

    y = sides.young_from(1, 1, 12, date(2025, 1, 1), None, None, None,
                         "Wakefield Council", "Kinship")
    v = sides.vol_from(1, 40, None, None, None, None, None)
    v.connections = (sides.fold("Wakefield  council!"),)
    assert rules.independence_breaks(y, v) == [
        "independence: a connection the volunteer declared names the young person's local "
        "authority"]
    assert rules.feasible_matrix([y], [v]).tolist() == [[False]]
    assert rules.rule_breaks(y, v) == rules.independence_breaks(y, v)
    v.connections = (sides.fold("Kinship Carers Network"),)  # a placement is named only within
    assert rules.independence_breaks(y, v) == []
    assert rules.feasible_matrix([y], [v]).tolist() == [[True]]
