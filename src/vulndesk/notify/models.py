from __future__ import annotations

from django.db import models

from vulndesk.desk.models import Report, ReporterMessage

# The deadline a sent acknowledgement meets, where the project's policy sets one.
ACKNOWLEDGEMENT_DEADLINE = "acknowledged"


class OutboundEmail(models.Model):
    """One message vulndesk owes someone. The request writes the row; the worker sends it."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", "acknowledgement"
        # The team's message on the reporter's thread, mailed to the reporter.
        REPORTER_MESSAGE = "reporter_message", "message to the reporter"
        # An already-public report, to the policy's alert address at once (VIT-3, KAR-13).
        ALREADY_PUBLIC_ALERT = "already_public_alert", "already-public alert"
        # An invitation to a report's Fix Team; a report sends one per invitee.
        FIX_TEAM_INVITATION = "fix_team_invitation", "Fix Team invitation"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="outbound_emails")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    # Where the recipient's answer goes: a reply address threads it onto the report.
    reply_to = models.EmailField(max_length=320, blank=True)
    # For a reporter message: the thread message this mails, sent once.
    message = models.OneToOneField(
        ReporterMessage, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            # The idempotency key: a report is acknowledged (or alerted about) once, however
            # often intake runs; each thread message is mailed once through its own key, and
            # each Fix Team invitation once by the service that makes it.
            models.UniqueConstraint(
                fields=["report", "kind"],
                condition=models.Q(message__isnull=True) & ~models.Q(kind="fix_team_invitation"),
                name="notify_one_email_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({'sent' if self.sent_at else 'unsent'})"
