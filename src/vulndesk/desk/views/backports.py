"""What is done in the report page's "Backports" section: plan a package's backport, dry-run
it, execute it. Each queues the work for the worker (it fetches repositories) and comes back
to the page, where the steps show their status once the worker is done."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vulndesk.desk.access import can_run_backports, get_report_for_user
from vulndesk.desk.models import Backport, Report
from vulndesk.desk.services import backports
from vulndesk.desk.views.backport_section import (
    ACTION_FORM,
    ANCHOR,
    EXECUTE_FORM,
    PLAN_FORM,
    ExecuteForm,
    PlanForm,
)
from vulndesk.desk.views.common import acting_user
from vulndesk.desk.views.report_page import render_report_page

BAD_INPUT = 400


def _report(request: HttpRequest, project: str, number: int) -> Report:
    report = get_report_for_user(request.user, project, number)
    if not can_run_backports(request.user, report):
        raise PermissionDenied("you may read this report but not run its backports")
    return report


def _backport(report: Report, backport_id: int) -> Backport:
    found = Backport.objects.select_related("package", "report__project")
    return get_object_or_404(found, pk=backport_id, report=report)


def _act(
    request: HttpRequest, report: Report, name: str, form: forms.Form, change: Callable[[], str]
) -> HttpResponse:
    """Run `change` if `form` is valid; a refusal shows the page again with it next to the form."""
    if form.is_valid():
        try:
            messages.success(request, change())
        except ValueError as exc:
            field, found, message = str(exc).partition(": ")
            if found and field in form.fields:
                form.add_error(field, message)
            else:
                form.add_error(None, str(exc))
        else:
            return redirect(f"{report.get_absolute_url()}#{ANCHOR}")
    return render_report_page(request, report, status=BAD_INPUT, bound={name: form})


@login_required
@require_POST
@never_cache
def plan(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = _report(request, project, number)
    form = PlanForm(request.POST, report=report)

    def change() -> str:
        package = form.cleaned_data["package"]
        backports.request_plan(
            report,
            package,
            form.cleaned_data["fix_commits"],
            actor=acting_user(request),
            compatibility=form.cleaned_data["compatibility"],
            decisions=form.cleaned_data["decisions"],
        )
        return f"Planning the backport of {package.name} is queued; the steps appear here."

    return _act(request, report, PLAN_FORM, form, change)


@login_required
@require_POST
@never_cache
def dry_run(request: HttpRequest, project: str, number: int, backport: int) -> HttpResponse:
    report = _report(request, project, number)
    chosen = get_object_or_404(
        Backport.objects.select_related("package"), pk=backport, report=report
    )

    def change() -> str:
        backports.request_job(chosen, Backport.Job.DRY_RUN, actor=acting_user(request))
        return f"A dry run of {chosen.package.name}'s cherry-picks is queued."

    return _act(request, report, ACTION_FORM, forms.Form(data={}), change)


@login_required
@require_POST
@never_cache
def execute(request: HttpRequest, project: str, number: int, backport: int) -> HttpResponse:
    report = _report(request, project, number)
    chosen = get_object_or_404(
        Backport.objects.select_related("package"), pk=backport, report=report
    )
    form = ExecuteForm(request.POST)

    def change() -> str:
        push, run_tests = form.cleaned_data["push"], form.cleaned_data["run_tests"]
        backports.request_job(
            chosen, Backport.Job.EXECUTE, actor=acting_user(request), push=push, run_tests=run_tests
        )
        return f"Carrying out the backport of {chosen.package.name} is queued."

    return _act(request, report, EXECUTE_FORM, form, change)
