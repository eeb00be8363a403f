"""The release-line policy on a real report: shown with its reasons, and driving the moves."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import sign_in
from tests.desk.factories import make_member, make_project, make_report, make_user
from vulndesk.desk.models import AffectStatus, AuditEvent, Project, ReleaseLine, Report
from vulndesk.desk.services.affects import add_affect
from vulndesk.desk.services.schedule import record_fix_exception
from vulndesk.desk.services.transitions import transition
from vulndesk.process.lifecycle import TransitionError
from vulndesk.process.release_lines import Case

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def emissary() -> Project:
    project = make_project("emissary", preset="envoy")
    for name, status, latest in (
        ("1.12", "supported", "1.12.6"),
        ("1.13", "supported", "1.13.9"),
        ("master", "development", ""),
    ):
        ReleaseLine.objects.create(project=project, name=name, status=status, latest_version=latest)
    return project


def affecting(project: Project, *lines: str, **fields: Any) -> Report:
    report = make_report(project, **fields)
    for name in lines:
        line = ReleaseLine.objects.get(project=project, name=name)
        add_affect(report, release_line=line, actor=None)
    report.refresh_from_db()
    return report


def test_emi_17_the_page_shows_the_patch_release_and_why(client: Client, emissary: Project) -> None:
    report = affecting(emissary, "1.13", "master")
    alice = make_user("alice")
    make_member(emissary, alice)
    sign_in(client, alice)
    html = client.get(report.get_absolute_url()).content.decode()
    assert "Patch release on <strong>1.13</strong>: <strong>1.13.10</strong>" in html
    assert "release blocker" in html  # EMI-19
    assert "(EMI-17, VIT-5, VIT-14)" in html


def test_emi_16_a_line_the_latest_minor_rule_leaves_out_gets_no_release(
    emissary: Project,
) -> None:
    """1.12 is marked supported, but under "latest minor" only 1.13 is."""
    plan = affecting(emissary, "1.12").release_plan()
    assert plan.case is Case.UNSUPPORTED_ONLY
    assert plan.supported_lines == ("1.13",)


def test_vit_5_release_waits_until_every_affected_supported_line_has_the_fix(
    emissary: Project,
) -> None:
    report = affecting(
        emissary,
        "1.13",
        "master",
        state="scheduled",
        release_date=T0,
        fixed_version="1.13.10",
        fix_released_at=T0,
    )
    with pytest.raises(
        TransitionError, match=r"not recorded on every affected supported line: 1\.13"
    ):
        transition(report, "released", actor=None)
    affect = report.affects.get(release_line__name="1.13")
    affect.status = AffectStatus.FIXED
    affect.save()
    assert transition(report, "released", actor=None).state == "released"


def test_vit_12_unsupported_only_is_not_fixed_without_an_exception(emissary: Project) -> None:
    report = affecting(emissary, "1.12", state="accepted")
    with pytest.raises(TransitionError, match=r"no fix is issued \(EMI-20, VIT-12\)"):
        transition(report, "fixing", actor=None)
    with pytest.raises(ValueError, match="say what makes this an exception"):
        record_fix_exception(report, reason=" ", actor=None)
    report = record_fix_exception(report, reason="exploited in the wild", actor=None)
    assert report.release_plan().fix_issued
    assert transition(report, "fixing", actor=None).state == "fixing"
    event = AuditEvent.objects.get(action="report.fix_exception_recorded")
    assert event.data["fix_exception_reason"] == "exploited in the wild"


def test_an_exception_is_refused_where_a_fix_is_issued_anyway(emissary: Project) -> None:
    report = affecting(emissary, "1.13")
    with pytest.raises(ValueError, match="its fix needs no exception"):
        record_fix_exception(report, reason="because", actor=None)


def test_vit_10_a_master_only_report_goes_to_fixing_with_no_release_planned(
    emissary: Project,
) -> None:
    report = affecting(emissary, "master", state="accepted")
    plan = report.release_plan()
    assert (plan.case, plan.patch_releases, plan.courtesy_notice) == (
        Case.DEVELOPMENT_ONLY,
        (),
        True,
    )
    assert transition(report, "fixing", actor=None).state == "fixing"


def test_the_exception_form_records_it_from_the_page(client: Client, emissary: Project) -> None:
    report = affecting(emissary, "1.12", state="accepted")
    alice = make_user("alice")
    make_member(emissary, alice)
    sign_in(client, alice)
    assert "Fix it anyway" in client.get(report.get_absolute_url()).content.decode()
    response = client.post(
        reverse("report-fix-exception", kwargs={"project": "emissary", "number": report.number}),
        {"reason": "exploited in the wild", "version": Report.objects.get().version},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.fix_exception_reason == "exploited in the wild"
