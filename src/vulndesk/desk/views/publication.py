"""The published advisory on the report page: withdraw it, or note a revision of it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vulndesk.desk.access import can_manage_advisory
from vulndesk.desk.forms import RevisionForm, WithdrawForm
from vulndesk.desk.services import publication
from vulndesk.desk.views.actions import _act, _report
from vulndesk.desk.views.common import acting_user


@login_required
@require_POST
@never_cache
def withdraw_advisory(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = _report(request, project, number, can_manage_advisory)
    form = WithdrawForm(request.POST, version=report.version)

    def change() -> str:
        publication.withdraw(
            report,
            form.cleaned_data["reason"],
            actor=acting_user(request),
            expected_version=form.cleaned_data["version"],
        )
        return f"{report.key}'s advisory is withdrawn; it stays public, marked withdrawn."

    return _act(request, report, "withdraw", form, change)


@login_required
@require_POST
@never_cache
def revise_advisory(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = _report(request, project, number, can_manage_advisory)
    form = RevisionForm(request.POST, version=report.version)

    def change() -> str:
        publication.revise(
            report,
            form.cleaned_data["summary"],
            actor=acting_user(request),
            expected_version=form.cleaned_data["version"],
        )
        return f"{report.key}'s advisory has a new revision."

    return _act(request, report, "revision", form, change)
