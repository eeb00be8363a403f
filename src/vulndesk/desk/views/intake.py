"""The public report form: anyone may report a vulnerability, no account needed."""

from datetime import UTC, datetime
from math import ceil

from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from vulndesk.accounts.lockout import client_address
from vulndesk.desk.models import Project
from vulndesk.desk.report_form import ReportForm
from vulndesk.desk.services.attachments import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS
from vulndesk.desk.services.form_intake import file_form_report, retry_after
from vulndesk.desk.services.security_policy import open_projects

FORM = "desk/intake/report_form.html"
# Every allowed file at its largest, plus the text fields' 1 MiB: anything larger is refused
# before Django reads a byte of it.
MAX_BODY = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + 2 * 1024 * 1024


def how_to_report(request: HttpRequest) -> HttpResponse:
    """Every project's open channels, as its policy has them now (FOLIO-11, FOLIO-12)."""
    return render(request, "desk/intake/how_to_report.html", {"projects": open_projects()})


@never_cache
def report_new(request: HttpRequest, project: str) -> HttpResponse:
    chosen = get_object_or_404(Project, slug=project)
    channels = chosen.intake_channels()
    if not channels.form:
        # The policy has no form for this project: say where reports go instead.
        context = {"projects": [(chosen, channels)], "closed": chosen}
        return render(request, "desk/intake/how_to_report.html", context, status=404)
    if request.method != "POST":
        return render(request, FORM, {"project": chosen, "form": ReportForm()})
    length = str(request.META.get("CONTENT_LENGTH", ""))
    if length.isdigit() and int(length) > MAX_BODY:
        return refuse(
            request, chosen, 413, "The report is too large; attach less or smaller files."
        )
    try:
        form = ReportForm(request.POST, request.FILES)
    except (RequestDataTooBig, TooManyFilesSent):
        return refuse(
            request, chosen, 413, "The report is too large: shorten the text or attach it."
        )
    if not form.is_valid():
        return render(request, FORM, {"project": chosen, "form": form}, status=400)
    if form.cleaned_data["website"]:
        # A robot filled the honeypot: it is told what a person is told, and nothing is filed.
        return render(request, "desk/intake/thanks.html", {"project": chosen})
    address = client_address(request)
    if (retry := retry_after(address, timezone.now())) is not None:
        return refuse(request, chosen, 429, "Too many reports from your address.", retry)
    data = {
        key: value
        for key, value in form.cleaned_data.items()
        if key not in {"website", "already_public", "attachments"}
    }
    filed = file_form_report(
        chosen, **data, uploads=form.cleaned_data["attachments"], client_address=address
    )
    context = {"project": chosen, "report": filed.report, "token": filed.reporter_token}
    response = render(request, "desk/intake/thanks.html", context)
    # The page carries the private link: it must not leak through a Referer header.
    response["Referrer-Policy"] = "no-referrer"
    return response


def refuse(
    request: HttpRequest, project: Project, status: int, reason: str, retry: datetime | None = None
) -> HttpResponse:
    """The empty form again with why nothing was filed, and when to try again if that is why."""
    if retry is not None:
        reason = f"{reason} Try again after {retry.astimezone(UTC):%Y-%m-%d %H:%M} UTC."
    context = {"project": project, "form": ReportForm(), "refusal": reason}
    response = render(request, FORM, context, status=status)
    if retry is not None:
        response["Retry-After"] = str(max(1, ceil((retry - timezone.now()).total_seconds())))
    return response
