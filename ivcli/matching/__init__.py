"""Matching: suggestions within hard rules, a score out of 100 with reasons in words, one proposal
for the whole waiting list. See docs/matching.md; the life cycle is in ``matching.lifecycle``.

Hard rules, never broken (a missing preference is no restriction):
- the volunteer is approved with every check current (``compliance.matchable_ids``) and has a
  free place (capacity minus proposed, accepted, active and paused matches);
- the volunteer's gender and age fit what the young person asked for (``iv_gender``,
  ``iv_age_min``/``iv_age_max``);
- the young person's age is within the ages the volunteer would like to visit
  (``child_age_min``/``child_age_max``);
- the volunteer can reach the young person's area (in their ``areas``, or their own area);
- a volunteer is not suggested again to a young person after a declined or ended match.

The score is a weighted mean (weights are settings ``match.weight.*``) of five parts, each 0-1:
mutual interests, wished-for activities, languages, free times in common, other wishes. A part
earns its shared items up to a fixed number (``sides.CAPS``) over that number, whatever either
side listed, so a thin profile is never a perfect match; a part the young person gave nothing
for is left out. Scores are computed with numpy over all volunteers (or all pairs) at once; only
the few pairs shown are explained in Python. The whole list (``assignment``) matches as many as
possible, then meets as many language needs, then maximises score plus waiting points, and
never proposes a pair with no shared ground (score 0).

Profiles are JSON text in ``young_people.profile`` / ``volunteers.profile``; ``matching.sides``
reads them quickly, with the defaults of ``matching.profiles`` (the one source of them, also
what ``profile`` shows) for missing or unreadable numbers.

Modules: ``sides`` (the two sides from their profiles), ``candidates`` (loading them), ``rules``
(the hard rules), ``scoring`` (scores and reasons), ``suggestions`` (one young person),
``assignment`` (the whole list), ``profiles`` (reading and saving profiles), ``lifecycle``
(propose to end). This file stays empty: importing any module of the package runs it.
"""
