"""A real SMTP client sends to `vulndesk smtpd`'s receiver on loopback; reports come out."""

import smtplib
from email import policy

import pytest
from django.db import transaction

from tests.intake.wire import ADDRESS, MAX_SIZE, mail, send
from vulndesk.desk.models import AuditEvent, InboundMessage, Project, Report
from vulndesk.desk.services.intake import issue_reply_address

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_plain_message_becomes_a_report_and_the_reply_names_it(smtp: smtplib.SMTP) -> None:
    code, reply = send(smtp, mail().as_bytes(policy=policy.SMTP))
    report = Report.objects.get()
    assert (code, reply.decode()) == (250, f"OK: filed as {report.key}")
    assert report.title == "XSS in the dashboard"
    assert report.description == "Steps: open /x?q=<svg>"
    assert (report.reporter_name, report.reporter_email) == ("Dana Reporter", "dana@example.org")
    stored = InboundMessage.objects.get()
    assert stored.report == report
    assert bytes(stored.raw) == mail().as_bytes(policy=policy.SMTP)  # as sent on the wire
    assert (stored.envelope_from, stored.envelope_to) == ("dana@example.org", ADDRESS)
    assert (stored.message_id, stored.malformed) == ("<m1@example.org>", False)
    actions = list(AuditEvent.objects.filter(report=report).values_list("action", flat=True))
    assert actions == ["report.created", "mail.reply_address_issued", "mail.received"]


def test_a_multipart_message_lists_its_attachment_and_keeps_it_raw(smtp: smtplib.SMTP) -> None:
    message = mail()
    png = b"\x89PNG\r\n\x1a\nproof"
    message.add_attachment(png, maintype="image", subtype="png", filename="poc.png")
    assert send(smtp, message.as_bytes())[0] == 250
    report = Report.objects.get()
    assert report.description.startswith("Steps: open /x?q=<svg>")
    assert "- `poc.png` (image/png, 13 bytes): attached to the report" in report.description
    stored = InboundMessage.objects.get()
    assert stored.attachments == [
        {"name": "poc.png", "content_type": "image/png", "size": 13, "kept": True}
    ]
    assert b"poc.png" in bytes(stored.raw)


def test_an_html_only_message_is_reduced_to_its_text(smtp: smtplib.SMTP) -> None:
    message = mail()
    message.set_content(
        "<html><head><style>p{}</style></head><body><p>Open <b>/admin</b></p>"
        "<script>alert(1)</script><p>then &lt;save&gt;</p></body></html>",
        subtype="html",
    )
    assert send(smtp, message.as_bytes())[0] == 250
    assert Report.objects.get().description == "Open /admin\n\nthen <save>"


def test_a_latin_1_message_is_decoded(smtp: smtplib.SMTP) -> None:
    raw = (
        "From: =?iso-8859-1?q?Jos=E9?= <jose@example.org>\r\nTo: security@emissary.example.org\r\n"
        "Subject: =?iso-8859-1?q?Fehler_im_Men=FC?=\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "Größe: überlauf\r\n"
    ).encode("latin-1")
    assert send(smtp, raw)[0] == 250
    report = Report.objects.get()
    assert (report.title, report.reporter_name) == ("Fehler im Menü", "José")
    assert report.description == "Größe: überlauf"


def test_an_oversized_message_is_refused_with_552_and_nothing_is_stored(
    smtp: smtplib.SMTP,
) -> None:
    big = mail(body=("A" * 70 + "\n") * (MAX_SIZE // 70 + 1)).as_bytes(policy=policy.SMTP)
    code, reply = send(smtp, big)
    assert code == 552
    assert b"Too much mail data" in reply
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:  # SIZE= declared up front
        smtp.sendmail("dana@example.org", [ADDRESS], big)
    assert refused.value.smtp_code == 552
    assert b"exceeds fixed maximum message size" in refused.value.smtp_error
    assert not InboundMessage.objects.exists()
    assert not Report.objects.exists()


def test_an_unknown_recipient_is_refused_with_550(smtp: smtplib.SMTP) -> None:
    code, reply = send(smtp, mail().as_bytes(), to="root@emissary.example.org")
    assert code == 550
    assert b"<root@emissary.example.org> is not the security address of any project" in reply
    assert not InboundMessage.objects.exists()


def test_the_security_address_matches_whatever_its_case(smtp: smtplib.SMTP) -> None:
    assert send(smtp, mail().as_bytes(), to="Security@Emissary.Example.ORG")[0] == 250
    assert Report.objects.get().project.slug == "emissary"


def test_a_reply_threads_onto_its_report(smtp: smtplib.SMTP) -> None:
    assert send(smtp, mail().as_bytes(policy=policy.SMTP))[0] == 250
    report = Report.objects.get()
    with transaction.atomic():
        reply_to = issue_reply_address(report)
    assert reply_to.startswith("security+vdm_")
    assert reply_to.endswith("@emissary.example.org")
    code, reply = send(smtp, mail("Re: XSS", "It also works on /y").as_bytes(), to=reply_to)
    assert (code, reply.decode()) == (250, f"OK: filed as {report.key}")
    assert Report.objects.count() == 1
    assert [m.subject for m in InboundMessage.objects.filter(report=report)] == [
        "XSS in the dashboard",
        "Re: XSS",
    ]


def test_a_reply_address_with_a_wrong_token_starts_a_new_report(smtp: smtplib.SMTP) -> None:
    assert send(smtp, mail().as_bytes(), to="security+vdm_guessed@emissary.example.org")[0] == 250
    assert send(smtp, mail().as_bytes(), to="security+vdm_guessed@emissary.example.org")[0] == 250
    assert Report.objects.count() == 2


def test_malformed_mime_is_stored_raw_flagged_and_still_filed(smtp: smtplib.SMTP) -> None:
    raw = (
        b"From: dana@example.org\r\nTo: security@emissary.example.org\r\nSubject: Broken\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="never-used"\r\n\r\n'
        b"RCE via the upload endpoint\r\n"
    )
    assert send(smtp, raw)[0] == 250
    stored = InboundMessage.objects.get()
    assert stored.malformed
    assert "StartBoundaryNotFoundDefect" in stored.problem
    assert bytes(stored.raw) == raw
    report = Report.objects.get()
    assert report.title == "Broken"
    received = AuditEvent.objects.get(action="mail.received")
    assert received.data["malformed"] is True


def test_folio_q1_a_project_that_closes_mail_refuses_new_reports_but_keeps_its_threads(
    smtp: smtplib.SMTP, project: Project
) -> None:
    assert send(smtp, mail().as_bytes())[0] == 250
    report = Report.objects.get()
    with transaction.atomic():
        reply_to = issue_reply_address(report)
    project.policy_overrides = {"intake": {"channels": ["web_form"]}}
    project.save()
    code, reply = send(smtp, mail("Another one").as_bytes())
    assert code == 550
    assert b"is not the security address of any project" in reply
    # A reporter already in a thread is still heard.
    assert send(smtp, mail("Re: XSS", "Also /z").as_bytes(), to=reply_to)[0] == 250
    assert Report.objects.count() == 1
    assert InboundMessage.objects.filter(report=report).count() == 2
