"""The reporter is answered by the worker, through a real SMTP server on loopback (issue 4, 3)."""

import re
from email.message import EmailMessage

import pytest
from django.conf import LazySettings
from django.test import Client
from django_tasks_db.models import DBTaskResult

from tests.desk.factories import make_report
from tests.notify.sink import Sink, run_worker, text
from vulndesk.desk.models import Deadline, Project, Report, ReporterLink
from vulndesk.desk.services.intake import Delivery, receive
from vulndesk.lib.tokens import digest
from vulndesk.notify.models import OutboundEmail
from vulndesk.notify.outbox import queue_acknowledgement
from vulndesk.notify.tasks import send_outbound_email

# The worker closes its connection when done, as its own process would.
pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = "security@emissary.example.org"
ACKNOWLEDGE_IN_TWO_DAYS = {
    "timeline": {
        "steps": {
            "acknowledged": {
                "quote": "We acknowledge every report within two days.",
                "anchor": "disclosure",
                "within": "P2D",
            }
        }
    }
}


@pytest.fixture
def project() -> Project:
    return Project.objects.create(
        slug="emissary",
        name="Emissary",
        preset="envoy",
        security_email=ADDRESS,
        policy_overrides=ACKNOWLEDGE_IN_TWO_DAYS,
    )


def mail_in(subject: str = "XSS in the dashboard", to: str = ADDRESS) -> Delivery:
    message = EmailMessage()
    message["From"] = "Dana Reporter <dana@example.org>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Steps: open /x?q=<svg>")
    return receive(message.as_bytes(), envelope_from="dana@example.org", envelope_to=to)


def acknowledgement_deadline(report: Report) -> Deadline:
    return Deadline.objects.get(report=report, name="acknowledged")


@pytest.mark.usefixtures("project")
def test_a_report_by_mail_is_acknowledged_by_the_worker_not_in_the_request(sink: Sink) -> None:
    delivery = mail_in()
    report = delivery.report
    assert sink.received == []  # receiving only recorded the intent
    assert acknowledgement_deadline(report) in Deadline.objects.running()  # shown on the desk

    run_worker()

    [sent] = sink.received
    assert sent["To"] == "dana@example.org"
    assert sent["Reply-To"] == delivery.reply_address  # the reporter's answer threads back
    assert sent["From"] == ADDRESS
    assert report.key in sent["Subject"]
    body = sent.get_content()
    assert report.key in body
    assert "privately" in body
    assert "Next step: fix team formed, due by" in body  # the policy's next dated step
    email = OutboundEmail.objects.get()
    assert email.sent_at is not None
    assert (email.attempts, email.last_error) == (1, "")


@pytest.mark.usefixtures("project")
def test_sending_meets_the_acknowledgement_deadline(sink: Sink) -> None:
    report = mail_in().report
    assert acknowledgement_deadline(report).met_at is None
    run_worker()
    met = acknowledgement_deadline(report).met_at
    assert met == OutboundEmail.objects.get().sent_at
    assert acknowledgement_deadline(report) not in Deadline.objects.running()


@pytest.mark.usefixtures("project")
def test_running_the_task_twice_sends_once(sink: Sink) -> None:
    mail_in()
    email = OutboundEmail.objects.get()
    assert send_outbound_email.call(email.pk) == "sent"
    assert send_outbound_email.call(email.pk) == "already sent"
    run_worker()  # the task intake enqueued runs too, and finds nothing to do
    assert len(sink.received) == 1
    assert OutboundEmail.objects.get().attempts == 1


@pytest.mark.usefixtures("project")
def test_an_smtp_refusal_leaves_it_unsent_and_a_later_run_sends_it(sink: Sink) -> None:
    sink.refuse = True
    report = mail_in().report
    run_worker()
    email = OutboundEmail.objects.get()
    assert email.sent_at is None
    assert email.attempts == 1
    assert "451" in email.last_error
    assert acknowledgement_deadline(report).met_at is None
    retry = DBTaskResult.objects.filter(status="READY", run_after__isnull=False).get()
    assert retry.args_kwargs["args"] == [email.pk]

    sink.refuse = False
    assert send_outbound_email.call(email.pk) == "sent"
    email.refresh_from_db()
    assert (email.attempts, email.last_error) == (2, "")
    assert email.sent_at is not None
    assert len(sink.received) == 1
    assert acknowledgement_deadline(report).met_at == email.sent_at


@pytest.mark.usefixtures("project")
def test_a_reply_on_the_thread_is_not_acknowledged_again(sink: Sink) -> None:
    delivery = mail_in()
    reply = mail_in("Re: XSS in the dashboard", to=delivery.reply_address)
    assert reply.threaded
    run_worker()
    assert len(sink.received) == 1
    assert OutboundEmail.objects.count() == 1


def test_queueing_twice_owes_one_message(project: Project) -> None:
    report = make_report(project, reporter_email="erin@example.org")
    first = queue_acknowledgement(report, reply_to="security+t@emissary.example.org")
    again = queue_acknowledgement(report, reply_to="security+t@emissary.example.org")
    assert first is not None
    assert first == again
    assert OutboundEmail.objects.count() == 1


def test_a_report_without_a_reporter_address_is_owed_nothing(project: Project) -> None:
    report = make_report(project, reporter_email="")
    assert queue_acknowledgement(report, reply_to="") is None
    assert not OutboundEmail.objects.exists()


def test_reports_made_by_the_desk_itself_send_no_mail(project: Project) -> None:
    make_report(project, reporter_email="erin@example.org")
    assert not OutboundEmail.objects.exists()


def test_without_an_acknowledgement_deadline_in_the_policy_it_just_sends(sink: Sink) -> None:
    Project.objects.create(slug="emissary", name="Emissary", preset="envoy", security_email=ADDRESS)
    report = mail_in().report
    run_worker()
    assert len(sink.received) == 1
    assert not Deadline.objects.filter(report=report, name="acknowledged").exists()
    assert OutboundEmail.objects.get().sent_at is not None


@pytest.mark.usefixtures("project")
def test_a_reporter_by_mail_gets_a_private_link_made_at_sending_and_never_stored(
    sink: Sink, settings: LazySettings, client: Client
) -> None:
    settings.BASE_URL = "https://security.example.org"
    sink.refuse = True
    report = mail_in().report
    run_worker()
    assert not ReporterLink.objects.exists()  # the refused attempt kept no link nobody got

    sink.refuse = False
    assert send_outbound_email.call(OutboundEmail.objects.get().pk) == "sent"
    [sent] = sink.received
    found = re.search(r"https://security\.example\.org(/r/(vdr_[\w-]+)/)", text(sent))
    assert found is not None
    path, token = found.groups()
    assert client.get(path).status_code == 200
    assert report.key in client.get(path).content.decode()
    assert ReporterLink.objects.get().token_digest == digest(token)
    assert token not in OutboundEmail.objects.get().body  # only the digest is kept


@pytest.mark.usefixtures("project")
def test_without_a_base_url_no_link_is_made(sink: Sink) -> None:
    mail_in()
    run_worker()
    assert "/r/" not in text(sink.received[0])
    assert not ReporterLink.objects.exists()
