"""Business days, freezes, rolling and announcement slots; durations from policies."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vulndesk.process.calendar import BusinessCalendar, Freeze, parse_duration

NEW_YORK = ZoneInfo("America/New_York")
OPEN_EDX = BusinessCalendar(timezone="America/New_York")
WINTER_FREEZE = Freeze(start=(12, 24), end=(1, 2))
FAST = settings(max_examples=60, deadline=None)

# DST changes in these zones happen on a Sunday, which every generated weekend holds, so a kept
# wall-clock time always exists on a business day. (Elsewhere a skipped hour moves it forward.)
ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Sydney"]
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2040, 12, 31),
    timezones=st.sampled_from([ZoneInfo(zone) for zone in ZONES]),
    allow_imaginary=False,
)


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    weekend = draw(st.sets(st.integers(0, 5), max_size=3)) | {6}
    no_deadline_on = draw(st.sets(st.integers(0, 6), max_size=2))
    if len(weekend | no_deadline_on) == 7:
        no_deadline_on = set()
    return BusinessCalendar(
        timezone=draw(st.sampled_from(ZONES)),
        weekend=frozenset(weekend),
        holidays=frozenset(
            draw(st.sets(st.dates(date(2000, 1, 1), date(2040, 12, 31)), max_size=40))
        ),
        freezes=draw(st.sampled_from([(), (WINTER_FREEZE,), (Freeze((8, 1), (8, 15)),)])),
        no_deadline_on=frozenset(no_deadline_on),
    )


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)  # type: ignore[arg-type, misc]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[arg-type, misc]


# Business days


def test_two_business_days_after_a_monday_announcement_is_wednesday_same_time_OEDX_20() -> None:
    assert OPEN_EDX.add_business_days(ny(2023, 7, 24, 15), 2) == ny(2023, 7, 26, 15)


def test_a_tuesday_merge_needs_the_announcement_by_friday_same_time_OEDX_20() -> None:
    assert OPEN_EDX.add_business_days(ny(2023, 7, 25, 15), -2) == ny(2023, 7, 21, 15)


def test_business_days_between_counts_only_whole_days_OEDX_20() -> None:
    announced = ny(2023, 7, 24, 15)
    assert OPEN_EDX.business_days_between(announced, ny(2023, 7, 26, 14, 59)) == 1
    assert OPEN_EDX.business_days_between(announced, ny(2023, 7, 26, 15)) == 2
    assert OPEN_EDX.business_days_between(ny(2023, 7, 25, 15), ny(2023, 7, 21, 15)) == -2


def test_days_are_judged_in_the_calendars_zone_not_in_utc() -> None:
    friday_night = ny(2023, 7, 21, 23)  # already Saturday 03:00 in UTC
    assert OPEN_EDX.add_business_days(friday_night, 1) == ny(2023, 7, 24, 23)
    assert BusinessCalendar().add_business_days(friday_night, 1) == utc(2023, 7, 24, 3)


def test_results_come_back_in_the_zone_they_were_given_in() -> None:
    result = OPEN_EDX.add_business_days(utc(2023, 7, 24, 19), 2)
    assert result.tzinfo is UTC
    assert result == utc(2023, 7, 26, 19)


def test_the_wall_clock_time_is_kept_across_a_dst_change() -> None:
    # New York springs forward on Sunday 2024-03-10.
    friday = ny(2024, 3, 8, 15)
    monday = OPEN_EDX.add_business_days(friday, 1)
    assert (friday.astimezone(UTC), monday.astimezone(UTC)) == (
        utc(2024, 3, 8, 20),
        utc(2024, 3, 11, 19),
    )


def test_a_weekend_start_steps_to_the_nearest_business_day() -> None:
    saturday = utc(2024, 3, 2, 10)
    calendar = BusinessCalendar()
    assert calendar.add_business_days(saturday, 1) == utc(2024, 3, 4, 10)
    assert calendar.add_business_days(saturday, -1) == utc(2024, 3, 1, 10)
    assert calendar.add_business_days(saturday, 0) == saturday


def test_holidays_are_skipped() -> None:
    calendar = BusinessCalendar(holidays=frozenset({date(2024, 7, 4)}))
    assert not calendar.is_business_day(date(2024, 7, 4))
    assert calendar.add_business_days(utc(2024, 7, 3, 9), 1) == utc(2024, 7, 5, 9)


def test_a_freeze_across_the_new_year_covers_both_years_inclusively() -> None:
    calendar = BusinessCalendar(freezes=(WINTER_FREEZE,))
    assert calendar.is_business_day(date(2024, 12, 23))
    assert not calendar.is_business_day(date(2024, 12, 24))
    assert not calendar.is_business_day(date(2025, 1, 2))
    assert calendar.is_business_day(date(2025, 1, 3))
    assert calendar.add_business_days(utc(2024, 12, 23, 9), 1) == utc(2025, 1, 3, 9)


def test_a_freeze_within_one_year_covers_only_its_days() -> None:
    summer = Freeze(start=(8, 1), end=(8, 15))
    assert summer.covers(date(2024, 8, 1))
    assert summer.covers(date(2024, 8, 15))
    assert not summer.covers(date(2024, 8, 16))
    assert not summer.covers(date(2024, 7, 31))


def test_is_business_day_refuses_a_datetime_which_would_never_match_a_holiday() -> None:
    with pytest.raises(TypeError, match=r"\.date\(\)"):
        BusinessCalendar().is_business_day(utc(2024, 3, 1, 10))


def test_a_calendar_with_no_business_day_in_the_year_says_so() -> None:
    calendar = BusinessCalendar(freezes=(Freeze((1, 1), (12, 31)),))
    with pytest.raises(ValueError, match="cover the whole year"):
        calendar.add_business_days(utc(2024, 3, 1), 1)


# Rolling and announcement slots


def test_roll_leaves_an_allowed_day_alone() -> None:
    thursday = utc(2024, 3, 7, 10)
    calendar = BusinessCalendar(no_deadline_on=frozenset({4}))
    assert calendar.roll(thursday, later=True) is thursday
    assert calendar.roll(thursday, later=False) is thursday


def test_roll_skips_no_deadline_days_in_the_direction_asked() -> None:
    calendar = BusinessCalendar(no_deadline_on=frozenset({4, 5, 6}))
    friday = utc(2024, 3, 8, 10)
    assert not calendar.allowed_deadline_day(friday.date())
    assert calendar.roll(friday, later=True) == utc(2024, 3, 11, 10)
    assert calendar.roll(friday, later=False) == utc(2024, 3, 7, 10)


def test_an_announcement_waits_for_the_announcement_time_that_day() -> None:
    calendar = BusinessCalendar(timezone="America/New_York", announcement_time=time(16, 0))
    assert calendar.announcement_slot(ny(2024, 3, 5, 10)) == ny(2024, 3, 5, 16)
    assert calendar.announcement_slot(ny(2024, 3, 5, 16)) == ny(2024, 3, 5, 16)


def test_an_announcement_too_late_on_thursday_skips_friday_when_fridays_are_avoided() -> None:
    calendar = BusinessCalendar(
        timezone="America/New_York",
        announcement_time=time(16, 0),
        announcement_avoid=frozenset({4}),
    )
    assert calendar.announcement_slot(ny(2024, 3, 7, 17)) == ny(2024, 3, 11, 16)


def test_without_an_announcement_time_any_moment_of_a_good_day_will_do() -> None:
    calendar = BusinessCalendar()
    tuesday = utc(2024, 3, 5, 10, 30)
    assert calendar.announcement_slot(tuesday) is tuesday
    assert calendar.announcement_slot(utc(2024, 3, 9, 10)) == utc(2024, 3, 11, 0)


# Refusals


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.add_business_days(datetime(2024, 3, 1, 10), 1),
        lambda c: c.business_days_between(datetime(2024, 3, 1), utc(2024, 3, 4)),
        lambda c: c.business_days_between(utc(2024, 3, 1), datetime(2024, 3, 4)),
        lambda c: c.roll(datetime(2024, 3, 2, 10), later=True),
        lambda c: c.announcement_slot(datetime(2024, 3, 2, 10)),
    ],
)
def test_naive_datetimes_are_refused(call: object) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call(BusinessCalendar())  # type: ignore[operator]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "IANA name"),
        ({"weekend": frozenset(range(7))}, "every weekday"),
        ({"no_deadline_on": frozenset({0, 1, 2, 3, 4})}, "every weekday"),
        ({"announcement_avoid": frozenset({0, 1, 2, 3, 4})}, "every weekday"),
        ({"weekend": frozenset({7})}, "Monday=0"),
        ({"holidays": frozenset({utc(2024, 12, 25)})}, "dates"),
        ({"announcement_time": time(16, 0, tzinfo=UTC)}, "without tzinfo"),
    ],
)
def test_a_calendar_that_cannot_work_is_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(**kwargs)  # type: ignore[arg-type]


def test_a_freeze_on_a_day_that_does_not_exist_is_refused() -> None:
    with pytest.raises(ValueError, match=r"\(month, day\)"):
        Freeze(start=(2, 30), end=(3, 1))


# Durations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT24H", timedelta(hours=24)),
        ("P7D", timedelta(days=7)),
        ("P1W", timedelta(weeks=1)),
        ("P2DT12H", timedelta(days=2, hours=12)),
        ("PT1M", timedelta(minutes=1)),  # M after T is minutes, a fixed length
    ],
)
def test_policy_durations_are_read_as_iso_8601(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["P1M", "P1Y", "P1Y2D", "P3M"])
def test_months_and_years_are_refused_because_their_length_varies(text: str) -> None:
    with pytest.raises(ValueError, match=r"no fixed length.*'P30D'"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["1 day", "24:00:00", "p7d", "P", "7D", ""])
def test_text_that_is_not_an_iso_duration_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match="write it like 'P7D'"):
        parse_duration(text)


def test_a_negative_duration_is_refused_because_direction_gives_the_sign() -> None:
    with pytest.raises(ValueError, match="direction"):
        parse_duration("-P1D")


# Properties


@FAST
@given(calendar=calendars(), start=moments, days=st.integers(-30, 30))
def test_business_days_between_undoes_add_business_days(
    calendar: BusinessCalendar, start: datetime, days: int
) -> None:
    assert calendar.business_days_between(start, calendar.add_business_days(start, days)) == days


@FAST
@given(calendar=calendars(), start=moments, days=st.integers(-30, 30))
def test_adding_and_subtracting_business_days_returns_to_a_business_day(
    calendar: BusinessCalendar, start: datetime, days: int
) -> None:
    local_day = start.astimezone(calendar.zone).date()
    if not calendar.is_business_day(local_day):
        start = calendar.add_business_days(start, 1)
    there = calendar.add_business_days(start, days)
    assert calendar.add_business_days(there, -days).astimezone(UTC) == start.astimezone(UTC)


@FAST
@given(calendar=calendars(), moment=moments, later=st.booleans())
def test_roll_lands_on_an_allowed_day_in_the_direction_asked(
    calendar: BusinessCalendar, moment: datetime, later: bool
) -> None:
    rolled = calendar.roll(moment, later=later)
    assert calendar.allowed_deadline_day(rolled.astimezone(calendar.zone).date())
    assert rolled >= moment if later else rolled <= moment
    if calendar.allowed_deadline_day(moment.astimezone(calendar.zone).date()):
        assert rolled == moment


@FAST
@given(calendar=calendars(), moment=moments, avoid=st.sets(st.integers(0, 4), max_size=2))
def test_an_announcement_slot_is_never_earlier_and_never_on_an_avoided_day(
    calendar: BusinessCalendar, moment: datetime, avoid: set[int]
) -> None:
    calendar = BusinessCalendar(
        timezone=calendar.timezone,
        weekend=frozenset({5, 6}),
        holidays=calendar.holidays,
        announcement_time=time(16, 0),
        announcement_avoid=frozenset(avoid),
    )
    slot = calendar.announcement_slot(moment)
    local = slot.astimezone(calendar.zone)
    assert slot >= moment
    assert local.time() == time(16, 0)
    assert calendar.is_business_day(local.date())
    assert local.weekday() not in avoid
