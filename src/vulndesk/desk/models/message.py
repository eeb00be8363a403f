"""Mail that arrived at a project's security address, kept as it came, and reply addresses."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

# Larger messages are refused at the SMTP door (552); the same cap guards every other caller.
MAX_MESSAGE_BYTES = 10 * 1024 * 1024


class InboundMessage(models.Model):
    # Null only while the message is being turned into a report, in the same transaction.
    report = models.ForeignKey(
        "desk.Report",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbound_messages",
    )
    envelope_from = models.CharField(max_length=320, blank=True)
    envelope_to = models.CharField(max_length=320)
    subject = models.CharField(max_length=1000, blank=True)
    message_id = models.CharField(max_length=1000, blank=True, db_index=True)
    # The bytes as received, so nothing the parser misread or dropped is lost.
    raw = models.BinaryField()
    # Name, content type and size of each attachment; the files live only inside `raw`.
    attachments = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    malformed = models.BooleanField(default=False)
    problem = models.TextField(blank=True, help_text="what could not be read, when malformed")

    class Meta:
        ordering = ["received_at", "pk"]
        # The per-sender flood limit counts a sender's recent messages.
        indexes = [
            models.Index(fields=["envelope_from", "received_at"], name="desk_inbound_sender_time")
        ]

    def __str__(self) -> str:
        return f"message {self.pk} to {self.envelope_to}"


class ReplyAddress(models.Model):
    """The token in `security+<token>@…` that threads a reply onto its report.

    Separate from the reporter's private link: a reply address travels in mail headers and may
    be seen by anyone on the thread, so it may add to the report but never opens it.
    """

    report = models.ForeignKey("desk.Report", on_delete=models.CASCADE, related_name="+")
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"reply address {self.pk} of report {self.report_id}"
