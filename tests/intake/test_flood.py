"""One envelope sender files at most N messages an hour; beyond it, 451 4.7.1 and try later."""

import smtplib
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from time_machine import TimeMachineFixture

from tests.intake.conftest import Connect
from tests.intake.wire import ADDRESS, mail, send
from vulndesk.desk.models import InboundMessage, Project, Report
from vulndesk.desk.services.intake import issue_reply_address

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OTHER = "security@vitess.example.org"
# The Vitess preset names no private channel (VIT-2): this project takes mail.
TAKES_MAIL = {"intake": {"channels": ["email"]}}


def wire(number: int) -> bytes:
    return mail(f"Report {number}", message_id=f"<m{number}@example.org>").as_bytes(
        policy=policy.SMTP
    )


def refusal(first_kept: datetime, limit: int, sender: str = "dana@example.org") -> str:
    retry = first_kept + timedelta(hours=1)
    return (
        f"4.7.1 <{sender}> has sent {limit} messages in the last hour, the most accepted from "
        f"one sender; try again after {retry:%Y-%m-%d %H:%M} UTC"
    )


def test_the_sender_past_the_limit_gets_451_and_nothing_accepted_is_lost(
    connect: Connect, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=True)
    smtp = connect(per_sender=3)
    for number in range(3):
        assert send(smtp, wire(number))[0] == 250
    first = InboundMessage.objects.earliest("received_at").received_at

    code, reply = send(smtp, wire(3))  # refused at RCPT, before the data is sent

    assert (code, reply.decode()) == (451, refusal(first, 3))
    assert InboundMessage.objects.count() == 3
    assert sorted(Report.objects.values_list("title", flat=True)) == [
        "Report 0",
        "Report 1",
        "Report 2",
    ]
    assert send(smtp, wire(4), sender="erin@example.org")[0] == 250  # another sender

    time_machine.move_to(T0 + timedelta(hours=1, minutes=1), tick=True)
    code, reply = send(smtp, wire(3))  # the sending server's retry, after the hour
    assert (code, reply.decode()) == (250, f"OK: filed as {Report.objects.latest('number').key}")
    assert Report.objects.count() == 5
    assert InboundMessage.objects.filter(envelope_from="dana@example.org").count() == 4


def test_replies_that_thread_onto_a_report_count_too(connect: Connect) -> None:
    smtp = connect(per_sender=2)
    assert send(smtp, wire(0))[0] == 250
    with transaction.atomic():
        reply_to = issue_reply_address(Report.objects.get())
    assert send(smtp, wire(1), to=reply_to)[0] == 250
    code, reply = send(smtp, wire(2), to=reply_to)
    assert code == 451
    assert reply.startswith(b"4.7.1 <dana@example.org> has sent 2 messages in the last hour")


def test_one_sender_is_counted_whatever_the_case_of_its_address(connect: Connect) -> None:
    smtp = connect(per_sender=1)
    assert send(smtp, wire(0), sender="Dana@Example.ORG")[0] == 250
    assert send(smtp, wire(1), sender="dana@example.org")[0] == 451
    assert InboundMessage.objects.get().envelope_from == "dana@example.org"


def test_each_recipient_of_one_transaction_counts_as_a_message(connect: Connect) -> None:
    Project.objects.create(
        slug="vitess",
        name="Vitess",
        preset="vitess",
        security_email=OTHER,
        policy_overrides=TAKES_MAIL,
    )
    smtp = connect(per_sender=1)
    smtp.ehlo()
    smtp.mail("dana@example.org")
    assert smtp.rcpt(ADDRESS)[0] == 250
    code, reply = smtp.rcpt(OTHER)
    assert code == 451
    assert b"has sent 1 messages in the last hour" in reply
    assert smtp.data(wire(0))[0] == 250  # goes to the recipient that was accepted
    assert InboundMessage.objects.get().envelope_to == ADDRESS


def test_a_limit_reached_while_the_message_was_on_its_way_refuses_before_storing(
    connect: Connect,
) -> None:
    slow, fast = connect(per_sender=1), connect(per_sender=1)
    slow.ehlo()
    slow.mail("dana@example.org")
    assert slow.rcpt(ADDRESS)[0] == 250  # nothing stored from dana yet
    assert send(fast, wire(0))[0] == 250  # meanwhile another connection takes the one place
    code, reply = slow.data(wire(1))
    assert code == 451
    assert reply.startswith(b"4.7.1 <dana@example.org> has sent 1 messages")
    assert list(InboundMessage.objects.values_list("subject", flat=True)) == ["Report 0"]


def test_a_temporary_failure_for_one_recipient_stores_none_so_a_retry_stores_once(
    connect: Connect,
) -> None:
    vitess = Project.objects.create(
        slug="vitess",
        name="Vitess",
        preset="vitess",
        security_email=OTHER,
        policy_overrides=TAKES_MAIL,
    )
    smtp = connect()
    smtp.ehlo()
    smtp.mail("dana@example.org")
    assert smtp.rcpt(ADDRESS)[0] == 250
    assert smtp.rcpt(OTHER)[0] == 250
    vitess.security_email = "security-new@vitess.example.org"  # moved between RCPT and DATA
    vitess.save()

    code, reply = smtp.data(wire(0))

    assert (code, reply) == (451, b"4.3.0 the message could not be filed; please try again later")
    assert not InboundMessage.objects.exists()  # the emissary copy was not kept either
    refused = smtp.sendmail("dana@example.org", [ADDRESS, OTHER], wire(0))  # the retry
    assert refused == {OTHER: (550, f"5.1.1 <{OTHER}> is not the security address of any "
                                    "project here".encode())}  # fmt: skip
    assert InboundMessage.objects.get().envelope_to == ADDRESS  # stored once
    assert Report.objects.count() == 1


def test_the_same_recipient_twice_in_one_transaction_files_one_report(connect: Connect) -> None:
    smtp = connect()
    assert smtp.sendmail("dana@example.org", [ADDRESS, ADDRESS.upper()], wire(0)) == {}
    assert Report.objects.count() == 1


def test_smtpd_refuses_a_limit_below_one_message() -> None:
    with pytest.raises(CommandError, match="--per-sender must be at least 1"):
        call_command("smtpd", "--per-sender", "0")


def test_a_sending_server_sees_the_flood_refusal_as_temporary(connect: Connect) -> None:
    smtp = connect(per_sender=1)
    assert send(smtp, wire(0))[0] == 250
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        smtp.sendmail("dana@example.org", [ADDRESS], wire(1))
    [(code, reply)] = refused.value.recipients.values()
    assert code == 451  # smtplib's own client sees a temporary refusal, not a bounce
    assert b"try again after" in reply
