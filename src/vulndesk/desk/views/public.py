"""Published advisories: what anyone may read, signed in or not; nothing embargoed."""

from django.core.paginator import InvalidPage, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from vulndesk.desk.access import advisories_visible_to
from vulndesk.desk.models import Project, Report
from vulndesk.desk.services import public_advisories

PAGE_SIZE = 50


def published(request: HttpRequest, project: Project | None = None) -> QuerySet[Report]:
    """The advisories the reader may see, newest first; of one project when it is given."""
    advisories = advisories_visible_to(request.user).select_related("project")
    if project is not None:
        advisories = advisories.filter(project=project)
    return advisories.order_by("-published_at", "-pk")


def project_or_404(slug: str | None) -> Project | None:
    """Projects are public (their policies and channels are): only their reports are not."""
    return None if slug is None else get_object_or_404(Project, slug=slug)


def advisory_list(request: HttpRequest) -> HttpResponse:
    chosen = project_or_404(request.GET.get("project"))
    advisories = published(request, chosen)
    context: dict[str, object] = {"project": chosen}
    try:
        page = Paginator(advisories, PAGE_SIZE).page(request.GET.get("page", 1))
    except InvalidPage as exc:
        context["problem"] = f"page: {exc}; pages are numbered from 1"
        return render(request, "desk/advisory_list.html", context, status=400)
    return render(request, "desk/advisory_list.html", {**context, "page": page})


def _advisory(request: HttpRequest, project: str, number: int) -> Report:
    try:
        return published(request).get(project__slug=project, number=number)
    except Report.DoesNotExist:
        raise Http404("No such advisory.") from None


def advisory_detail(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = _advisory(request, project, number)
    affects = report.affects.select_related("release_line").order_by("release_line__name", "pk")
    context = {
        "report": report,
        "affects": affects,
        "downloads": public_advisories.downloads(report),
    }
    return render(request, "desk/advisory_detail.html", context)


def advisory_download(
    request: HttpRequest, project: str, number: int, filename: str
) -> HttpResponse:
    """One format of a published advisory; a record that cannot be valid yet is not offered."""
    report = _advisory(request, project, number)
    found = public_advisories.download(report, filename)
    if found is None:
        raise Http404("No such format.")
    return file_response(report, found, missing=404, disposition="inline")


def file_response(
    report: Report,
    found: public_advisories.Download,
    *,
    missing: int,
    disposition: str,
    prefix: str = "",
) -> HttpResponse:
    """The record as a file (EMISSARY-2.osv.json, after `prefix`), or as plain text with the
    status `missing`, what it lacks."""
    if not found.offered:
        reasons = "\n".join(f"- {problem}" for problem in found.problems)
        text = f"{report.key} has no {found.format.label} record yet:\n{reasons}\n"
        return HttpResponse(text, status=missing, content_type="text/plain; charset=utf-8")
    response = HttpResponse(found.body, content_type=found.format.content_type)
    name = f"{report.key}.{prefix}{found.format.suffix}"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return response


def osv_feed(request: HttpRequest, project: str | None = None) -> JsonResponse:
    """Every published advisory that has a valid OSV record, newest first."""
    chosen = project_or_404(project)
    advisories = published(request, chosen).prefetch_related("project__packages")
    records = public_advisories.osv_feed(advisories)
    return JsonResponse(records, safe=False, json_dumps_params={"ensure_ascii": False})
