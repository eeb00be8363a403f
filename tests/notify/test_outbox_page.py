"""The report page's "Messages" section: each message with its state and error, for the
security team, and the re-send of one that failed (issue 8: a failed delivery is visible and
can be sent again)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.accounts.helpers import sign_in
from tests.desk.factories import make_member, make_project, make_report, make_user
from tests.notify.sink import Sink, run_worker
from vulndesk.desk.models import AuditEvent, Report
from vulndesk.desk.services.announcements import plan_announcements
from vulndesk.desk.views.outbox_section import outbox_section
from vulndesk.notify.models import (
    MAX_ATTEMPTS,
    AnnouncementTemplate,
    OutboundEmail,
    claim_lease,
)
from vulndesk.notify.outbox import queue_announcement

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def report() -> Report:
    return make_report(make_project("vitess", preset="vitess"), title="Leak in vtgate")


def given_up(report: Report) -> OutboundEmail:
    email = queue_announcement(
        report,
        kind=OutboundEmail.Kind.RETROSPECTIVE,
        audience=OutboundEmail.Audience.TEAM,
        subject="Retrospective of the leak",
        body="What went well",
        key="retro",
        to="secalert@example.org",
    )
    OutboundEmail.objects.filter(pk=email.pk).update(
        attempts=MAX_ATTEMPTS, last_error="ConnectionRefusedError: [Errno 111] refused"
    )
    return email


def resend_url(report: Report, email: OutboundEmail) -> str:
    return reverse(
        "report-outbox-resend",
        kwargs={"project": report.project.slug, "number": report.number, "outbound": email.pk},
    )


def test_the_security_team_sees_a_failed_message_and_sends_it_again(
    client: Client, report: Report, sink: Sink
) -> None:
    email = given_up(report)
    sign_in(client, make_member(report.project, make_user("alice")).user)

    page = client.get(report.get_absolute_url()).content.decode()
    assert 'id="outbox"' in page
    assert "failed after 8 attempts" in page
    assert "ConnectionRefusedError: [Errno 111] refused" in page

    answer = client.post(resend_url(report, email))
    assert answer.status_code == 302
    email.refresh_from_db()
    assert (email.state, email.attempts, email.last_error) == ("scheduled", 0, "")
    event = AuditEvent.objects.get(action="mail.resent")
    assert event.actor is not None
    assert event.actor.get_username() == "alice"
    assert event.data["attempts"] == MAX_ATTEMPTS

    run_worker()
    assert [str(sent["To"]) for sent in sink.received] == ["secalert@example.org"]
    page = client.get(report.get_absolute_url()).content.decode()
    assert "sent 20" in page
    assert "Send again" not in page


def test_a_sent_message_is_not_sent_again(client: Client, report: Report) -> None:
    email = given_up(report)
    OutboundEmail.objects.filter(pk=email.pk).update(sent_at=report.created_at)
    sign_in(client, make_member(report.project, make_user("alice")).user)
    answer = client.post(resend_url(report, email))
    assert answer.status_code == 400
    assert "nothing to send again" in answer.content.decode()
    assert not AuditEvent.objects.filter(action="mail.resent").exists()


def test_a_message_a_live_worker_is_sending_offers_no_send_again_until_its_claim_lapses(
    client: Client, report: Report
) -> None:
    """Sending it by hand then could send it twice; the button would only lead to a refusal."""
    email = given_up(report)
    claimed = timezone.now()
    OutboundEmail.objects.filter(pk=email.pk).update(claimed_at=claimed, attempts=1)
    sign_in(client, make_member(report.project, make_user("alice")).user)
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'class="outbound outbound-sending"' in page
    assert resend_url(report, email) not in page

    OutboundEmail.objects.filter(pk=email.pk).update(claimed_at=claimed - 2 * claim_lease())
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'class="outbound outbound-interrupted"' in page
    assert resend_url(report, email) in page


def test_a_reader_who_is_not_on_the_security_team_sees_no_messages(report: Report) -> None:
    given_up(report)
    assert outbox_section(make_user("mallory"), report, "release") is None


def test_the_report_page_previews_an_announcement_with_the_reports_fields(
    client: Client, report: Report
) -> None:
    Report.objects.filter(pk=report.pk).update(cve_id="CVE-2026-1234", mitigation="Block 15999.")
    sign_in(client, make_member(report.project, make_user("alice")).user)
    page = client.get(f"{report.get_absolute_url()}?preview=release").content.decode()
    assert "Subject:</strong> Vitess: CVE-2026-1234 fixed in not released yet" in page
    assert "If you cannot upgrade yet: Block 15999." in page


def test_a_template_naming_a_missing_field_fails_at_preview_on_the_page(
    client: Client, report: Report
) -> None:
    AnnouncementTemplate.objects.create(
        project=report.project, kind="release", subject="{{ key }}", body="{{ fix_version }}"
    )
    sign_in(client, make_member(report.project, make_user("alice")).user)
    page = client.get(f"{report.get_absolute_url()}?preview=release").content.decode()
    assert "The project's template cannot be used: body: {{ fix_version }} is not a field" in page


def test_the_security_team_edits_a_template_and_a_bad_one_is_refused_keeping_the_input(
    client: Client, report: Report
) -> None:
    sign_in(client, make_member(report.project, make_user("alice")).user)
    url = reverse(
        "project-announcement-template", kwargs={"slug": report.project.slug, "kind": "release"}
    )
    page = client.get(url).content.decode()
    assert "{{ cve_id }}" in page  # the default, to start from

    refused = client.post(url, {"subject": "{{ key }} fixed", "body": "Fixed in {{ fixed }}"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "{{ fixed }} is not a field; use one of key, title" in text
    assert "Fixed in {{ fixed }}" in text  # nothing typed is lost
    assert not AnnouncementTemplate.objects.exists()

    saved = client.post(
        url, {"subject": "{{ key }} fixed", "body": "Fixed in {{ fixed_versions }}"}
    )
    assert saved.status_code == 302
    template = AnnouncementTemplate.objects.get(project=report.project, kind="release")
    assert template.body == "Fixed in {{ fixed_versions }}"


def test_a_superseded_message_shows_what_replaces_it_offers_no_send_again_and_never_goes(
    client: Client, report: Report, sink: Sink
) -> None:
    """Issue 8 item 1 (VIT-21): the forthcoming-fix notice for a date that no longer holds."""
    first_date = (timezone.now() + timedelta(days=10)).replace(second=0, microsecond=0)
    moved = first_date + timedelta(days=2)
    Report.objects.filter(pk=report.pk).update(state="fix_ready", release_date=first_date)
    [old] = plan_announcements(report).queued
    Report.objects.filter(pk=report.pk).update(release_date=moved)
    [current] = plan_announcements(report).queued
    sign_in(client, make_member(report.project, make_user("alice")).user)

    page = client.get(report.get_absolute_url()).content.decode()
    assert f'<tr class="outbound outbound-superseded" id="outbound-{old.pk}">' in page
    assert (
        f'superseded (replaced by the <a href="#outbound-{current.pk}">message for '
        f"{moved:%Y-%m-%d %H:%M} UTC</a>)"
    ) in page
    assert resend_url(report, old) not in page
    assert resend_url(report, current) in page  # still waiting: it may be sent again

    run_worker()
    [told] = sink.received
    assert f"will be released on {moved:%Y-%m-%d %H:%M} UTC" in str(told["Subject"])
    old.refresh_from_db()
    assert (old.state, old.attempts) == ("superseded", 0)
