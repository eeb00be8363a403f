"""Team governance rules: minimum associate service (KAR-3), inactivity (KAR-8), removal votes
(KAR-9) and the optional team caps."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vulndesk.process.governance import (
    GovernanceError,
    Leave,
    add_period,
    check_caps,
    check_promotion,
    inactivity,
    promotable_from,
    tally,
)
from vulndesk.process.policy import resolve_policy

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


def test_kar3_an_associate_since_january_15th_is_promotable_from_april_15th() -> None:
    assert promotable_from(date(2024, 1, 15), "P3M") == date(2024, 4, 15)
    check_promotion(date(2024, 1, 15), date(2024, 4, 15), "P3M")
    with pytest.raises(GovernanceError, match=r"from 2024-04-15.*team\.associates\.min_service"):
        check_promotion(date(2024, 1, 15), date(2024, 4, 14), "P3M")


def test_kar3_the_karmada_preset_asks_three_calendar_months() -> None:
    policy = resolve_policy("karmada", {})
    assert promotable_from(date(2024, 11, 30), policy.team.associates.min_service) == date(
        2025, 2, 28
    )


def test_a_month_end_lands_on_the_last_day_of_a_shorter_month() -> None:
    assert add_period(date(2024, 1, 31), "P1M") == date(2024, 2, 29)
    assert add_period(date(2023, 12, 31), "P1Y2M1W1D") == date(2025, 3, 8)


@given(since=days, months=st.integers(min_value=1, max_value=24))
def test_kar3_promotion_is_refused_the_day_before_and_allowed_from_the_date(
    since: date, months: int
) -> None:
    period = f"P{months}M"
    allowed = promotable_from(since, period)
    assert allowed > since
    check_promotion(since, allowed, period)
    with pytest.raises(GovernanceError):
        check_promotion(since, allowed - timedelta(days=1), period)


@given(since=days, months=st.integers(min_value=0, max_value=40))
def test_adding_calendar_months_keeps_the_day_or_the_month_end(since: date, months: int) -> None:
    later = add_period(since, f"P{months}M")
    assert (later.year - since.year) * 12 + later.month - since.month == months
    assert later.day == since.day or (later.day < since.day and (later + timedelta(1)).day == 1)


def test_kar8_last_contact_january_1st_is_flagged_on_march_2nd_not_march_1st() -> None:
    assert not inactivity(date(2024, 1, 1), date(2024, 3, 1), after="P2M", leaves=[]).flagged
    flagged = inactivity(date(2024, 1, 1), date(2024, 3, 2), after="P2M", leaves=[])
    assert flagged.flagged
    assert flagged.flagged_after == date(2024, 3, 1)


def test_kar8_a_member_on_declared_leave_is_never_flagged() -> None:
    leave = Leave(date(2024, 2, 1), date(2024, 6, 30))
    status = inactivity(date(2024, 1, 1), date(2024, 5, 1), after="P2M", leaves=[leave])
    assert not status.flagged
    assert status.on_leave == leave


def test_kar8_time_on_leave_is_excused_and_the_clock_restarts_when_it_ends() -> None:
    leave = Leave(date(2024, 1, 10), date(2024, 2, 29))
    back = [leave]
    assert not inactivity(date(2024, 1, 1), date(2024, 4, 29), after="P2M", leaves=back).flagged
    assert inactivity(date(2024, 1, 1), date(2024, 4, 30), after="P2M", leaves=back).flagged


def test_kar8_no_inactivity_period_in_the_policy_flags_no_one() -> None:
    assert not inactivity(date(2020, 1, 1), date(2024, 1, 1), after=None, leaves=[]).flagged


@given(contact=days, gap=st.integers(min_value=0, max_value=400))
def test_kar8_flagged_exactly_when_more_than_two_months_passed(contact: date, gap: int) -> None:
    today = contact + timedelta(days=gap)
    status = inactivity(contact, today, after="P2M", leaves=[])
    assert status.flagged == (today > add_period(contact, "P2M"))


@given(contact=days, gap=st.integers(min_value=0, max_value=400), length=st.integers(0, 30))
def test_kar8_a_leave_covering_today_always_excuses(contact: date, gap: int, length: int) -> None:
    today = contact + timedelta(days=gap)
    leave = Leave(today - timedelta(days=length), today + timedelta(days=length))
    assert not inactivity(contact, today, after="P2M", leaves=[leave]).flagged


TWO_THIRDS = 2 / 3


def test_kar9_with_two_thirds_four_of_six_pass() -> None:
    result = tally(in_favour=4, against=2, eligible=6, threshold=TWO_THIRDS)
    assert result.passes
    assert result.needed == 4


def test_kar9_with_two_thirds_three_of_six_fail() -> None:
    assert not tally(in_favour=3, against=3, eligible=6, threshold=TWO_THIRDS).passes


def test_kar9_those_who_do_not_vote_count_as_not_in_favour() -> None:
    assert not tally(in_favour=3, against=0, eligible=6, threshold=TWO_THIRDS).passes


def test_kar9_a_decimal_threshold_means_the_fraction_it_rounds_to() -> None:
    assert tally(in_favour=4, against=2, eligible=6, threshold=0.6667).passes
    assert not tally(in_favour=4, against=2, eligible=6, threshold=0.67).passes


def test_kar9_no_threshold_in_the_policy_refuses_to_close_and_names_the_field() -> None:
    threshold = resolve_policy("karmada", {}).team.inactivity.removal_vote.threshold
    assert threshold is None
    with pytest.raises(GovernanceError, match=r"team\.inactivity\.removal_vote\.threshold"):
        tally(in_favour=6, against=0, eligible=6, threshold=threshold)


@given(eligible=st.integers(1, 50), data=st.data())
def test_kar9_a_vote_passes_exactly_at_two_thirds(eligible: int, data: st.DataObject) -> None:
    in_favour = data.draw(st.integers(0, eligible))
    result = tally(in_favour=in_favour, against=0, eligible=eligible, threshold=TWO_THIRDS)
    assert result.passes == (3 * in_favour >= 2 * eligible)


def test_the_team_size_cap_refuses_one_more() -> None:
    check_caps(["Acme", ""], joining="", size=3, per_company=None)
    with pytest.raises(GovernanceError, match=r"team\.caps\.size is 3"):
        check_caps(["Acme", "", "Initech"], joining="", size=3, per_company=None)


def test_the_per_company_cap_counts_people_of_the_same_company() -> None:
    check_caps(["Acme", "Initech"], joining="acme ", size=None, per_company=2)
    with pytest.raises(GovernanceError, match=r"work for Acme and team\.caps\.per_company is 2"):
        check_caps(["Acme", "acme", "Initech"], joining="Acme", size=None, per_company=2)


def test_caps_are_off_in_every_preset() -> None:
    caps = resolve_policy("karmada", {}).team.caps
    assert (caps.size, caps.per_company) == (None, None)
