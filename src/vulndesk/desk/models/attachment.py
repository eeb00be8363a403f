"""Files reporters sent (through the form, the private link or mail), and form submissions."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone


def attachments_dir() -> Path:
    """Outside every static and media root: attachments are never served publicly."""
    return Path(settings.DATA_DIR) / "attachments"


class Attachment(models.Model):
    report = models.ForeignKey("desk.Report", on_delete=models.PROTECT, related_name="attachments")
    # The thread message it came with; None for files sent with the report itself.
    message = models.ForeignKey(
        "desk.ReporterMessage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
    )
    original_filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, help_text="as sniffed from the content")
    size = models.PositiveBigIntegerField()
    # The content's SHA-256 names the stored file, so the same file sent twice is kept once.
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.original_filename} ({self.size} bytes) on report {self.report_id}"

    @property
    def path(self) -> Path:
        return attachments_dir() / self.sha256


class FormSubmission(models.Model):
    """One report filed through the public form, for the per-address rate limit."""

    report = models.OneToOneField(
        "desk.Report", on_delete=models.CASCADE, related_name="form_submission"
    )
    client_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"form submission of report {self.report_id}"
