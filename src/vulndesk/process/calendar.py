"""Business days, yearly freezes and the days a deadline or an announcement may fall on.

Days are judged in the calendar's own time zone: a Friday 23:00 in New York is a Friday even
though it is Saturday in UTC. Results come back in the time zone of the datetime passed in.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import TypeAdapter, ValidationError

Weekday: TypeAlias = int
"""Monday=0 … Sunday=6, as `datetime.weekday()` counts."""

# Holidays are dated and freezes recur yearly, so a calendar that finds no usable day in this
# many days in a row never will; stop instead of looping for ever.
_SEARCH_LIMIT_DAYS = 2 * 366

_DURATION = TypeAdapter(timedelta)
# A duration with its date part (before any T) holding years or months.
_CALENDAR_UNITS = re.compile(r"^P[^T]*[YM]")


def format_duration(duration: timedelta) -> str:
    """The ISO 8601 spelling policies use: P7D, PT24H (pydantic writes PT24H as P1D)."""
    return str(_DURATION.dump_python(duration, mode="json"))


def parse_duration(text: str) -> timedelta:
    """Read an ISO 8601 duration of fixed length: `PT24H`, `P7D`, `P1W`, `P2DT12H`."""
    if text.startswith("-"):
        raise ValueError(
            f"{text!r} is negative; durations are lengths, and a rule's direction "
            "('before' or 'after') gives the sign: write 'P7D' with direction 'before'"
        )
    if not text.startswith("P"):
        raise ValueError(f"{text!r} is not an ISO 8601 duration: write it like 'P7D' or 'PT24H'")
    if _CALENDAR_UNITS.match(text):
        raise ValueError(
            f"{text!r} counts years or months, which have no fixed length; "
            "write it in weeks, days or hours instead, like 'P4W' or 'P30D'"
        )
    try:
        # pydantic parses ISO 8601 durations; the checks above keep it from also accepting
        # forms like '1 day' or turning a month into 30 days.
        return _DURATION.validate_python(text)
    except ValidationError:
        raise ValueError(
            f"{text!r} is not an ISO 8601 duration: write it like 'P7D', 'PT24H' or 'P2DT12H'"
        ) from None


def require_aware(moment: datetime, name: str) -> None:
    """Refuse a naive datetime: without a zone there is no telling which day it falls on."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"{name} must be timezone-aware, got naive {moment.isoformat()}; "
            "give it a zone, e.g. datetime(2024, 3, 1, 10, 0, tzinfo=UTC)"
        )


def _check_weekdays(days: frozenset[Weekday], name: str) -> None:
    if not days <= set(range(7)):
        raise ValueError(f"{name} holds {sorted(days)}; weekdays run Monday=0 … Sunday=6")


@dataclass(frozen=True)
class Freeze:
    """A shutdown that recurs every year, both ends inclusive; it may cross the new year."""

    start: tuple[int, int]  # (month, day)
    end: tuple[int, int]

    def __post_init__(self) -> None:
        for name, (month, day) in (("start", self.start), ("end", self.end)):
            try:
                date(2000, month, day)  # a leap year, so (2, 29) is accepted
            except ValueError:
                raise ValueError(
                    f"freeze {name} {(month, day)} is not a (month, day); write e.g. (12, 24)"
                ) from None

    def covers(self, day: date) -> bool:
        key = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= key <= self.end
        return key >= self.start or key <= self.end


@dataclass(frozen=True)
class BusinessCalendar:
    """Which days count as working days, and which may carry a deadline or an announcement."""

    timezone: str = "UTC"
    weekend: frozenset[Weekday] = frozenset({5, 6})
    holidays: frozenset[date] = frozenset()
    freezes: tuple[Freeze, ...] = ()
    no_deadline_on: frozenset[Weekday] = frozenset()
    announcement_time: time | None = None  # wall-clock time in `timezone`
    announcement_avoid: frozenset[Weekday] = frozenset()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {self.timezone!r}; use an IANA name like 'America/New_York'"
            ) from None
        for name in ("weekend", "no_deadline_on", "announcement_avoid"):
            _check_weekdays(getattr(self, name), name)
        if len(self.weekend | self.no_deadline_on) == 7:
            raise ValueError("weekend and no_deadline_on together cover every weekday")
        if len(self.weekend | self.announcement_avoid) == 7:
            raise ValueError("weekend and announcement_avoid together cover every weekday")
        # A datetime is a date, but never equal to one, so it would silently match no day.
        if any(isinstance(day, datetime) for day in self.holidays):
            raise ValueError("holidays must be dates, e.g. date(2024, 12, 25), not datetimes")
        if self.announcement_time is not None and self.announcement_time.tzinfo is not None:
            raise ValueError(
                "announcement_time is a wall-clock time in the calendar's zone; "
                "give it without tzinfo, e.g. time(16, 0)"
            )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_business_day(self, day: date) -> bool:
        if isinstance(day, datetime):
            raise TypeError("is_business_day takes a date; use .date() in the calendar's zone")
        return (
            day.weekday() not in self.weekend
            and day not in self.holidays
            and not any(freeze.covers(day) for freeze in self.freezes)
        )

    def allowed_deadline_day(self, day: date) -> bool:
        return self.is_business_day(day) and day.weekday() not in self.no_deadline_on

    def add_business_days(self, moment: datetime, days: int) -> datetime:
        """Move `days` business days (either sign), keeping the wall-clock time of day.

        OEDX-20: Mon 2023-07-24 15:00 + 2 is Wed 2023-07-26 15:00, and Tue 2023-07-25 15:00 - 2
        is Fri 2023-07-21 15:00. From a non-business day the first step lands on the nearest
        business day, so Sat + 1 is Mon and Sat - 1 is Fri.
        """
        require_aware(moment, "moment")
        local = moment.astimezone(self.zone)
        day, step = local.date(), 1 if days >= 0 else -1
        for _ in range(abs(days)):
            day = self._next_day(day, step, self.is_business_day)
        return self._at(day, local.time(), moment) if days else moment

    def business_days_between(self, start: datetime, end: datetime) -> int:
        """How many whole business days lie from `start` to `end`, signed.

        The inverse of `add_business_days`: the `n` furthest from 0, towards `end`, with
        `add_business_days(start, n)` not past `end`. So an announcement at Mon 15:00 is 1
        business day old on Wed 14:59 and 2 at Wed 15:00 (OEDX-20).
        """
        require_aware(start, "start")
        require_aware(end, "end")
        local = start.astimezone(self.zone)
        step = 1 if end >= start else -1
        day, count = local.date(), 0
        while True:
            day = self._next_day(day, step, self.is_business_day)
            candidate = self._at(day, local.time(), start)
            if (candidate > end) if step > 0 else (candidate < end):
                return count * step
            count += 1

    def roll(self, moment: datetime, *, later: bool) -> datetime:
        """Move to the nearest allowed deadline day, later or earlier, at the same time of day."""
        require_aware(moment, "moment")
        local = moment.astimezone(self.zone)
        if self.allowed_deadline_day(local.date()):
            return moment
        day = self._next_day(local.date(), 1 if later else -1, self.allowed_deadline_day)
        return self._at(day, local.time(), moment)

    def announcement_slot(self, moment: datetime) -> datetime:
        """The first moment at or after `moment` that is a good time to announce.

        That is `announcement_time` on a business day outside `announcement_avoid`; with no
        announcement time, any moment of such a day (so `moment` itself if its day is fine,
        else the start of the next good day).
        """
        require_aware(moment, "moment")
        local = moment.astimezone(self.zone)
        clock = self.announcement_time or time(0, 0)
        day = local.date()
        if self._announceable(day):
            if self.announcement_time is None:
                return moment
            candidate = self._at(day, clock, moment)
            if candidate >= moment:
                return candidate
        day = self._next_day(day, 1, self._announceable)
        return self._at(day, clock, moment)

    def _announceable(self, day: date) -> bool:
        return self.is_business_day(day) and day.weekday() not in self.announcement_avoid

    def _next_day(self, day: date, step: int, accept: Callable[[date], bool]) -> date:
        """The first day after `day` (before it, if `step` is -1) that `accept` takes."""
        for offset in range(1, _SEARCH_LIMIT_DAYS + 1):
            candidate = day + timedelta(days=offset * step)
            if accept(candidate):
                return candidate
        raise ValueError(
            f"no suitable day within {_SEARCH_LIMIT_DAYS} days of {day.isoformat()}: "
            "do the calendar's freezes and holidays cover the whole year?"
        )

    def _at(self, day: date, clock: time, like: datetime) -> datetime:
        """`clock` on `day` in the calendar's zone, expressed in the zone of `like`.

        Going through UTC turns a wall time that a DST change skips into a real instant
        (moved forward by the gap); `clock.fold` picks the side of a repeated hour.
        """
        local = datetime.combine(day, clock, tzinfo=self.zone)
        return local.astimezone(UTC).astimezone(like.tzinfo)
