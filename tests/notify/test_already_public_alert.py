"""An already-public report alerts the policy's list at once (EMI-4, VIT-3, KAR-13)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import LazySettings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from time_machine import TimeMachineFixture

from tests.notify.sink import Sink, run_worker, text
from vulndesk.desk.models import ChannelChoices, Deadline, Project, Report
from vulndesk.desk.services.reports import create_report, score_report
from vulndesk.desk.services.schedule import record_public_disclosure
from vulndesk.notify.models import OutboundEmail
from vulndesk.notify.outbox import queue_already_public_alert

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
VITESS_LIST = "cncf-vitess-maintainers@lists.cncf.io"
KARMADA_LIST = "cncf-karmada-security@lists.cncf.io"
PUBLIC_URL = "https://github.com/vitessio/vitess/issues/99999"
CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def project(preset: str, **fields: object) -> Project:
    return Project.objects.create(slug=preset, name=preset.title(), preset=preset, **fields)


def file_public(project: Project) -> Report:
    return create_report(
        project,
        title="SQL injection in vtgate",
        description="Already on the public tracker.",
        reporter_name="Dana Reporter",
        reporter_email="dana@example.org",
        public_disclosure_at=datetime.now(UTC),
        public_disclosure_url=PUBLIC_URL,
        actor=None,
    )


def alerts(sink: Sink) -> list[str]:
    return [str(sent["To"]) for sent in sink.received if "already public" in str(sent["Subject"])]


def test_vit_3_a_report_filed_public_alerts_the_maintainers_list_with_what_they_need(
    sink: Sink, settings: LazySettings
) -> None:
    settings.BASE_URL = "https://security.example.org"
    report = file_public(project("vitess"))
    assert sink.received == []  # the worker sends it, not the request

    run_worker()

    [sent] = sink.received
    assert sent["To"] == VITESS_LIST
    assert sent["Subject"] == f"{report.key} is already public: SQL injection in vtgate"
    body = text(sent)
    assert f"{report.key} was reported as already public" in body
    assert "Title:       SQL injection in vtgate" in body
    assert "Reported by: Dana Reporter <dana@example.org>\nChannel:     Entered by the team" in body
    assert f"Public at:   {PUBLIC_URL}" in body
    assert f"On the desk: https://security.example.org{report.get_absolute_url()}\n" in body
    assert "ASAP once the report is scored at CVSS 4.0 or more; it is not scored yet." in body
    assert "Already on the public tracker." not in body  # only what the list needs to act
    assert OutboundEmail.objects.get().sent_at is not None


def test_emi_4_a_report_filed_public_through_the_form_alerts_at_once(
    sink: Sink, client: Client
) -> None:
    vitess = project("vitess", policy_overrides={"intake": {"channels": ["web_form"]}})
    response = client.post(
        reverse("report-new", kwargs={"project": vitess.slug}),
        {
            "title": "SQL injection in vtgate",
            "description": "See the public issue.",
            "affected_versions": "19.0.1",
            "steps_to_reproduce": "1. Run the query from the issue",
            "reporter_name": "Rosa",
            "reporter_email": "rosa@example.org",
            "already_public": "on",
            "public_disclosure_url": PUBLIC_URL,
        },
    )
    assert response.status_code == 200, response.content
    report = Report.objects.get()
    assert report.channel == ChannelChoices.FORM
    run_worker()
    assert alerts(sink) == [VITESS_LIST]
    [alert] = [sent for sent in sink.received if sent["To"] == VITESS_LIST]
    assert "Reported by: Rosa <rosa@example.org>\nChannel:     Report form" in text(alert)


def test_kar_13_a_disclosure_recorded_later_alerts_the_security_list_once(
    sink: Sink, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=False)
    karmada = project("karmada")
    report = create_report(
        karmada, title="Token leak", description="", reporter_name="", reporter_email="",
        actor=None,
    )  # fmt: skip
    assert not OutboundEmail.objects.exists()  # private until someone says it is public

    time_machine.move_to(T0 + timedelta(days=2), tick=False)
    report = record_public_disclosure(report, url=PUBLIC_URL, at=T0 + timedelta(days=1),
                                      actor=None)  # fmt: skip
    with transaction.atomic():
        assert queue_already_public_alert(report) == OutboundEmail.objects.get()  # once
    run_worker()

    assert alerts(sink) == [KARMADA_LIST]
    body = text(sink.received[0])
    assert "Reported by: not known\n" in body
    assert "Public since 2026-11-24 09:00 UTC" in body
    assert "the Karmada Security Team's policy sets no CVSS score that makes them ASAP." in body


def test_a_scored_report_made_public_is_announced_as_asap(sink: Sink) -> None:
    vitess = project("vitess")
    report = create_report(
        vitess, title="RCE", description="", reporter_name="", reporter_email="", actor=None
    )
    report = score_report(report, CRITICAL, actor=None)
    record_public_disclosure(report, url=PUBLIC_URL, at=datetime.now(UTC), actor=None)
    run_worker()
    assert "Timelines:   ASAP: CVSS 9.8 is at least 4.0." in text(sink.received[0])


def test_a_policy_without_an_alert_address_queues_nothing(sink: Sink) -> None:
    """Envoy's preset names no alert address (EMI-4 is met by the desk itself)."""
    file_public(project("envoy"))
    run_worker()
    assert not OutboundEmail.objects.exists()
    assert sink.received == []


def test_a_project_may_send_its_alerts_elsewhere_or_nowhere(sink: Sink) -> None:
    elsewhere = project("vitess", policy_overrides={"intake": {"already_public_alert": "s@x.org"}})
    nowhere = project("karmada", policy_overrides={"intake": {"already_public_alert": None}})
    file_public(elsewhere)
    file_public(nowhere)
    run_worker()
    assert alerts(sink) == ["s@x.org"]


def test_sending_an_alert_meets_no_acknowledgement_deadline(sink: Sink) -> None:
    acknowledge = {"quote": "We acknowledge within two days.", "anchor": "disclosure",
                   "within": "P2D"}  # fmt: skip
    vitess = project(
        "vitess", policy_overrides={"timeline": {"steps": {"acknowledged": acknowledge}}}
    )
    report = file_public(vitess)
    run_worker()
    assert alerts(sink) == [VITESS_LIST]
    assert Deadline.objects.get(report=report, name="acknowledged").met_at is None
