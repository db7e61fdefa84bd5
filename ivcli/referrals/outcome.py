"""What a referral intake found and did, whichever way it ran (``referrals.intake``: the set-based
load over a staging table; ``referrals.onepass``: SQLite's one pass): the result, and the steps
both end with, written once (a reference that belongs to another child, a looked-after child now
a care leaver, the possible duplicates of the young people added)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ivcli.enums import ReferralStatus, sql_list
from ivcli.referrals import duplicates
from ivcli.referrals.rows import RowProblem

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

OPEN_REFERRALS = sql_list(ReferralStatus.open())
MAX_DUPLICATES_KEPT = 1_000


@dataclass
class Linked:
    line: int
    referral_id: int | None
    young_person_id: int
    added: bool
    existing_person: bool


@dataclass
class IngestResult:
    rows: int = 0
    added: int = 0
    unchanged: int = 0
    new_people: int = 0
    linked_existing: int = 0
    possible_duplicates: list[tuple[int, int]] = field(default_factory=list)  # (line, yp id)
    duplicate_count: int = 0
    linked: list[Linked] = field(default_factory=list)
    # Rows for a child who already has an open referral (received, accepted, deferred,
    # matched): not added. (line, the open referral's id), the first MAX_DUPLICATES_KEPT.
    already_open: list[tuple[int, int]] = field(default_factory=list)
    already_open_count: int = 0
    # Young people held as looked after whom a new referral records as care leavers:
    # (line, young person id), the first MAX_DUPLICATES_KEPT.
    now_care_leavers: list[tuple[int, int]] = field(default_factory=list)
    # Lines whose ethnicity the mapping did not know (kept as given: docs/ethnicity.md), the
    # first MAX_DUPLICATES_KEPT, and how many.
    ethnicity_not_mapped: list[int] = field(default_factory=list)
    ethnicity_not_mapped_count: int = 0


def reference_conflict(line: int, young_person: int | None, first_line: int | None
                       ) -> RowProblem:
    """A row whose council reference belongs to another child: held for ``young_person`` with a
    different normalised name or date of birth, or else given on ``first_line`` of the file to
    a different one."""
    if young_person is not None:
        message = (
            f"already held for young person {young_person}, with a different name or date "
            "of birth, so it is not linked: check the reference (or, if this is young "
            f"person {young_person}, give the name and date of birth held for them: "
            f"'ivcli young-person show {young_person}')"
        )
    else:
        message = (
            f"also given on line {first_line} to a different name or date of birth, so it "
            "is not linked: one reference is one child; correct the reference on one of "
            "the two lines"
        )
    return RowProblem(line, "reference", message)


def record_care_leavers(conn: Connection, result: IngestResult,
                        found: Iterable[tuple[int, int, str]]) -> None:
    """Young people held as looked after whose row says they are a care leaver, as (young
    person id, first such line, first such referral date) in line order: their legal status
    changes from that referral date, with its history."""
    from ivcli.referrals.legal_status import record_status

    for yp_id, line, on in found:
        record_status(conn, yp_id, "care_leaver", date.fromisoformat(on),
                      f"referral (line {line})" if line else "referral")
        if len(result.now_care_leavers) < MAX_DUPLICATES_KEPT:
            result.now_care_leavers.append((line, yp_id))


def possible_duplicates(conn: Connection, result: IngestResult, max_before: int,
                        first_lines: Callable[[list[int]], dict[int, int]]) -> None:
    """Store the possible duplicates of the young people added (id above ``max_before``)
    (``duplicates.detect``), count them in ``result.duplicate_count`` and keep the first
    ``MAX_DUPLICATES_KEPT`` as (line, other young person), in line order: ``first_lines``
    gives the first line of each of the young people added it is given. Young people are added
    in line order, so their ids are in the order of their first lines."""
    from sqlalchemy import text

    # A big load (more added than held) reads the young people through the two name indexes,
    # group by group; a small one looks up just those added, by id.
    if result.new_people > max_before:
        duplicates.detect_added(conn, max_before)
    else:
        # Each pair once, from its later young person (the one just added); none is stored
        # yet.
        duplicates.detect(conn, "n.id > :before AND (o.id < n.id OR o.id <= :before)",
                          {"before": max_before}, fresh=True)
    pairs = ("FROM possible_duplicates WHERE young_person_id > :before "
             "AND dismissed_at IS NULL")
    params: dict[str, object] = {"before": max_before}
    result.duplicate_count = conn.execute(text(f"SELECT count(*) {pairs}"), params).scalar_one()
    kept: list[tuple[int, int]] = [
        (int(n), int(o)) for n, o in conn.execute(text(
            f"SELECT young_person_id, other_id {pairs} ORDER BY young_person_id, other_id "
            f"LIMIT {MAX_DUPLICATES_KEPT}"), params)]
    if not kept:
        return
    lines = first_lines(sorted({n for n, _ in kept}))
    result.possible_duplicates = [(lines[n], o) for n, o in kept]
