"""What a report owes and what happened to it: its deadlines and its audit timeline."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from vulndesk.api.auth import read_token
from vulndesk.api.detail import ProjectSlug, ReportNumber, report_for
from vulndesk.api.schemas import READ_ERRORS, AuditEventOut, DeadlineOut

router = Router(tags=["history"], auth=read_token)


@router.get(
    "/reports/{project}/{number}/deadlines", response={200: list[DeadlineOut], **READ_ERRORS}
)
def list_deadlines(request: HttpRequest, project: ProjectSlug, number: ReportNumber) -> Any:
    report = report_for(request, project, number)
    now = timezone.now()
    deadlines = report.deadlines.select_related("report").prefetch_related("pauses")
    # Those still waiting for their anchor go last, on SQLite as on PostgreSQL.
    ordered = deadlines.order_by(F("due_at").asc(nulls_last=True), "name")
    return [deadline.as_dict(now) for deadline in ordered]


@router.get("/reports/{project}/{number}/audit", response={200: list[AuditEventOut], **READ_ERRORS})
def list_audit_events(request: HttpRequest, project: ProjectSlug, number: ReportNumber) -> Any:
    """The report's timeline, oldest first, as the hash-chained audit log recorded it."""
    report = report_for(request, project, number)
    events = report.audit_events.order_by("seq")
    return [
        {
            "seq": event["seq"],
            "created_at": event["created_at"],
            "actor": event["actor_label"],
            "action": event["action"],
            "data": event["data"],
        }
        for event in events.values("seq", "created_at", "actor_label", "action", "data")
    ]
