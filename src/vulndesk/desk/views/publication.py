"""The published advisory on the report page: withdraw it, or note a revision of it."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vulndesk.desk.access import can_manage_advisory
from vulndesk.desk.forms import ReportForm, RevisionForm, WithdrawForm
from vulndesk.desk.models import Report
from vulndesk.desk.services import publication
from vulndesk.desk.views.actions import _act, _report
from vulndesk.desk.views.common import acting_user


def _change_advisory(
    request: HttpRequest,
    project: str,
    number: int,
    *,
    name: str,
    form_class: type[ReportForm],
    field: str,
    service: Callable[..., Report],
    done: str,
) -> HttpResponse:
    """Run `service` on the report's published advisory with the form's one `field`; `done`
    (formatted with the report's key) tells the user it worked."""
    report = _report(request, project, number, can_manage_advisory)
    form = form_class(request.POST, version=report.version)

    def change() -> str:
        service(
            report,
            form.cleaned_data[field],
            actor=acting_user(request),
            expected_version=form.cleaned_data["version"],
        )
        return done.format(key=report.key)

    return _act(request, report, name, form, change)


@login_required
@require_POST
@never_cache
def withdraw_advisory(request: HttpRequest, project: str, number: int) -> HttpResponse:
    return _change_advisory(
        request,
        project,
        number,
        name="withdraw",
        form_class=WithdrawForm,
        field="reason",
        service=publication.withdraw,
        done="{key}'s advisory is withdrawn; it stays public, marked withdrawn.",
    )


@login_required
@require_POST
@never_cache
def revise_advisory(request: HttpRequest, project: str, number: int) -> HttpResponse:
    return _change_advisory(
        request,
        project,
        number,
        name="revision",
        form_class=RevisionForm,
        field="summary",
        service=publication.revise,
        done="{key}'s advisory has a new revision.",
    )
