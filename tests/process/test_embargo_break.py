"""The policy's advice after an embargo break, and where releasing now puts the Release Date."""

from datetime import UTC, datetime, time, timedelta

import pytest

from vulndesk.process.calendar import BusinessCalendar
from vulndesk.process.deadlines import DeadlineRule, ReportFacts, Status, compute_deadlines
from vulndesk.process.embargo_break import guidance, release_now_date

# Wednesday 2024-06-05 10:07 UTC.
NOW = datetime(2024, 6, 5, 10, 7, tzinfo=UTC)
ANYTIME = BusinessCalendar(weekend=frozenset())
AT_FOUR_NOT_FRIDAY = BusinessCalendar(
    announcement_time=time(16, 0), announcement_avoid=frozenset({4})
)


def test_kar_38_karmada_leans_to_releasing_now() -> None:
    advice = guidance("release_asap", fix_ready=True, release_date=None, release_now_at=NOW)
    assert advice.default == "release_now"
    assert advice.rule_ids == ("KAR-37", "KAR-38")
    assert "when in doubt, push forward" in advice.text


def test_kar_37_a_policy_that_continues_leans_to_keeping_the_date() -> None:
    advice = guidance(
        "continue", fix_ready=True, release_date=NOW + timedelta(days=9), release_now_at=NOW
    )
    assert (advice.default, advice.rule_ids, advice.warnings) == ("keep_date", ("KAR-37",), ())


def test_a_policy_without_a_rule_says_so_and_leans_nowhere() -> None:
    advice = guidance(None, fix_ready=True, release_date=NOW, release_now_at=NOW)
    assert advice.default is None
    assert "states no embargo-break rule" in advice.text


def test_kar_31_releasing_now_without_a_fix_is_warned_about() -> None:
    advice = guidance("release_asap", fix_ready=False, release_date=None, release_now_at=NOW)
    assert any("no fix or mitigation is ready" in w and "KAR-31" in w for w in advice.warnings)
    assert any("has no Release Date" in w for w in advice.warnings)


def test_kar_38_release_now_is_the_next_quarter_hour_on_a_calendar_that_takes_any_time() -> None:
    later = NOW + timedelta(days=10)
    assert release_now_date(ANYTIME, NOW, later) == datetime(2024, 6, 5, 10, 15, tzinfo=UTC)


def test_kar_38_release_now_waits_for_the_calendars_next_announcement_slot() -> None:
    # 16:00 UTC today; on a Thursday evening the Friday is avoided, so it is Monday.
    assert release_now_date(AT_FOUR_NOT_FRIDAY, NOW, None) == datetime(2024, 6, 5, 16, tzinfo=UTC)
    thursday_night = datetime(2024, 6, 6, 20, tzinfo=UTC)
    assert release_now_date(AT_FOUR_NOT_FRIDAY, thursday_night, None) == datetime(
        2024, 6, 10, 16, tzinfo=UTC
    )


def test_a_release_date_already_sooner_stays() -> None:
    sooner = datetime(2024, 6, 5, 12, tzinfo=UTC)
    assert release_now_date(AT_FOUR_NOT_FRIDAY, NOW, sooner) == sooner
    advice = guidance("release_asap", fix_ready=True, release_date=sooner, release_now_at=sooner)
    assert any("already at or before" in w for w in advice.warnings)


NOTICE = DeadlineRule(
    name="distributor_release_notice",
    rule_id="KAR-43",
    quote="",
    anchor="release",
    direction="before",
    within=timedelta(hours=24),
    asap_on_public_disclosure=False,
)
RETROSPECTIVE = DeadlineRule(
    name="retrospective_sent", rule_id="EMI-46", quote="", anchor="release", direction="after",
    within=timedelta(days=3), window=timedelta(days=1),
)  # fmt: skip


def test_kar_32_after_releasing_now_a_notice_owed_ahead_is_due_at_the_decision() -> None:
    release = datetime(2024, 6, 5, 10, 15, tzinfo=UTC)
    facts = ReportFacts(anchors={"release": release}, release_now_since=NOW)
    notice, retrospective = compute_deadlines(
        [NOTICE, RETROSPECTIVE], facts, ANYTIME, NOW, asap_if_cvss_at_least=None
    )
    # Not a day in the past before the decision: due now, its lead time waived.
    assert (notice.due_at, notice.asap, notice.opens_at) == (NOW, True, None)
    assert notice.status is Status.DUE
    # What follows the release follows the new date.
    assert (retrospective.due_at, retrospective.asap) == (release + timedelta(days=3), False)


def test_without_a_break_the_same_notice_is_simply_overdue() -> None:
    release = datetime(2024, 6, 5, 10, 15, tzinfo=UTC)
    facts = ReportFacts(anchors={"release": release})
    (notice,) = compute_deadlines([NOTICE], facts, ANYTIME, NOW, asap_if_cvss_at_least=None)
    assert (notice.due_at, notice.status) == (release - timedelta(hours=24), Status.OVERDUE)


def test_a_notice_due_after_the_decision_keeps_its_time() -> None:
    release = NOW + timedelta(days=3)
    facts = ReportFacts(anchors={"release": release}, release_now_since=NOW)
    (notice,) = compute_deadlines([NOTICE], facts, ANYTIME, NOW, asap_if_cvss_at_least=None)
    assert (notice.due_at, notice.asap) == (release - timedelta(hours=24), False)


def test_release_now_since_must_carry_its_zone() -> None:
    with pytest.raises(ValueError, match="release_now_since"):
        ReportFacts(anchors={}, release_now_since=datetime(2024, 6, 5))
