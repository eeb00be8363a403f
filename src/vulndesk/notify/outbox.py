"""Record the messages a report is owed; `notify.tasks` delivers them on the worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from vulndesk.desk.models import Deadline, FixTeamMember, Report, ReporterMessage
from vulndesk.desk.services import audit
from vulndesk.notify.embargo import embargo_refusal
from vulndesk.notify.models import ACKNOWLEDGEMENT_DEADLINE, OutboundEmail, claim_lease
from vulndesk.notify.tasks import send_outbound_email

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class NextStep:
    label: str
    due_at: datetime


def queue_acknowledgement(report: Report, *, reply_to: str) -> OutboundEmail | None:
    """Owe the reporter an acknowledgement, sent by the worker to `reporter_email`.

    Replies to it go to `reply_to` (a reply address of the report). Nothing is owed to a report
    without a reporter address, and a report is acknowledged once however often this is called.
    Call it in the transaction that creates the report.
    """
    if not report.reporter_email:
        return None
    with transaction.atomic():
        email, created = OutboundEmail.objects.get_or_create(
            report=report,
            kind=OutboundEmail.Kind.ACKNOWLEDGEMENT,
            defaults={
                "audience": OutboundEmail.Audience.REPORTER,
                "to": report.reporter_email,
                "subject": f"{report.key}: we have received your report",
                "body": _acknowledgement_body(report),
                "reply_to": reply_to,
            },
        )
        if created:
            # The database queue commits with this transaction, so the task exists exactly if
            # the row does (and the row exactly if the report does): no crash between a commit
            # and an on_commit hook can leave an acknowledgement that nobody will send.
            send_outbound_email.enqueue(email.pk)
    return email


def queue_reporter_message(message: ReporterMessage, *, reply_to: str) -> OutboundEmail | None:
    """Mail the team's thread message to the reporter, once; nothing without their address.

    Call it in the transaction that stores the message.
    """
    report = message.report
    if not report.reporter_email:
        return None
    with transaction.atomic():
        email, created = OutboundEmail.objects.get_or_create(
            message=message,
            defaults={
                "report": report,
                "kind": OutboundEmail.Kind.REPORTER_MESSAGE,
                "audience": OutboundEmail.Audience.REPORTER,
                "to": report.reporter_email,
                "subject": f"{report.key}: a message from the {_team(report)}",
                "body": render_to_string(
                    "notify/reporter_message.txt",
                    {"report": report, "message": message, "team": _team(report)},
                ),
                "reply_to": reply_to,
            },
        )
        if created:
            send_outbound_email.enqueue(email.pk)
    return email


def _team(report: Report) -> str:
    return report.project.policy().team.name


def _acknowledgement_body(report: Report) -> str:
    running = (
        Deadline.objects.running()
        .filter(report=report)
        .exclude(name=ACKNOWLEDGEMENT_DEADLINE)
        .order_by("due_at")
        .first()
    )
    next_step = None
    if running is not None and running.due_at is not None:
        next_step = NextStep(running.name.replace("_", " "), running.due_at)
    return render_to_string(
        "notify/acknowledgement.txt",
        {"report": report, "team": _team(report), "next_step": next_step},
    )


def queue_already_public_alert(report: Report) -> OutboundEmail | None:
    """Alert the policy's list at once that a report is already public (EMI-4, VIT-3, KAR-13).

    Once per report, however often a report is recorded as public; nothing when the policy
    names no alert address. Call it in the transaction that records the report as public.
    """
    policy = report.project.policy()
    alert_to = policy.intake.already_public_alert
    if not alert_to:
        return None
    threshold = policy.public_disclosure.asap_if_cvss_at_least
    with transaction.atomic():
        email, created = OutboundEmail.objects.get_or_create(
            report=report,
            kind=OutboundEmail.Kind.ALREADY_PUBLIC_ALERT,
            message=None,
            defaults={
                "audience": OutboundEmail.Audience.TEAM,
                "to": alert_to,
                "subject": f"{report.key} is already public: {report.title}"[:300],
                "body": render_to_string(
                    "notify/already_public_alert.txt",
                    {
                        "report": report,
                        "team": policy.team.name,
                        "base_url": settings.BASE_URL,
                        "threshold": threshold,
                        "asap": threshold is not None
                        and report.base_score is not None
                        and report.base_score >= threshold,
                    },
                ),
            },
        )
        if created:
            send_outbound_email.enqueue(email.pk)
    return email


def queue_fix_team_invitation(invitation: FixTeamMember) -> OutboundEmail | None:
    """Mail an invitation to a report's Fix Team; nothing for a user without an address.

    The mail names the report's key, not its title: the invitee sees nothing before accepting.
    An invitation by email gets its one-time link from the worker, when it sends the mail, so
    the raw token is never stored. Call it in the transaction that makes the invitation.
    """
    to = invitation.user.email if invitation.user else invitation.invited_email
    if not to:
        return None
    report = invitation.report
    inviter = invitation.invited_by.get_username() if invitation.invited_by else _team(report)
    accept_path = reverse(
        "report-fix-team-accept", kwargs={"project": report.project.slug, "number": report.number}
    )
    with transaction.atomic():
        email = OutboundEmail.objects.create(
            report=report,
            kind=OutboundEmail.Kind.FIX_TEAM_INVITATION,
            audience=OutboundEmail.Audience.TEAM,
            to=to,
            subject=f"{report.key}: you are invited to its Fix Team",
            body=render_to_string(
                "notify/fix_team_invitation.txt",
                {
                    "report": report,
                    "team": _team(report),
                    "inviter": inviter,
                    "by_email": invitation.user is None,
                    "accept_url": settings.BASE_URL + accept_path,
                },
            ),
        )
        send_outbound_email.enqueue(email.pk)
    return email


class AnnouncementError(ValueError):
    """An announcement that may not be queued; the message says why and what to change."""


def queue_announcement(
    report: Report,
    *,
    kind: OutboundEmail.Kind,
    audience: OutboundEmail.Audience,
    subject: str,
    body: str,
    key: str,
    send_after: datetime | None = None,
    to: str = "",
    url: str = "",
    planned_for: datetime | None = None,
) -> OutboundEmail:
    """Owe one announcement, by email to `to` or by webhook to `url`, sent at `send_after`;
    `planned_for` is the date it names, when the planner planned it for one.

    `key` is the idempotency key: queueing again with the same key returns the message already
    owed and queues nothing. A public audience is refused while the report is embargoed and
    the time is before its Release Date; a distributor without the current embargo terms is
    refused anything embargoed. The worker checks both again when it sends.
    """
    if bool(to) == bool(url):
        raise AnnouncementError("give exactly one of to (an email address) or url (a webhook)")
    if url and not url.startswith(("https://", "http://")):
        raise AnnouncementError(f"url: {url!r} is not an http(s) URL; webhooks are POSTed")
    email = OutboundEmail(
        report=report,
        kind=kind,
        audience=audience,
        channel=OutboundEmail.Channel.WEBHOOK if url else OutboundEmail.Channel.EMAIL,
        to=to,
        url=url,
        subject=subject[:300],
        body=body,
        idempotency_key=key,
        send_after=send_after or timezone.now(),
        planned_for=planned_for,
    )
    refusal = embargo_refusal(email, at=email.send_after)
    if refusal:
        raise AnnouncementError(refusal)
    with transaction.atomic():
        existing = OutboundEmail.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                email.save()
        except IntegrityError:
            # Queued at the same moment by another request: theirs is the one owed.
            return OutboundEmail.objects.get(idempotency_key=key)
        send_outbound_email.using(run_after=email.send_after).enqueue(email.pk)
    return email


def resend(email: OutboundEmail, *, actor: User | None) -> OutboundEmail:
    """Send again a message the worker gave up on (or is still retrying): its attempts start
    over and it is enqueued now, or at its time if that is still ahead.

    Refused for a message already sent, and for one whose audience may not hear it now.
    """
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().select_related("report").get(pk=email.pk)
        if email.sent_at is not None:
            raise AnnouncementError(
                f"message {email.pk} was sent at {email.sent_at:%Y-%m-%d %H:%M} UTC; "
                "nothing to send again"
            )
        if email.superseded_at is not None:
            raise AnnouncementError(
                f"message {email.pk} was planned for a date that no longer holds, and the "
                "message owed for the current one replaces it: nothing to send again"
            )
        if email.claimed_at is not None and email.claimed_at > timezone.now() - claim_lease():
            raise AnnouncementError(
                f"message {email.pk} is being sent by a worker now; if that worker stopped, it "
                f"is sent again after {email.claimed_at + claim_lease():%Y-%m-%d %H:%M} UTC"
            )
        refusal = embargo_refusal(email, at=max(timezone.now(), email.send_after))
        if refusal:
            raise AnnouncementError(refusal)
        previous = (email.attempts, email.last_error)
        email.attempts, email.last_error, email.claimed_at = 0, "", None
        email.save(update_fields=["attempts", "last_error", "claimed_at"])
        send_outbound_email.using(run_after=email.send_after).enqueue(email.pk)
        audit.record(
            "mail.resent",
            actor=actor,
            project=email.report.project,
            report=email.report,
            data={
                "outbound": email.pk,
                "kind": email.kind,
                "attempts": previous[0],
                "last_error": previous[1],
            },
        )
    return email
