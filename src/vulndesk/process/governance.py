"""Team governance (Karmada): when an associate may become a member (KAR-3), when a member
counts as unreachable (KAR-8), whether a removal vote passes (KAR-9), and the optional caps on
the team's size and on members from one company.

Pure: dates and counts in, a decision or a `GovernanceError` naming the policy field out.
"""

from __future__ import annotations

import calendar
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

PERIOD = re.compile(r"^P(?=\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")
# A threshold written as a decimal (0.6667) stands for the fraction people mean (2/3).
THRESHOLD_DENOMINATOR = 1000

MIN_SERVICE_FIELD = "team.associates.min_service"
INACTIVITY_FIELD = "team.inactivity.after"
THRESHOLD_FIELD = "team.inactivity.removal_vote.threshold"
SIZE_CAP_FIELD = "team.caps.size"
COMPANY_CAP_FIELD = "team.caps.per_company"


class GovernanceError(ValueError):
    """A governance step the rules refuse; the message says why and what would allow it."""


def add_period(start: date, period: str) -> date:
    """`start` plus an ISO 8601 period, counting years and months on the calendar: 2024-01-15
    plus P3M is 2024-04-15; a day the month lacks becomes its last day (01-31 + P1M: 02-29)."""
    match = PERIOD.match(period)
    if match is None:
        raise ValueError(f"expected an ISO 8601 period such as P3M or P2W, got {period!r}")
    years, months, weeks, days = (int(part or 0) for part in match.groups())
    month_index = start.month - 1 + months + 12 * years
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) + timedelta(weeks=weeks, days=days)


# -- KAR-3: an associate serves the minimum rotation first ----------------------------------


def promotable_from(associate_since: date, min_service: str | None) -> date:
    """The first day an associate may be nominated or promoted to member."""
    return associate_since if min_service is None else add_period(associate_since, min_service)


def check_promotion(associate_since: date, on: date, min_service: str | None) -> None:
    """KAR-3: refuse a promotion (or a nomination to member) before the minimum service."""
    allowed = promotable_from(associate_since, min_service)
    if on < allowed:
        raise GovernanceError(
            f"an associate since {associate_since.isoformat()} can become a member from "
            f"{allowed.isoformat()}, not on {on.isoformat()} ({MIN_SERVICE_FIELD} is "
            f"{min_service}, KAR-3)"
        )


# -- KAR-8: unreachable for more than the inactivity period, without declared leave --------


@dataclass(frozen=True)
class Leave:
    starts_on: date
    ends_on: date  # the last day of the leave

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class Inactivity:
    """Where a member stands on `today`: `flagged` once `today` is past `flagged_after`."""

    last_contact: date
    counted_from: date  # the last contact, or the end of a leave taken since
    flagged_after: date | None  # None: the policy sets no inactivity period
    on_leave: Leave | None
    flagged: bool


def inactivity(
    last_contact: date, today: date, *, after: str | None, leaves: Iterable[Leave]
) -> Inactivity:
    """KAR-8: flagged when, with no leave covering today, `today` is more than `after` past
    the last contact (or past the end of the latest leave since it, which excused that time).

    Last contact 2024-01-01 with P2M: not flagged on 2024-03-01, flagged on 2024-03-02.
    """
    leaves = list(leaves)
    current = next((leave for leave in leaves if leave.covers(today)), None)
    ended = [leave.ends_on for leave in leaves if last_contact <= leave.ends_on < today]
    counted_from = max([last_contact, *ended])
    flagged_after = None if after is None else add_period(counted_from, after)
    flagged = current is None and flagged_after is not None and today > flagged_after
    return Inactivity(last_contact, counted_from, flagged_after, current, flagged)


# -- KAR-9: removal by a super-majority of the members of the same role ---------------------


@dataclass(frozen=True)
class Tally:
    in_favour: int
    against: int
    eligible: int
    needed: int  # votes in favour the threshold asks of this many eligible voters
    passes: bool


def tally(*, in_favour: int, against: int, eligible: int, threshold: float | None) -> Tally:
    """KAR-9: the removal passes with at least `threshold` of the eligible voters in favour
    (those who do not vote count as not in favour). 2/3 of 6: 4 in favour pass, 3 do not."""
    if threshold is None:
        raise GovernanceError(
            f"{THRESHOLD_FIELD} is not set: the Karmada document asks for a super-majority but "
            "gives no fraction, so the project sets one (for example 0.6667 for two thirds) in "
            "its policy before a removal vote can close (KAR-9)"
        )
    if not 0 < threshold <= 1:
        raise GovernanceError(f"{THRESHOLD_FIELD} must be above 0 and at most 1, not {threshold}")
    if eligible < 1:
        raise GovernanceError("no one is eligible to vote: the role has no other current members")
    if in_favour < 0 or against < 0 or in_favour + against > eligible:
        raise ValueError(f"{in_favour} for and {against} against out of {eligible} eligible")
    fraction = Fraction(threshold).limit_denominator(THRESHOLD_DENOMINATOR)
    needed = math.ceil(fraction * eligible)
    return Tally(in_favour, against, eligible, needed, in_favour >= needed)


# -- optional caps on the team ---------------------------------------------------------------


def check_caps(
    companies: Iterable[str], *, joining: str, size: int | None, per_company: int | None
) -> None:
    """Refuse adding one more person (of company `joining`, "" if none) to a team whose
    current people work for `companies`, if that passes the policy's caps."""
    current = list(companies)
    if size is not None and len(current) >= size:
        raise GovernanceError(
            f"the team already has {len(current)} people and {SIZE_CAP_FIELD} is {size}"
        )
    if per_company is not None and joining.strip():
        count = Counter(c.strip().casefold() for c in current)[joining.strip().casefold()]
        if count >= per_company:
            raise GovernanceError(
                f"{count} people of the team already work for {joining.strip()} and "
                f"{COMPANY_CAP_FIELD} is {per_company}"
            )
