"""`vulndesk demo`: one project per preset, reports in every state, a demo login; twice is fine."""

import re

import pytest
from django.contrib.auth import authenticate
from django.db.models import Count
from django.test import RequestFactory

from tests.cli.helpers import vulndesk
from vulndesk.desk.models import AuditEvent, Deadline, Project, Report
from vulndesk.process.lifecycle import State
from vulndesk.process.policy import preset_names

pytestmark = pytest.mark.django_db


def counts() -> dict[str, object]:
    return {
        "projects": Project.objects.count(),
        "reports": Report.objects.count(),
        "deadlines": Deadline.objects.count(),
        "audit events": AuditEvent.objects.count(),
        "reports per state": list(
            Report.objects.values("state").annotate(n=Count("pk")).order_by("state")
        ),
    }


def test_demo_makes_one_project_per_preset_with_reports_in_every_state_and_a_login() -> None:
    out = vulndesk("demo")

    assert sorted(Project.objects.values_list("preset", flat=True)) == preset_names()
    for project in Project.objects.all():
        assert f"created {project.name} ({project.preset} policy)" in out
        states = set(project.reports.values_list("state", flat=True))
        assert states == set(State), project.slug
    match = re.search(r"^demo login: (\S+) / (\S+)$", out, re.MULTILINE)
    assert match is not None, out
    request = RequestFactory().post("/login/")
    assert authenticate(request, username=match[1], password=match[2]) is not None


def test_demo_twice_changes_nothing_the_second_time() -> None:
    vulndesk("demo")
    first = counts()

    out = vulndesk("demo")

    assert counts() == first
    assert "created" not in out
    assert f"{len(preset_names())} demo projects were there already" in out
    assert "demo login: " in out
    assert f"audit trail intact: {first['audit events']} events" in vulndesk("audit", "verify")
