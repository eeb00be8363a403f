"""The reporter's view of their own report, through the private link they were given."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from vulndesk.desk.access import report_for_reporter_link


@never_cache
def reporter_report(request: HttpRequest, token: str) -> HttpResponse:
    report = report_for_reporter_link(token)
    # Only these facts reach the template, so nothing else of the report can slip into it.
    shown = {
        "key": report.key,
        "title": report.title,
        "state": report.get_state_display(),
        "received_at": report.received_at,
        "release_date": report.release_date,
        "planned_merge_at": report.planned_merge_at,
    }
    response = render(request, "desk/reporter_report.html", {"report": shown})
    # The token is in the address: no cache may keep the page, no link may carry it away.
    response["Referrer-Policy"] = "no-referrer"
    return response
