from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache

from vulndesk.desk.access import get_report_for_user
from vulndesk.desk.views.report_page import render_report_page


@login_required
@never_cache
def report_detail(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = get_report_for_user(request.user, project, number)
    return render_report_page(request, report)


@login_required
@never_cache
def attachment_download(request: HttpRequest, project: str, number: int, pk: int) -> FileResponse:
    """A reporter's file, to those who may read the report: always a download, never a page.

    A file the allow-list passed may still be crafted to look like HTML to a browser, so it is
    sent as opaque bytes in a sandbox, with its own name only in the download prompt.
    """
    report = get_report_for_user(request.user, project, number)
    attachment = get_object_or_404(report.attachments, pk=pk)
    try:
        handle = attachment.path.open("rb")
    except FileNotFoundError:
        raise Http404("The stored file is missing; the raw submission may still hold it.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_filename,
        content_type="application/octet-stream",
    )
    response["Content-Security-Policy"] = "sandbox"
    return response
