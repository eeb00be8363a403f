"""Several writers at once: report numbers stay unique and the audit chain stays one line.

PostgreSQL runs the writers in parallel under row locks; SQLite (a file, as in production)
queues them on its database lock. Both must come out whole.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from tests.desk.factories import make_project
from vulndesk.desk.models import AuditEvent, Project, Report
from vulndesk.desk.services import audit
from vulndesk.desk.services.reports import create_report

pytestmark = pytest.mark.django_db(transaction=True)
WRITERS, REPORTS_EACH = 4, 5


def write_reports(project: Project) -> None:
    try:
        for _ in range(REPORTS_EACH):
            create_report(
                project,
                title="race",
                description="",
                reporter_name="",
                reporter_email="",
                actor=None,
            )
    finally:
        connections.close_all()


def test_parallel_intake_numbers_reports_uniquely_and_keeps_the_chain_whole() -> None:
    project = make_project()
    with ThreadPoolExecutor(WRITERS) as pool:
        for result in [pool.submit(write_reports, project) for _ in range(WRITERS)]:
            result.result()
    total = WRITERS * REPORTS_EACH
    numbers = sorted(Report.objects.values_list("number", flat=True))
    assert numbers == list(range(1, total + 1))
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, total + 1)
    )
    assert audit.verify_chain() == []
