"""Already public at intake: ask whether it can go private, and let the answer set the timelines.

EMI-5/KAR-14 ask the one who made it public; EMI-6/KAR-15 keep a refusal on the public track,
where EMI-14 makes every open timeline ASAP at CVSS 4.0 or more.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import sign_in
from tests.desk.factories import make_member, make_project, make_user
from vulndesk.desk.models import AuditEvent, Deadline, Project, Report, ReporterMessage
from vulndesk.desk.services.reporter import ask_to_go_private, record_private_handling
from vulndesk.desk.services.reporter_links import issue_reporter_link
from vulndesk.desk.services.reports import create_report, score_report
from vulndesk.notify.models import OutboundEmail

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"  # 7.5

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


def public_report(project: Project) -> Report:
    report = create_report(
        project,
        title="Auth bypass, already on the issue tracker",
        description="See the public issue.",
        reporter_name="Rosa",
        reporter_email="rosa@example.org",
        public_disclosure_at=T0,
        public_disclosure_url="https://github.com/example/emissary/issues/1",
        actor=None,
    )
    return score_report(report, HIGH, actor=None)


def fix_released(report: Report) -> Deadline:
    return Deadline.objects.get(report=report, name="fix_released")


@pytest.fixture
def alice() -> object:
    return make_user("alice")


@pytest.fixture
def emissary(alice: object) -> Project:
    project = make_project("emissary", preset="envoy")
    make_member(project, alice)  # type: ignore[arg-type]
    return project


def test_emi_5_the_reporter_is_asked_and_agreeing_brings_back_private_timelines(
    client: Client, emissary: Project, alice: object
) -> None:
    report = public_report(emissary)
    assert fix_released(report).due_at == T0  # EMI-14: ASAP while on the public path
    _, token = issue_reporter_link(report, actor=None)

    sign_in(client, alice)  # type: ignore[arg-type]
    page = reverse("report-detail", kwargs={"project": "emissary", "number": report.number})
    assert "Ask the reporter to go private" in client.get(page).content.decode()
    response = client.post(
        reverse("report-private-handling", kwargs={"project": "emissary", "number": 1}),
        {"action": "ask", "version": Report.objects.get().version},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.private_handling == "asked"
    question = ReporterMessage.objects.get(from_reporter=False)
    assert "handled through our private disclosure process" in question.body
    assert OutboundEmail.objects.filter(message=question, to="rosa@example.org").exists()

    client.logout()
    link_page = client.get(reverse("reporter-report", kwargs={"token": token}))
    assert "Can it be handled privately?" in link_page.content.decode()
    response = client.post(
        reverse("reporter-private-handling", kwargs={"token": token}), {"answer": "agreed"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.private_handling == "agreed"
    assert not report.on_public_path
    assert not report.handling().asap
    assert fix_released(report).due_at == T0 + timedelta(days=21)  # EMI-40's private timeline
    answer = ReporterMessage.objects.get(from_reporter=True)
    assert answer.body == "Yes: it can be handled privately."
    event = AuditEvent.objects.get(action="report.private_handling_answered")
    assert (event.actor, event.data["by"], event.data["answer"]) == (None, "reporter", "agreed")
    # Answered once: the buttons are gone and a second answer is refused.
    assert (
        "Can it be handled privately?"
        not in client.get(reverse("reporter-report", kwargs={"token": token})).content.decode()
    )
    response = client.post(
        reverse("reporter-private-handling", kwargs={"token": token}), {"answer": "denied"}
    )
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.private_handling == "agreed"


def test_emi_6_a_denial_keeps_the_report_on_the_public_track(
    emissary: Project, alice: object
) -> None:
    report = ask_to_go_private(public_report(emissary), actor=alice)  # type: ignore[arg-type]
    report = record_private_handling(report, "denied", actor=None)
    assert report.on_public_path
    assert report.handling().asap
    assert fix_released(report).due_at == T0


def test_kar_14_the_team_records_an_answer_given_by_mail(alice: object) -> None:
    karmada = make_project("karmada")
    make_member(karmada, alice)  # type: ignore[arg-type]
    report = public_report(karmada)
    report = record_private_handling(report, "agreed", actor=alice)  # type: ignore[arg-type]
    assert (report.private_handling, report.on_public_path) == ("agreed", False)
    # The team's record adds nothing to the reporter's side of the thread.
    assert not ReporterMessage.objects.exists()


def test_a_policy_that_does_not_ask_offers_no_question(client: Client, alice: object) -> None:
    vitess = make_project("vitess")
    make_member(vitess, alice)  # type: ignore[arg-type]
    report = public_report(vitess)
    sign_in(client, alice)  # type: ignore[arg-type]
    page = reverse("report-detail", kwargs={"project": "vitess", "number": report.number})
    assert "Ask the reporter to go private" not in client.get(page).content.decode()
    with pytest.raises(ValueError, match="the vitess policy does not ask reporters to go private"):
        ask_to_go_private(report, actor=alice)  # type: ignore[arg-type]


def test_a_report_that_is_not_public_cannot_be_asked_or_answered(
    client: Client, emissary: Project, alice: object
) -> None:
    report = create_report(
        emissary, title="Private", description="", reporter_name="", reporter_email="", actor=None
    )
    with pytest.raises(ValueError, match="is not public"):
        ask_to_go_private(report, actor=alice)  # type: ignore[arg-type]
    _, token = issue_reporter_link(report, actor=None)
    response = client.post(
        reverse("reporter-private-handling", kwargs={"token": token}), {"answer": "agreed"}
    )
    assert response.status_code == 400
    assert "is not public" in response.content.decode()
    report.refresh_from_db()
    assert report.private_handling == ""


def test_asking_twice_is_refused_with_what_happened(emissary: Project, alice: object) -> None:
    report = ask_to_go_private(public_report(emissary), actor=alice)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"asked already \(asked, no answer yet\)"):
        ask_to_go_private(report, actor=alice)  # type: ignore[arg-type]
    assert ReporterMessage.objects.count() == 1
