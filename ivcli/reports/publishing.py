"""Publishing a report: small numbers. Every breakdown cell from 1 to
``report.suppress_below`` - 1 is hidden, with the secondary cells that would let
it be worked out (see ``ivcli.reports.aggregates``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from ivcli import stored_settings as settings_service
from ivcli.report_figures import COUNT_KEYS, DIMENSIONS, POOL_DIMENSIONS, TIMELINESS

SECONDARY = "*"


def suppress_cells(cells: Sequence[int], threshold: int) -> list[int | str]:
    """Cells of one breakdown (which add up to its total) as they may be published.

    1 to threshold-1 become ``<threshold``; more cells become ``*`` while a hidden cell's value
    could still be worked out from the total and the cells shown; if none is left to hide, all
    cells become ``*``.
    """
    small = f"<{threshold}"
    primary = {i for i, n in enumerate(cells) if 0 < n < threshold}
    secondary: set[int] = set()
    if primary:
        while _disclosed(cells, primary, secondary, threshold):
            shown = [(n, i) for i, n in enumerate(cells)
                     if n > 0 and i not in primary and i not in secondary]
            if not shown:
                return [SECONDARY] * len(cells)
            secondary.add(min(shown)[1])
    return [small if i in primary else SECONDARY if i in secondary else n
            for i, n in enumerate(cells)]


def _disclosed(cells: Sequence[int], primary: set[int], secondary: set[int],
               threshold: int) -> bool:
    """True if a reader who knows the rule could work out any hidden cell exactly: each hidden
    cell is known to lie in [1, t-1] (primary) or [t, total] (secondary) and together they add
    up to the total less the cells shown."""
    hidden = sorted(primary | secondary)
    rest = sum(cells[i] for i in hidden)
    bounds = {i: (1, threshold - 1) if i in primary else (threshold, rest) for i in hidden}
    lo_sum = sum(b[0] for b in bounds.values())
    hi_sum = sum(b[1] for b in bounds.values())
    for lo, hi in bounds.values():
        low = max(lo, rest - (hi_sum - hi))
        high = min(hi, rest - (lo_sum - lo))
        if low >= high:
            return True
    return False


# The matches that ended in the period, by reason and by length: breakdowns of
# ``matches_ended`` (a reason such as safeguarding with one match could point to a child).
MATCH_BREAKDOWNS = ("endings_by_reason", "match_length_bands")


def publish(report: Mapping[str, Any], threshold: int) -> dict[str, Any]:
    """A copy of ``report`` that may be published: breakdown cells suppressed, no names."""
    out = {k: v for k, v in report.items() if k != "detail"}
    out["published"] = True
    out["suppress_below"] = threshold
    breakdowns: dict[str, Any] = {}
    for population, section in report["breakdowns"].items():
        new: dict[str, Any] = {"total": section["total"]}
        for dim, _ in DIMENSIONS:
            new[dim] = _suppressed(section[dim], threshold)
        breakdowns[population] = new
    out["breakdowns"] = breakdowns
    for key in (*COUNT_KEYS, *MATCH_BREAKDOWNS):
        out[key] = _suppressed(report[key], threshold)
    for key, _, _ in TIMELINESS:
        cells = {k: v for k, v in report[key].items() if k != "due"}
        out[key] = {"due": report[key]["due"], **_suppressed(cells, threshold)}
    pool = report["volunteer_pool"]
    out["volunteer_pool"] = {"total": pool["total"], **{
        dim: _suppressed(pool[dim], threshold) for dim, _ in POOL_DIMENSIONS}}
    if "looked_after_with_iv_pct" in report:
        out["looked_after_with_iv_pct"] = {
            name: _share(share, threshold)
            for name, share in report["looked_after_with_iv_pct"].items()}
    if "outcomes" in report:
        out["outcomes"] = publish_outcomes(report["outcomes"], threshold)
    return out


def _suppressed(cells: Mapping[str, int], threshold: int) -> dict[str, int | str]:
    """One breakdown {group: count} as it may be published (``suppress_cells``)."""
    keys = list(cells)
    return dict(zip(keys, suppress_cells([cells[k] for k in keys], threshold), strict=True))


def _share(share: Mapping[str, Any], threshold: int) -> dict[str, Any]:
    """A council's share with an IV: a count from 1 to threshold - 1 is ``<threshold`` and its
    per cent ``*`` (the population is published, so the per cent would give the count)."""
    if 0 < share["with_iv"] < threshold:
        return {**share, "with_iv": f"<{threshold}", "pct": SECONDARY}
    return dict(share)


def publish_outcomes(section: Mapping[str, Any], threshold: int) -> dict[str, Any]:
    """The annual report's outcomes (``reports.outcomes``) as they may be published: every
    count from 1 to threshold-1 shown as ``<threshold``; the ratings by score and the review
    outcomes as a breakdown (``suppress_cells``); the median hidden (``*``) when fewer than
    ``threshold`` answered. Quotes are as given (only with ``--quotes``, never a name)."""

    def small(n: int) -> int | str:
        return f"<{threshold}" if 0 < n < threshold else n

    ratings = section["ratings"]
    count = ratings["count"]
    return {
        **section,
        "reviews_with_young_person": small(section["reviews_with_young_person"]),
        "words_recorded": small(section["words_recorded"]),
        "ratings": {"count": small(count),
                    "median": ratings["median"] if count >= threshold else
                    SECONDARY if count else None,
                    "by_score": _suppressed(ratings["by_score"], threshold)},
        "themes": {k: small(n) for k, n in section["themes"].items()},
        "review_outcomes": _suppressed(section["review_outcomes"], threshold),
    }


def suppress_below(conn: Connection) -> int:
    return settings_service.get_int(conn, "report.suppress_below")
