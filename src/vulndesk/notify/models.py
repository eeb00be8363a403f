from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from vulndesk.desk.models import Report, ReporterMessage

# The deadline a sent acknowledgement meets, where the project's policy sets one.
ACKNOWLEDGEMENT_DEADLINE = "acknowledged"

# Retries wait 2, 4, 8 … minutes; after the last the row keeps its error for the team to see.
MAX_ATTEMPTS = 8


def claim_lease() -> timedelta:
    """How long a claim stands before another worker may take the message over.

    Longer than one send can take (the SMTP or webhook timeout, twice for connect and reply),
    so a live worker's claim is never taken while it is still talking to the server.
    """
    return timedelta(seconds=2 * settings.EMAIL_TIMEOUT + 60)


class OutboundEmail(models.Model):
    """One message vulndesk owes someone, by email or webhook. The request (or transition)
    writes the row; the worker sends it at `send_after`."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", "acknowledgement"
        # The team's message on the reporter's thread, mailed to the reporter.
        REPORTER_MESSAGE = "reporter_message", "message to the reporter"
        # An already-public report, to the policy's alert address at once (VIT-3, KAR-13).
        ALREADY_PUBLIC_ALERT = "already_public_alert", "already-public alert"
        # An invitation to a report's Fix Team; a report sends one per invitee.
        FIX_TEAM_INVITATION = "fix_team_invitation", "Fix Team invitation"
        # Announcements (issue 8): each kind a seed document names.
        FORTHCOMING_FIX = "forthcoming_fix", "forthcoming-fix notice"  # EMI-37, VIT-21
        DISTRIBUTOR_NOTICE = "distributor_notice", "distributor advance notice"  # KAR-33
        DISTRIBUTOR_24H_NOTICE = "distributor_24h_notice", "24-hour notice"  # KAR-43
        PRE_MERGE_NOTICE = "pre_merge_notice", "pre-merge notice"  # OEDX-20
        RELEASE = "release", "release announcement"  # EMI-44, VIT-25, KAR-44
        COURTESY_NOTICE = "courtesy_notice", "courtesy notice (main-only fix)"  # VIT-11
        UNSUPPORTED_NOTICE = "unsupported_notice", "notice for unsupported releases"  # VIT-13
        RETROSPECTIVE = "retrospective", "retrospective"  # EMI-48
        # To an organisation that has neither acknowledged nor answered a distributor notice.
        DISTRIBUTOR_REMINDER = "distributor_reminder", "reminder to a silent distributor"
        # The embargo broke and the release moved up: to everyone told of it (KAR-38).
        EMBARGO_BREAK = "embargo_break", "embargo break notice"

    class Audience(models.TextChoices):
        ANNOUNCE_LIST = "announce_list", "announce list"
        DISTRIBUTORS = "distributors", "distributors"
        TEAM = "team", "team"
        REPORTER = "reporter", "reporter"

    class Channel(models.TextChoices):
        EMAIL = "email", "email"
        # A Slack-compatible webhook: `{"text": …}` POSTed to `url`.
        WEBHOOK = "webhook", "webhook"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="outbound_emails")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    audience = models.CharField(max_length=20, choices=Audience.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    to = models.EmailField(blank=True)
    url = models.URLField(max_length=2000, blank=True, help_text="where a webhook is POSTed")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    # Where the recipient's answer goes: a reply address threads it onto the report.
    reply_to = models.EmailField(max_length=320, blank=True)
    # For a reporter message: the thread message this mails, sent once.
    message = models.OneToOneField(
        ReporterMessage, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Announcements carry the key their scheduler gives them, so scheduling twice queues once;
    # the Message-ID is derived from it. Older kinds are kept unique by the constraint below.
    idempotency_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    send_after = models.DateTimeField(default=timezone.now)
    # Committed before the worker talks to the server, cleared with sent_at in one transaction.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # For a planned announcement: the date it names (the Release Date or the planned merge).
    planned_for = models.DateTimeField(null=True, blank=True)
    # Set by the planner when that date no longer holds: the worker never sends the message and
    # nobody can send it again. `replaced_by` is the message owed for the current date, if any.
    superseded_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            # The idempotency key of the first kinds: a report is acknowledged (or alerted
            # about) once, however often intake runs; each thread message is mailed once
            # through its own key, and each Fix Team invitation once by the service that
            # makes it.
            models.UniqueConstraint(
                fields=["report", "kind"],
                condition=models.Q(kind__in=["acknowledgement", "already_public_alert"]),
                name="notify_one_email_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.state})"

    @property
    def recipient(self) -> str:
        return self.url if self.channel == self.Channel.WEBHOOK else self.to

    @property
    def is_public(self) -> bool:
        """Read by anyone: what it says must not be embargoed when it goes out."""
        return self.audience == self.Audience.ANNOUNCE_LIST

    @property
    def state(self) -> str:
        """scheduled, sending, interrupted (its worker stopped mid-send: the next worker to
        start sends it, or the team sends it again), sent, superseded (its date no longer
        holds), or failed (given up after the last retry, or refused at its time: its
        audience may not hear it, `last_error` says why)."""
        if self.sent_at is not None:
            return "sent"
        if self.superseded_at is not None:
            return "superseded"
        if self.claimed_at is not None:
            if self.claimed_at <= timezone.now() - claim_lease():
                return "interrupted"
            return "sending"
        if self.attempts >= MAX_ATTEMPTS:
            return "failed"
        return "scheduled"

    def message_id_header(self) -> str:
        """The same on every attempt, so a second delivery reads as the same message."""
        sender = self.report.project.security_email or settings.DEFAULT_FROM_EMAIL
        domain = sender.rpartition("@")[2] or "vulndesk.invalid"
        if self.idempotency_key:
            digest = hashlib.sha256(self.idempotency_key.encode()).hexdigest()[:32]
            return f"<vulndesk-{digest}@{domain}>"
        return f"<vulndesk-outbound-{self.pk}@{domain}>"


# The deadline each kind meets when the worker sends it, at the send time, where the report has
# that deadline: the step names of process/presets/*.yaml (and of Policy.steps for the
# distributors' notices). The first message of a kind sent meets it, as the first notice to a
# distributor is the advance notice (desk/services/schedule.py).
DEADLINE_MET_BY_SENDING: dict[str, str] = {
    OutboundEmail.Kind.ACKNOWLEDGEMENT: ACKNOWLEDGEMENT_DEADLINE,
    OutboundEmail.Kind.FORTHCOMING_FIX: "forthcoming_fix_announced",  # EMI-37, VIT-21
    OutboundEmail.Kind.PRE_MERGE_NOTICE: "security_announcement_posted",  # OEDX-20
    OutboundEmail.Kind.DISTRIBUTOR_NOTICE: "distributor_advance_notice",  # KAR-33, KAR-34
    OutboundEmail.Kind.DISTRIBUTOR_24H_NOTICE: "distributor_release_notice",  # KAR-43
    OutboundEmail.Kind.RETROSPECTIVE: "retrospective_sent",  # EMI-46, EMI-48
}


class AnnouncementTemplate(models.Model):
    """A project's own text for one kind of announcement, in place of the default shipped."""

    project = models.ForeignKey(
        "desk.Project", on_delete=models.CASCADE, related_name="announcement_templates"
    )
    kind = models.CharField(max_length=40, choices=OutboundEmail.Kind.choices)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "kind"], name="notify_one_template_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.kind} template"
