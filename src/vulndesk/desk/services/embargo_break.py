"""Embargo breaks: record who broke the embargo and how, then the Fix Lead's or security team's
call, release now or keep the date (KAR-37), with the policy's guidance (KAR-38).

Releasing now moves the Release Date to the first slot the calendar allows, waiving the
distributors' lead times (KAR-32), collapses what was owed ahead of the release onto the
decision, and tells every organisation told of the report, and the team, at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from vulndesk.desk.access import can_triage
from vulndesk.desk.models import EmbargoBreak, Report
from vulndesk.desk.services import audit, deadlines
from vulndesk.desk.services.reports import lock_report
from vulndesk.desk.services.schedule import people_to_retell, schedule_release
from vulndesk.notify.models import OutboundEmail
from vulndesk.notify.outbox import AnnouncementError, queue_announcement
from vulndesk.process import embargo_break
from vulndesk.process.embargo_break import Choice, Guidance

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class EmbargoBreakError(ValueError):
    """A break that may not be recorded or decided; the message says why and what to do."""


@dataclass(frozen=True)
class Advice:
    """What the desk shows beside the decision buttons."""

    guidance: Guidance
    release_now_at: datetime


def pending(report: Report) -> EmbargoBreak | None:
    """The break still waiting for a decision, if any."""
    return report.embargo_breaks.filter(decision="").order_by("-recorded_at", "-pk").first()


def advice(report: Report, *, now: datetime | None = None) -> Advice:
    """The policy's guidance on a break of this report, and where releasing now would put the
    Release Date."""
    now = now or timezone.now()
    policy = report.project.policy()
    at = embargo_break.release_now_date(
        policy.calendar.business_calendar(), now, report.release_date
    )
    guidance = embargo_break.guidance(
        policy.distributors.embargo_break_default,
        fix_ready=report.fix_ready_at is not None or bool(report.mitigation.strip()),
        release_date=report.release_date,
        release_now_at=at,
    )
    return Advice(guidance, at)


def _name(user: User | None) -> str | None:
    return user.get_username() if user is not None else None


def _break_data(brk: EmbargoBreak) -> dict[str, Any]:
    return {
        "id": brk.pk,
        "how": brk.how,
        "by_whom": brk.by_whom,
        "source_url": brk.source_url,
        "recorded_at": brk.recorded_at,
        "recorded_by": _name(brk.recorded_by),
        "decision": brk.decision,
        "decision_reason": brk.decision_reason,
        "decided_at": brk.decided_at,
        "decided_by": _name(brk.decided_by),
        "release_date_before": brk.release_date_before,
        "release_date_after": brk.release_date_after,
    }


def breaks_data(report: Report, now: datetime) -> dict[str, Any]:
    """The breaks and the guidance as plain data: the API and the CLI's --json say the same."""
    found = advice(report, now=now)
    waiting = pending(report)
    breaks = report.embargo_breaks.select_related("recorded_by", "decided_by")
    return {
        "key": report.key,
        "release_date": report.release_date,
        "pending": waiting.pk if waiting else None,
        "guidance": {
            "default": found.guidance.default,
            "text": found.guidance.text,
            "rule_ids": list(found.guidance.rule_ids),
            "warnings": list(found.guidance.warnings),
            "release_now_at": found.release_now_at,
        },
        "breaks": [_break_data(brk) for brk in breaks.order_by("recorded_at", "pk")],
    }


def record_break(
    report: Report, *, how: str, by_whom: str, source_url: str = "", actor: User | None
) -> EmbargoBreak:
    """Someone made the embargoed report known early: who, how, and where it was seen."""
    how, by_whom, source_url = how.strip(), by_whom.strip(), source_url.strip()
    if not how:
        raise EmbargoBreakError("how: say how the embargo was broken, e.g. a vendor shipped it")
    if not by_whom:
        raise EmbargoBreakError("by_whom: say who broke it (an organisation or a person)")
    if len(by_whom) > 200:
        raise EmbargoBreakError("by_whom: at most 200 characters")
    if source_url and not source_url.startswith(("https://", "http://")):
        raise EmbargoBreakError(
            f"source_url: {source_url!r} is not an http(s) URL; leave it empty if there is none"
        )
    if actor is not None and not can_triage(actor, report):
        raise PermissionDenied("only the Fix Lead or the security team may record a break")
    with transaction.atomic():
        locked = lock_report(report)
        if not locked.is_embargoed:
            raise EmbargoBreakError(f"{locked.key} is published: there is no embargo to break")
        waiting = pending(locked)
        if waiting is not None:
            raise EmbargoBreakError(
                f"a break recorded at {waiting.recorded_at:%Y-%m-%d %H:%M} UTC awaits a "
                "decision: decide it first (release_now or keep_date), then record this one"
            )
        brk = EmbargoBreak.objects.create(
            report=locked, how=how, by_whom=by_whom, source_url=source_url, recorded_by=actor
        )
        audit.record(
            "report.embargo_broken",
            actor=actor,
            report=locked,
            data={"break": brk.pk, "how": how, "by_whom": by_whom, "source_url": source_url},
        )
    return brk


def decide(
    report: Report,
    choice: Choice,
    *,
    actor: User | None,
    reason: str,
    expected_version: int | None = None,
) -> EmbargoBreak:
    """The call on the pending break (KAR-37): `reason` is the damage assessment.

    release_now moves the Release Date up (an override of the lead times, audited by the
    planner), collapses the open deadlines and queues a notice to everyone concerned.
    """
    if choice not in embargo_break.CHOICES:
        raise EmbargoBreakError(f"choice: {choice!r} is not one of release_now, keep_date")
    if not reason.strip():
        raise EmbargoBreakError(
            "reason: assess the damage in a sentence, e.g. the patch is public on a mirror"
        )
    if actor is not None and not can_triage(actor, report):
        raise PermissionDenied("only the Fix Lead or the security team may decide a break")
    now = timezone.now()
    with transaction.atomic():
        locked = lock_report(report, expected_version)
        brk = pending(locked)
        if brk is None:
            raise EmbargoBreakError(
                f"{locked.key} has no embargo break waiting for a decision: record it first"
            )
        if choice == "release_now" and not locked.is_embargoed:
            raise EmbargoBreakError(
                f"{locked.key} is published already: there is nothing to release early; "
                "keep_date records the call"
            )
        brk.decision, brk.decision_reason = choice, reason.strip()
        brk.decided_at, brk.decided_by = now, actor
        brk.release_date_before = brk.release_date_after = locked.release_date
        if choice == "release_now":
            brk.release_date_after = advice(locked, now=now).release_now_at
        brk.save()
        if brk.release_date_after != brk.release_date_before and brk.release_date_after:
            locked = schedule_release(
                locked, brk.release_date_after, reason=f"embargo break: {brk.decision_reason}",
                actor=actor, override=True,
            )  # fmt: skip
        else:
            deadlines.refresh(locked)  # collapses what was owed ahead of the release
        queued = _tell_everyone(locked, brk) if choice == "release_now" else ([], [])
        audit.record(
            "report.embargo_break_decided",
            actor=actor,
            report=locked,
            data={
                "break": brk.pk,
                "decision": choice,
                "reason": brk.decision_reason,
                "release_date_before": _iso(brk.release_date_before),
                "release_date_after": _iso(brk.release_date_after),
                "queued": queued[0],
                "not_queued": queued[1],
            },
        )
    return brk


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _tell_everyone(report: Report, brk: EmbargoBreak) -> tuple[list[int], list[str]]:
    """Queue the notice to each organisation told of the report and to the team; one refused
    by the embargo checks is listed with why, never dropped silently."""
    policy = report.project.policy()
    after = brk.release_date_after or timezone.now()
    recipients: list[tuple[OutboundEmail.Audience, str]] = [
        (OutboundEmail.Audience.DISTRIBUTORS, r.email) for r in people_to_retell(report)
    ]
    if policy.team.email:
        recipients.append((OutboundEmail.Audience.TEAM, policy.team.email))
    queued, not_queued = [], []
    for audience, address in recipients:
        body = render_to_string(
            "notify/embargo_break.txt",
            {
                "report": report,
                "brk": brk,
                "team": policy.team.name,
                "before": brk.release_date_before,
                "after": after.astimezone(UTC),
                "after_iso": after.astimezone(UTC).isoformat(),
                # Who broke it and why is the team's to know, not every organisation's.
                "show_how": audience == OutboundEmail.Audience.TEAM,
            },
        )
        try:
            email = queue_announcement(
                report,
                kind=OutboundEmail.Kind.EMBARGO_BREAK,
                audience=audience,
                subject=f"{report.key}: embargo broken, now released at {after:%Y-%m-%d %H:%M} UTC",
                body=body,
                key=f"{report.key}:embargo_break:{brk.pk}:{address}"[:200],
                to=address,
            )
        except AnnouncementError as exc:
            not_queued.append(f"{address}: {exc}")
        else:
            queued.append(email.pk)
    return queued, not_queued
