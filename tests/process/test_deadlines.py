"""Dated deadlines from timeline rules and a report's facts, traced to RULES.md by ID.

The RULES.md examples count calendar days (EMI-27's 24 hours from a Friday end on a Saturday),
so they run on EVERY_DAY; WEEKDAYS shows what rolling off a weekend does to the same rules.
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vulndesk.process.calendar import BusinessCalendar, Freeze
from vulndesk.process.deadlines import (
    Deadline,
    DeadlineRule,
    Miss,
    Pause,
    ReportFacts,
    Status,
    compute_deadlines,
)

EVERY_DAY = BusinessCalendar(weekend=frozenset())
WEEKDAYS = BusinessCalendar()
NEW_YORK = ZoneInfo("America/New_York")
FAST = settings(max_examples=60, deadline=None)

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)  # a Friday
FIX_TEAM_FORMED = DeadlineRule(
    name="fix_team_formed",
    rule_id="EMI-27",
    quote="These steps should be completed within the first 24 hours of disclosure.",
    anchor="disclosure",
    direction="after",
    within=timedelta(hours=24),
)
FIX_DEVELOPED = DeadlineRule(
    name="fix_developed",
    rule_id="EMI-30",
    quote="These steps should be completed within the 1-7 days of Disclosure.",
    anchor="disclosure",
    direction="after",
    within=timedelta(days=7),
)
FIX_RELEASED = DeadlineRule(
    name="fix_released",
    rule_id="EMI-40",
    quote="Fix Release Day (Completed within 1-21 days of Disclosure)",
    anchor="disclosure",
    direction="after",
    within=timedelta(days=21),
)
RETROSPECTIVE = DeadlineRule(
    name="retrospective",
    rule_id="EMI-46",
    quote="These steps should be completed 1-3 days after the Release Date.",
    anchor="release",
    direction="after",
    within=timedelta(days=3),
    window=timedelta(days=1),
)
DISTRIBUTOR_NOTICE = DeadlineRule(
    name="distributor_advance_notice",
    rule_id="KAR-33",
    quote="at least 7 days before the planned public disclosure date",
    anchor="public_disclosure",
    direction="before",
    within=timedelta(days=7),
    window=timedelta(days=28),  # KAR-34: within 1-4 weeks prior to public disclosure
)
RELEASE_NOTICE = DeadlineRule(
    name="distributor_release_notice",
    rule_id="KAR-43",
    quote="notified at least 24 hours in advance of a pending release",
    anchor="release",
    direction="before",
    within=timedelta(hours=24),
)
ANNOUNCEMENT = DeadlineRule(
    name="security_announcement",
    rule_id="OEDX-20",
    quote="Post a Security Announcement 2 business days before merging",
    anchor="merge",
    direction="before",
    business_days=2,
)
MERGE_ALLOWED = DeadlineRule(
    name="merge_allowed",
    rule_id="OEDX-20",
    quote="Post a Security Announcement 2 business days before merging",
    anchor="security_announcement",
    direction="after",
    business_days=2,
)
EMISSARY = [FIX_TEAM_FORMED, FIX_DEVELOPED, FIX_RELEASED]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[arg-type, misc]


def one(
    rule: DeadlineRule,
    facts: ReportFacts,
    *,
    calendar: BusinessCalendar = EVERY_DAY,
    now: datetime = T0,
    asap_if_cvss_at_least: float | None = None,
) -> Deadline:
    [deadline] = compute_deadlines(
        [rule], facts, calendar, now, asap_if_cvss_at_least=asap_if_cvss_at_least
    )
    return deadline


def by_name(deadlines: Sequence[Deadline]) -> dict[str, Deadline]:
    return {deadline.rule.name: deadline for deadline in deadlines}


AT_T0 = ReportFacts(anchors={"disclosure": T0})


# The RULES.md examples


def test_fix_team_is_due_24_hours_after_disclosure_EMI_27() -> None:
    assert one(FIX_TEAM_FORMED, AT_T0).due_at == utc(2024, 3, 2, 10)


def test_fix_is_due_7_days_after_disclosure_EMI_30() -> None:
    assert one(FIX_DEVELOPED, AT_T0).due_at == utc(2024, 3, 8, 10)


def test_release_is_due_21_days_after_disclosure_EMI_40() -> None:
    assert one(FIX_RELEASED, AT_T0).due_at == utc(2024, 3, 22, 10)


def test_retrospective_opens_a_day_after_release_and_is_due_three_days_after_EMI_46() -> None:
    retro = one(RETROSPECTIVE, ReportFacts(anchors={"release": utc(2024, 3, 22, 10)}))
    assert (retro.opens_at, retro.due_at) == (utc(2024, 3, 23, 10), utc(2024, 3, 25, 10))


def test_distributor_notice_is_due_7_days_and_opens_28_days_before_disclosure_KAR_33_34() -> None:
    notice = one(
        DISTRIBUTOR_NOTICE, ReportFacts(anchors={"public_disclosure": utc(2024, 6, 30, 12)})
    )
    assert (notice.opens_at, notice.due_at) == (utc(2024, 6, 2, 12), utc(2024, 6, 23, 12))


@pytest.mark.parametrize(
    ("sent", "miss"),
    [
        (utc(2024, 6, 25, 12), Miss.LATE),  # KAR-33: less than 7 days ahead
        (utc(2024, 5, 30, 12), Miss.EARLY),  # KAR-34: more than 4 weeks ahead
        (utc(2024, 6, 2, 12), None),
        (utc(2024, 6, 23, 12), None),
    ],
)
def test_a_distributor_notice_outside_its_window_is_flagged_KAR_33_34(
    sent: datetime, miss: Miss | None
) -> None:
    facts = ReportFacts(
        anchors={"public_disclosure": utc(2024, 6, 30, 12)},
        met={"distributor_advance_notice": sent},
    )
    notice = one(DISTRIBUTOR_NOTICE, facts, now=utc(2024, 7, 1))
    assert (notice.status, notice.met_at, notice.miss, notice.late) == (
        Status.MET,
        sent,
        miss,
        miss is not None,
    )


def test_release_notice_is_due_24_hours_before_release_KAR_43() -> None:
    notice = one(RELEASE_NOTICE, ReportFacts(anchors={"release": utc(2024, 6, 30, 12)}))
    assert notice.due_at == utc(2024, 6, 29, 12)


def test_a_tuesday_merge_needs_the_announcement_by_friday_OEDX_20() -> None:
    calendar = BusinessCalendar(timezone="America/New_York")
    merge = datetime(2023, 7, 25, 15, tzinfo=NEW_YORK)
    notice = one(ANNOUNCEMENT, ReportFacts(anchors={"merge": merge}), calendar=calendar)
    assert notice.due_at == datetime(2023, 7, 21, 15, tzinfo=NEW_YORK)


def test_a_monday_announcement_allows_merging_from_wednesday_OEDX_20() -> None:
    calendar = BusinessCalendar(timezone="America/New_York")
    posted = datetime(2023, 7, 24, 15, tzinfo=NEW_YORK)
    merge = one(
        MERGE_ALLOWED, ReportFacts(anchors={"security_announcement": posted}), calendar=calendar
    )
    assert merge.due_at == datetime(2023, 7, 26, 15, tzinfo=NEW_YORK)


# Public disclosure: ASAP


PUBLIC_AT = utc(2024, 3, 3, 9)


def publicly_disclosed(cvss: float | None) -> ReportFacts:
    return ReportFacts(anchors={"disclosure": T0}, public_disclosure=PUBLIC_AT, cvss_score=cvss)


@pytest.mark.parametrize("rule_id", ["EMI-14", "VIT-8"])
def test_public_disclosure_at_cvss_4_makes_every_open_deadline_asap(rule_id: str) -> None:
    deadlines = compute_deadlines(
        EMISSARY, publicly_disclosed(4.0), EVERY_DAY, T0, asap_if_cvss_at_least=4.0
    )
    fix_team, *others = deadlines
    assert not fix_team.asap  # due 03-02, before the disclosure: ASAP gives no extra time
    assert [(d.asap, d.due_at) for d in others] == [(True, PUBLIC_AT)] * 2


@pytest.mark.parametrize("rule_id", ["EMI-14", "VIT-8"])
def test_public_disclosure_below_cvss_4_keeps_the_normal_timelines(rule_id: str) -> None:
    deadlines = compute_deadlines(
        EMISSARY, publicly_disclosed(3.9), EVERY_DAY, T0, asap_if_cvss_at_least=4.0
    )
    assert [(d.asap, d.due_at) for d in deadlines] == [
        (False, utc(2024, 3, 2, 10)),
        (False, utc(2024, 3, 8, 10)),
        (False, utc(2024, 3, 22, 10)),
    ]


def test_without_a_threshold_public_disclosure_never_collapses_timelines_KAR_32() -> None:
    deadline = one(FIX_DEVELOPED, publicly_disclosed(9.8), asap_if_cvss_at_least=None)
    assert (deadline.asap, deadline.due_at) == (False, utc(2024, 3, 8, 10))


def test_an_unscored_public_report_is_handled_asap_until_it_is_scored_EMI_14() -> None:
    """Waiting for a score must not slow the response to a public vulnerability."""
    deadline = one(FIX_DEVELOPED, publicly_disclosed(None), asap_if_cvss_at_least=4.0)
    assert (deadline.asap, deadline.due_at) == (True, PUBLIC_AT)


def test_a_rule_can_opt_out_of_asap_EMI_14() -> None:
    rule = replace(FIX_DEVELOPED, asap_on_public_disclosure=False)
    assert not one(rule, publicly_disclosed(9.8), asap_if_cvss_at_least=4.0).asap


def test_an_asap_deadline_after_an_event_still_waits_for_that_event_EMI_14() -> None:
    facts = ReportFacts(
        anchors={"release": utc(2024, 3, 10, 10)},
        public_disclosure=PUBLIC_AT,
        cvss_score=7.5,
    )
    retro = one(RETROSPECTIVE, facts, asap_if_cvss_at_least=4.0)
    assert (retro.asap, retro.due_at, retro.opens_at) == (True, utc(2024, 3, 10, 10), None)
    unreleased = replace(facts, anchors={})
    assert one(RETROSPECTIVE, unreleased, asap_if_cvss_at_least=4.0).status is Status.WAITING


def test_an_asap_notice_before_an_unplanned_release_is_due_at_the_disclosure_EMI_14() -> None:
    facts = ReportFacts(anchors={}, public_disclosure=PUBLIC_AT, cvss_score=7.5)
    notice = one(RELEASE_NOTICE, facts, now=utc(2024, 3, 3, 8), asap_if_cvss_at_least=4.0)
    assert (notice.asap, notice.due_at, notice.status) == (True, PUBLIC_AT, Status.DUE)


def test_a_deadline_met_before_the_disclosure_keeps_its_normal_timeline_EMI_14() -> None:
    facts = replace(publicly_disclosed(9.8), met={"fix_developed": utc(2024, 3, 5, 10)})
    deadline = one(FIX_DEVELOPED, facts, asap_if_cvss_at_least=4.0)
    assert (deadline.asap, deadline.due_at, deadline.late) == (False, utc(2024, 3, 8, 10), False)


# Status


def test_a_deadline_waits_while_its_anchor_is_unknown() -> None:
    retro = one(RETROSPECTIVE, ReportFacts(anchors={"release": None}))
    assert (retro.status, retro.due_at, retro.opens_at) == (Status.WAITING, None, None)


def test_a_deadline_is_due_up_to_its_due_time_and_overdue_after_it_EMI_12() -> None:
    due = utc(2024, 3, 2, 10)
    assert one(FIX_TEAM_FORMED, AT_T0, now=due).status is Status.DUE
    overdue = one(FIX_TEAM_FORMED, AT_T0, now=due + timedelta(seconds=1))
    assert overdue.status is Status.OVERDUE
    assert overdue.rule.advisory  # EMI-12: a miss warns, it blocks nothing


def test_a_deadline_met_late_says_so() -> None:
    facts = replace(AT_T0, met={"fix_team_formed": utc(2024, 3, 2, 11)})
    deadline = one(FIX_TEAM_FORMED, facts, now=utc(2024, 3, 9))
    assert (deadline.status, deadline.miss, deadline.late) == (Status.MET, Miss.LATE, True)


def test_a_deadline_is_paused_while_a_pause_is_open() -> None:
    facts = replace(AT_T0, pauses={"fix_developed": [Pause(utc(2024, 3, 4), None, "reporter")]})
    assert one(FIX_DEVELOPED, facts, now=utc(2024, 3, 10)).status is Status.PAUSED
    assert one(FIX_DEVELOPED, facts, now=utc(2024, 3, 3)).status is Status.DUE


def test_a_finished_pause_pushes_an_after_deadline_back_by_its_length() -> None:
    pause = Pause(utc(2024, 3, 4), utc(2024, 3, 6), "embargo extended at the reporter's request")
    facts = replace(AT_T0, pauses={"fix_developed": [pause]})
    deadline = one(FIX_DEVELOPED, facts, now=utc(2024, 3, 9))
    assert (deadline.due_at, deadline.status) == (utc(2024, 3, 10, 10), Status.DUE)


def test_overlapping_pauses_count_once() -> None:
    pauses = [Pause(utc(2024, 3, 4), utc(2024, 3, 6)), Pause(utc(2024, 3, 5), utc(2024, 3, 7))]
    facts = replace(AT_T0, pauses={"fix_developed": pauses})
    assert one(FIX_DEVELOPED, facts).due_at == utc(2024, 3, 11, 10)


def test_a_pause_does_not_move_a_before_deadline_which_moves_with_its_anchor() -> None:
    pause = Pause(utc(2024, 6, 1), utc(2024, 6, 3))
    facts = ReportFacts(
        anchors={"release": utc(2024, 6, 30, 12)}, pauses={RELEASE_NOTICE.name: [pause]}
    )
    assert one(RELEASE_NOTICE, facts).due_at == utc(2024, 6, 29, 12)


# Calendars


def test_an_after_deadline_on_a_weekend_rolls_to_monday_EMI_27() -> None:
    assert one(FIX_TEAM_FORMED, AT_T0, calendar=WEEKDAYS).due_at == utc(2024, 3, 4, 10)


def test_a_before_deadline_on_a_weekend_rolls_earlier_so_the_lead_time_holds_KAR_33() -> None:
    facts = ReportFacts(anchors={"public_disclosure": utc(2024, 6, 30, 12)})
    assert one(DISTRIBUTOR_NOTICE, facts, calendar=WEEKDAYS).due_at == utc(2024, 6, 21, 12)


def test_deadlines_come_soonest_first_and_waiting_ones_last() -> None:
    rules = [RETROSPECTIVE, FIX_RELEASED, FIX_TEAM_FORMED, FIX_DEVELOPED]
    names = [
        d.rule.name
        for d in compute_deadlines(rules, AT_T0, EVERY_DAY, T0, asap_if_cvss_at_least=None)
    ]
    assert names == ["fix_team_formed", "fix_developed", "fix_released", "retrospective"]


# Refusals


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        one(FIX_TEAM_FORMED, AT_T0, now=datetime(2024, 3, 1))


@pytest.mark.parametrize(
    "make",
    [
        lambda: ReportFacts(anchors={"disclosure": datetime(2024, 3, 1)}),
        lambda: ReportFacts(anchors={}, public_disclosure=datetime(2024, 3, 1)),
        lambda: ReportFacts(anchors={}, met={"x": datetime(2024, 3, 1)}),
        lambda: Pause(datetime(2024, 3, 1), None),
        lambda: Pause(T0, datetime(2024, 3, 2)),
    ],
)
def test_naive_facts_are_refused(make: object) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        make()  # type: ignore[operator]


def test_a_pause_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Pause(T0, T0 - timedelta(hours=1))


def test_a_cvss_score_outside_0_to_10_is_refused() -> None:
    with pytest.raises(ValueError, match=r"0\.0-10\.0"):
        ReportFacts(anchors={}, cvss_score=11.0)


def test_two_rules_with_one_name_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        compute_deadlines([FIX_DEVELOPED] * 2, AT_T0, EVERY_DAY, T0, asap_if_cvss_at_least=None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"within": None}, "exactly one"),
        ({"business_days": 2}, "exactly one"),
        ({"within": timedelta(days=-1)}, "not be negative"),
        ({"direction": "around"}, "'after' or 'before'"),
        ({"window": timedelta(days=4)}, "window must open no later"),
        ({"within": None, "business_days": 3}, "window needs within"),
    ],
)
def test_a_rule_that_cannot_be_dated_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replace(RETROSPECTIVE, **changes)  # type: ignore[arg-type]


def test_a_before_window_closer_than_the_deadline_is_refused_KAR_34() -> None:
    with pytest.raises(ValueError, match="window must open no later"):
        replace(DISTRIBUTOR_NOTICE, window=timedelta(days=6))


# Properties

anchors = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
calendars = st.builds(
    BusinessCalendar,
    timezone=st.sampled_from(["UTC", "America/New_York", "Asia/Kolkata"]),
    freezes=st.sampled_from([(), (Freeze((12, 24), (1, 2)),)]),
    no_deadline_on=st.sampled_from([frozenset(), frozenset({4}), frozenset({4, 5, 6})]),
)


DIRECTIONS: tuple[Literal["after", "before"], ...] = ("after", "before")


@st.composite
def rules(draw: st.DrawFn) -> DeadlineRule:
    direction = draw(st.sampled_from(DIRECTIONS))
    if draw(st.booleans()):
        return DeadlineRule(
            "r", "EMI-27", "", "anchor", direction, business_days=draw(st.integers(0, 15))
        )
    within = timedelta(hours=draw(st.integers(0, 24 * 40)))
    return DeadlineRule("r", "EMI-27", "", "anchor", direction, within=within)


@st.composite
def reports(draw: st.DrawFn) -> ReportFacts:
    anchor = draw(anchors)
    pause_start = anchor + timedelta(hours=draw(st.integers(0, 24 * 10)))
    pauses = [Pause(pause_start, pause_start + timedelta(hours=draw(st.integers(0, 24 * 30))))]
    return ReportFacts(
        anchors={"anchor": anchor},
        public_disclosure=draw(st.none() | anchors),
        cvss_score=draw(st.none() | st.floats(0.0, 10.0)),
        pauses={"r": draw(st.sampled_from([[], pauses]))},
    )


def dated(rule: DeadlineRule, facts: ReportFacts, calendar: BusinessCalendar) -> Deadline:
    return one(rule, facts, calendar=calendar, asap_if_cvss_at_least=4.0)


@FAST
@given(rule=rules(), facts=reports(), calendar=calendars)
def test_no_deadline_falls_on_the_wrong_side_of_its_anchor(
    rule: DeadlineRule, facts: ReportFacts, calendar: BusinessCalendar
) -> None:
    deadline, anchor = dated(rule, facts, calendar), facts.anchors["anchor"]
    assert deadline.due_at is not None
    assert anchor is not None
    if rule.direction == "after":
        assert deadline.due_at >= anchor
    else:
        assert deadline.due_at <= anchor


@FAST
@given(rule=rules(), facts=reports(), calendar=calendars)
def test_asap_collapses_to_the_disclosure_or_the_anchor_and_never_gives_more_time_EMI_14(
    rule: DeadlineRule, facts: ReportFacts, calendar: BusinessCalendar
) -> None:
    deadline = dated(rule, facts, calendar)
    normal = dated(rule, replace(facts, public_disclosure=None), calendar)
    assert deadline.due_at is not None
    assert normal.due_at is not None
    if deadline.asap:
        assert deadline.due_at in (facts.public_disclosure, facts.anchors["anchor"])
        assert deadline.due_at <= normal.due_at
    else:
        assert deadline.due_at == normal.due_at


@FAST
@given(
    rule=rules().filter(lambda r: r.direction == "after"),
    anchor=anchors,
    pause_hours=st.integers(0, 24 * 60),
)
def test_a_finished_pause_moves_an_after_deadline_by_exactly_its_length(
    rule: DeadlineRule, anchor: datetime, pause_hours: int
) -> None:
    pause = Pause(anchor, anchor + timedelta(hours=pause_hours))
    facts = ReportFacts(anchors={"anchor": anchor})
    plain = one(rule, facts, calendar=EVERY_DAY)
    paused = one(rule, replace(facts, pauses={"r": [pause]}), calendar=EVERY_DAY)
    assert plain.due_at is not None
    assert paused.due_at is not None
    assert paused.due_at - plain.due_at == timedelta(hours=pause_hours)


@FAST
@given(rule=rules(), facts=reports(), calendar=calendars)
def test_deadlines_never_land_on_a_no_deadline_day_or_in_a_freeze(
    rule: DeadlineRule, facts: ReportFacts, calendar: BusinessCalendar
) -> None:
    deadline = dated(rule, replace(facts, public_disclosure=None), calendar)
    assert deadline.due_at is not None
    day = deadline.due_at.astimezone(calendar.zone).date()
    assert calendar.allowed_deadline_day(day)
    assert day.weekday() not in calendar.no_deadline_on
    if calendar.freezes:
        assert not date(day.year, 12, 24) <= day <= date(day.year, 12, 31)
        assert not date(day.year, 1, 1) <= day <= date(day.year, 1, 2)


def test_a_concluded_report_drops_its_unmet_deadlines_and_keeps_the_met_ones() -> None:
    """A closed, rejected or duplicate report owes nothing: nothing of it stays overdue."""
    met = {"fix_developed": T0 + timedelta(days=2)}
    facts = ReportFacts(anchors={"disclosure": T0}, met=met, concluded=True)
    later = T0 + timedelta(days=30)
    assert one(FIX_DEVELOPED, facts, now=later).status is Status.MET
    dropped = one(replace(FIX_DEVELOPED, name="fix_team_formed"), facts, now=later)
    assert (dropped.status, dropped.due_at) == (Status.DROPPED, T0 + timedelta(days=7))
