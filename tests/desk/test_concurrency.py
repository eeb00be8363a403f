"""Several writers at once: report numbers stay unique and the audit chain stays one line.

PostgreSQL runs the writers in parallel under row locks; SQLite (a file, as in production)
queues them on its database lock. Both must come out whole.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from tests.desk.factories import make_project, make_report
from vulndesk.desk.models import AuditEvent, Project, Report
from vulndesk.desk.services import audit
from vulndesk.desk.services.errors import StaleReportError
from vulndesk.desk.services.reports import create_report
from vulndesk.desk.services.transitions import transition
from vulndesk.process.lifecycle import State, TransitionError

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


def test_two_people_moving_one_report_at_once_move_it_once() -> None:
    """Both see `received` and ask for `triaging`: one wins, the other is told the state moved;
    the report records one transition, not two (a lost update or a double audit entry)."""
    report = make_report(make_project())
    barrier = threading.Barrier(2)

    def move() -> str:
        barrier.wait()
        try:
            transition(report, State.TRIAGING, actor=None, expected_version=report.version)
        except (StaleReportError, TransitionError) as exc:
            return type(exc).__name__
        finally:
            connections.close_all()
        return "moved"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(lambda _: move(), range(2)))
    assert outcomes[1] == "moved"
    assert outcomes[0] in {"StaleReportError", "TransitionError"}
    report.refresh_from_db()
    assert (report.state, report.version) == ("triaging", 2)
    assert AuditEvent.objects.filter(action="report.transition").count() == 1
    assert audit.verify_chain() == []
