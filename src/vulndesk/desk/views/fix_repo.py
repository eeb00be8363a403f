"""What is done in the report page's "Private repository" section: link the remote, sync it,
run the tests on a fix branch, review it, freeze the fix and check what landed against it; and
a test run's whole log."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from vulndesk.desk.access import (
    can_manage_fix,
    can_review_fix,
    can_run_fix_tests,
    get_report_for_user,
)
from vulndesk.desk.models import Report, TestRun
from vulndesk.desk.services import fix_integrity, fix_repo
from vulndesk.desk.views.common import acting_user
from vulndesk.desk.views.fix_repo_page import (
    ACTION_FORM,
    ANCHOR,
    BAD_INPUT,
    REMOTE_FORM,
    REVIEW_FORM,
    RemoteForm,
    ReviewForm,
)
from vulndesk.desk.views.report_page import render_report_page


def _report(request: HttpRequest, project: str, number: int, may: Callable[..., bool]) -> Report:
    report = get_report_for_user(request.user, project, number)
    if not may(request.user, report):
        raise PermissionDenied("you may read this report but not do this to it")
    return report


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
def link(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = _report(request, project, number, can_manage_fix)
    form = RemoteForm(request.POST)

    def change() -> str:
        fix_repo.link_repository(report, form.cleaned_data["remote"], actor=acting_user(request))
        return "Private repository linked; sync it to find the fix branches."

    return _act(request, report, REMOTE_FORM, form, change)


@login_required
@require_POST
@never_cache
def sync(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = _report(request, project, number, can_manage_fix)

    def change() -> str:
        result = fix_repo.sync_fix_branches(report, actor=acting_user(request))
        found = f"{len(result.branches)} fix branch{'es' if len(result.branches) != 1 else ''}"
        return f"Synced: {found}. " + ("; ".join(result.changes) or "Nothing changed.")

    return _act(request, report, ACTION_FORM, forms.Form(data={}), change)


@login_required
@require_POST
@never_cache
def freeze(request: HttpRequest, project: str, number: int) -> HttpResponse:
    """Record the fix's patch-ids as sent to distributors (EMI-42, KAR-41)."""
    report = _report(request, project, number, can_manage_fix)

    def change() -> str:
        frozen = fix_integrity.freeze_fix(report, actor=acting_user(request))
        commits = sum(len(entry["commits"]) for entry in frozen.branches)
        return f"Fix frozen: {commits} commits on {len(frozen.branches)} branches, as sent."

    return _act(request, report, ACTION_FORM, forms.Form(data={}), change)


@login_required
@require_POST
@never_cache
def verify(request: HttpRequest, project: str, number: int) -> HttpResponse:
    """Compare what landed on each branch with the frozen fix (EMI-42, KAR-41)."""
    report = _report(request, project, number, can_manage_fix)

    def change() -> str:
        checked = fix_integrity.check_release_integrity(report, actor=acting_user(request))
        problems = len(checked.check_result["problems"])
        if problems:
            return f"What landed differs from the frozen fix: {problems} problems, listed below."
        return "Every commit landed as sent to distributors."

    return _act(request, report, ACTION_FORM, forms.Form(data={}), change)


@login_required
@require_POST
@never_cache
def run_tests(request: HttpRequest, project: str, number: int, branch: int) -> HttpResponse:
    report = _report(request, project, number, can_run_fix_tests)
    fix_branch = get_object_or_404(report.fix_branches, pk=branch)

    def change() -> str:
        run = fix_repo.request_test_run(fix_branch, actor=acting_user(request))
        return f"Tests queued on {fix_branch.name} at {run.sha[:12]}."

    return _act(request, report, ACTION_FORM, forms.Form(data={}), change)


@login_required
@require_POST
@never_cache
def review(request: HttpRequest, project: str, number: int, branch: int) -> HttpResponse:
    report = _report(request, project, number, can_review_fix)
    fix_branch = get_object_or_404(report.fix_branches, pk=branch)
    form = ReviewForm(request.POST)

    def change() -> str:
        approved = form.cleaned_data["verdict"] == "approve"
        fix_repo.record_review(
            fix_branch,
            reviewer=acting_user(request),
            approved=approved,
            comment=form.cleaned_data["comment"],
        )
        verdict = "approved" if approved else "changes requested"
        return f"Review recorded on {fix_branch.name} at {fix_branch.head_sha[:12]}: {verdict}."

    return _act(request, report, REVIEW_FORM, form, change)


@login_required
@require_GET
@never_cache
def test_run_log(request: HttpRequest, project: str, number: int, run: int) -> HttpResponse:
    """A test run's whole log as plain text, for those who may read the report."""
    report = get_report_for_user(request.user, project, number)
    test_run = get_object_or_404(TestRun, pk=run, fix_branch__report=report)
    response = HttpResponse(test_run.log, content_type="text/plain; charset=utf-8")
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
