"""Move a report from one state to the next: the one way a report's state changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from vulndesk.desk.models import Report
from vulndesk.desk.services import (
    announcements,
    audit,
    deadlines,
    fix_integrity,
    fix_lead,
    fix_team,
)
from vulndesk.desk.services.fix_repo import review_facts
from vulndesk.desk.services.publication import check_forced_publish, publication_facts
from vulndesk.desk.services.reports import lock_report
from vulndesk.process.lifecycle import (
    State,
    TransitionFacts,
    check_transition,
    publication_guard_problems,
)
from vulndesk.process.publication import PublicationFacts

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# When the report last entered these states; every state also sets `state_changed_at`.
# `released` has none of its own: FOLIO-34 makes `fix_released_at` a precondition instead.
STATE_TIMESTAMPS: Mapping[State, str] = {
    State.TRIAGING: "triage_started_at",
    State.ACCEPTED: "accepted_at",
    State.FIX_READY: "fix_ready_at",
    State.PUBLISHED: "published_at",
    State.CLOSED: "closed_at",
}


def transition_facts(report: Report, tags_read: PublicationFacts | None = None) -> TransitionFacts:
    """The report's own facts, its fix branches' reviews (VIT-18, OEDX-18) and, once released,
    the publication guards' (which read each fixed version's repository: only then; `tags_read`
    is a reading made just before, reused if the fixed versions are still the same)."""
    facts = replace(
        report.transition_facts(),
        **review_facts(report),
        **fix_integrity.integrity_facts(report),  # the latest check of what landed (EMI-42)
    )
    if report.current_state is State.RELEASED:
        facts = replace(facts, publication=publication_facts(report, tags_read))
    return facts


def transition(
    report: Report,
    target: State | str,
    *,
    actor: User | None,
    reason: str = "",
    expected_version: int | None = None,
    force: bool = False,
) -> Report:
    """Move the report to `target` if the process allows it now; raise TransitionError if not.

    `force` publishes despite failed publication guards: it needs a reason and the permission
    (PermissionDenied), and the audit event lists the guards it overrode.
    Returns the updated report; the instance passed in is left as it was.
    """
    target = State(target)
    if target is State.RELEASED and report.fix_freezes.exists():
        # What landed is read afresh (git, outside the transaction) and recorded on the
        # freeze, where the guard reads it (EMI-42, KAR-41).
        fix_integrity.check_release_integrity(report, actor=actor)
    # The tags are read (git, perhaps over the network) before the report's row is locked.
    tags_read = publication_facts(report) if target is State.PUBLISHED else None
    with transaction.atomic():
        locked = lock_report(report, expected_version)
        previous = locked.current_state
        facts = transition_facts(locked, tags_read)
        overridden: list[str] = []
        if force:
            check_forced_publish(locked, target, actor=actor, reason=reason)
            overridden = publication_guard_problems(facts)
        check_transition(
            previous,
            target,
            facts,
            required_triage_fields=locked.project.policy().triage.required_fields,
            overriding_publication_guards=force,
        )
        now = timezone.now()
        locked.state = target
        locked.state_changed_at = now
        if target in STATE_TIMESTAMPS:
            setattr(locked, STATE_TIMESTAMPS[target], now)
        locked.version += 1
        locked.save()
        deadlines.refresh(locked)
        audit.record(
            "report.transition",
            actor=actor,
            report=locked,
            data={"from": previous, "to": target, "reason": reason}
            | ({"forced": True, "overridden": overridden} if force else {}),
        )
        if target is State.ACCEPTED:
            fix_lead.assign_on_acceptance(locked, actor=actor)  # EMI-10, where the policy rotates
        elif target is State.RELEASED:
            fix_team.end_at_release(locked, actor=actor)  # the Fix Team's access ends (Emissary)
        announcements.plan_announcements(locked)  # what the new state owes, or no longer does
    return locked
