"""The retrospective download on the report page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vulndesk.desk.access import can_read_retrospective, get_report_for_user
from vulndesk.desk.services.retrospective import retrospective_markdown


@login_required
@require_GET
@never_cache
def retrospective_download(request: HttpRequest, project: str, number: int) -> HttpResponse:
    """The report's retrospective as a Markdown file (EMI-48), written as of now."""
    report = get_report_for_user(request.user, project, number)
    if not can_read_retrospective(request.user, report):
        raise PermissionDenied("the retrospective is written by the security team and Fix Lead")
    response = HttpResponse(
        retrospective_markdown(report), content_type="text/markdown; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{report.key}-retrospective.md"'
    return response
