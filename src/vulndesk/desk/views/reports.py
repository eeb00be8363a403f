from django.contrib.auth.decorators import login_required
from django.db.models import F, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from vulndesk.desk.access import get_report_for_user, reports_visible_to
from vulndesk.desk.models import Deadline, StateChoices


def next_due_at() -> Subquery:
    """A report's soonest running deadline, as `vulndesk deadlines` would list it."""
    running = Deadline.objects.running().filter(report=OuterRef("pk"))
    return Subquery(running.order_by("due_at").values("due_at")[:1])


@login_required
@never_cache
def report_list(request: HttpRequest) -> HttpResponse:
    reports = (
        reports_visible_to(request.user)
        .select_related("project")
        .annotate(next_due_at=next_due_at())
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
        for deadline in report.deadlines.prefetch_related("pauses").order_by(
            # Those still waiting for their anchor go last, on SQLite as on PostgreSQL.
            F("due_at").asc(nulls_last=True),
            "name",
        )
    ]
    events = report.audit_events.select_related("actor").order_by("seq")
    return render(
        request,
        "desk/report_detail.html",
        {
            "report": report,
            "handling": report.handling(),
            "deadlines": deadlines,
            "events": events,
        },
    )
