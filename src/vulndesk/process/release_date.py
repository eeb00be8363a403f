"""Release Date planning: the earliest Release Date a policy and a report's facts allow, and why.

Each rule that bears on the Release Date becomes a `Bound`: the release no earlier than some
moment (a notice owed ahead of it, KAR-33, KAR-43, OEDX-20) or no later than one (the release
deadline, EMI-40; an advance notice sent already may not be more than its window ahead, KAR-34).
On top of the bounds the calendar says when announcing is fine at all: business days outside
freezes and holidays, the preferred time and the days to avoid.

A notice not sent yet can at best go out now, so it holds the release at least its lead time
after now; a notice sent already holds it from when it was sent.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from vulndesk.process.calendar import BusinessCalendar, require_aware
from vulndesk.process.deadlines import ReportFacts, compute_deadlines
from vulndesk.process.policy import Policy, Step

# Steps that releasing the fix meets, so their due time is the latest Release Date (EMI-40).
RELEASE_STEPS = frozenset({"fix_released"})
# Proposals are rounded up to the quarter hour: nobody announces at 12:37:21.
_ROUNDING = timedelta(minutes=15)

_NOTICE_NAMES = {
    "distributor_advance_notice": "the distributors' advance notice",
    "distributor_release_notice": "the distributors' notice ahead of the release",
    "security_announcement_posted": "the pre-merge security announcement",
}


@dataclass(frozen=True)
class Bound:
    """One rule on the Release Date: at or after `earliest`, or at or before `latest`."""

    name: str
    rule_ids: tuple[str, ...]
    quote: str
    why: str  # what the rule asks, in plain words
    earliest: datetime | None = None
    latest: datetime | None = None
    advisory: bool = False  # the policy's timeline warns rather than blocks (EMI-12, KAR-17)


@dataclass(frozen=True)
class Reason:
    """Why the proposal is where it is: one rule that set it."""

    name: str
    rule_ids: tuple[str, ...]
    quote: str
    text: str


@dataclass(frozen=True)
class Problem:
    """A rule a Release Date breaks, and the date that would meet it."""

    name: str
    rule_ids: tuple[str, ...]
    message: str
    suggestion: datetime | None


@dataclass(frozen=True)
class Proposal:
    at: datetime
    reasons: tuple[Reason, ...]
    conflicts: tuple[Problem, ...]  # rules even the earliest allowed date breaks

    @property
    def feasible(self) -> bool:
        return not self.conflicts

    def as_data(self) -> dict[str, Any]:
        """Plain data for JSON: the CLI's --json and the API say the same."""
        return {
            "release_date": self.at.isoformat(),
            "feasible": self.feasible,
            "reasons": [
                {"rule": r.name, "rule_ids": list(r.rule_ids), "quote": r.quote, "text": r.text}
                for r in self.reasons
            ],
            "conflicts": [
                {"rule": c.name, "rule_ids": list(c.rule_ids), "message": c.message}
                for c in self.conflicts
            ],
        }


def ids(rule_ids: tuple[str, ...]) -> str:
    return f" ({', '.join(rule_ids)})" if rule_ids else ""


def show(moment: datetime, calendar: BusinessCalendar) -> str:
    """`2026-12-10 16:00 UTC`, and the calendar's wall time first where it is not UTC."""
    utc = f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    if calendar.timezone == "UTC":
        return utc
    local = moment.astimezone(calendar.zone)
    return f"{local:%Y-%m-%d %H:%M} {calendar.timezone} ({utc})"


def in_words(duration: timedelta) -> str:
    """`7 days`, `24 hours`, `90 minutes`: what a reader of a refusal understands at once.

    A single day reads as 24 hours, as the documents count it (KAR-43: "24 hours")."""
    day, hour = timedelta(days=1), timedelta(hours=1)
    if duration > day and duration % day == timedelta(0):
        count, unit = duration // day, "day"
    elif duration >= hour and duration % hour == timedelta(0):
        count, unit = duration // hour, "hour"
    else:
        count, unit = int(duration.total_seconds() // 60), "minute"
    return f"{count} {unit}{'s' if count != 1 else ''}"


def round_up(moment: datetime) -> datetime:
    """The next quarter hour at or after `moment`, counted in UTC (every zone in use is offset
    by whole quarter hours, so it is a quarter hour in the calendar's zone too)."""
    seconds = (moment - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()
    step = _ROUNDING.total_seconds()
    rounded = datetime.fromtimestamp(math.ceil(seconds / step) * step, tz=UTC)
    return rounded.astimezone(moment.tzinfo)


class ReleaseDatePlanner:
    """The rules on one report's Release Date at `now`: propose the earliest date, check one."""

    def __init__(
        self, policy: Policy, facts: ReportFacts, now: datetime, *, cve_assigned: bool
    ) -> None:
        require_aware(now, "now")
        self.policy = policy
        self.facts = facts
        self.now = now
        self.calendar = policy.calendar.business_calendar()
        self.bounds = self._bounds(cve_assigned)

    def propose(self) -> Proposal:
        lower = max(b.earliest for b in self.bounds if b.earliest is not None)
        at = self.calendar.announcement_slot(round_up(lower))
        binding = [b for b in self.bounds if b.earliest == lower]
        reasons = [Reason(b.name, b.rule_ids, b.quote, self._set_by(b)) for b in binding]
        if at != round_up(lower):
            reasons.append(self._calendar_reason(round_up(lower), at))
        conflicts = tuple(
            Problem(
                b.name,
                b.rule_ids,
                f"no date meets every rule: {b.why}{ids(b.rule_ids)}, so the latest date is "
                f"{show(b.latest, self.calendar)}, but the earliest the other rules allow is "
                f"{show(at, self.calendar)}{self._advisory_hint(b)}",
                at,
            )
            for b in self.bounds
            if b.latest is not None and at > b.latest
        )
        return Proposal(at=at, reasons=tuple(reasons), conflicts=conflicts)

    def check(self, at: datetime) -> list[Problem]:
        """Every rule `at` breaks, each naming the date that would meet it; [] if none."""
        require_aware(at, "the Release Date")
        problems = []
        for bound in self.bounds:
            if bound.earliest is not None and at < bound.earliest:
                earliest = self.calendar.announcement_slot(round_up(bound.earliest))
                problems.append(
                    Problem(
                        bound.name,
                        bound.rule_ids,
                        f"{bound.why}{ids(bound.rule_ids)}: the earliest date is "
                        f"{show(earliest, self.calendar)}",
                        earliest,
                    )
                )
            if bound.latest is not None and at > bound.latest:
                problems.append(
                    Problem(
                        bound.name,
                        bound.rule_ids,
                        f"{bound.why}{ids(bound.rule_ids)}: the latest date is "
                        f"{show(bound.latest, self.calendar)}{self._advisory_hint(bound)}",
                        bound.latest,
                    )
                )
        slot = self.calendar.announcement_slot(at)
        if slot != at:
            reason = self._calendar_reason(at, slot)
            problems.append(Problem(reason.name, reason.rule_ids, reason.text, slot))
        return problems

    def _bounds(self, cve_assigned: bool) -> list[Bound]:
        bounds = [
            Bound(
                name="not_in_the_past",
                rule_ids=(),
                quote="",
                why="a Release Date is a plan, so it cannot be in the past",
                earliest=self.now,
            )
        ]
        advisory = self.policy.timeline.advisory
        for name, step in self.policy.steps(cve_assigned=cve_assigned):
            if step.direction == "before" and step.anchor in ("release", "public_disclosure"):
                bounds += self._notice_bounds(name, step)
            elif step.direction == "before" and step.anchor == "merge":
                bounds += self._merge_bounds(name, step)
            elif name in RELEASE_STEPS and name not in self.facts.met:
                bounds += self._deadline_bounds(name, step, advisory=advisory)
        return bounds

    def _ahead(self, step: Step) -> str:
        if step.business_days is not None:
            return f"{step.business_days} business days"
        return in_words(step.within or timedelta(0))

    def _after(self, moment: datetime, step: Step) -> datetime:
        if step.business_days is not None:
            return self.calendar.add_business_days(moment, step.business_days)
        return moment + (step.within or timedelta(0))

    def _notice_bounds(self, name: str, step: Step) -> list[Bound]:
        """A notice owed ahead of the release (KAR-33, KAR-43): the release waits for it."""
        label = _NOTICE_NAMES.get(name, name.replace("_", " "))
        sent = self.facts.met.get(name)
        if sent is None:
            why = f"{label} must go out at least {self._ahead(step)} before the release"
            why += " and has not been sent yet"
        else:
            why = f"{label} went out at {show(sent, self.calendar)}"
            why += f" and must come at least {self._ahead(step)} before the release"
        bounds = [
            Bound(
                name,
                tuple(step.rules),
                step.quote,
                why,
                earliest=self._after(sent or self.now, step),
            )
        ]
        if sent is not None and step.window is not None:
            # KAR-34: 1-4 weeks ahead; a notice sent too early leaves a later date outside it.
            bounds.append(
                Bound(
                    f"{name}_window",
                    tuple(step.rules),
                    step.quote,
                    f"{label} went out at {show(sent, self.calendar)} and may come at most "
                    f"{in_words(step.window)} before the release",
                    latest=sent + step.window,
                )
            )
        return bounds

    def _merge_bounds(self, name: str, step: Step) -> list[Bound]:
        """The fix is merged in public before it is released, and the merge itself waits for
        its announcement (OEDX-20: posted 2 business days before merging)."""
        label = _NOTICE_NAMES.get(name, name.replace("_", " "))
        sent = self.facts.met.get(name)
        when = (
            "has not been posted yet"
            if sent is None
            else f"went out at {show(sent, self.calendar)}"
        )
        bounds = [
            Bound(
                name,
                tuple(step.rules),
                step.quote,
                f"the fix is merged before the release, and {label} ({when}) must be "
                f"{self._ahead(step)} old at the merge",
                earliest=self._after(sent or self.now, step),
            )
        ]
        planned = self.facts.anchors.get("merge")
        if planned is not None:
            bounds.append(
                Bound(
                    "planned_merge",
                    tuple(step.rules),
                    step.quote,
                    f"the fix is planned to be merged at {show(planned, self.calendar)}, "
                    "and it is released no earlier",
                    earliest=planned,
                )
            )
        return bounds

    def _deadline_bounds(self, name: str, step: Step, *, advisory: bool) -> list[Bound]:
        """The release deadline (EMI-40), or ASAP once the vulnerability is public (EMI-14)."""
        rule = step.deadline_rule(name, advisory=advisory)
        if rule is None:
            return []
        (deadline,) = compute_deadlines(
            [rule],
            self.facts,
            self.calendar,
            self.now,
            asap_if_cvss_at_least=self.policy.public_disclosure.asap_if_cvss_at_least,
        )
        if deadline.due_at is None:
            return []
        if deadline.asap:
            rule_ids = tuple(self.policy.public_disclosure.rules) + tuple(step.rules)
            why = "the vulnerability is public, so the fix release is due as soon as possible"
        else:
            rule_ids = tuple(step.rules)
            why = f"the fix must be released within {self._ahead(step)} of its disclosure"
        return [Bound(name, rule_ids, step.quote, why, latest=deadline.due_at, advisory=advisory)]

    def _set_by(self, bound: Bound) -> str:
        if bound.name == "not_in_the_past":
            return "no rule of the policy holds the release later than now"
        return f"{bound.why}{ids(bound.rule_ids)}"

    def _calendar_reason(self, wanted: datetime, slot: datetime) -> Reason:
        rules = tuple(self.policy.calendar.rules)
        text = (
            f"{self._why_not(wanted)}{ids(rules)}: the next good time to announce is "
            f"{show(slot, self.calendar)}"
        )
        return Reason("announcement_time", rules, "", text)

    def _why_not(self, moment: datetime) -> str:
        """Why the calendar does not take `moment` for an announcement."""
        calendar = self.calendar
        local = moment.astimezone(calendar.zone)
        day = local.date()
        if day.weekday() in calendar.weekend:
            return f"{day:%A %Y-%m-%d} is not a business day"
        if day in calendar.holidays:
            return f"{day:%Y-%m-%d} is a holiday"
        for freeze in calendar.freezes:
            if freeze.covers(day):
                start, end = (f"{m:02d}-{d:02d}" for m, d in (freeze.start, freeze.end))
                return f"{day:%Y-%m-%d} falls in the freeze from {start} to {end}"
        if day.weekday() in calendar.announcement_avoid:
            return f"announcements avoid {day:%A}s"
        clock = calendar.announcement_time
        return f"announcements go out at {clock:%H:%M} {calendar.timezone}" if clock else ""

    def _advisory_hint(self, bound: Bound) -> str:
        if not bound.advisory:
            return ""
        return (
            "; the policy's timelines are advisory, so the Fix Lead may go past it "
            "with an override and a reason"
        )
