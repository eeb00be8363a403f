"""vulndesk's URLs plus bench/distributors.py's floor: the same organisations' answers as a bare
HTML table, from one hand-written SQL statement, with no template, form or access check."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.html import escape

from vulndesk.urls import urlpatterns as vulndesk_urls

FLOOR_SQL = """
    SELECT d.name, n.answer, n.acknowledged_at, n.first_read_at, n.statement
    FROM desk_distributormembership m
    JOIN desk_distributor d ON d.id = m.distributor_id
    LEFT JOIN desk_distributornotice n ON n.distributor_id = d.id AND n.report_id = %s
    WHERE m.project_id = %s AND m.state = 'approved'
    ORDER BY d.name
"""


def status(answer: str | None, acknowledged: object, read: object) -> str:
    return answer or ("acknowledged" if acknowledged else "read" if read else "not read")


def floor(request: HttpRequest, project: int, report: int) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, [report, project])
        rows = cursor.fetchall()
    cells = "".join(
        f"<tr><td>{escape(name)}</td><td>{status(answer, ack, read)}</td>"
        f"<td>{escape(statement or '')}</td></tr>"
        for name, answer, ack, read, statement in rows
    )
    return HttpResponse(f"<!doctype html><table>{cells}</table>")


urlpatterns = [path("bench/floor/<int:project>/<int:report>/", floor), *vulndesk_urls]
