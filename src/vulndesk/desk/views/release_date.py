"""Setting the Release Date from the report page; a refused date shows each rule it breaks."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vulndesk.desk.access import can_triage
from vulndesk.desk.release_date_forms import ReleaseDateForm
from vulndesk.desk.services.schedule import schedule_release
from vulndesk.desk.views.actions import _act, _report
from vulndesk.desk.views.common import acting_user


@login_required
@require_POST
@never_cache
def set_release_date(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = _report(request, project, number, can_triage)
    form = ReleaseDateForm(request.POST, version=report.version)

    def change() -> str:
        moved = schedule_release(
            report,
            form.cleaned_data["release_date"],
            reason=form.cleaned_data["reason"],
            actor=acting_user(request),
            expected_version=form.cleaned_data["version"],
            override=form.cleaned_data["override"],
        )
        when = form.cleaned_data["release_date"]
        return f"{moved.key}'s Release Date is {when:%Y-%m-%d %H:%M} UTC."

    return _act(request, report, "release_date", form, change, field="reason")
