"""Importing reports from other trackers, or filing one for a reporter from a script."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Router, Status

from vulndesk.api.auth import write_token
from vulndesk.api.detail import ProjectSlug, report_detail, token_of
from vulndesk.api.errors import ApiError, invalid_input
from vulndesk.api.schemas import WRITE_ERRORS, ImportedReport, ReportImportIn
from vulndesk.desk.access import can_file_reports, get_project_for_user
from vulndesk.desk.services.api_intake import import_report as file_imported_report

router = Router(tags=["reports"])


@router.post(
    "/projects/{slug}/reports",
    response={200: ImportedReport, 201: ImportedReport, **WRITE_ERRORS},
    auth=write_token,
)
def import_report(request: HttpRequest, payload: ReportImportIn, slug: ProjectSlug) -> Any:
    """File a report into the project (201), or find the one an earlier import of the same
    `external_ref` made (200: no new link, no second acknowledgement)."""
    user = token_of(request).user
    project = get_project_for_user(user, slug)
    if not can_file_reports(user, project):
        raise ApiError(403, "forbidden", "you may see this project but not file reports into it")
    with invalid_input():
        imported = file_imported_report(project, **payload.dict(exclude_none=True), actor=user)
    token = imported.reporter_token
    link = reverse("reporter-report", kwargs={"token": token}) if token else None
    detail = report_detail(imported.report, timezone.now())
    body = {**detail, "reporter_link": link and request.build_absolute_uri(link)}
    return Status(201 if imported.created else 200, body)
