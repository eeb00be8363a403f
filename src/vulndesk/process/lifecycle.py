"""The states a report moves through, and the guards on each step.

A report moves only along the flowchart (KAR-16); the guards are the facts a step needs
(a complete triage to accept, a recorded fix release to be released, …). Which triage
questions are compulsory is the policy's choice, so it comes in as an argument.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

from vulndesk.process.publication import PublicationFacts, publication_problems
from vulndesk.process.severity import may_fix_semi_publicly


class State(StrEnum):
    RECEIVED = "received"
    TRIAGING = "triaging"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    FIXING = "fixing"
    FIX_READY = "fix_ready"
    SCHEDULED = "scheduled"
    RELEASED = "released"
    PUBLISHED = "published"
    CLOSED = "closed"


ALLOWED: Mapping[State, frozenset[State]] = {
    State.RECEIVED: frozenset({State.TRIAGING}),
    State.TRIAGING: frozenset({State.ACCEPTED, State.REJECTED, State.DUPLICATE}),
    State.ACCEPTED: frozenset({State.FIXING}),
    State.REJECTED: frozenset({State.TRIAGING, State.CLOSED}),
    State.DUPLICATE: frozenset({State.CLOSED}),
    State.FIXING: frozenset({State.FIX_READY}),
    State.FIX_READY: frozenset({State.SCHEDULED}),
    State.SCHEDULED: frozenset({State.RELEASED}),
    State.RELEASED: frozenset({State.PUBLISHED}),
    State.PUBLISHED: frozenset({State.CLOSED}),
    State.CLOSED: frozenset(),
}

# A report in one of these asks nothing more of anyone: its unmet deadlines are dropped.
CONCLUDED: frozenset[State] = frozenset({State.REJECTED, State.DUPLICATE, State.CLOSED})

# The verb a refusal starts with: "cannot accept: …" reads better than "cannot move to accepted".
# Nothing moves back to `received`, so it needs no verb.
_VERBS: Mapping[State, str] = {
    State.TRIAGING: "start triage",
    State.ACCEPTED: "accept",
    State.REJECTED: "reject",
    State.DUPLICATE: "mark as duplicate",
    State.FIXING: "start fixing",
    State.FIX_READY: "mark the fix ready",
    State.SCHEDULED: "schedule",
    State.RELEASED: "mark released",
    State.PUBLISHED: "publish",
    State.CLOSED: "close",
}

# The triage questionnaire: field name (as the policy names it) → the rule that asks for it.
TRIAGE_FIELDS: Mapping[str, str] = {
    "blast_radius": "FOLIO-1",
    "reproduced": "FOLIO-16",
    "scope": "FOLIO-19",
    "layer": "FOLIO-20",
    "domain": "FOLIO-21",
    "pii_exposed": "FOLIO-22",
    "privilege_escalation": "FOLIO-23",
    "affected_versions": "FOLIO-24",
    "remediation_plan": "KAR-22",
}


class Evidence(StrEnum):
    """How a report was confirmed; a unit test or a code review is enough (FOLIO-17)."""

    POC = "poc"
    UNIT_TEST = "unit_test"
    CODE_REVIEW = "code_review"


class Scope(StrEnum):
    APP_SPECIFIC = "app_specific"
    SYSTEM_WIDE = "system_wide"


class Layer(StrEnum):
    FRONTEND = "frontend"
    BACKEND = "backend"


class Domain(StrEnum):
    HOSTING = "hosting"
    SOFTWARE = "software"


class DisclosureLevel(StrEnum):
    PRIVATE = "private"
    SEMI_PUBLIC = "semi_public"
    PUBLIC = "public"


@dataclass(frozen=True)
class BranchApprovals:
    """A fix branch, and how many distinct reviewers approved its current head."""

    branch: str
    approvals: int


@dataclass(frozen=True)
class TransitionFacts:
    """What the guards need to know about a report, and nothing else."""

    # The policy's fix review (VIT-18, OEDX-18): approvals each fix branch needs on its current
    # head (None: no review gate), the rules that ask it, and every fix branch's approvals.
    required_approvals: int | None = None
    review_rules: tuple[str, ...] = ()
    branch_approvals: tuple[BranchApprovals, ...] = ()
    triage_filled: frozenset[str] = frozenset()
    may_become_exploitable: bool = False
    duplicate_of_set: bool = False
    fixed_version_set: bool = False
    fix_released_at_set: bool = False
    release_date_set: bool = False
    # From the release-line policy: why no fix is issued ("" if one is), and the affected
    # supported lines whose fix is not recorded yet.
    no_fix_reason: str = ""
    unfixed_supported_lines: tuple[str, ...] = ()
    # Why what landed is not the fix sent to distributors, one sentence each (EMI-42, KAR-41).
    integrity_problems: tuple[str, ...] = ()
    # The publication guards' facts (tags read from git, the clock): gathered by the service
    # only for a released report, as reading tags takes a network round trip.
    publication: PublicationFacts | None = None


class TransitionError(ValueError):
    def __init__(
        self, current: State, target: State, allowed: list[State], problems: list[str]
    ) -> None:
        self.current = current
        self.target = target
        self.allowed = allowed
        self.problems = problems
        super().__init__("; ".join(problems))


class DisclosureError(ValueError):
    def __init__(self, level: DisclosureLevel, problems: list[str]) -> None:
        self.level = level
        self.problems = problems
        super().__init__(f"cannot set the disclosure level to {level}: " + "; ".join(problems))


def check_transition(
    current: State,
    target: State,
    facts: TransitionFacts,
    *,
    required_triage_fields: Collection[str],
    overriding_publication_guards: bool = False,
) -> None:
    """Raise TransitionError unless the report may move from `current` to `target` now.

    `overriding_publication_guards`: a forced publish (reason and permission checked by the
    caller) passes the publication guards; the flowchart still holds.
    """
    unknown = sorted(set(required_triage_fields) - set(TRIAGE_FIELDS))
    if unknown:
        raise ValueError(
            f"the policy requires unknown triage fields {', '.join(unknown)}; "
            f"known fields: {', '.join(TRIAGE_FIELDS)}"
        )
    allowed = sorted(ALLOWED[current])
    if target not in ALLOWED[current]:
        following = ", ".join(allowed) if allowed else f"nothing ({current} is final)"
        message = f"cannot move from {current} to {target}; allowed next: {following}"
        raise TransitionError(current, target, allowed, [message])
    problems = _guard_problems(target, facts, required_triage_fields)
    if target is State.FIX_READY:
        problems += review_problems(facts)
    if target is State.PUBLISHED and not overriding_publication_guards:
        problems += publication_guard_problems(facts)
    if problems:
        verb = _VERBS[target]
        raise TransitionError(current, target, allowed, [f"cannot {verb}: {p}" for p in problems])


def review_problems(facts: TransitionFacts) -> list[str]:
    """Why the fix is not reviewed enough to be ready: every fix branch, and at least one,
    needs the policy's number of approvals on its current head (VIT-18, OEDX-18)."""
    needed = facts.required_approvals
    if needed is None:
        return []
    rules = f" ({', '.join(facts.review_rules)})" if facts.review_rules else ""
    reviews = "approving review" if needed == 1 else "approving reviews"
    if not facts.branch_approvals:
        return [
            "no fix branch is known: link the private security repository and sync it, then "
            f"get {needed} {reviews} on each fix branch{rules}"
        ]
    return [
        f"fix branch {branch.branch} needs {needed - branch.approvals} more "
        f"{'approving review' if needed - branch.approvals == 1 else 'approving reviews'} on "
        f"its current head ({branch.approvals} of {needed}){rules}"
        for branch in facts.branch_approvals
        if branch.approvals < needed
    ]


def publication_guard_problems(facts: TransitionFacts) -> list[str]:
    """Why the advisory may not go out yet, guard by guard; facts not gathered fail safe."""
    if facts.publication is None:
        return ["the publication guards were not checked (embargo, fixed versions tagged)"]
    return [str(problem) for problem in publication_problems(facts.publication)]


def _guard_problems(
    target: State, facts: TransitionFacts, required_triage_fields: Collection[str]
) -> list[str]:
    problems = []
    if target is State.ACCEPTED:
        # Keep the questionnaire's order so the message lists fields as the form shows them.
        missing = [
            f for f in TRIAGE_FIELDS if f in required_triage_fields and f not in facts.triage_filled
        ]
        if missing:
            rules = ", ".join(TRIAGE_FIELDS[f] for f in missing)
            problems.append(
                f"triage is missing {', '.join(missing)} (required by this policy: {rules})"
            )
    elif target is State.REJECTED and facts.may_become_exploitable:
        problems.append(
            "the report may become exploitable in a future version, so it is valid and must "
            "be accepted and fixed (FOLIO-18)"
        )
    elif target is State.DUPLICATE and not facts.duplicate_of_set:
        problems.append("say which report it duplicates")
    elif target is State.FIXING and facts.no_fix_reason:
        problems.append(facts.no_fix_reason)
    elif target is State.SCHEDULED and not facts.release_date_set:
        problems.append("set the Release Date first")
    elif target is State.RELEASED:
        missing = [
            name
            for name, present in (
                ("fixed version", facts.fixed_version_set),
                ("fix release date", facts.fix_released_at_set),
            )
            if not present
        ]
        if missing:
            problems.append(f"record the fix release first: {' and '.join(missing)} (FOLIO-34)")
        if facts.unfixed_supported_lines:  # VIT-5
            lines = ", ".join(facts.unfixed_supported_lines)
            problems.append(
                f"the fix is not recorded on every affected supported line: {lines} (VIT-5)"
            )
        problems += facts.integrity_problems
    return problems


def default_disclosure_level(public_disclosure: bool) -> DisclosureLevel:
    """A report starts private, unless the world already knows about it."""
    return DisclosureLevel.PUBLIC if public_disclosure else DisclosureLevel.PRIVATE


def check_disclosure_level(
    level: DisclosureLevel,
    *,
    score: float | None,
    semi_public_below: float | None,
    no_user_harm: bool,
    no_user_harm_required: bool = True,
    fix_released: bool,
    already_public: bool,
) -> None:
    """Raise DisclosureError unless the report may be handled at `level` now.

    Semi-public handling needs a score under the policy's threshold (KAR-25) and a recorded
    determination that handling the fix in public harms no user (KAR-27). Full disclosure waits
    for a released fix (FOLIO-33), except when the details are public already: then withholding
    them protects nobody.
    """
    problems = []
    if level is DisclosureLevel.SEMI_PUBLIC:
        decision = may_fix_semi_publicly(score, cvss_below=semi_public_below)
        if not decision.allowed:
            problems.append(decision.reason)
        if no_user_harm_required and not no_user_harm:
            problems.append(
                "the Security Team has not recorded that handling the fix publicly causes "
                "no user harm (KAR-27)"
            )
    elif level is DisclosureLevel.PUBLIC and not (fix_released or already_public):
        problems.append("full disclosure waits until a fix is released (FOLIO-33)")
    if problems:
        raise DisclosureError(level, problems)
