"""Delivery on `vulndesk worker`: the request only wrote the outbox row.

A send runs in two committed steps around the conversation with the server:

1. claim: `attempts` + 1 and `claimed_at`, committed before any byte goes to the server, so a
   worker killed mid-send leaves a trace, and a message that kills its worker every time still
   runs out of attempts;
2. after the server's "250" (or the webhook's 2xx), and before the SMTP QUIT, `sent_at` is set
   and the claim released in one transaction.

A claim older than `claim_lease()` was left by a dead worker: the message is sent again, since
the server never acknowledged it as far as vulndesk knows. That is exact for a worker killed
before the server's reply; the one window left is a kill after the server's "250" and before
step 2 commits (one UPDATE, no network round trip). SMTP has no way to ask a server whether it
holds a message, so a message caught there is sent a second time, with the same Message-ID,
which mail clients fold together. Losing an announcement would be worse than a duplicate.
"""

from __future__ import annotations

import contextlib
import json
import smtplib
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from vulndesk.desk.models import ChannelChoices, Report
from vulndesk.desk.services import audit, deadlines
from vulndesk.desk.services.fix_team_links import invitation_link_paragraph
from vulndesk.desk.services.reporter_links import issue_reporter_link
from vulndesk.notify.embargo import embargo_refusal
from vulndesk.notify.models import (
    DEADLINE_MET_BY_SENDING,
    MAX_ATTEMPTS,
    OutboundEmail,
    claim_lease,
)


@task()
def send_outbound_email(outbound_id: int) -> str:
    """Send one outbox message at its time unless it was sent already; say what happened."""
    claimed = _claim(outbound_id)
    if isinstance(claimed, str):
        return claimed
    email = claimed
    connection = get_connection() if email.channel == OutboundEmail.Channel.EMAIL else None
    try:
        # A private link made for a message not sent is not kept. Nothing else is written
        # before the send, so SQLite's write lock is not held while the server answers.
        with transaction.atomic():
            if connection is None:
                _post_webhook(email)
            else:
                _send_mail(email, connection)
            _mark_sent(email)
    except (smtplib.SMTPException, OSError) as exc:
        _record_failure(email, f"{type(exc).__name__}: {exc}")
        return "failed"
    finally:
        if connection is not None:
            # After the commit: the QUIT round trip is outside the window of step 2.
            with contextlib.suppress(smtplib.SMTPException, OSError):
                connection.close()
    return "sent"


def _claim(outbound_id: int) -> OutboundEmail | str:
    """Step 1, committed; or why there is nothing to send now."""
    now = timezone.now()
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_related("report__project").filter(pk=outbound_id).first()
        )
        if email is None:
            return "gone"
        if email.sent_at is not None:
            return "already sent"
        if email.superseded_at is not None:
            return "superseded"
        if email.send_after > now:
            # Enqueued early (by recovery, or before the date moved): wait for its time.
            send_outbound_email.using(run_after=email.send_after).enqueue(email.pk)
            return "scheduled"
        if email.claimed_at is not None and email.claimed_at > now - claim_lease():
            # Another worker is sending it; should it die, this run takes over at the lease.
            send_outbound_email.using(run_after=email.claimed_at + claim_lease()).enqueue(email.pk)
            return "being sent by another worker"
        interrupted = email.claimed_at is not None
        if email.attempts >= MAX_ATTEMPTS:
            if interrupted:
                _record_failure(email, "the worker stopped while sending the last attempt")
            return "failed"
        refusal = embargo_refusal(email, at=now)
        if refusal:
            return _hold(email, refusal, now=now)
        # Compare-and-set on (attempts, claimed_at): of two workers, one claims; and none
        # claims a message the planner superseded meanwhile.
        taken = OutboundEmail.objects.filter(
            pk=email.pk,
            sent_at=None,
            superseded_at=None,
            attempts=email.attempts,
            claimed_at=email.claimed_at,
        ).update(
            attempts=F("attempts") + 1,
            claimed_at=now,
            last_error="the worker stopped while sending; sent again" if interrupted else "",
        )
        if not taken:
            return "claimed by another worker, or superseded"
    email.attempts += 1
    email.claimed_at = now
    return email


def _hold(email: OutboundEmail, reason: str, *, now: datetime) -> str:
    """Keep a public message back until the Release Date, without spending an attempt; refuse
    for good what time does not resolve.

    Only a public audience waits for a Release Date still ahead. A distributor not bound by the
    current terms stays unbound whatever the hour: its message ends refused with the reason,
    shown on the desk and sent again by hand once the terms are accepted, and never goes out by
    itself (were it re-queued for a Release Date already past, it would run again at once,
    forever, and go out stale once the report is published).
    """
    email.last_error = reason
    release_date = email.report.release_date
    if email.is_public:
        email.save(update_fields=["last_error"])
        if release_date is not None and release_date > now:
            send_outbound_email.using(run_after=release_date).enqueue(email.pk)
        return "held"
    email.attempts = MAX_ATTEMPTS
    email.save(update_fields=["last_error", "attempts"])
    report = email.report
    audit.record(
        "mail.refused",
        actor=None,
        project=report.project,
        report=report,
        data={"outbound": email.pk, "kind": email.kind, "error": reason},
    )
    return "refused"


def _send_mail(email: OutboundEmail, connection: BaseEmailBackend) -> None:
    message = _message(email, connection)
    if _owes_private_link(email):
        message.body += _private_link_paragraph(email.report)
    if email.kind == OutboundEmail.Kind.FIX_TEAM_INVITATION:
        message.body += invitation_link_paragraph(email.report, email.to)
    # Opened here, so send_messages leaves it open and the QUIT waits for the commit.
    connection.open()
    message.send()


def _post_webhook(email: OutboundEmail) -> None:
    """A Slack-compatible webhook: one JSON object whose `text` is the whole message."""
    payload = json.dumps({"text": f"{email.subject}\n\n{email.body}"}).encode()
    request = urllib.request.Request(  # noqa: S310 (http/https only: checked when queued)
        email.url, data=payload, headers={"Content-Type": "application/json"}, method="POST"
    )
    # An answer outside 2xx raises HTTPError, an OSError.
    with urllib.request.urlopen(request, timeout=settings.EMAIL_TIMEOUT) as response:  # noqa: S310
        response.read()


def _mark_sent(email: OutboundEmail) -> None:
    """Step 2, in the transaction that commits right after the server's acceptance."""
    email.sent_at = timezone.now()
    email.claimed_at = None
    email.last_error = ""
    email.save(update_fields=["sent_at", "claimed_at", "last_error"])
    report = email.report
    step = DEADLINE_MET_BY_SENDING.get(email.kind)
    if step is not None and report.deadlines.filter(name=step, met_at=None).exists():
        # Another worker sending a message of the same kind may have met it since: meet()
        # refuses then, in its own savepoint, and this send stands.
        with contextlib.suppress(deadlines.DeadlineError):
            deadlines.meet(report, step, actor=None, at=email.sent_at)
    audit.record(
        "mail.sent",
        actor=None,
        project=report.project,
        report=report,
        data={
            "outbound": email.pk,
            "kind": email.kind,
            "to": email.recipient,
            "channel": email.channel,
        },
    )


def _record_failure(email: OutboundEmail, error: str) -> None:
    """Keep the error for the desk, release the claim and retry with backoff until the last."""
    with transaction.atomic():
        email.last_error = error[:2000]
        email.claimed_at = None
        email.save(update_fields=["last_error", "claimed_at"])
        if email.attempts < MAX_ATTEMPTS:
            retry_at = timezone.now() + timedelta(minutes=2**email.attempts)
            send_outbound_email.using(run_after=retry_at).enqueue(email.pk)
        else:
            report = email.report
            audit.record(
                "mail.failed",
                actor=None,
                project=report.project,
                report=report,
                data={"outbound": email.pk, "kind": email.kind, "error": email.last_error},
            )


def recover_interrupted() -> int:
    """Enqueue again each unsent message whose delivery task a killed worker left "running".

    The task queue never runs a task again once a worker claimed it, so without this a message
    whose worker died would wait forever. Messages that still have a task waiting are left be;
    a second task for one message is harmless anyway (it finds the message sent or claimed).
    Returns how many were enqueued.
    """
    waiting = {
        result.args_kwargs["args"][0]
        for result in DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=send_outbound_email.module_path
        ).only("args_kwargs")
    }
    recovered = 0
    unsent = OutboundEmail.objects.filter(sent_at=None, superseded_at=None).exclude(pk__in=waiting)
    for email in unsent.only("pk", "send_after", "claimed_at", "attempts"):
        if email.claimed_at is None and email.attempts >= MAX_ATTEMPTS:
            continue  # given up: the desk shows it, and a re-send starts it again
        run_after: datetime = email.send_after
        if email.claimed_at is not None:
            run_after = max(run_after, email.claimed_at + claim_lease())
        send_outbound_email.using(run_after=run_after).enqueue(email.pk)
        recovered += 1
    return recovered


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


def _message(email: OutboundEmail, connection: BaseEmailBackend) -> EmailMessage:
    project = email.report.project
    return EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=project.security_email or settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        reply_to=[email.reply_to] if email.reply_to else None,
        connection=connection,
        headers={"Message-ID": email.message_id_header()},
    )
