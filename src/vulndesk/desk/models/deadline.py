"""Deadlines as rows: materialised from the pure `compute_deadlines` so due ones can be queried."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models

from vulndesk.desk.models.report import Report
from vulndesk.process.deadlines import Miss, Pause, Status, miss_of, status_at
from vulndesk.process.lifecycle import CONCLUDED


class DeadlineQuerySet(models.QuerySet["Deadline"]):
    def running(self) -> DeadlineQuerySet:
        """Deadlines whose clock runs: dated, not met, not paused, of a report still open."""
        paused = DeadlinePause.objects.filter(deadline=models.OuterRef("pk"), ended_at=None)
        return (
            self.filter(met_at=None, due_at__isnull=False)
            .exclude(report__state__in=CONCLUDED)
            .exclude(models.Exists(paused))
        )

    def due_by(self, moment: datetime) -> DeadlineQuerySet:
        """Running deadlines due by `moment`, overdue ones included, soonest first."""
        return self.running().filter(due_at__lte=moment).order_by("due_at", "report_id", "name")

    def listing(self) -> models.QuerySet[Deadline, Mapping[str, Any]]:
        """The columns a list of deadlines shows, as plain rows: a list of thousands stays cheap."""
        return self.values(
            "pk",
            "name",
            "rule_id",
            "due_at",
            "asap",
            "report__number",
            "report__project__slug",
        )


class Deadline(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="deadlines")
    name = models.CharField(max_length=100)
    rule_id = models.CharField(max_length=20, blank=True)
    quote = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    opens_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    asap = models.BooleanField(default=False)
    # Advisory deadlines warn when missed; the others block (EMI-12, KAR-17).
    advisory = models.BooleanField(default=True)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "name"], name="desk_deadline_unique_name")
        ]
        indexes = [models.Index(fields=["met_at", "due_at"], name="desk_deadline_open_due")]

    def __str__(self) -> str:
        return f"{self.name} ({self.rule_id})"

    def status(self, now: datetime) -> Status:
        """As `compute_deadlines` would say at `now`; prefetch `pauses` when listing many."""
        pauses = [Pause(p.started_at, p.ended_at) for p in self.pauses.all()]
        concluded = self.report.current_state in CONCLUDED
        return status_at(self.due_at, self.met_at, pauses, now, concluded=concluded)

    @property
    def miss(self) -> Miss | None:
        return miss_of(self.due_at, self.opens_at, self.met_at)

    def as_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "name": self.name,
            "rule": self.rule_id,
            "quote": self.quote,
            "due_at": self.due_at,
            "opens_at": self.opens_at,
            "met_at": self.met_at,
            "asap": self.asap,
            "advisory": self.advisory,
            "status": self.status(now),
            "miss": self.miss,
        }


class DeadlinePause(models.Model):
    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"pause of {self.deadline.name} from {self.started_at:%Y-%m-%d %H:%M}"
