from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from vulndesk.desk.access import get_report_for_user
from vulndesk.desk.views.report_page import render_report_page


@login_required
@never_cache
def report_detail(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = get_report_for_user(request.user, project, number)
    return render_report_page(request, report)
