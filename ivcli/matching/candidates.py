"""Loading both sides from the database (raw SQL: thousands of rows, no ORM objects): the
waiting list, the approved volunteers with their free places, the SQL prefilter that
drops volunteers certain to break a hard rule, and the pairs never suggested again."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import text

from ivcli import dialect
from ivcli.enums import MatchStatus, sql_list
from ivcli.matching.sides import (
    Vol,
    Young,
    cached_gender,
    fold,
    vol_from,
    young_from,
)
from ivcli.parsing import add_years, age_on

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


LIVE_SQL = sql_list(MatchStatus.open())


_WAITING_SQL = f"""
SELECT yp.id, r.id, yp.date_of_birth,
       coalesce(r.decision_date, r.referral_date),
       (SELECT max(m.end_date) FROM matches m WHERE m.referral_id = r.id AND m.status = 'ended'),
       yp.area, yp.profile, r.interests, yp.local_authority, yp.placement_type
FROM referrals r JOIN young_people yp ON yp.id = r.young_person_id
WHERE r.status = 'accepted'
  AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.young_person_id = yp.id
                  AND m.status IN ({LIVE_SQL}))
"""


def waiting(conn: Connection, on: date, young_person_id: int | None = None) -> list[Young]:
    """The waiting list: young people with an accepted referral and no live match, longest
    waiting first. The wait counts from the referral's acceptance (or, after an ended match,
    from its end)."""
    sql = _WAITING_SQL + (" AND yp.id = :yp" if young_person_id is not None else "")
    params: dict[str, object] = {"on": on.isoformat(), "yp": young_person_id}
    seen: dict[int, Young] = {}
    for yp_id, ref_id, born, since, ended, area, profile, interests, la, placement in \
            conn.execute(text(sql + " ORDER BY r.id"), params):
        start = max(date.fromisoformat(since), date.fromisoformat(ended) if ended else
                    date.min)
        if yp_id in seen and seen[yp_id].waiting_since <= start:
            continue
        age = age_on(date.fromisoformat(born), on)
        seen[yp_id] = young_from(yp_id, ref_id, age, start, area, profile, interests, la,
                                 placement)
    return sorted(seen.values(), key=lambda y: (y.waiting_since, y.id))


def load_volunteers(conn: Connection, on: date, ids: Sequence[int] | None = None,
                likely_for: Young | None = None) -> list[Vol]:
    """Approved volunteers with their profiles and live-match counts. With ``likely_for``,
    SQL first drops those certain to break a hard rule for that young person (see
    ``_prefilter``), so fewer profiles are parsed; the rules are still applied afterwards."""
    sql = (
        "SELECT v.id, v.date_of_birth, v.gender, v.area, v.languages, "
        f"v.interests, v.profile, coalesce(c.n, 0) FROM volunteers v LEFT JOIN ("
        f" SELECT volunteer_id, count(*) AS n FROM matches WHERE status IN ({LIVE_SQL})"
        f" GROUP BY volunteer_id) c ON c.volunteer_id = v.id WHERE v.status = 'approved'"
    )
    params: dict[str, object] = {"on": on.isoformat()}
    if ids is not None:
        sql += f" AND v.id IN ({', '.join(str(int(i)) for i in ids) or 'NULL'})"
    if likely_for is not None:
        sql += _prefilter(likely_for, params, pg=dialect.is_pg(conn))
    rows = conn.execute(text(sql + " ORDER BY v.id"), params)
    wish = likely_for.iv_gender if likely_for is not None else None
    fromiso = date.fromisoformat
    vols = [vol_from(vid, age_on(fromiso(born), on), gender, *rest)
            for vid, born, gender, *rest in rows
            if wish is None or (gender and cached_gender(gender) == wish)]
    _with_connections(conn, vols)
    return vols


def _with_connections(conn: Connection, vols: list[Vol]) -> None:
    """Give each volunteer the connections of their latest declaration (for the independence
    rule, ``rules.independence_breaks``)."""
    from ivcli.volunteers.vetting import declarations

    if not vols:
        return
    declared = declarations(conn, [v.id for v in vols] if len(vols) < 900 else None)
    for v in vols:
        d = declared.get(v.id)
        if d is not None and d.connections:
            v.connections = tuple(c for c in map(fold, d.connections) if c)


def _prefilter(y: Young, params: dict[str, object], *, pg: bool = False) -> str:
    """SQL conditions that only drop volunteers the hard rules would certainly drop for ``y``
    (the rules themselves run afterwards on what is left): an age outside the range the young
    person asked for, and a profile that lists areas but cannot mention the young person's
    area. Anything unusual in the text is kept for the rules to decide."""
    out = ""
    on = date.fromisoformat(str(params["on"]))
    # Ages as dates of birth (ISO text compares as dates), two days wider on each side than
    # the exact bounds: the rule itself (``age_on``) decides at the edges.
    if y.iv_age_min is not None and 0 < y.iv_age_min < on.year - 3:
        out += " AND v.date_of_birth <= :born_by"
        params["born_by"] = (add_years(on, -y.iv_age_min) + timedelta(days=2)).isoformat()
    if y.iv_age_max is not None and 0 <= y.iv_age_max < on.year - 3:
        out += " AND v.date_of_birth >= :born_after"
        params["born_after"] = (add_years(on, -(y.iv_age_max + 1)) - timedelta(days=2)
                                ).isoformat()
    if y.area is not None and re.fullmatch(r"[ -~]+", y.area) and "\\" not in y.area:
        if not pg:  # PostgreSQL: no prefilter by area (dialect.may_cover_area)
            params["area"] = y.area
        out += " AND " + dialect.may_cover_area("v.profile", "v.area", ":area", pg=pg)
    return out


def past_pairs(conn: Connection, young_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(young person, volunteer) pairs with a declined or ended match: not suggested again."""
    wanted = set(young_ids)
    rows = conn.execute(text(
        "SELECT young_person_id, volunteer_id FROM matches WHERE status IN ('declined', 'ended')"
    ))
    return {(y, v) for y, v in rows if y in wanted}
