"""Turn a new report down in one action: as a duplicate of an earlier one, or rejected with a
polite reason. A report still in `received` starts triage on the way, in the same transaction,
so the timeline shows every step and a refusal of any step writes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from vulndesk.desk.models import Report
from vulndesk.desk.services.reports import lock_report, record_triage
from vulndesk.desk.services.transitions import transition
from vulndesk.process.lifecycle import State

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _conclude(report: Report, target: State, *, actor: User | None, reason: str) -> Report:
    """Move an already locked, current report to `target`, through triage if it is not there."""
    if report.current_state is State.RECEIVED:
        report = transition(report, State.TRIAGING, actor=actor, reason=reason)
    return transition(report, target, actor=actor, reason=reason)


def mark_duplicate(
    report: Report, original: Report, *, actor: User | None, expected_version: int | None = None
) -> Report:
    """Record that `report` duplicates `original` and move it to `duplicate`."""
    with transaction.atomic():
        lock_report(report, expected_version)
        noted = record_triage(report, {}, actor=actor, duplicate_of=original)
        return _conclude(noted, State.DUPLICATE, actor=actor, reason=f"duplicate of {original.key}")


def reject(
    report: Report, reason: str, *, actor: User | None, expected_version: int | None = None
) -> Report:
    """Move `report` to `rejected`, keeping `reason` in the timeline."""
    with transaction.atomic():
        locked = lock_report(report, expected_version)
        return _conclude(locked, State.REJECTED, actor=actor, reason=reason)
