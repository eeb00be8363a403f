"""The blameless retrospective: a report's history, from its facts, as a Markdown document.

What it holds follows Emissary's last step (EMI-46 to EMI-49): everyone involved, the timeline,
the commits that introduced the issue where known, and room for critique of the response. It is
blameless by construction (EMI-47): the timeline says which role acted, never which person, and
the prompts ask about the process, not about who erred. Given the same facts it renders the same
text, so a retrospective can be regenerated and compared.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from vulndesk.process.calendar import require_aware

# The durations measured from T0 (received), each to the first moment its step was reached.
MILESTONES: tuple[tuple[str, str], ...] = (
    ("acknowledge", "Time to acknowledge"),
    ("triage", "Time to triage"),
    ("fix", "Time to fix"),
    ("release", "Time to release"),
    ("publish", "Time to publish"),
)

# The order roles are listed in; any other role follows, alphabetically.
ROLE_ORDER = ("Fix Lead", "Fix Team", "security team", "fix reviewer", "release manager")

SHA = re.compile(r"[0-9a-f]{7,64}")

WENT_WELL_PROMPTS = (
    "Which steps moved the report forward quickly, and what made them quick?",
    "Which parts of the policy, the tools or the documentation helped?",
)
TO_CHANGE_PROMPTS = (
    "For each deadline missed above: what in the process, or in the information at hand, "
    "made it hard to meet?",
    "What would have caught the issue before it was released, or explained it sooner once "
    "reported?",
    "Which step of the policy should change, and how?",
)


@dataclass(frozen=True)
class Event:
    """One entry of the audit trail, told by the role that acted (EMI-47), never by name."""

    at: datetime
    role: str
    action: str
    summary: str

    def __post_init__(self) -> None:
        require_aware(self.at, f"time of event {self.action!r}")


@dataclass(frozen=True)
class DeadlineFact:
    name: str
    rule_id: str
    due_at: datetime | None  # None: its anchor never happened, so it was never dated
    met_at: datetime | None
    opens_at: datetime | None = None  # the start of its window, if it has one (KAR-34)

    def __post_init__(self) -> None:
        for label, moment in (("due", self.due_at), ("met", self.met_at), ("opens", self.opens_at)):
            if moment is not None:
                require_aware(moment, f"{label} time of deadline {self.name!r}")


@dataclass(frozen=True)
class Participant:
    role: str
    name: str


@dataclass(frozen=True)
class Commit:
    sha: str
    where: str = ""  # the branch or package it is on, where known

    def __post_init__(self) -> None:
        if not SHA.fullmatch(self.sha.lower()):
            raise ValueError(
                f"{self.sha!r} is not a commit id: give its hexadecimal SHA, 7 to 64 "
                "characters, e.g. 3f2a9c1"
            )
        # One spelling, so the same commit given twice reads the same.
        object.__setattr__(self, "sha", self.sha.lower())


@dataclass(frozen=True)
class RetroFacts:
    key: str
    title: str
    state: str
    received_at: datetime  # T0
    as_of: datetime  # when the retrospective is written: open deadlines are judged against it
    release_date: datetime | None = None
    milestones: Mapping[str, datetime | None] = field(default_factory=dict)  # MILESTONES keys
    events: Sequence[Event] = ()
    deadlines: Sequence[DeadlineFact] = ()
    participants: Sequence[Participant] = ()
    introduced_by: Sequence[Commit] = ()
    fixed_by: Sequence[Commit] = ()

    def __post_init__(self) -> None:
        require_aware(self.received_at, "received_at")
        require_aware(self.as_of, "as_of")
        if self.release_date is not None:
            require_aware(self.release_date, "release_date")
        known = {name for name, _ in MILESTONES}
        for name, moment in self.milestones.items():
            if name not in known:
                raise ValueError(f"unknown milestone {name!r}; known: {', '.join(sorted(known))}")
            if moment is not None:
                require_aware(moment, f"milestone {name!r}")


class Outcome(StrEnum):
    MET = "met"
    EARLY = "early"  # met before its window opened
    MISSED = "missed"  # met late, or still open past its due time
    OPEN = "open"
    UNDATED = "undated"


@dataclass(frozen=True)
class Verdict:
    deadline: DeadlineFact
    outcome: Outcome
    text: str  # "met 3 h early", "missed by 2 d 4 h", "open, due in 5 h"


@dataclass(frozen=True)
class Metric:
    label: str
    duration: timedelta | None  # None: the step was not reached


@dataclass(frozen=True)
class Retrospective:
    facts: RetroFacts
    summary: str
    metrics: tuple[Metric, ...]
    verdicts: tuple[Verdict, ...]  # one per deadline, in the order given
    counts: tuple[tuple[str, int], ...]


def span(delta: timedelta) -> str:
    """A duration to the minute, its largest two units: "2 d 4 h", "3 h 5 min", "12 min"."""
    seconds = abs(delta).total_seconds()
    minutes = int(seconds // 60)
    if minutes == 0:
        return "0 min" if seconds == 0 else "under 1 min"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def judge(deadline: DeadlineFact, as_of: datetime) -> Verdict:
    due, met, opens = deadline.due_at, deadline.met_at, deadline.opens_at
    if met is not None:
        if opens is not None and met < opens:
            return Verdict(
                deadline, Outcome.EARLY, f"met {span(opens - met)} before its window opened"
            )
        if due is None:
            return Verdict(deadline, Outcome.MET, "met (it had no due time)")
        if met > due:
            return Verdict(deadline, Outcome.MISSED, f"missed by {span(met - due)}")
        if met == due:
            return Verdict(deadline, Outcome.MET, "met at the due time")
        return Verdict(deadline, Outcome.MET, f"met {span(due - met)} early")
    if due is None:
        return Verdict(deadline, Outcome.UNDATED, "not dated: its starting event never came")
    if due < as_of:
        return Verdict(
            deadline, Outcome.MISSED, f"missed by {span(as_of - due)} so far, still open"
        )
    return Verdict(deadline, Outcome.OPEN, f"open, due in {span(due - as_of)}")


# What each audit action says in the timeline, from its recorded data; who acted is not here.
_PHRASES: Mapping[str, str] = {
    "report.created": "report recorded in the desk",
    "report.imported": "report imported from a published advisory",
    "report.triaged": "triage questions answered",
    "report.transition": "moved from {from} to {to}",
    "report.scored": "CVSS scored {score}: {vector}",
    "report.severity_override": "severity set by assessment",
    "report.release_date_set": "Release Date set to {release_date}",
    "report.merge_planned": "public merge planned for {planned_merge_at}",
    "report.fix_released": "fix released in {fixed_version}",
    "report.cve_assigned": "CVE ID {cve_id} assigned",
    "report.publicly_disclosed": "found to be public already",
    "report.disclosure_level": "disclosure level set",
    "report.fix_lead_assigned": "Fix Lead assigned",
    "report.component_set": "affected component set",
    "report.fix_exception_recorded": "fix exception recorded for unsupported lines",
    "fix_team.invited": "Fix Team member invited",
    "fix_team.accepted": "Fix Team member joined",
    "fix_team.ended": "Fix Team access ended",
    "fix_team.repo_access_granted": "repository access granted to a Fix Team member",
    "fix.repository_linked": "private security repository linked",
    "fix.branch_synced": "fix branch {branch} at {head}",
    "fix.branch_gone": "fix branch {branch} left the private repository",
    "fix.test_requested": "tests requested on a fix branch",
    "fix.test_finished": "tests finished on a fix branch",
    "deadline.met": "deadline {deadline} met",
    "deadline.paused": "deadline {deadline} paused",
    "deadline.resumed": "deadline {deadline} resumed",
    "affect.added": "affected release line recorded",
    "affect.removed": "affected release line removed",
    "backport.planned": "backport of {package} planned",
    "backport.dry_run": "backport of {package} dry-run",
    "backport.executed": "backport of {package} carried out",
    "comment.added": "comment added",
    "reporter.message_sent": "message sent to the reporter",
    "reporter.message_added": "message from the reporter",
}


def describe(action: str, data: Mapping[str, object]) -> str:
    """One line for the timeline; the field a phrase needs, if missing, reads "?"."""
    if action == "fix.review_recorded":
        branch = _value(data.get("branch"))
        if data.get("approved"):
            return f"fix branch {branch} approved in review"
        return f"changes requested on fix branch {branch} in review"
    phrase = _PHRASES.get(action)
    if phrase is None:
        return action.replace("_", " ").replace(".", ": ")
    return re.sub(r"{(\w+)}", lambda m: _value(data.get(m.group(1))), phrase)


def _value(value: object) -> str:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return _inline(value) or "?"
        return stamp(moment) if moment.tzinfo else _inline(value)
    return "?" if value is None else _inline(str(value))


def build(facts: RetroFacts) -> Retrospective:
    verdicts = tuple(judge(deadline, facts.as_of) for deadline in facts.deadlines)
    metrics = tuple(
        Metric(
            label, None if (at := facts.milestones.get(name)) is None else at - facts.received_at
        )
        for name, label in MILESTONES
    )
    tally = {outcome: sum(v.outcome is outcome for v in verdicts) for outcome in Outcome}
    counts = (
        ("events in the audit trail", len(facts.events)),
        ("deadlines", len(verdicts)),
        ("deadlines met", tally[Outcome.MET]),
        ("deadlines met before their window", tally[Outcome.EARLY]),
        ("deadlines missed", tally[Outcome.MISSED]),
        ("deadlines open", tally[Outcome.OPEN] + tally[Outcome.UNDATED]),
        ("people involved", len({p.name for p in facts.participants})),
        ("fix commits", len(facts.fixed_by)),
    )
    released = facts.milestones.get("release")
    outcome = (
        f"its fix was released {span(released - facts.received_at)} later"
        if released is not None
        else f"its fix is not released yet (state: {facts.state})"
    )
    summary = (
        f"{facts.key} was received on {stamp(facts.received_at)} and {outcome}; "
        f"{tally[Outcome.MET]} of {len(verdicts)} deadlines met, "
        f"{tally[Outcome.MISSED]} missed."
    )
    return Retrospective(facts, summary, metrics, verdicts, counts)


def render_markdown(retro: Retrospective) -> str:
    facts = retro.facts
    lines = [f"# Retrospective: {facts.key}: {_inline(facts.title)}", "", retro.summary, ""]
    release = stamp(facts.release_date) if facts.release_date else "not set"
    lines += [
        f"- State: {facts.state}",
        f"- Received (T0): {stamp(facts.received_at)}",
        f"- Release Date: {release}",
        f"- Written: {stamp(facts.as_of)}",
        "",
        "## Metrics",
        "",
    ]
    lines += [
        f"- {m.label}: {'not reached' if m.duration is None else _signed(m.duration)}"
        for m in retro.metrics
    ]
    lines += [f"- {label.capitalize()}: {count}" for label, count in retro.counts]
    lines += ["", "## Timeline", "", "| UTC | since T0 | what happened | by |", "|---|---|---|---|"]
    lines.append(f"| {stamp(facts.received_at)} | 0 min | report received (T0) | reporter |")
    lines += [
        f"| {stamp(e.at)} | {_signed(e.at - facts.received_at)} | {_cell(e.summary)} "
        f"| {_cell(e.role)} |"
        for e in facts.events
    ]
    lines += ["", "## Deadlines", ""]
    lines += [
        f"- {_inline(v.deadline.name)}{_rule(v.deadline.rule_id)}: "
        + (f"due {stamp(v.deadline.due_at)}, {v.text}" if v.deadline.due_at else v.text)
        for v in retro.verdicts
    ] or ["None were due."]
    lines += ["", "## Who was involved", "", "Named so readers know whom to ask, not to blame.", ""]
    lines += _participants(facts.participants) or ["Not recorded."]
    lines += ["", "## Commits", "", "Introduced by:", ""]
    lines += _commits(facts.introduced_by) or ["Not recorded."]
    lines += ["", "Fixed by:", ""]
    lines += _commits(facts.fixed_by) or ["Not recorded."]
    lines += ["", "## What went well", "", _BLAMELESS, ""]
    lines += [f"- _{prompt}_" for prompt in WENT_WELL_PROMPTS]
    lines += ["", "## What to change", "", _BLAMELESS, ""]
    lines += [f"- _{prompt}_" for prompt in TO_CHANGE_PROMPTS]
    return "\n".join(lines) + "\n"


# EMI-47 (blameless) and EMI-49 (everyone may add their own feedback).
_BLAMELESS = (
    "_Describe what the process, the tools and the information at hand made easy or hard, "
    "not who did what wrong. Maintainers and Fix Team members are welcome to add their own "
    "notes here._"
)


def stamp(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _signed(delta: timedelta) -> str:
    return f"-{span(delta)}" if delta < timedelta(0) else span(delta)


def _rule(rule_id: str) -> str:
    return f" ({_inline(rule_id)})" if rule_id else ""


def _inline(text: str) -> str:
    """One line of text, so a title or name cannot start a heading or a list of its own."""
    return " ".join(text.split())


def _cell(text: str) -> str:
    return _inline(text).replace("|", "\\|")


def _participants(people: Sequence[Participant]) -> list[str]:
    by_role: dict[str, set[str]] = {}
    for person in people:
        by_role.setdefault(person.role, set()).add(_inline(person.name))

    def order(role: str) -> tuple[int, str]:
        return (ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER), role)

    return [
        f"- {_inline(role)}: {', '.join(sorted(by_role[role]))}"
        for role in sorted(by_role, key=order)
    ]


def _commits(commits: Sequence[Commit]) -> list[str]:
    return [f"- `{c.sha}`" + (f" ({_inline(c.where)})" if c.where else "") for c in commits]
