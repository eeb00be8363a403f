"""The CVSS calculator's live score: what the `cvss` library makes of a vector, never a sum
done in the browser."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from vulndesk.desk.access import can_triage, get_report_for_user
from vulndesk.process.severity import CvssError, Score, score


@dataclass(frozen=True)
class CvssPreview:
    score: Score | None = None
    error: str = ""


def preview_of(vector: str) -> CvssPreview:
    if not vector.strip():
        return CvssPreview()
    try:
        return CvssPreview(score=score(vector))
    except CvssError as exc:
        return CvssPreview(error=str(exc))


@login_required
@require_GET
@never_cache
def cvss_preview(request: HttpRequest, project: str, number: int) -> HttpResponse:
    """The calculator's score panel for `?vector=`. An unscorable vector is an answer here, not a
    failed request: the panel names the bad metric (and htmx swaps in only 2xx answers)."""
    report = get_report_for_user(request.user, project, number)
    if not can_triage(request.user, report):
        raise PermissionDenied("only those who triage this report score it")
    preview = preview_of(request.GET.get("vector", "")[:300])
    return render(request, "desk/report/cvss_preview.html", {"preview": preview})
