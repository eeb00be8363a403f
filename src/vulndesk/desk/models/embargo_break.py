from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class EmbargoBreak(models.Model):
    """Someone made an embargoed report known before its Release Date: who, how and where it
    was seen, and then the call the Fix Lead or security team made on it (KAR-37)."""

    class Decision(models.TextChoices):
        RELEASE_NOW = "release_now", "release now"
        KEEP_DATE = "keep_date", "keep the date"

    report = models.ForeignKey(
        "desk.Report", on_delete=models.CASCADE, related_name="embargo_breaks"
    )
    how = models.TextField()
    by_whom = models.CharField(max_length=200)
    source_url = models.URLField(max_length=2000, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    # The damage assessment behind the decision (KAR-37).
    decision_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    release_date_before = models.DateTimeField(null=True, blank=True)
    release_date_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        get_latest_by = ("recorded_at", "pk")

    def __str__(self) -> str:
        return f"embargo break on report {self.report_id} at {self.recorded_at:%Y-%m-%d %H:%M}"

    @property
    def decided(self) -> bool:
        return bool(self.decision)
