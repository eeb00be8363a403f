"""A Fix Team invitation by email, end to end through a real SMTP server: the mail, its
one-time link, the sign-in, the acceptance, and the report, seen by that member alone."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller
from django.conf import LazySettings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import sign_in
from tests.desk.factories import make_project, make_report, make_user
from tests.intake.wire import free_port
from tests.notify.sink import Sink, run_worker, text
from vulndesk.desk.models import AuditEvent, FixTeamMember, Project, Report
from vulndesk.desk.services import fix_team
from vulndesk.lib.tokens import digest
from vulndesk.notify.models import OutboundEmail

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
# The worker runs as its own process would, on its own connection: the rows must be committed.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def emissary() -> Project:
    return make_project("emissary", preset="envoy")


@pytest.fixture
def lead(emissary: Project) -> User:
    return make_user("bob")


@pytest.fixture
def report(emissary: Project, lead: User) -> Report:
    return make_report(emissary, fix_lead=lead, state="fixing")


@pytest.fixture
def sink(settings: LazySettings) -> Iterator[Sink]:
    port = free_port()
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 10
    settings.BASE_URL = "http://testserver"
    try:
        yield handler
    finally:
        controller.stop()


def test_an_invitation_by_email_is_mailed_and_accepted_through_its_one_time_link(
    client: Client, emissary: Project, report: Report, lead: User, sink: Sink
) -> None:
    sibling = make_report(emissary)
    invitation = fix_team.invite(report, actor=lead, email="gus@example.org")
    outbound = OutboundEmail.objects.get(kind=OutboundEmail.Kind.FIX_TEAM_INVITATION)
    assert "vdi_" not in outbound.body  # the token is made at sending, never stored
    run_worker()
    [mail] = sink.received
    assert mail["To"] == "gus@example.org"
    assert report.title not in text(mail)
    link = re.search(r"http://testserver(/fix-team/accept/(vdi_\S+)/)", text(mail))
    assert link is not None
    path, token = link.groups()
    invitation.refresh_from_db()
    assert invitation.invite_token_digest == digest(token)

    # The link asks for a sign-in first, then binds the invitation to that account.
    anonymous = Client().get(path)
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]
    gus = make_user("gus")
    sign_in(client, gus)
    assert client.get(path).status_code == 200
    assert FixTeamMember.objects.get(pk=invitation.pk).accepted_at is None  # opening is not yes
    accepted = client.post(path, {"action": "accept"})
    assert accepted.status_code == 302
    assert accepted["Location"] == report.get_absolute_url()
    assert client.get(report.get_absolute_url()).status_code == 200
    assert client.get(sibling.get_absolute_url()).status_code == 404
    invitation.refresh_from_db()
    assert (invitation.user, invitation.invite_token_digest) == (gus, "")
    accepted_event = AuditEvent.objects.get(action="fix_team.accepted")
    assert (accepted_event.actor, accepted_event.data["by"]) == (gus, "email link")
    # One time: the link opens nothing now, for anyone.
    assert sign_in(Client(), make_user("hal")).get(path).status_code == 404
    assert client.post(path, {"action": "accept"}).status_code == 404


def test_a_withdrawn_invitation_by_email_sends_no_link(
    report: Report, lead: User, sink: Sink
) -> None:
    invitation = fix_team.invite(report, actor=lead, email="gus@example.org")
    fix_team.remove(invitation, actor=lead, reason="wrong person")
    run_worker()
    [mail] = sink.received
    assert "/fix-team/accept/" not in text(mail)
    assert "withdrawn" in text(mail)


def test_an_invited_user_is_mailed_where_to_answer(report: Report, lead: User, sink: Sink) -> None:
    make_user("erin")
    fix_team.invite(report, actor=lead, username="erin")
    run_worker()
    [mail] = sink.received
    assert mail["To"] == "erin@example.org"
    answer = reverse("report-fix-team-accept", args=["emissary", report.number])
    assert f"http://testserver{answer}" in text(mail)
