"""The report page's Advisory section and its downloads: the advisory in each format for those
who may view the report, a draft while it is embargoed, and what a format still lacks."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from vulndesk.desk.access import get_report_for_user
from vulndesk.desk.models import Report
from vulndesk.desk.services.public_advisories import Download, downloads
from vulndesk.desk.services.public_advisories import download as find_download
from vulndesk.desk.views.public import file_response


@dataclass(frozen=True)
class AdvisorySection:
    downloads: list[Download]
    draft: bool  # not published: what the team downloads is not public yet


def advisory_section(report: Report) -> AdvisorySection:
    """Only for a page the user may see: `report` came through the access helper."""
    return AdvisorySection(downloads(report), draft=report.published_at is None)


@login_required
@never_cache
def advisory_download(
    request: HttpRequest, project: str, number: int, filename: str
) -> HttpResponse:
    """One format of the report's advisory, embargoed or not, to those who may view the report;
    a format that cannot be valid yet is a 409 listing what it lacks."""
    report = get_report_for_user(request.user, project, number)
    found = find_download(report, filename)
    if found is None:
        raise Http404("No such format.")
    draft = "draft." if report.published_at is None else ""
    return file_response(report, found, missing=409, disposition="attachment", prefix=draft)
