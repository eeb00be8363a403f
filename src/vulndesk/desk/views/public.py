"""Published advisories: what anyone may read, signed in or not; nothing embargoed."""

from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from vulndesk.desk.access import advisories_visible_to
from vulndesk.desk.models import Report

PAGE_SIZE = 50


def advisory_list(request: HttpRequest) -> HttpResponse:
    advisories = (
        advisories_visible_to(request.user)
        .select_related("project")
        .order_by("-published_at", "-pk")
    )
    try:
        page = Paginator(advisories, PAGE_SIZE).page(request.GET.get("page", 1))
    except InvalidPage as exc:
        return render(
            request,
            "desk/advisory_list.html",
            {"problem": f"page: {exc}; pages are numbered from 1"},
            status=400,
        )
    return render(request, "desk/advisory_list.html", {"page": page})


def advisory_detail(request: HttpRequest, project: str, number: int) -> HttpResponse:
    try:
        report = (
            advisories_visible_to(request.user)
            .select_related("project")
            .get(project__slug=project, number=number)
        )
    except Report.DoesNotExist:
        raise Http404("No such advisory.") from None
    affects = report.affects.select_related("release_line").order_by("release_line__name", "pk")
    return render(request, "desk/advisory_detail.html", {"report": report, "affects": affects})
