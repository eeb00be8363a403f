"""The report list: the filters and search the API shares, over what the user may see."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import InvalidPage, Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from vulndesk.desk.access import reports_visible_to
from vulndesk.desk.models import Deadline, Project, SeverityChoices, StateChoices
from vulndesk.desk.search import ReportFilters, filter_reports

PAGE_SIZE = 50
YES_NO = {"yes": True, "true": True, "no": False, "false": False}
MAX_QUERY_LENGTH = 500


def next_due_at() -> Subquery:
    """A report's soonest running deadline, as `vulndesk deadlines` would list it."""
    running = Deadline.objects.running().filter(report=OuterRef("pk"))
    return Subquery(running.order_by("due_at").values("due_at")[:1])


def read_filters(query: QueryDict, projects: set[str]) -> tuple[ReportFilters, dict[str, str]]:
    """The filters as asked, and each value that cannot be used, by field, with what fits."""
    problems: dict[str, str] = {}
    flags: dict[str, bool | None] = {}
    for name in ("embargoed", "overdue"):
        value = query.get(name, "").lower()
        flags[name] = YES_NO.get(value)
        if value and value not in YES_NO:
            problems[name] = "expected yes or no"
    project = query.get("project") or None
    # Only projects of reports the user sees are named, so the answer tells nothing new.
    if project is not None and project not in projects:
        problems["project"] = "expected the slug of a project of a report you can see"
    q = query.get("q", "")
    if len(q) > MAX_QUERY_LENGTH:
        problems["q"] = f"search for at most {MAX_QUERY_LENGTH} characters"
        q = ""
    filters = ReportFilters(
        state=query.get("state") or None,
        severity=query.get("severity") or None,
        project=project,
        embargoed=flags["embargoed"],
        overdue=flags["overdue"],
        q=q,
    )
    return filters, {**filters.problems(), **problems}


@login_required
@never_cache
def report_list(request: HttpRequest) -> HttpResponse:
    visible = reports_visible_to(request.user)
    projects = Project.objects.filter(pk__in=visible.values("project_id")).order_by("slug")
    filters, problems = read_filters(request.GET, {p.slug for p in projects})
    reports = (
        filter_reports(visible, filters, timezone.now())
        .select_related("project")
        .annotate(next_due_at=next_due_at())
        .order_by("-received_at", "-pk")
    )
    page = None
    if not problems:
        try:
            page = Paginator(reports, PAGE_SIZE).page(request.GET.get("page", 1))
        except InvalidPage as exc:
            problems["page"] = f"{exc}; pages are numbered from 1"
    context = {
        "page": page,
        "problems": problems,
        "filters": filters,
        "projects": projects,
        "states": StateChoices.choices,
        "severities": SeverityChoices.choices,
    }
    return render(request, "desk/report_list.html", context, status=400 if problems else 200)
