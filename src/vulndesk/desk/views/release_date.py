"""Setting the Release Date from the report page; a refused date shows each rule it breaks."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vulndesk.desk.access import can_triage, get_report_for_user
from vulndesk.desk.release_date_forms import ReleaseDateForm
from vulndesk.desk.services.errors import StaleReportError
from vulndesk.desk.services.schedule import ReleaseDateRefused, schedule_release
from vulndesk.desk.views.common import acting_user
from vulndesk.desk.views.report_page import conflict, render_report_page

BAD_INPUT = 400
CONFLICT = 409


@login_required
@require_POST
@never_cache
def set_release_date(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = get_report_for_user(request.user, project, number)
    if not can_triage(request.user, report):
        raise PermissionDenied("you may read this report but not set its Release Date")
    form = ReleaseDateForm(request.POST, version=report.version)
    if form.is_valid():
        try:
            moved = schedule_release(
                report,
                form.cleaned_data["release_date"],
                reason=form.cleaned_data["reason"],
                actor=acting_user(request),
                expected_version=form.cleaned_data["version"],
                override=form.cleaned_data["override"],
            )
        except ReleaseDateRefused as exc:
            for broken in exc.problems:
                form.add_error("release_date", broken.message)
        except StaleReportError:
            current = get_report_for_user(request.user, project, number)
            problem = conflict(current, seen_version=form.cleaned_data["version"])
            form.show_version(current.version)
            bound = {"release_date": form}
            return render_report_page(
                request, current, status=CONFLICT, bound=bound, problem=problem
            )
        except ValueError as exc:
            form.add_error("reason", str(exc))
        else:
            when = form.cleaned_data["release_date"]
            messages.success(request, f"{moved.key}'s Release Date is {when:%Y-%m-%d %H:%M} UTC.")
            return redirect(f"{report.get_absolute_url()}#release-date")
    return render_report_page(request, report, status=BAD_INPUT, bound={"release_date": form})
