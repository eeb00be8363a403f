"""Announcements in the outbox: each kind to an audience, by email or webhook, sent by the worker
at its time, retried with backoff, and nothing embargoed to a public channel before its time."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import LazySettings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from time_machine import TimeMachineFixture

from tests.notify.sink import Sink, run_worker, text
from tests.notify.webhook import webhook_server
from vulndesk.desk.models import AuditEvent, Distributor, Project, Report
from vulndesk.desk.models.distributor import (
    DistributorMembership,
    DistributorTerms,
    MembershipState,
    terms_digest,
)
from vulndesk.desk.services.reports import create_report
from vulndesk.notify.models import MAX_ATTEMPTS, OutboundEmail, claim_lease
from vulndesk.notify.outbox import AnnouncementError, queue_announcement, resend
from vulndesk.notify.tasks import send_outbound_email

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
RELEASE_DATE = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
ANNOUNCE = "vitess-announce@googlegroups.com"
Kind, Audience = OutboundEmail.Kind, OutboundEmail.Audience


def file_report(preset: str = "vitess") -> Report:
    project = Project.objects.create(slug=preset, name=preset.title(), preset=preset)
    report = create_report(
        project,
        title="SQL injection in vtgate",
        description="A crafted query escapes the keyspace.",
        reporter_name="Dana Reporter",
        reporter_email="",
        actor=None,
    )
    Report.objects.filter(pk=report.pk).update(release_date=RELEASE_DATE)
    report.refresh_from_db()
    return report


def release_notice(
    report: Report, *, key: str = "release", send_after: datetime = RELEASE_DATE, **where: str
) -> OutboundEmail:
    return queue_announcement(
        report,
        kind=Kind.RELEASE,
        audience=Audience.ANNOUNCE_LIST,
        subject=f"{report.key}: Vitess 19.0.4 fixes CVE-2026-1234",
        body="Upgrade: go install vitess.io/vitess@v19.0.4",
        key=f"{report.key}:{key}",
        send_after=send_after,
        to=where.get("to", "" if where else ANNOUNCE),
        url=where.get("url", ""),
    )


def queue(report: Report, key: str, **fields: Any) -> OutboundEmail:
    """Owe a message whose words do not matter to the test: a retrospective to the team by mail,
    unless `fields` say otherwise (the kind, audience, channel or time the test is about)."""
    fields = {
        "kind": Kind.RETROSPECTIVE,
        "audience": Audience.TEAM,
        "subject": "s",
        "body": "b",
    } | fields
    if "url" not in fields:
        fields.setdefault("to", "secalert@example.org")
    return queue_announcement(report, key=key, **fields)


def pending_tasks() -> list[DBTaskResult[Any, Any]]:
    return list(DBTaskResult.objects.filter(status=TaskResultStatus.READY))


def test_vit_25_the_release_announcement_waits_for_its_time_then_goes_out_once(
    sink: Sink, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=True)
    report = file_report()
    email = release_notice(report)
    again = release_notice(report)  # the same idempotency key: nothing more is owed
    assert again.pk == email.pk
    assert OutboundEmail.objects.count() == 1

    run_worker()
    assert sink.received == []
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("scheduled", 0)

    time_machine.move_to(RELEASE_DATE + timedelta(seconds=1), tick=True)
    run_worker()
    run_worker()
    [sent] = sink.received
    assert sent["To"] == ANNOUNCE
    assert "go install vitess.io/vitess@v19.0.4" in text(sent)
    # Derived from the idempotency key, so every attempt carries the same one.
    assert sent["Message-ID"] == email.message_id_header()
    assert sent["Message-ID"].startswith("<vulndesk-")
    email.refresh_from_db()
    assert (email.state, email.attempts, email.claimed_at) == ("sent", 1, None)
    event = AuditEvent.objects.get(action="mail.sent")
    assert event.data["kind"] == "release"


def test_emi_37_a_webhook_gets_slack_compatible_json(time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(T0, tick=True)
    report = file_report("envoy")
    with webhook_server() as hook:
        email = queue_announcement(
            report,
            kind=Kind.FORTHCOMING_FIX,
            audience=Audience.TEAM,
            subject=f"{report.key}: a fix will be available on 2026-11-30 16:00 UTC",
            body="Mitigation: disable the diagnostics port.",
            key=f"{report.key}:forthcoming:slack",
            url=hook.url,
        )
        run_worker()
    assert hook.received == [
        {
            "text": f"{report.key}: a fix will be available on 2026-11-30 16:00 UTC\n\n"
            "Mitigation: disable the diagnostics port."
        }
    ]
    email.refresh_from_db()
    assert (email.state, email.channel, email.recipient) == ("sent", "webhook", hook.url)


def test_a_failing_webhook_is_retried_with_backoff_and_its_error_kept(
    time_machine: TimeMachineFixture,
) -> None:
    time_machine.move_to(T0, tick=True)
    report = file_report("envoy")
    with webhook_server() as hook:
        hook.status = 500
        email = queue(
            report, "retry", kind=Kind.FORTHCOMING_FIX, subject="notice", body="body", url=hook.url
        )
        run_worker()
        email.refresh_from_db()
        assert (email.state, email.attempts) == ("scheduled", 1)
        assert email.last_error.startswith("HTTPError: HTTP Error 500")
        [retry] = pending_tasks()
        assert retry.run_after == pytest.approx(T0 + timedelta(minutes=2), abs=timedelta(seconds=5))

        hook.status = 200
        time_machine.move_to(T0 + timedelta(minutes=3), tick=True)
        run_worker()
    assert [payload["text"] for payload in hook.received] == ["notice\n\nbody"]
    email.refresh_from_db()
    assert (email.state, email.attempts, email.last_error) == ("sent", 2, "")


def test_an_unreachable_smtp_server_fails_for_good_after_the_last_attempt_and_says_so(
    settings: LazySettings, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=True)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on discard
    report = file_report()
    email = queue(report, "k", kind=Kind.FORTHCOMING_FIX, to="maintainers@example.org")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        [task] = pending_tasks()
        time_machine.move_to(task.run_after + timedelta(seconds=1), tick=True)
        run_worker()
        email.refresh_from_db()
        assert email.attempts == attempt
    assert email.state == "failed"
    assert email.last_error.startswith("ConnectionRefusedError")
    assert pending_tasks() == []
    assert AuditEvent.objects.get(action="mail.failed").data["outbound"] == email.pk


def test_vit_27_an_embargoed_report_reaches_no_public_channel_before_its_release_date(
    time_machine: TimeMachineFixture,
) -> None:
    time_machine.move_to(T0, tick=True)
    report = file_report()
    with pytest.raises(AnnouncementError, match="embargoed until its Release Date 2026-11-30"):
        release_notice(report, key="early", send_after=RELEASE_DATE - timedelta(minutes=1))
    assert OutboundEmail.objects.count() == 0
    Report.objects.filter(pk=report.pk).update(release_date=None)
    report.refresh_from_db()
    with pytest.raises(AnnouncementError, match="has no Release Date"):
        release_notice(report)


def test_a_release_date_moved_later_holds_a_queued_public_message_at_send_time(
    sink: Sink, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=True)
    report = file_report()
    email = release_notice(report)
    later = RELEASE_DATE + timedelta(days=2)
    Report.objects.filter(pk=report.pk).update(release_date=later)

    time_machine.move_to(RELEASE_DATE + timedelta(seconds=1), tick=True)
    run_worker()
    assert sink.received == []
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("scheduled", 0)
    assert "embargoed until its Release Date 2026-12-02 16:00 UTC" in email.last_error
    [held] = pending_tasks()
    assert held.run_after == later

    time_machine.move_to(later + timedelta(seconds=1), tick=True)
    run_worker()
    assert len(sink.received) == 1


def test_a_published_report_may_be_announced_at_once(sink: Sink) -> None:
    report = file_report()
    Report.objects.filter(pk=report.pk).update(published_at=datetime.now(UTC))
    report.refresh_from_db()
    queue(report, "now", kind=Kind.RELEASE, audience=Audience.ANNOUNCE_LIST, to=ANNOUNCE)
    run_worker()
    assert len(sink.received) == 1


def test_kar_36_a_distributor_gets_nothing_embargoed_without_the_current_terms() -> None:
    report = file_report("karmada")
    acme = Distributor.objects.create(slug="acme", name="Acme", email="security@acme.example")
    terms = DistributorTerms.objects.create(
        project=report.project, version=1, text="Keep it quiet.", digest=terms_digest("Keep.")
    )
    membership = DistributorMembership.objects.create(
        project=report.project, distributor=acme, state=MembershipState.APPROVED
    )

    def notice(key: str) -> OutboundEmail:
        return queue(
            report,
            key,
            kind=Kind.DISTRIBUTOR_NOTICE,
            audience=Audience.DISTRIBUTORS,
            to="security@acme.example",
        )

    with pytest.raises(AnnouncementError, match="bound by its current embargo terms"):
        notice("unbound")
    membership.terms = terms
    membership.save()
    assert notice("bound").to == "security@acme.example"
    DistributorTerms.objects.create(
        project=report.project, version=2, text="New.", digest=terms_digest("New.")
    )
    with pytest.raises(AnnouncementError, match="bound by its current embargo terms"):
        notice("terms v2 not accepted")


def test_vit_27_a_project_without_a_distributors_list_sends_distributors_nothing() -> None:
    report = file_report("vitess")
    with pytest.raises(AnnouncementError, match="no distributors list"):
        queue(
            report,
            "k",
            kind=Kind.DISTRIBUTOR_NOTICE,
            audience=Audience.DISTRIBUTORS,
            to="security@acme.example",
        )


def test_bad_addresses_are_refused_saying_what_to_give() -> None:
    report = file_report()
    common = {"kind": Kind.RETROSPECTIVE, "audience": Audience.TEAM, "subject": "s", "body": "b"}
    with pytest.raises(AnnouncementError, match="exactly one of to"):
        queue_announcement(report, key="a", **common)  # type: ignore[arg-type]
    with pytest.raises(AnnouncementError, match="not an http"):
        queue_announcement(report, key="b", url="file:///etc/passwd", **common)  # type: ignore[arg-type]


def test_the_task_is_idempotent_run_twice_it_sends_once(sink: Sink) -> None:
    report = file_report()
    email = queue(report, "twice")
    send_outbound_email.enqueue(email.pk)
    run_worker()
    assert len(sink.received) == 1


def test_a_message_claimed_by_a_live_worker_is_not_taken_over_before_its_lease_ends(
    sink: Sink, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=True)
    report = file_report()
    email = queue(report, "claimed")
    OutboundEmail.objects.filter(pk=email.pk).update(claimed_at=T0, attempts=1)
    run_worker()
    assert sink.received == []
    [later] = pending_tasks()
    assert later.run_after == T0 + claim_lease()

    # The claimant died: at the lease's end the message is sent, the interruption counted.
    time_machine.move_to(T0 + claim_lease() + timedelta(seconds=1), tick=True)
    run_worker()
    assert len(sink.received) == 1
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("sent", 2)


def test_a_message_a_live_worker_is_sending_is_not_sent_again_by_hand(
    time_machine: TimeMachineFixture,
) -> None:
    time_machine.move_to(T0, tick=True)
    report = file_report()
    email = queue(report, "busy")
    OutboundEmail.objects.filter(pk=email.pk).update(claimed_at=T0, attempts=1)
    with pytest.raises(AnnouncementError, match="being sent by a worker now"):
        resend(email, actor=None)
    email.refresh_from_db()
    assert email.state == "sending"
    time_machine.move_to(T0 + claim_lease() + timedelta(seconds=1), tick=True)
    assert email.state == "interrupted"
    assert resend(email, actor=None).attempts == 0


def test_a_sent_message_whose_step_the_policy_lacks_meets_no_deadline(sink: Sink) -> None:
    """Issue 8 item 2: Vitess's policy has no retrospective step (EMI-46 is Emissary's), so a
    retrospective sent anyway meets nothing and the send stands."""
    report = file_report("vitess")
    open_before = list(report.deadlines.filter(met_at=None).values_list("name", flat=True))
    email = queue(report, "retro")
    run_worker()
    email.refresh_from_db()
    assert email.state == "sent"
    assert not report.deadlines.filter(name="retrospective_sent").exists()
    assert list(report.deadlines.filter(met_at=None).values_list("name", flat=True)) == open_before
    assert not AuditEvent.objects.filter(action="deadline.met").exists()


def test_kar_36_a_distributor_no_longer_bound_at_send_time_is_refused_once_for_good(
    sink: Sink, time_machine: TimeMachineFixture
) -> None:
    """KAR-36: terms republished after the notice was queued, worker first run after the
    Release Date: the notice ends refused with why, is not queued again, and is not sent once
    the report is published either (it was embargoed, and Acme never accepted terms v2)."""
    time_machine.move_to(T0, tick=True)
    report = file_report("karmada")
    acme = Distributor.objects.create(slug="acme", name="Acme", email="security@acme.example")
    terms = DistributorTerms.objects.create(
        project=report.project, version=1, text="Keep it quiet.", digest=terms_digest("Keep.")
    )
    DistributorMembership.objects.create(
        project=report.project, distributor=acme, state=MembershipState.APPROVED, terms=terms
    )
    email = queue(
        report,
        "notice",
        kind=Kind.DISTRIBUTOR_NOTICE,
        audience=Audience.DISTRIBUTORS,
        to="security@acme.example",
        send_after=T0 + timedelta(days=1),
    )
    # Written straight to the table: whatever path unbinds the member without planning again.
    DistributorTerms.objects.create(
        project=report.project, version=2, text="New.", digest=terms_digest("New.")
    )

    time_machine.move_to(RELEASE_DATE + timedelta(hours=1), tick=True)
    run_worker()
    assert sink.received == []
    assert pending_tasks() == []
    email.refresh_from_db()
    assert email.state == "failed"
    assert "not an approved distributor of karmada bound by its current embargo terms" in (
        email.last_error
    )
    assert AuditEvent.objects.get(action="mail.refused").data["outbound"] == email.pk

    Report.objects.filter(pk=report.pk).update(published_at=datetime.now(UTC))
    send_outbound_email.enqueue(email.pk)  # a stray task, e.g. from recovery
    run_worker()
    assert sink.received == []
    email.refresh_from_db()
    assert (email.state, email.sent_at) == ("failed", None)
