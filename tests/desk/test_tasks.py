"""Background work runs on `vulndesk worker` and can run twice without doing harm twice."""

import io
from datetime import datetime

import pytest
from django.core.management import call_command
from django.db import transaction

from tests.desk.factories import make_project, make_report
from vulndesk.desk.models import AuditEvent, Deadline, Project
from vulndesk.desk.services.transitions import transition
from vulndesk.desk.tasks import redate_project_deadlines
from vulndesk.process.lifecycle import State

# The worker closes its database connection when done, as a separate process would: so no
# test-wide transaction around it.
pytestmark = pytest.mark.django_db(transaction=True)


def run_worker() -> None:
    call_command("worker", "--batch", "--no-startup-delay", stdout=io.StringIO())


def fix_developed_due(report_id: int) -> datetime:
    due = Deadline.objects.get(report_id=report_id, name="fix_developed").due_at
    assert due is not None
    return due


def test_redating_twice_gives_the_same_dates_and_records_nothing_new() -> None:
    project = make_project("vitess", preset="vitess")
    report = make_report(project)
    Project.objects.filter(pk=project.pk).update(
        policy_overrides={"timeline": {"steps": {"fix_developed": {"within": "P3D"}}}}
    )
    events = AuditEvent.objects.count()
    with transaction.atomic():
        redate_project_deadlines.enqueue(project.pk)
        redate_project_deadlines.enqueue(project.pk)
    run_worker()
    due = fix_developed_due(report.pk)
    assert (due - report.received_at).days == 3
    run_worker()
    assert fix_developed_due(report.pk) == due
    assert AuditEvent.objects.count() == events


def test_a_concluded_report_is_left_as_it_was() -> None:
    project = make_project("vitess", preset="vitess")
    report = transition(make_report(project), State.TRIAGING, actor=None)
    report = transition(report, State.REJECTED, actor=None, reason="not a vulnerability")
    before = fix_developed_due(report.pk)
    Project.objects.filter(pk=project.pk).update(
        policy_overrides={"timeline": {"steps": {"fix_developed": {"within": "P3D"}}}}
    )
    redate_project_deadlines.enqueue(project.pk)
    run_worker()
    assert fix_developed_due(report.pk) == before
