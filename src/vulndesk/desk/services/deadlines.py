"""Keep a report's Deadline rows equal to what its policy and facts say, and pause or meet them.

The dates come from the pure `process.deadlines.compute_deadlines`; the rows exist so that "what
is due now" is one indexed query over every report, not a computation per report.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from vulndesk.desk.models import Deadline, DeadlinePause, Project, Report
from vulndesk.desk.services import audit
from vulndesk.process.deadlines import Pause, ReportFacts, compute_deadlines
from vulndesk.process.lifecycle import CONCLUDED

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Steps that a recorded fact meets, so nobody has to tick them by hand.
MET_BY: Mapping[str, str] = {
    "fix_developed": "fix_ready_at",
    "fix_released": "fix_released_at",
}


class DeadlineError(ValueError):
    pass


def report_facts(report: Report, rows: Mapping[str, Deadline]) -> ReportFacts:
    met = {name: row.met_at for name, row in rows.items() if row.met_at is not None}
    for name, field in MET_BY.items():
        if name not in met and (moment := getattr(report, field)) is not None:
            met[name] = moment
    return ReportFacts(
        anchors={
            "disclosure": report.received_at,
            "release": report.release_date,
            # The Release Date is when the world hears: the public disclosure date of KAR-33.
            "public_disclosure": report.release_date,
            "merge": report.planned_merge_at,
        },
        public_disclosure=report.public_disclosure_at if report.on_public_path else None,
        cvss_score=report.base_score,
        concluded=report.current_state in CONCLUDED,
        release_now_since=report.embargo_breaks.filter(decision="release_now")
        .order_by("decided_at")
        .values_list("decided_at", flat=True)
        .first(),
        met=met,
        pauses={
            name: [Pause(p.started_at, p.ended_at, p.reason) for p in row.pauses.all()]
            for name, row in rows.items()
        },
    )


def refresh(report: Report, *, now: datetime | None = None) -> list[Deadline]:
    """Recompute the report's deadlines and store them. Call inside the changing transaction."""
    now = now or timezone.now()
    policy = report.project.policy()
    rows = {row.name: row for row in report.deadlines.prefetch_related("pauses")}
    computed = compute_deadlines(
        policy.deadline_rules(cve_assigned=bool(report.cve_id)),
        report_facts(report, rows),
        policy.calendar.business_calendar(),
        now,
        asap_if_cvss_at_least=policy.public_disclosure.asap_if_cvss_at_least,
    )
    kept = []
    for deadline in computed:
        rule = deadline.rule
        row = rows.pop(rule.name, None) or Deadline(report=report, name=rule.name)
        row.rule_id, row.quote, row.advisory = rule.rule_id, rule.quote, rule.advisory
        row.due_at, row.opens_at, row.asap = deadline.due_at, deadline.opens_at, deadline.asap
        row.met_at = deadline.met_at
        row.save()
        kept.append(row)
    # A rule the policy no longer has goes, unless it was met: that is history.
    for row in rows.values():
        if row.met_at is None:
            row.delete()
    return kept


def open_report_ids(project: Project) -> list[int]:
    """The project's reports whose deadlines still count."""
    return list(project.reports.exclude(state__in=CONCLUDED).values_list("pk", flat=True))


def _open_row(report: Report, name: str) -> Deadline:
    try:
        return report.deadlines.select_for_update().get(name=name)
    except Deadline.DoesNotExist:
        names = ", ".join(report.deadlines.values_list("name", flat=True).order_by("name"))
        raise DeadlineError(f"{report.key} has no deadline {name!r}; it has: {names}") from None


def meet(report: Report, name: str, *, actor: User | None, at: datetime | None = None) -> Deadline:
    with transaction.atomic():
        report = Report.objects.locked(report.pk)
        row = _open_row(report, name)
        if row.met_at is not None:
            raise DeadlineError(f"{name} was already met at {row.met_at:%Y-%m-%d %H:%M} UTC")
        row.met_at = at or timezone.now()
        row.save(update_fields=["met_at"])
        refresh(report)
        audit.record(
            "deadline.met",
            actor=actor,
            project=report.project,
            report=report,
            data={"deadline": name, "met_at": row.met_at.isoformat()},
        )
    return row


def pause(report: Report, name: str, *, reason: str, actor: User | None) -> DeadlinePause:
    """Stop a deadline's clock, e.g. an embargo extended at the reporter's request."""
    if not reason.strip():
        raise DeadlineError(
            "say why the deadline is paused (the reason is kept in the audit trail)"
        )
    with transaction.atomic():
        report = Report.objects.locked(report.pk)
        row = _open_row(report, name)
        if row.met_at is not None:
            raise DeadlineError(f"{name} is already met; there is nothing to pause")
        if row.pauses.filter(ended_at__isnull=True).exists():
            raise DeadlineError(f"{name} is already paused; resume it first")
        paused = row.pauses.create(started_at=timezone.now(), reason=reason, created_by=actor)
        refresh(report)
        audit.record(
            "deadline.paused",
            actor=actor,
            project=report.project,
            report=report,
            data={"deadline": name, "reason": reason},
        )
    return paused


def resume(report: Report, name: str, *, actor: User | None) -> Deadline:
    """Restart the clock; the due time moves later by exactly the time it stood still."""
    with transaction.atomic():
        report = Report.objects.locked(report.pk)
        row = _open_row(report, name)
        current = row.pauses.filter(ended_at__isnull=True).first()
        if current is None:
            raise DeadlineError(f"{name} is not paused")
        current.ended_at = timezone.now()
        current.save(update_fields=["ended_at"])
        refresh(report)
        audit.record(
            "deadline.resumed",
            actor=actor,
            project=report.project,
            report=report,
            data={"deadline": name, "paused_for": str(current.ended_at - current.started_at)},
        )
    row.refresh_from_db()
    return row
