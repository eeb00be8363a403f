"""Delivery on `vulndesk worker`: the request only wrote the outbox row."""

from __future__ import annotations

import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from vulndesk.desk.models import ChannelChoices, Report
from vulndesk.desk.services import audit, deadlines
from vulndesk.desk.services.fix_team_links import invitation_link_paragraph
from vulndesk.desk.services.reporter_links import issue_reporter_link
from vulndesk.notify.models import ACKNOWLEDGEMENT_DEADLINE, OutboundEmail

# Retries wait 2, 4, 8 … minutes; after the last the row keeps its error for the team to see.
MAX_ATTEMPTS = 8


@task()
def send_outbound_email(outbound_id: int) -> str:
    """Send one outbox message unless it was sent already; say what happened.

    At least once, not at most once: the row stays locked, and sent_at empty, until the SMTP
    server has accepted the message, so a worker killed mid-send leaves it to be sent again. The
    price is a rare duplicate when a worker dies between the server's "250" and the commit; a
    duplicate acknowledgement (with the same Message-ID, which mail clients fold together) costs
    the reporter a glance, while a lost one leaves them wondering whether anyone read their
    report, the very thing an acknowledgement is for.
    """
    with transaction.atomic():
        unsent = OutboundEmail.objects.filter(pk=outbound_id, sent_at=None)
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: a second worker passes over a row another is sending.
            email = unsent.select_for_update(skip_locked=True).select_related("report").first()
        else:
            email = unsent.select_related("report").first()
        if email is None:
            return "already sent"
        # The counting update is the first write: on SQLite it takes the database's write lock,
        # so a concurrent run waits here and then finds the row sent (zero rows updated).
        email.attempts += 1
        if not unsent.filter(attempts=email.attempts - 1).update(attempts=email.attempts):
            return "already sent"
        try:
            # A savepoint: a private link made for a message that was not sent is not kept.
            with transaction.atomic():
                message = _message(email)
                if _owes_private_link(email):
                    message.body += _private_link_paragraph(email.report)
                if email.kind == OutboundEmail.Kind.FIX_TEAM_INVITATION:
                    message.body += invitation_link_paragraph(email.report, email.to)
                message.send()
        except (smtplib.SMTPException, OSError) as exc:
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            email.save(update_fields=["last_error"])
            if email.attempts < MAX_ATTEMPTS:
                retry_at = timezone.now() + timedelta(minutes=2**email.attempts)
                send_outbound_email.using(run_after=retry_at).enqueue(email.pk)
            return "failed"
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["sent_at", "last_error"])
        report = email.report
        if (
            email.kind == OutboundEmail.Kind.ACKNOWLEDGEMENT
            and report.deadlines.filter(name=ACKNOWLEDGEMENT_DEADLINE, met_at=None).exists()
        ):
            deadlines.meet(report, ACKNOWLEDGEMENT_DEADLINE, actor=None, at=email.sent_at)
        audit.record(
            "mail.sent",
            actor=None,
            project=report.project,
            report=report,
            data={"outbound": email.pk, "kind": email.kind, "to": email.to},
        )
    return "sent"


def _owes_private_link(email: OutboundEmail) -> bool:
    """A reporter by mail saw no page with their private link: the acknowledgement brings one.

    The form shows it on the thank-you page and the API returns it to the importer. The link is
    made here, at sending, so its token is never stored, not even in the outbox row.
    """
    return (
        email.kind == OutboundEmail.Kind.ACKNOWLEDGEMENT
        and email.report.channel == ChannelChoices.EMAIL
        and bool(settings.BASE_URL)
    )


def _private_link_paragraph(report: Report) -> str:
    _, token = issue_reporter_link(report, actor=None)
    url = settings.BASE_URL + reverse("reporter-report", kwargs={"token": token})
    return render_to_string("notify/private_link.txt", {"url": url})


def _message(email: OutboundEmail) -> EmailMessage:
    project = email.report.project
    sender = project.security_email or settings.DEFAULT_FROM_EMAIL
    domain = sender.rpartition("@")[2] or "vulndesk.invalid"
    return EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=sender,
        to=[email.to],
        reply_to=[email.reply_to] if email.reply_to else None,
        # The same Message-ID on every attempt, so a rare second delivery reads as one message.
        headers={"Message-ID": f"<vulndesk-outbound-{email.pk}@{domain}>"},
    )
