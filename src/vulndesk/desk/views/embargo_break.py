"""Recording an embargo break and deciding it from the report page (KAR-37, KAR-38)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vulndesk.desk.access import can_triage, get_report_for_user
from vulndesk.desk.embargo_break_forms import EmbargoBreakForm, EmbargoDecisionForm
from vulndesk.desk.forms import ReportForm
from vulndesk.desk.services import embargo_break
from vulndesk.desk.services.errors import StaleReportError
from vulndesk.desk.views.common import acting_user
from vulndesk.desk.views.report_page import conflict, render_report_page

BAD_INPUT = 400
CONFLICT = 409


def _refused(form: ReportForm, exc: ValueError) -> None:
    """Show the refusal at its field: the services say "field: what is wrong" when one is."""
    name, sep, rest = str(exc).partition(": ")
    if sep and name in form.fields:
        form.add_error(name, rest)
    else:
        form.add_error(None, str(exc))


@login_required
@require_POST
@never_cache
def record_embargo_break(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = get_report_for_user(request.user, project, number)
    if not can_triage(request.user, report):
        raise PermissionDenied("you may read this report but not record an embargo break")
    form = EmbargoBreakForm(request.POST, version=report.version)
    if form.is_valid():
        try:
            embargo_break.record_break(
                report,
                how=form.cleaned_data["how"],
                by_whom=form.cleaned_data["by_whom"],
                source_url=form.cleaned_data["source_url"],
                actor=acting_user(request),
            )
        except ValueError as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"The embargo break on {report.key} is recorded.")
            return redirect(f"{report.get_absolute_url()}#embargo-break")
    return render_report_page(request, report, status=BAD_INPUT, bound={"embargo_break": form})


@login_required
@require_POST
@never_cache
def decide_embargo_break(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = get_report_for_user(request.user, project, number)
    if not can_triage(request.user, report):
        raise PermissionDenied("you may read this report but not decide an embargo break")
    form = EmbargoDecisionForm(request.POST, version=report.version)
    if form.is_valid():
        try:
            brk = embargo_break.decide(
                report,
                form.cleaned_data["choice"],
                actor=acting_user(request),
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except StaleReportError:
            current = get_report_for_user(request.user, project, number)
            problem = conflict(current, seen_version=form.cleaned_data["version"])
            form.show_version(current.version)
            bound = {"embargo_decision": form}
            return render_report_page(
                request, current, status=CONFLICT, bound=bound, problem=problem
            )
        except ValueError as exc:
            _refused(form, exc)
        else:
            after = brk.release_date_after
            moved = f": the Release Date is {after:%Y-%m-%d %H:%M} UTC" if after else ""
            messages.success(request, f"{report.key}: {brk.get_decision_display()}{moved}.")
            return redirect(f"{report.get_absolute_url()}#embargo-break")
    return render_report_page(request, report, status=BAD_INPUT, bound={"embargo_decision": form})
