"""The reporter's private link: an unguessable, revocable way back to their own report."""

from __future__ import annotations

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
