"""The security team's re-send of a message from the report page's "Messages" section."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vulndesk.desk.access import can_triage, get_report_for_user
from vulndesk.desk.views.common import acting_user
from vulndesk.desk.views.report_page import render_report_page
from vulndesk.notify.models import OutboundEmail
from vulndesk.notify.outbox import AnnouncementError, resend

BAD_INPUT = 400


@login_required
@require_POST
@never_cache
def report_outbox_resend(
    request: HttpRequest, project: str, number: int, outbound: int
) -> HttpResponse:
    report = get_report_for_user(request.user, project, number)
    if not can_triage(request.user, report):
        raise PermissionDenied("you may read this report but not do this to it")
    email = OutboundEmail.objects.filter(report=report, pk=outbound).first()
    if email is None:
        raise Http404("this report has no such message")
    try:
        resend(email, actor=acting_user(request))
    except AnnouncementError as exc:
        messages.error(request, f"Message {email.pk} not sent again: {exc}")
        return render_report_page(request, report, status=BAD_INPUT)
    messages.success(request, f"Message {email.pk} to {email.recipient} is queued again.")
    return redirect(f"{report.get_absolute_url()}#outbox")
