"""The audit log: append-only rows, each carrying the hash of the one before it.

Editing a row breaks its own hash; deleting one leaves a gap in `seq` and a `prev_hash` that
points nowhere; deleting the newest rows leaves the chain head pointing past the end. Only
`vulndesk.desk.services.audit.record` adds rows.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import models

from vulndesk.desk.models.project import Project
from vulndesk.desk.models.report import Report

GENESIS_HASH = "0" * 64


class AppendOnlyError(RuntimeError):
    pass


def chain_hash(
    *,
    seq: int,
    created_at: datetime,
    actor_label: str,
    project_id: int | None,
    report_id: int | None,
    action: str,
    data: Any,
    prev_hash: str,
) -> str:
    payload = {
        "seq": seq,
        "created_at": created_at.astimezone(UTC).isoformat(),
        "actor_label": actor_label,
        "project": project_id,
        "report": report_id,
        "action": action,
        "data": data,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events cannot be changed")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events cannot be changed")

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[AuditEvent]:
        raise AppendOnlyError("audit events are added one at a time by services.audit.record()")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(unique=True)
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    # The hash covers the label, not the user id, so deleting a user keeps the chain valid.
    actor_label = models.CharField(max_length=150)
    # PROTECT: the hash covers these ids, and history outlives nothing it describes.
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    action = models.CharField(max_length=100)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["report", "seq"], name="desk_audit_report_seq"),
            models.Index(fields=["project", "seq"], name="desk_audit_project_seq"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.actor_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"audit event #{self.seq} cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"audit event #{self.seq} cannot be deleted")

    def compute_hash(self) -> str:
        return chain_hash(
            seq=self.seq,
            created_at=self.created_at,
            actor_label=self.actor_label,
            project_id=self.project_id,
            report_id=self.report_id,
            action=self.action,
            data=self.data,
            prev_hash=self.prev_hash,
        )


class AuditChainHead(models.Model):
    """The one row writers lock to take the next `seq`; it also remembers the newest hash."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"audit chain head at #{self.last_seq}"
