"""Deadlines: a policy's timeline rules, a report's facts and the time now give dated deadlines.

Timelines are advisory in Emissary, Vitess and Karmada (EMI-12, VIT-7, KAR-17): this module
says what is due and what was missed; whether a miss blocks anything is the caller's decision,
read from `DeadlineRule.advisory`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from vulndesk.process.calendar import BusinessCalendar, require_aware
from vulndesk.process.severity import timelines_asap


@dataclass(frozen=True)
class DeadlineRule:
    """One timeline rule: `within` (or `business_days`) after or before an anchor event.

    A `window` gives the other edge of an allowed interval. "after": the deadline opens at
    anchor + window (EMI-46 retrospective 1-3 days after release: within P3D, window P1D).
    "before": it opens at anchor - window (KAR-34 distributor notice 1-4 weeks before
    disclosure: within P7D, window P28D).
    """

    name: str
    rule_id: str
    quote: str
    anchor: str
    direction: Literal["after", "before"]
    within: timedelta | None = None
    business_days: int | None = None
    window: timedelta | None = None
    asap_on_public_disclosure: bool = True  # EMI-14, VIT-8
    advisory: bool = True  # EMI-12, VIT-7, KAR-17

    def __post_init__(self) -> None:
        where = f"deadline rule {self.name!r} ({self.rule_id})"
        if self.direction not in ("after", "before"):
            raise ValueError(f"{where}: direction must be 'after' or 'before'")
        if (self.within is None) == (self.business_days is None):
            raise ValueError(
                f"{where}: give exactly one of within (e.g. P7D) or business_days (e.g. 2)"
            )
        if self.within is not None and self.within < timedelta(0):
            raise ValueError(f"{where}: within must not be negative; direction gives the sign")
        if self.business_days is not None and self.business_days < 0:
            raise ValueError(f"{where}: business_days must not be negative")
        if self.window is None:
            return
        # A window measured in calendar time cannot be compared with a business-day offset.
        if self.within is None:
            raise ValueError(f"{where}: a window needs within, not business_days")
        opens_after_due = self.window > self.within
        if opens_after_due == (self.direction == "after"):
            raise ValueError(
                f"{where}: the window must open no later than the deadline: for 'after' "
                "window <= within (within P3D, window P1D); for 'before' window >= within "
                "(within P7D, window P28D)"
            )


@dataclass(frozen=True)
class Pause:
    """A stretch when the clock stops, e.g. an embargo extended at the reporter's request."""

    start: datetime
    end: datetime | None  # None: still paused
    reason: str = ""

    def __post_init__(self) -> None:
        require_aware(self.start, "pause start")
        if self.end is not None:
            require_aware(self.end, "pause end")
            if self.end < self.start:
                raise ValueError(
                    f"pause ends ({self.end.isoformat()}) before it starts "
                    f"({self.start.isoformat()})"
                )

    def holds_at(self, now: datetime) -> bool:
        return self.start <= now and (self.end is None or now < self.end)


@dataclass(frozen=True)
class ReportFacts:
    anchors: Mapping[str, datetime | None]  # anchor event -> when; None or missing: not known
    public_disclosure: datetime | None = None
    cvss_score: float | None = None
    met: Mapping[str, datetime] = field(default_factory=dict)  # deadline name -> when met
    pauses: Mapping[str, Sequence[Pause]] = field(default_factory=dict)  # deadline name -> history
    concluded: bool = False  # closed, rejected or a duplicate: nothing more is owed
    # When the Fix Lead chose to release now after an embargo break (KAR-38): what was owed
    # ahead of the release is due at once, its lead time waived (KAR-32).
    release_now_since: datetime | None = None

    def __post_init__(self) -> None:
        for anchor, moment in self.anchors.items():
            if moment is not None:
                require_aware(moment, f"anchor {anchor!r}")
        if self.public_disclosure is not None:
            require_aware(self.public_disclosure, "public_disclosure")
        if self.release_now_since is not None:
            require_aware(self.release_now_since, "release_now_since")
        for name, moment in self.met.items():
            require_aware(moment, f"met time of {name!r}")
        if self.cvss_score is not None and not 0.0 <= self.cvss_score <= 10.0:
            raise ValueError(f"cvss_score {self.cvss_score} is outside 0.0-10.0, e.g. 7.5")


class Status(StrEnum):
    WAITING = "waiting"  # the anchor event is not known yet
    DUE = "due"
    OVERDUE = "overdue"
    MET = "met"
    PAUSED = "paused"
    DROPPED = "dropped"  # the report concluded before it was met; kept as history


class Miss(StrEnum):
    """How a met deadline fell outside its window."""

    LATE = "late"  # met after due_at
    EARLY = "early"  # met before opens_at, e.g. a distributor notice sent too soon (KAR-34)


@dataclass(frozen=True)
class Deadline:
    rule: DeadlineRule
    due_at: datetime | None  # None only while WAITING
    opens_at: datetime | None  # start of the rule's window, if it has one and is not ASAP
    status: Status
    met_at: datetime | None
    asap: bool  # collapsed by a public disclosure (EMI-14, VIT-8)
    miss: Miss | None = None

    @property
    def late(self) -> bool:
        """Met outside its window, on either side; `miss` says which."""
        return self.miss is not None


def compute_deadlines(
    rules: Sequence[DeadlineRule],
    facts: ReportFacts,
    calendar: BusinessCalendar,
    now: datetime,
    *,
    asap_if_cvss_at_least: float | None,
) -> list[Deadline]:
    """Date every rule for one report, soonest first and the ones still waiting last.

    `asap_if_cvss_at_least` is the policy's threshold for EMI-14/VIT-8; None (Karmada states
    none) means a public disclosure never collapses the timelines.
    """
    require_aware(now, "now")
    names = [rule.name for rule in rules]
    if len(set(names)) != len(names):
        raise ValueError(f"deadline rule names must be unique, got {names}")
    asap_from = _asap_moment(facts, asap_if_cvss_at_least)
    deadlines = [_deadline(rule, facts, calendar, now, asap_from) for rule in rules]
    # Python's sort is stable, so full ties keep the policy's order.
    return sorted(deadlines, key=lambda d: (d.due_at is None, d.due_at or now, d.rule.name))


def _asap_moment(facts: ReportFacts, threshold: float | None) -> datetime | None:
    """When the timelines became ASAP, or None if they did not."""
    public = facts.public_disclosure
    if public is None or not timelines_asap(True, facts.cvss_score, at_least=threshold):
        return None
    return public


def _deadline(
    rule: DeadlineRule,
    facts: ReportFacts,
    calendar: BusinessCalendar,
    now: datetime,
    asap_from: datetime | None,
) -> Deadline:
    anchor = facts.anchors.get(rule.anchor)
    met_at = facts.met.get(rule.name)
    pauses = facts.pauses.get(rule.name, ())
    due_at = opens_at = None
    if anchor is not None:
        due_at = _normal_due(rule, anchor, calendar, pauses)
        opens_at = _opens(rule, anchor)
    asap = False
    # A deadline met already keeps the timeline it was met under; only open ones collapse.
    if asap_from is not None and rule.asap_on_public_disclosure and met_at is None:
        collapsed = _collapsed(rule, anchor, asap_from)
        # ASAP never gives more time than the normal timeline, and is not rolled off a
        # weekend: "as soon as possible" means now, whatever the day.
        if collapsed is not None and (due_at is None or collapsed < due_at):
            due_at, opens_at, asap = collapsed, None, True
    # The release moved up after a break: a notice owed ahead of it is due at the decision, not
    # in the past before it, and no earlier window holds it back.
    broken = facts.release_now_since
    if broken and rule.direction == "before" and met_at is None and due_at and due_at < broken:
        due_at, opens_at, asap = broken, None, True
    status = status_at(due_at, met_at, pauses, now, concluded=facts.concluded)
    return Deadline(
        rule=rule,
        due_at=due_at,
        opens_at=opens_at,
        status=status,
        met_at=met_at,
        asap=asap,
        miss=miss_of(due_at, opens_at, met_at),
    )


def _normal_due(
    rule: DeadlineRule, anchor: datetime, calendar: BusinessCalendar, pauses: Sequence[Pause]
) -> datetime:
    after = rule.direction == "after"
    sign = 1 if after else -1
    if rule.business_days is not None:
        due = calendar.add_business_days(anchor, sign * rule.business_days)
    else:
        due = anchor + sign * (rule.within or timedelta(0))  # DeadlineRule sets one of the two
    if after:
        # A pause stops the clock running from the anchor; a "before" deadline moves with its
        # anchor instead. Added before rolling, so the deadline still lands on an allowed day.
        due += _paused_for(pauses)
    # "before" rolls earlier so that "at least 7 days before" still holds.
    return calendar.roll(due, later=after)


def _opens(rule: DeadlineRule, anchor: datetime) -> datetime | None:
    if rule.window is None:
        return None
    return anchor + rule.window if rule.direction == "after" else anchor - rule.window


def _collapsed(rule: DeadlineRule, anchor: datetime | None, asap_from: datetime) -> datetime | None:
    """When an ASAP deadline falls due: at the public disclosure, but an "after" deadline
    never before the event it follows (and while that event is unknown, it keeps waiting)."""
    if rule.direction == "before":
        return asap_from
    return None if anchor is None else max(asap_from, anchor)


def _paused_for(pauses: Sequence[Pause]) -> timedelta:
    """Total time covered by pauses that have an end; overlaps count once."""
    total = timedelta(0)
    covered_until: datetime | None = None
    for start, end in sorted((p.start, p.end) for p in pauses if p.end is not None):
        if covered_until is not None:
            start = max(start, covered_until)
        if end > start:
            total += end - start
            covered_until = end
    return total


def status_at(
    due_at: datetime | None,
    met_at: datetime | None,
    pauses: Sequence[Pause],
    now: datetime,
    *,
    concluded: bool = False,
) -> Status:
    if met_at is not None:
        return Status.MET
    if concluded:
        return Status.DROPPED
    if any(pause.holds_at(now) for pause in pauses):
        return Status.PAUSED
    if due_at is None:
        return Status.WAITING
    return Status.OVERDUE if now > due_at else Status.DUE


def miss_of(
    due_at: datetime | None, opens_at: datetime | None, met_at: datetime | None
) -> Miss | None:
    """Met after it was due, or before its window opened (a notice sent too early, KAR-34)."""
    if met_at is None:
        return None
    if due_at is not None and met_at > due_at:
        return Miss.LATE
    if opens_at is not None and met_at < opens_at:
        return Miss.EARLY
    return None
