from django.contrib.auth.decorators import login_required
from django.db.models import Min, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from vulndesk.desk.access import get_report_for_user, reports_visible_to
from vulndesk.desk.models import StateChoices


@login_required
@never_cache
def report_list(request: HttpRequest) -> HttpResponse:
    reports = (
        reports_visible_to(request.user)
        .select_related("project")
        .annotate(next_due_at=Min("deadlines__due_at", filter=Q(deadlines__met_at__isnull=True)))
        .order_by("-received_at", "-pk")
    )
    if (state := request.GET.get("state")) in StateChoices.values:
        reports = reports.filter(state=state)
    return render(request, "desk/report_list.html", {"reports": reports[:500]})


@login_required
@never_cache
def report_detail(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = get_report_for_user(request.user, project, number)
    now = timezone.now()
    deadlines = [
        (deadline, deadline.status(now))
        for deadline in report.deadlines.prefetch_related("pauses").order_by("due_at", "name")
    ]
    events = report.audit_events.select_related("actor").order_by("seq")
    return render(
        request,
        "desk/report_detail.html",
        {"report": report, "deadlines": deadlines, "events": events},
    )
