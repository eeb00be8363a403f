"""The reporter's side: a private link back to their report, and the thread with the team."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ReporterLinkQuerySet(models.QuerySet["ReporterLink"]):
    def live(self) -> ReporterLinkQuerySet:
        return self.filter(revoked_at__isnull=True)


class ReporterLink(models.Model):
    report = models.ForeignKey(
        "desk.Report", on_delete=models.CASCADE, related_name="reporter_links"
    )
    # Only the SHA-256 of the token is kept; the token itself is given to the reporter once.
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ReporterLinkQuerySet.as_manager()

    def __str__(self) -> str:
        return f"reporter link {self.pk} of report {self.report_id}"


class ReporterMessage(models.Model):
    """One message of the thread between the reporter and the team; both sides see all of it.

    The team's own discussion is `Comment`, which the reporter never sees.
    """

    class Via(models.TextChoices):
        LINK = "link", "private link"
        MAIL = "mail"
        DESK = "desk"

    report = models.ForeignKey(
        "desk.Report", on_delete=models.CASCADE, related_name="reporter_messages"
    )
    from_reporter = models.BooleanField()
    # The team member who wrote it; None for the reporter's own messages.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body = models.TextField(help_text="Markdown, stored as written")
    via = models.CharField(max_length=10, choices=Via.choices)
    # The mail it came in, for a reply that threaded onto the report.
    inbound_message = models.OneToOneField(
        "desk.InboundMessage", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["report", "created_at"], name="desk_reportermsg_report_time")
        ]

    def __str__(self) -> str:
        side = "reporter" if self.from_reporter else "team"
        return f"message {self.pk} from the {side} on report {self.report_id}"
