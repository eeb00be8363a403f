"""The team's discussion of a report: Markdown, stored as written, rendered sanitised."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Comment(models.Model):
    report = models.ForeignKey("desk.Report", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["report", "created_at"], name="desk_comment_report_time")]

    def __str__(self) -> str:
        return f"comment {self.pk} on report {self.report_id}"
