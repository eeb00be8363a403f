from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from vulndesk.desk.access import get_report_for_user


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
