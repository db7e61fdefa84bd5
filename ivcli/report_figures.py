"""The monthly and annual reports' figures, breakdowns and trend series: their keys, labels and
definitions. Standard library and ``ivcli.enums`` only, so that both the service that counts
them (``ivcli.reports``) and the renderers (``render_report``) import them from here, and a
renderer never imports a service.

The definitions are the documentation: docs/reports.md repeats them for coordinators, and
``FIGURES`` carries each figure's label and definition into every output format.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivcli.enums import (
    REASON_LABELS,
    DeclineReason,
    EndReason,
    ReviewOutcome,
    ReviewTheme,
    WithdrawReason,
)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    definition: str
    section: str


FIGURES: tuple[Figure, ...] = (
    Figure("referrals_received", "Referrals received",
           "Referrals whose referral date is in the period, whatever their status now.",
           "Referrals"),
    Figure("referrals_accepted", "Referrals accepted",
           "Referrals accepted onto the waiting list in the period: status accepted, matched or "
           "closed, with the decision date in the period.", "Referrals"),
    Figure("referrals_declined", "Referrals declined",
           "Referrals with status declined and the decision date in the period.", "Referrals"),
    Figure("referrals_withdrawn", "Referrals withdrawn",
           "Referrals with status withdrawn and the withdrawal (decision) date in the period.",
           "Referrals"),
    Figure("waiting_at_end", "On the waiting list at the end",
           "Accepted referrals on the waiting list at the end of the period: accepted on or "
           "before the end date, and neither matched (first match started) nor closed on or "
           "before it. A young person has one referral open at a time, so this is the number "
           "of young people waiting; the 'waiting' breakdowns count young people, once each.",
           "Waiting list"),
    Figure("longest_wait_days", "Longest wait to a match (days)",
           "Among referrals whose first match started in the period: the longest number of days "
           "from acceptance (decision date) to that match's start date. Empty when none.",
           "Waiting list"),
    Figure("median_wait_days", "Median wait to a match (days)",
           "The median of the same waits (the mean of the middle two when their number is "
           "even). Empty when none.", "Waiting list"),
    Figure("longest_current_wait_days", "Longest wait still waiting (days)",
           "Among the young people waiting at the end: the most days from acceptance to the end "
           "date. Empty when nobody is waiting.", "Waiting list"),
    Figure("median_days_to_decision", "Median days from referral to decision",
           "Among referrals accepted or declined in the period (decision date in the period): "
           "the median number of days from the referral date to the decision date, so the "
           "time screening took. Empty when none.", "Waiting list"),
    Figure("median_days_to_match", "Median days from referral to match",
           "Among referrals whose first match started in the period (as for the waits above): "
           "the median number of days from the referral date to that match's start date, the "
           "whole wait a young person sees. Empty when none.", "Waiting list"),
    Figure("matches_started", "Matches started",
           "Matches whose start date is in the period (a young person re-matched counts again).",
           "Matches"),
    Figure("matches_ended", "Matches ended",
           "Matches that had started and whose end date is in the period; by reason in "
           "endings_by_reason.", "Matches"),
    Figure("active_at_end", "Matches running at the end",
           "Matches running at the end of the period: started on or before the end date and "
           "not ended on or before it. Includes paused matches.", "Matches"),
    Figure("paused_at_end", "of which paused",
           "Running matches whose latest paused/resumed event on or before the end date is "
           "paused.", "Matches"),
    Figure("young_people_matched_at_end", "Young people in a running match at the end",
           "Young people (counted once) with a match running at the end of the period; the "
           "population of the 'matched' breakdowns.", "Matches"),
    Figure("visits", "Visits",
           "Visits dated in the period, of any match.", "Visits"),
    Figure("visit_hours", "Visit hours",
           "The minutes of those visits added up, in hours, rounded to one decimal place.",
           "Visits"),
    Figure("visit_minutes", "Visit minutes", "The minutes of those visits added up.", "Visits"),
    Figure("active_without_visit", "Running matches with no visit in the period",
           "Matches running and not paused at the end, which started before the period began "
           "and have no visit dated in the period.", "Visits"),
    Figure("expenses_total", "Expenses",
           "The cost lines of the visits dated in the period added up (a visit with two "
           "costs is one visit and both its costs). In JSON and CSV in whole "
           "pence (1234 is £12.34). A cost out of range (negative or over £1,000,000.00, only "
           "in a database written by an older ivcli) is left out, with a warning naming the "
           "visit; 'ivcli check' lists it.", "Visits"),
    Figure("volunteers_enquired", "Volunteers enquired",
           "Volunteer records created in the period (the day of the enquiry), whatever their "
           "status now.", "Volunteers"),
    Figure("volunteers_approved", "Volunteers approved",
           "Volunteers whose approval date is in the period, whatever their status now.",
           "Volunteers"),
    Figure("volunteers_approved_at_end", "Approved volunteers at the end",
           "Volunteers whose status is approved and whose approval date is on or before the end "
           "date (a volunteer who has since left or paused is not counted).", "Volunteers"),
    Figure("checks_lapsing", "Checks lapsing",
           "Checks (enhanced DBS, training) of volunteers in checks, ready for panel or approved "
           "that are current at the end date but lapse within checks.warn_days days of it, by "
           "the safer-recruitment rules (see docs/settings.md).", "Volunteers"),
    Figure("checks_lapsed", "Checks lapsed",
           "Checks of the same volunteers that had lapsed by the end date.", "Volunteers"),
    Figure("volunteers_left", "Volunteers left",
           "Volunteers whose status is left with the date they left in the period; by reason in "
           "volunteers_left_by_reason.", "Volunteers"),
)
FIGURE_KEYS = tuple(f.key for f in FIGURES)

END_REASONS: tuple[str, ...] = (*(r.value for r in EndReason), "not_recorded")
LENGTH_BANDS: tuple[tuple[str, str, str], ...] = (
    ("under_6_months", "Under 6 months", "fewer than 183 days from start date to end date"),
    ("6_to_12_months", "6 to 12 months", "183 to 364 days"),
    ("1_to_2_years", "1 to 2 years", "365 to 729 days"),
    ("2_years_and_over", "2 years and over", "730 days or more"),
)
AGE_BANDS: tuple[tuple[str, str], ...] = (
    ("under_5", "Under 5"), ("5_to_9", "5 to 9"), ("10_to_15", "10 to 15"),
    ("16_to_17", "16 to 17"), ("18_and_over", "18 and over"),
)
GENDERS: tuple[tuple[str, str], ...] = (
    ("female", "Female"), ("male", "Male"), ("non_binary", "Non-binary"),
    ("another", "Described another way"), ("not_recorded", "Not recorded"),
)
YES_NO: tuple[tuple[str, str], ...] = (("yes", "Yes"), ("no", "No"),
                                       ("not_recorded", "Not recorded"))
DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("age_band", "Age band (age at the end date)"), ("gender", "Gender"),
    ("ethnicity", "Ethnicity (as recorded)"), ("disability", "Disability or additional needs"),
    ("care_leaver", "Care leaver"),
)
POPULATIONS: tuple[tuple[str, str], ...] = (
    ("waiting", "Young people waiting at the end"),
    ("matched", "Young people in a running match at the end"),
)
GROUP_LABELS: dict[str, dict[str, str]] = {
    "age_band": dict(AGE_BANDS), "gender": dict(GENDERS), "disability": dict(YES_NO),
    "care_leaver": dict(YES_NO),
}
NOT_RECORDED = "not_recorded"

# Breakdowns for commissioners (issue 16): each a {group: count} object whose every group is
# always present, suppressed in a published report like the breakdowns above.
REFERRER_ROLES: tuple[tuple[str, str], ...] = (
    ("social_worker", "Social worker"), ("iro", "Independent Reviewing Officer"),
    ("personal_adviser", "Personal adviser"), ("other_professional", "Other professional"),
    ("self", "Self-referral"), ("other", "Other (as recorded)"),
    ("not_recorded", "Not recorded"),
)
LEGAL_STATUSES: tuple[tuple[str, str], ...] = (
    ("looked_after", "Looked-after child"), ("care_leaver", "Care leaver"),
    ("left_care", "Left care"),
)
PLACEMENTS: tuple[tuple[str, str], ...] = (
    ("in_area", "In the council's area"), ("out_of_area", "Out of area"),
    ("not_recorded", "Not recorded"),
)
UASC: tuple[tuple[str, str], ...] = (
    ("uasc", "Unaccompanied asylum-seeking child"), ("not_uasc", "Not UASC"),
    ("not_recorded", "Not recorded"),
)
# The reason codes of a decline and of a withdrawal (``enums.DeclineReason``/``WithdrawReason``,
# labelled as ``enums.REASON_LABELS``, "other" without its prompt). A code stored that is not in
# these lists (a scheme's own) is counted under its own key after them.
DECLINE_REASONS: tuple[tuple[str, str], ...] = tuple(
    (c.value, "Other" if c.value == "other" else REASON_LABELS[c.value]) for c in DeclineReason)
WITHDRAW_REASONS: tuple[tuple[str, str], ...] = tuple(
    (c.value, "Other" if c.value == "other" else REASON_LABELS[c.value]) for c in WithdrawReason)
LEAVE_REASONS: tuple[tuple[str, str], ...] = (
    ("moved", "Moved away"), ("time", "No longer has the time"), ("work", "Work"),
    ("health", "Health"), ("personal", "Personal reasons"), ("not_suitable", "Not suitable"),
    ("other", "Other"), ("not_recorded", "Not recorded"),
)
ON_TIME: tuple[tuple[str, str], ...] = (
    ("on_time", "On time"), ("late", "Late"), ("not_held", "Not done by the end"),
)
PREFER_NOT_TO_SAY = "prefer_not_to_say"
# (key, label, definition, groups): the breakdowns for commissioners, in report order.
COUNTS: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    ("referrals_by_source", "Referrals by source",
     "Referrals received in the period by the referrer's role.", REFERRER_ROLES),
    ("referrals_by_legal_status", "Referrals: looked-after children and care leavers",
     "Referrals received in the period by the young person's legal status on the referral "
     "date.", LEGAL_STATUSES),
    ("referrals_by_placement", "Referrals: out-of-area placements",
     "Referrals received in the period by whether the young person is placed outside the "
     "responsible council's area (as recorded now).", PLACEMENTS),
    ("referrals_by_uasc", "Referrals: UASC",
     "Referrals received in the period by whether the young person is an unaccompanied "
     "asylum-seeking child (as recorded now).", UASC),
    ("declines_by_reason", "Declines by reason",
     "Referrals declined in the period (as referrals_declined) by their reason code.",
     DECLINE_REASONS),
    ("withdrawals_by_reason", "Withdrawals by reason",
     "Referrals withdrawn in the period (as referrals_withdrawn) by their reason code.",
     WITHDRAW_REASONS),
    ("concerns_by_category", "Concerns raised by category",
     "Concerns opened in the period, by category (counts only: no concern's text is in any "
     "report).", ()),
    ("volunteers_left_by_reason", "Volunteers who left, by reason",
     "Volunteers who left in the period (as volunteers_left) by their leaving reason.",
     LEAVE_REASONS),
)
COUNT_KEYS = tuple(c[0] for c in COUNTS)
# (key, label, what is due): due, and of those on_time, late, not_held.
TIMELINESS: tuple[tuple[str, str, str], ...] = (
    ("reviews_on_time", "Reviews due and held on time", "Reviews due"),
    ("escalations_on_time", "Concerns escalated on time", "Escalations due"),
    ("supervision_on_time", "Supervision on time", "Supervisions due"),
)
POOL_DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("ethnicity", "Ethnicity (as recorded)"), ("faith", "Faith or belief (as recorded)"),
    ("disability", "Disability"),
)
TREND_SERIES: tuple[tuple[str, str], ...] = (
    ("referrals_received", "Referrals received"), ("waiting_at_end", "Waiting list"),
    ("active_at_end", "Matches running"), ("visits", "Visits"),
)

# The young person's voice (``reports.outcomes``, the annual report's ``outcomes``): the scale a
# young person rates their visitor on at a review, the themes they may name, a review's outcome.
RATING_QUESTION = "How much does your IV help?"
RATINGS: tuple[tuple[int, str], ...] = (
    (1, "Not at all"), (2, "A little"), (3, "Some"), (4, "A lot"), (5, "Loads"),
)
THEMES: tuple[tuple[str, str], ...] = (
    (ReviewTheme.confidence.value, "Confidence"), (ReviewTheme.trust.value, "Trust"),
    (ReviewTheme.trying_new_things.value, "Trying new things"),
    (ReviewTheme.having_fun.value, "Having fun"),
    (ReviewTheme.someone_to_talk_to.value, "Someone to talk to"),
    (ReviewTheme.feeling_listened_to.value, "Feeling listened to"),
)
REVIEW_OUTCOMES: tuple[tuple[str, str], ...] = (
    (ReviewOutcome.continue_.value, "Carry on"),
    (ReviewOutcome.change.value, "Carry on, with a change"),
    (ReviewOutcome.end.value, "End the match"),
)
