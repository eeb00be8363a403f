"""Release Date planning: the earliest date every rule allows, why, and what a bad date breaks.

Each test names the RULES.md IDs it proves. The presets give the rules (KAR-33/34/43 distributor
notices, OEDX-20 pre-merge announcement, EMI-40 release deadline, EMI-14 ASAP); the calendar
overrides (announcement time, avoided days, freezes, holidays) are a project's own settings.
"""

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vulndesk.process.deadlines import ReportFacts
from vulndesk.process.policy import preset_names, resolve_policy
from vulndesk.process.release_date import Proposal, ReleaseDatePlanner, in_words, round_up

DAY = timedelta(days=1)
T0 = datetime(2024, 6, 1, 9, tzinfo=UTC)  # a Saturday
BERLIN = ZoneInfo("Europe/Berlin")
FAST = settings(max_examples=80, deadline=None)


def planner(
    preset: str,
    *,
    now: datetime = T0,
    overrides: Mapping[str, Any] | None = None,
    disclosed: datetime | None = None,
    met: Mapping[str, datetime] | None = None,
    merge: datetime | None = None,
    public: datetime | None = None,
    cvss: float | None = None,
    cve_assigned: bool = True,
) -> ReleaseDatePlanner:
    facts = ReportFacts(
        anchors={"disclosure": disclosed or now - DAY, "merge": merge},
        met=dict(met or {}),
        public_disclosure=public,
        cvss_score=cvss,
    )
    return ReleaseDatePlanner(
        resolve_policy(preset, dict(overrides or {})), facts, now, cve_assigned=cve_assigned
    )


def messages(found: ReleaseDatePlanner, at: datetime) -> list[str]:
    return [problem.message for problem in found.check(at)]


def reasons(proposal: Proposal) -> list[str]:
    return [reason.text for reason in proposal.reasons]


# -- KAR-33, KAR-34, KAR-43: distributors hear 1-4 weeks ahead, and again 24 hours ahead ---------


def test_kar_33_an_advance_notice_not_sent_yet_holds_the_release_7_days_from_now() -> None:
    karmada = planner("karmada")
    proposal = karmada.propose()
    assert proposal.at == T0 + 7 * DAY
    assert proposal.feasible
    assert [reason.rule_ids for reason in proposal.reasons] == [("KAR-33", "KAR-34")]
    assert "at least 7 days before the release and has not been sent yet" in reasons(proposal)[0]
    assert proposal.reasons[0].quote.startswith("The Private Distributors List will be given")


def test_kar_33_a_date_too_soon_is_refused_naming_the_rule_and_the_earliest_date() -> None:
    karmada = planner("karmada")
    assert messages(karmada, T0 + 3 * DAY) == [
        "the distributors' advance notice must go out at least 7 days before the release and "
        "has not been sent yet (KAR-33, KAR-34): the earliest date is 2024-06-08 09:00 UTC"
    ]
    assert karmada.check(T0 + 7 * DAY) == []


def test_kar_33_a_report_without_a_cve_owes_only_the_24_hour_notice() -> None:
    karmada = planner("karmada", cve_assigned=False)
    proposal = karmada.propose()
    assert proposal.at == T0 + DAY
    assert [reason.rule_ids for reason in proposal.reasons] == [("KAR-43",)]
    assert "at least 24 hours before the release" in reasons(proposal)[0]


def test_kar_33_an_advance_notice_sent_already_counts_from_when_it_went_out() -> None:
    sent = T0 - 2 * DAY
    karmada = planner("karmada", met={"distributor_advance_notice": sent})
    proposal = karmada.propose()
    assert proposal.at == sent + 7 * DAY
    assert "went out at 2024-05-30 09:00 UTC" in reasons(proposal)[0]


def test_kar_43_once_the_advance_notice_is_old_the_24_hour_notice_sets_the_date() -> None:
    karmada = planner("karmada", met={"distributor_advance_notice": T0 - 10 * DAY})
    proposal = karmada.propose()
    assert proposal.at == T0 + DAY
    assert [reason.rule_ids for reason in proposal.reasons] == [("KAR-43",)]


def test_kar_43_a_24_hour_notice_sent_already_lets_the_release_come_a_day_after_it() -> None:
    met = {"distributor_advance_notice": T0 - 10 * DAY, "distributor_release_notice": T0 - 2 * DAY}
    karmada = planner("karmada", met=met)
    assert karmada.propose().at == T0  # nothing holds it: now
    assert reasons(karmada.propose()) == ["no rule of the policy holds the release later than now"]


def test_kar_34_an_advance_notice_may_not_come_more_than_4_weeks_ahead() -> None:
    sent = T0 - DAY
    karmada = planner("karmada", met={"distributor_advance_notice": sent})
    assert karmada.check(sent + 28 * DAY) == []
    late = sent + 28 * DAY + timedelta(minutes=15)
    assert messages(karmada, late) == [
        "the distributors' advance notice went out at 2024-05-31 09:00 UTC and may come at "
        "most 28 days before the release (KAR-33, KAR-34): the latest date is 2024-06-28 09:00 UTC"
    ]


# -- OEDX-20: the fix is merged 2 business days after its announcement, and released after ------


def test_oedx_20_an_announcement_posted_monday_15_00_allows_wednesday_15_00() -> None:
    posted = datetime(2023, 7, 24, 15, tzinfo=UTC)  # RULES.md: Mon 15:00 + 2 = Wed 15:00
    openedx = planner(
        "openedx", now=posted + timedelta(hours=1), met={"security_announcement_posted": posted}
    )
    proposal = openedx.propose()
    assert proposal.at == datetime(2023, 7, 26, 15, tzinfo=UTC)
    assert [reason.rule_ids for reason in proposal.reasons] == [("OEDX-20", "OEDX-21", "OEDX-22")]
    refused = messages(openedx, datetime(2023, 7, 26, 14, tzinfo=UTC))
    assert refused == [
        "the fix is merged before the release, and the pre-merge security announcement (went "
        "out at 2023-07-24 15:00 UTC) must be 2 business days old at the merge "
        "(OEDX-20, OEDX-21, OEDX-22): the earliest date is 2023-07-26 15:00 UTC"
    ]


def test_oedx_20_an_announcement_not_posted_on_a_saturday_counts_business_days_from_monday() -> (
    None
):
    openedx = planner("openedx")  # T0 is Saturday 09:00: Mon is day 1, Tue day 2
    proposal = openedx.propose()
    assert proposal.at == datetime(2024, 6, 4, 9, tzinfo=UTC)
    assert "has not been posted yet" in reasons(proposal)[0]


def test_oedx_20_a_planned_merge_later_than_that_holds_the_release_until_the_merge() -> None:
    merge = datetime(2024, 6, 12, 15, tzinfo=UTC)
    proposal = planner("openedx", merge=merge).propose()
    assert proposal.at == merge
    assert [reason.name for reason in proposal.reasons] == ["planned_merge"]


def test_oedx_20_a_weekend_release_is_refused_on_business_days() -> None:
    posted = datetime(2024, 5, 27, 9, tzinfo=UTC)
    openedx = planner("openedx", met={"security_announcement_posted": posted})
    sunday = datetime(2024, 6, 2, 12, tzinfo=UTC)
    assert messages(openedx, sunday) == [
        "Sunday 2024-06-02 is not a business day (OEDX-20): the next good time to announce is "
        "2024-06-03 00:00 UTC"
    ]
    assert openedx.check(datetime(2024, 6, 3, 12, tzinfo=UTC)) == []


# -- EMI-40 and EMI-14: the release deadline, and ASAP once public ------------------------------


def test_emi_40_a_date_past_21_days_of_disclosure_is_refused_as_advisory() -> None:
    disclosed = datetime(2024, 6, 1, 10, tzinfo=UTC)
    envoy = planner("envoy", disclosed=disclosed, now=disclosed)
    assert envoy.check(disclosed + 21 * DAY) == []
    (problem,) = envoy.check(disclosed + 22 * DAY)
    assert problem.rule_ids == ("EMI-40",)
    assert problem.suggestion == disclosed + 21 * DAY
    assert problem.message == (
        "the fix must be released within 21 days of its disclosure (EMI-40): the latest date is "
        "2024-06-22 10:00 UTC; the policy's timelines are advisory, so the Fix Lead may go past "
        "it with an override and a reason"
    )


def test_emi_40_when_no_date_meets_every_rule_the_earliest_is_proposed_with_the_conflict() -> None:
    disclosed = datetime(2024, 6, 1, 10, tzinfo=UTC)
    now = disclosed + 20 * DAY + timedelta(hours=14)  # Saturday 2024-06-22 00:00
    overrides = {"calendar": {"announcement_avoid": ["fri", "sat"]}}
    envoy = planner("envoy", disclosed=disclosed, now=now, overrides=overrides)
    proposal = envoy.propose()
    assert proposal.at == datetime(2024, 6, 23, tzinfo=UTC)  # Sunday: Friday and Saturday avoided
    assert not proposal.feasible
    (conflict,) = proposal.conflicts
    assert conflict.rule_ids == ("EMI-40",)
    assert conflict.message.startswith(
        "no date meets every rule: the fix must be released within 21 days of its disclosure "
        "(EMI-40), so the latest date is 2024-06-22 10:00 UTC, but the earliest the other rules "
        "allow is 2024-06-23 00:00 UTC"
    )
    assert "announcements avoid Saturdays" in reasons(proposal)[-1]


def test_emi_14_a_public_vulnerability_makes_the_release_due_at_once() -> None:
    public = T0 - DAY
    envoy = planner("envoy", public=public, cvss=7.5, disclosed=T0 - 3 * DAY)
    proposal = envoy.propose()
    assert proposal.at == T0
    (conflict,) = proposal.conflicts
    assert conflict.rule_ids == ("EMI-5", "EMI-6", "EMI-14", "EMI-40")
    assert "the vulnerability is public, so the fix release is due as soon as possible" in (
        conflict.message
    )


def test_emi_40_a_fix_released_already_sets_no_deadline() -> None:
    envoy = planner("envoy", met={"fix_released": T0 - DAY}, disclosed=T0 - 30 * DAY)
    assert envoy.propose().feasible
    assert envoy.check(T0 + 60 * DAY) == []


# -- The calendar: announcement time, avoided days, freezes, holidays, zones and DST ------------

BERLIN_16_NOT_FRIDAY = {
    "calendar": {
        "timezone": "Europe/Berlin",
        "weekend": ["sat", "sun"],
        "announcement_time": "16:00",
        "announcement_avoid": ["fri"],
    }
}


def test_the_preferred_time_and_days_set_the_date_in_the_calendars_zone() -> None:
    thursday_evening = datetime(2024, 6, 6, 17, tzinfo=BERLIN)  # past 16:00, and Friday avoided
    proposal = planner("vitess", now=thursday_evening, overrides=BERLIN_16_NOT_FRIDAY).propose()
    assert proposal.at == datetime(2024, 6, 10, 16, tzinfo=BERLIN)
    assert reasons(proposal)[-1] == (
        "announcements go out at 16:00 Europe/Berlin (VIT-22): the next good time to announce is "
        "2024-06-10 16:00 Europe/Berlin (2024-06-10 14:00 UTC)"
    )


def test_a_date_off_the_preferred_time_is_refused_with_the_next_good_one() -> None:
    vitess = planner("vitess", overrides=BERLIN_16_NOT_FRIDAY)
    friday = datetime(2024, 6, 7, 16, tzinfo=BERLIN)
    assert messages(vitess, friday) == [
        "announcements avoid Fridays (VIT-22): the next good time to announce is "
        "2024-06-10 16:00 Europe/Berlin (2024-06-10 14:00 UTC)"
    ]
    assert messages(vitess, datetime(2024, 6, 6, 15, tzinfo=BERLIN)) == [
        "announcements go out at 16:00 Europe/Berlin (VIT-22): the next good time to announce is "
        "2024-06-06 16:00 Europe/Berlin (2024-06-06 14:00 UTC)"
    ]


def test_across_the_dst_change_the_wall_time_stays_16_00() -> None:
    friday = datetime(2024, 3, 29, 12, tzinfo=BERLIN)  # CET; Sunday 31 March moves to CEST
    proposal = planner("vitess", now=friday, overrides=BERLIN_16_NOT_FRIDAY).propose()
    assert proposal.at == datetime(2024, 4, 1, 14, tzinfo=UTC)  # Monday 16:00 CEST
    before = planner("vitess", now=friday - 2 * DAY, overrides=BERLIN_16_NOT_FRIDAY).propose()
    assert before.at == datetime(2024, 3, 27, 15, tzinfo=UTC)  # Wednesday 16:00 CET


def test_a_freeze_holds_the_release_until_it_ends() -> None:
    overrides = {"calendar": {"freezes": [["12-20", "01-05"]]}}
    proposal = planner(
        "vitess", now=datetime(2024, 12, 20, 10, tzinfo=UTC), overrides=overrides
    ).propose()
    assert proposal.at == datetime(2025, 1, 6, tzinfo=UTC)
    assert "2024-12-20 falls in the freeze from 12-20 to 01-05" in reasons(proposal)[-1]


def test_a_holiday_is_skipped() -> None:
    overrides = {"calendar": {"holidays": ["2024-06-03"], "weekend": ["sat", "sun"]}}
    vitess = planner("vitess", overrides=overrides)
    assert vitess.propose().at == datetime(2024, 6, 4, tzinfo=UTC)
    assert messages(vitess, datetime(2024, 6, 3, 12, tzinfo=UTC)) == [
        "2024-06-03 is a holiday (VIT-22): the next good time to announce is 2024-06-04 00:00 UTC"
    ]


def test_days_are_judged_in_the_calendars_zone_not_in_utc() -> None:
    overrides = {"calendar": {"timezone": "America/New_York", "announcement_avoid": ["sat"]}}
    vitess = planner("vitess", overrides=overrides)
    friday_night_new_york = datetime(2024, 6, 8, 2, tzinfo=UTC)  # Fri 22:00 in New York
    assert vitess.check(friday_night_new_york) == []
    assert vitess.check(friday_night_new_york + 3 * timedelta(hours=1)) != []  # Sat 01:00


def test_a_lead_time_ending_in_the_avoided_day_moves_to_the_next_good_slot() -> None:
    # KAR-43 (24 hours) lands on Friday 16:30 Berlin; Friday is avoided, the weekend too.
    overrides = {**BERLIN_16_NOT_FRIDAY}
    now = datetime(2024, 6, 6, 16, 30, tzinfo=BERLIN)
    met = {"distributor_advance_notice": now - 10 * DAY}
    proposal = planner("karmada", now=now, overrides=overrides, met=met).propose()
    assert proposal.at == datetime(2024, 6, 10, 16, tzinfo=BERLIN)
    assert [reason.name for reason in proposal.reasons] == [
        "distributor_release_notice",
        "announcement_time",
    ]


def test_the_proposal_is_rounded_up_to_the_quarter_hour() -> None:
    now = datetime(2024, 6, 3, 9, 7, 31, tzinfo=UTC)
    assert planner("vitess", now=now).propose().at == datetime(2024, 6, 3, 9, 15, tzinfo=UTC)
    assert round_up(T0) == T0


def test_a_date_in_the_past_is_refused() -> None:
    assert messages(planner("folio"), T0 - DAY) == [
        "a Release Date is a plan, so it cannot be in the past: the earliest date is "
        "2024-06-01 09:00 UTC"
    ]


def test_a_date_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="the Release Date must be timezone-aware"):
        planner("folio").check(datetime(2024, 6, 3, 9))


def test_durations_read_as_the_documents_write_them() -> None:
    assert [in_words(d) for d in (7 * DAY, DAY, timedelta(hours=36), timedelta(minutes=90))] == [
        "7 days",
        "24 hours",
        "36 hours",
        "90 minutes",
    ]


# -- Every preset's rules on the Release Date, traced by ID -------------------------------------

PRESET_RULES = {
    "envoy": {"not_in_the_past": (), "fix_released": ("EMI-40",)},
    "folio": {"not_in_the_past": ()},  # FOLIO-Q12: no timings yet
    "karmada": {
        "not_in_the_past": (),
        "distributor_advance_notice": ("KAR-33", "KAR-34"),
        "distributor_release_notice": ("KAR-43",),
    },
    "openedx": {
        "not_in_the_past": (),
        "security_announcement_posted": ("OEDX-20", "OEDX-21", "OEDX-22"),
    },
    "vitess": {"not_in_the_past": ()},  # VIT-7: no release deadline, VIT-27: no distributors
}


@pytest.mark.parametrize("preset", preset_names())
def test_every_presets_rules_on_the_release_date_are_traced(preset: str) -> None:
    found = planner(preset)
    assert {bound.name: bound.rule_ids for bound in found.bounds} == PRESET_RULES[preset]


# -- Property: the proposal always passes the check, but for the conflicts it names --------------

moments = st.datetimes(
    min_value=datetime(2023, 1, 1),
    max_value=datetime(2027, 12, 31),
    timezones=st.just(UTC),
)
offsets = st.none() | st.timedeltas(min_value=-40 * DAY, max_value=-timedelta(minutes=1))


@st.composite
def calendars(draw: st.DrawFn) -> dict[str, Any]:
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    weekend = draw(st.sets(st.sampled_from(days[5:] + days[:1]), max_size=2))
    avoid = draw(st.sets(st.sampled_from(days[:5]), max_size=2))
    clock = draw(st.none() | st.times(max_value=time(23, 45)).map(lambda t: t.replace(second=0)))
    return {
        "timezone": draw(st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"])),
        "weekend": sorted(weekend),
        "announcement_avoid": sorted(avoid - weekend) if len(avoid | weekend) < 6 else [],
        "announcement_time": clock.isoformat(timespec="minutes") if clock else None,
        "holidays": [date(2024, 12, 25).isoformat(), date(2025, 1, 1).isoformat()],
        "freezes": draw(st.sampled_from([[], [["12-20", "01-05"]], [["08-01", "08-15"]]])),
    }


@FAST
@given(
    preset=st.sampled_from(preset_names()),
    calendar=calendars(),
    now=moments,
    disclosed=st.timedeltas(min_value=timedelta(0), max_value=40 * DAY),
    advance=offsets,
    release_notice=offsets,
    announcement=offsets,
    merge=st.none() | st.timedeltas(min_value=-DAY, max_value=20 * DAY),
    cve=st.booleans(),
    public=st.booleans(),
)
def test_the_proposal_passes_the_check_except_for_the_conflicts_it_names(
    preset: str,
    calendar: dict[str, Any],
    now: datetime,
    disclosed: timedelta,
    advance: timedelta | None,
    release_notice: timedelta | None,
    announcement: timedelta | None,
    merge: timedelta | None,
    cve: bool,
    public: bool,
) -> None:
    sent = {
        "distributor_advance_notice": advance,
        "distributor_release_notice": release_notice,
        "security_announcement_posted": announcement,
    }
    found = planner(
        preset,
        now=now,
        overrides={"calendar": calendar},
        disclosed=now - disclosed,
        met={name: now + offset for name, offset in sent.items() if offset is not None},
        merge=None if merge is None else now + merge,
        public=now - disclosed / 2 if public else None,
        cvss=9.8 if public else None,
        cve_assigned=cve,
    )
    proposal = found.propose()
    assert proposal.at >= now
    assert proposal.reasons
    broken = {problem.name for problem in found.check(proposal.at)}
    assert broken == {conflict.name for conflict in proposal.conflicts}
