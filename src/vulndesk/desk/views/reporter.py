"""The reporter's view of their own report, through the private link they were given.

The link is the reporter's only key: every view here finds the report by it (a wrong or revoked
token is a 404), shows only the facts picked below, and keeps the token out of caches and
Referer headers.
"""

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vulndesk.desk.access import report_for_reporter_link
from vulndesk.desk.models import PrivateHandlingChoices, Report
from vulndesk.desk.report_form import CreditForm, ReporterMessageForm
from vulndesk.desk.services.attachments import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS
from vulndesk.desk.services.reporter import (
    post_from_reporter,
    record_private_handling,
    set_credit,
)
from vulndesk.notify.models import OutboundEmail

PAGE = "desk/reporter_report.html"
# Every allowed file at its largest, plus the message: anything larger is refused unread.
MAX_BODY = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + 1024 * 1024


@never_cache
def reporter_report(request: HttpRequest, token: str) -> HttpResponse:
    report = report_for_reporter_link(token)
    return _page(request, token, report)


@require_POST
@never_cache
def reporter_message_add(request: HttpRequest, token: str) -> HttpResponse:
    report = report_for_reporter_link(token)
    length = str(request.META.get("CONTENT_LENGTH", ""))
    too_large = length.isdigit() and int(length) > MAX_BODY
    try:
        form = None if too_large else ReporterMessageForm(request.POST, request.FILES)
    except (RequestDataTooBig, TooManyFilesSent):
        form = None
    if form is None:
        refusal = "Your message is too large: attach fewer or smaller files. Nothing was added."
        return _page(request, token, report, status=413, refusal=refusal)
    if not form.is_valid():
        return _page(request, token, report, status=400, message_form=form)
    post_from_reporter(
        report, body=form.cleaned_data["body"], uploads=form.cleaned_data["attachments"]
    )
    messages.success(request, "Your message was added; the team sees it now.")
    return _back(token, "thread")


@require_POST
@never_cache
def reporter_credit(request: HttpRequest, token: str) -> HttpResponse:
    report = report_for_reporter_link(token)
    form = CreditForm(request.POST)
    if not form.is_valid():
        return _page(request, token, report, status=400, credit_form=form)
    set_credit(
        report,
        kind=form.cleaned_data["credit_kind"],
        name=form.cleaned_data["credit_name"],
        actor=None,
    )
    messages.success(request, "Your credit line was saved.")
    return _back(token, "credit")


@require_POST
@never_cache
def reporter_private_handling(request: HttpRequest, token: str) -> HttpResponse:
    """The reporter answers EMI-5's question: may the team handle it privately after all?"""
    report = report_for_reporter_link(token)
    answer = request.POST.get("answer", "")
    try:
        record_private_handling(report, answer, actor=None)
    except ValueError as exc:
        refusal = str(exc).removeprefix("answer: ")
        return _page(request, token, report, status=400, refusal=refusal)
    messages.success(request, "Thank you: your answer reached the team.")
    return _back(token, "status")


def _back(token: str, anchor: str) -> HttpResponse:
    return _private(redirect(f"{reverse('reporter-report', kwargs={'token': token})}#{anchor}"))


def _private(response: HttpResponse) -> HttpResponse:
    """No other site may learn the address (and so the token) from a Referer header.

    Not "no-referrer": under it the browser sends `Origin: null` with the page's own forms,
    and the CSRF check rightly refuses those.
    """
    response["Referrer-Policy"] = "same-origin"
    return response


def _page(
    request: HttpRequest,
    token: str,
    report: Report,
    *,
    status: int = 200,
    message_form: ReporterMessageForm | None = None,
    credit_form: CreditForm | None = None,
    refusal: str = "",
) -> HttpResponse:
    # Only these facts reach the template, so nothing else of the report can slip into it.
    shown = {
        "key": report.key,
        "title": report.title,
        "state": report.get_state_display(),
        "received_at": report.received_at,
        "acknowledged_at": _acknowledged_at(report),
        "planned_merge_at": report.planned_merge_at,
        "release_date": report.release_date,
        "fixed_version": report.fixed_version,
        "fix_released_at": report.fix_released_at,
        "published_at": report.published_at,
        "cve_id": report.cve_id if report.published_at else "",
        "credit_kind": report.get_credit_kind_display() if report.credit_kind else "",
        "credit_name": report.credit_name,
        "team": report.project.policy().team.name,
        "asked_to_go_private": report.private_handling == PrivateHandlingChoices.ASKED,
    }
    thread = [
        {
            "from_reporter": message.from_reporter,
            # The reporter sees the team speak as one; who wrote it stays inside the team.
            "body": message.body,
            "created_at": message.created_at,
            "files": [attachment.original_filename for attachment in message.attachments.all()],
        }
        for message in report.reporter_messages.prefetch_related("attachments").order_by(
            "created_at", "pk"
        )
    ]
    context = {
        "report": shown,
        "thread": thread,
        "token": token,
        "message_form": message_form or ReporterMessageForm(),
        "credit_form": credit_form
        or CreditForm(
            initial={"credit_kind": report.credit_kind, "credit_name": report.credit_name}
        ),
        "refusal": refusal,
    }
    # The token is in the address: no cache may keep the page (never_cache), no link carry it.
    return _private(render(request, PAGE, context, status=status))


def _acknowledged_at(report: Report) -> datetime | None:
    sent = OutboundEmail.objects.filter(
        report=report, kind=OutboundEmail.Kind.ACKNOWLEDGEMENT, sent_at__isnull=False
    )
    return sent.values_list("sent_at", flat=True).first()
