"""Two reports of one project accepted at the same moment: two different Fix Leads, and the
rotation moved on by two (EMI-10), on PostgreSQL (row lock) as on SQLite (the write lock)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from tests.desk.factories import make_project, make_report, make_user
from vulndesk.desk.models import AuditEvent, FixLeadRotation, Report, TeamMember, TeamRole
from vulndesk.desk.services import audit
from vulndesk.desk.services.transitions import transition
from vulndesk.process.lifecycle import State

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("rotation_exists", [False, True], ids=["first use", "running"])
def test_two_acceptances_at_once_get_two_leads_and_skip_nobody(rotation_exists: bool) -> None:
    project = make_project("emissary", preset="envoy")
    members = [
        TeamMember.objects.create(
            project=project, user=make_user(name), role=TeamRole.SECURITY_TEAM, rotation_order=i
        )
        for i, name in enumerate(("anna", "ben", "cleo"))
    ]
    if rotation_exists:
        FixLeadRotation.objects.create(project=project, last_member=members[2])
    reports = [make_report(project, state="triaging") for _ in range(2)]
    barrier = threading.Barrier(2)

    def accept(report: Report) -> None:
        barrier.wait()
        try:
            transition(report, State.ACCEPTED, actor=None)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(accept, report) for report in reports]:
            done.result()

    leads = sorted(
        Report.objects.filter(state="accepted").values_list("fix_lead__username", flat=True)
    )
    assert leads == ["anna", "ben"]
    rotation = FixLeadRotation.objects.get(project=project)
    assert rotation.last_member == members[1]  # moved by two from where it stood: anna, ben
    assert AuditEvent.objects.filter(action="report.fix_lead_assigned").count() == 2
    assert audit.verify_chain() == []
