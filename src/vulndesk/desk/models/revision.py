"""The later revisions of a published advisory: revision 1 is the publication itself.

Revision 1 is not stored: it is the report's `published_at` with the summary "Published." (so
reports published or imported before revisions existed need no data migration). Each row is a
later change (a revision noted by the team, or the withdrawal), numbered from 2.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AdvisoryRevision(models.Model):
    report = models.ForeignKey(
        "desk.Report", on_delete=models.CASCADE, related_name="advisory_revisions"
    )
    number = models.PositiveIntegerField()
    made_at = models.DateTimeField(default=timezone.now)
    summary = models.TextField()
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="advisory_revisions",
    )

    class Meta:
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "number"], name="desk_advisoryrevision_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=2), name="desk_advisoryrevision_after_first"
            ),
        ]

    def __str__(self) -> str:
        return f"revision {self.number} of report {self.report_id}"
