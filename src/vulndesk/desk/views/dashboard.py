"""My work: the deadlines that run on the reports I see, the reports I fix, and the totals."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from vulndesk.desk.access import notices_visible_to, reports_visible_to
from vulndesk.desk.models import Deadline, FixTeamMember, Report, SeverityChoices, StateChoices
from vulndesk.desk.views.common import acting_user
from vulndesk.process.lifecycle import CONCLUDED

MAX_DEADLINES = 100
UNSCORED = "unscored"


def my_fixes(user_id: int, visible: QuerySet[Report]) -> QuerySet[Report]:
    """Open reports the user leads or is on the active Fix Team of."""
    on_team = FixTeamMember.objects.active().filter(user_id=user_id).values("report_id")
    return (
        visible.filter(Q(fix_lead_id=user_id) | Q(pk__in=on_team))
        .exclude(state__in=CONCLUDED)
        .select_related("project")
        .order_by("-received_at", "-pk")
    )


def counts_by_state_and_severity(visible: QuerySet[Report]) -> dict[str, Any]:
    """A table of visible reports: a row per state that has any, a column per severity band."""
    severity = Coalesce(NullIf(F("severity_override"), Value("")), NullIf(F("severity"), Value("")))
    counts = {
        (row["state"], row["band"] or UNSCORED): row["n"]
        for row in visible.order_by()
        .annotate(band=severity)
        .values("state", "band")
        .annotate(n=Count("pk"))
    }
    columns = [*SeverityChoices.values[::-1], UNSCORED]
    rows = [
        (label, [counts.get((state, column), 0) for column in columns])
        for state, label in StateChoices.choices
        if any(counts.get((state, column)) for column in columns)
    ]
    return {"columns": columns, "rows": rows, "total": sum(counts.values())}


@login_required
@never_cache
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    user_id = acting_user(request).pk
    visible = reports_visible_to(request.user)
    # Ordered by due date, the overdue ones come first and then the soonest due.
    running = (
        Deadline.objects.running()
        .filter(report__in=visible)
        .select_related("report__project")
        .prefetch_related("pauses")
        .order_by("due_at", "report_id", "name")[:MAX_DEADLINES]
    )
    context = {
        "deadlines": [(deadline, deadline.status(now)) for deadline in running],
        "max_deadlines": MAX_DEADLINES,
        "my_fixes": my_fixes(user_id, visible),
        # A distributor's people have no reports here: what waits for them is a notice.
        "notices": notices_visible_to(request.user)
        .filter(distributor__members__id=user_id, acknowledged_at=None)
        .select_related("distributor")
        .order_by("sent_at", "pk"),
        "counts": counts_by_state_and_severity(visible),
    }
    return render(request, "desk/dashboard.html", context)
