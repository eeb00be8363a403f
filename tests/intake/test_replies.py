"""A reply to a report's reply address becomes a message on the reporter's thread."""

import smtplib
import threading
from email import policy

import pytest
from django.db import connection, transaction

from tests.desk.factories import make_member, make_user
from tests.intake.wire import mail, send
from vulndesk.desk.access import reports_visible_to
from vulndesk.desk.management.commands.smtpd import _deliver
from vulndesk.desk.models import Attachment, InboundMessage, Project, Report, ReporterMessage
from vulndesk.desk.services.intake import issue_reply_address, trim_quoted

PDF = b"%PDF-1.7\n%%EOF\n"
REPLY = """Yes, it also works on /y, log attached.

On Mon, 23 Nov 2026 at 09:00, Emissary Security <security+vdm_x@emissary.example.org> wrote:
> thank you for your report. We have received it and filed it as EMISSARY-1.
>
> To add information, simply reply to this message.
"""


def reply_address(report: Report) -> str:
    with transaction.atomic():
        return issue_reply_address(report)


@pytest.mark.django_db(transaction=True)
def test_a_reply_becomes_a_thread_message_without_the_quoted_mail(smtp: smtplib.SMTP) -> None:
    assert send(smtp, mail().as_bytes(policy=policy.SMTP))[0] == 250
    report = Report.objects.get()
    reply = mail("Re: XSS in the dashboard", REPLY, message_id="<m2@example.org>")
    reply.add_attachment(PDF, maintype="application", subtype="pdf", filename="y.pdf")

    code, _ = send(smtp, reply.as_bytes(policy=policy.SMTP), to=reply_address(report))

    assert code == 250
    message = ReporterMessage.objects.get()
    assert (message.report, message.from_reporter, message.via) == (
        report,
        True,
        ReporterMessage.Via.MAIL,
    )
    assert message.inbound_message == InboundMessage.objects.get(message_id="<m2@example.org>")
    assert message.body == "Yes, it also works on /y, log attached."
    attachment = Attachment.objects.get()
    assert (attachment.report, attachment.message) == (report, message)
    assert attachment.path.read_bytes() == PDF
    report.refresh_from_db()
    assert "/y" not in report.description  # the report's own text is not rewritten


@pytest.mark.django_db(transaction=True)
def test_an_html_only_reply_loses_its_blockquoted_mail_too(smtp: smtplib.SMTP) -> None:
    assert send(smtp, mail().as_bytes(policy=policy.SMTP))[0] == 250
    reply = mail("Re: XSS", message_id="<m2@example.org>")
    reply.set_content(
        "<div>It works on <b>/y</b> too.</div><div>Dana</div>"
        '<div class="gmail_quote">On Mon, 23 Nov 2026, Emissary Security wrote:<br>'
        "<blockquote><p>We have received it.</p><blockquote>Nested</blockquote></blockquote>"
        "</div>",
        subtype="html",
    )
    raw = reply.as_bytes(policy=policy.SMTP)
    send(smtp, raw, to=reply_address(Report.objects.get()))
    assert ReporterMessage.objects.get().body == "It works on /y too.\n\nDana"
    stored = InboundMessage.objects.get(message_id="<m2@example.org>")
    assert bytes(stored.raw) == raw  # the quote is kept in the stored mail


@pytest.mark.django_db(transaction=True)
def test_a_new_report_in_html_keeps_what_it_quotes_as_quote_lines(smtp: smtplib.SMTP) -> None:
    message = mail()
    message.set_content(
        "<p>Forwarding what a user sent us:</p>"
        "<blockquote>Question<blockquote>Earlier</blockquote>Tail</blockquote>",
        subtype="html",
    )
    assert send(smtp, message.as_bytes(policy=policy.SMTP))[0] == 250
    description = Report.objects.get().description
    assert description == "Forwarding what a user sent us:\n\n> Question\n> > Earlier\n> Tail"


@pytest.mark.django_db(transaction=True)
def test_a_file_refused_in_a_reply_is_named_on_the_thread(smtp: smtplib.SMTP) -> None:
    assert send(smtp, mail().as_bytes(policy=policy.SMTP))[0] == 250
    reply = mail("Re: XSS", "Here is the tool.", message_id="<m2@example.org>")
    reply.add_attachment(b"MZ\x00\x01", maintype="application", subtype="x-msdownload",
                         filename="tool.exe")  # fmt: skip
    send(smtp, reply.as_bytes(policy=policy.SMTP), to=reply_address(Report.objects.get()))
    body = ReporterMessage.objects.get().body
    assert body.startswith("Here is the tool.\n\nAttachments (all kept in the stored message):")
    assert "`tool.exe` (application/x-msdownload, 4 bytes): not attached: tool.exe is not" in body
    assert not Attachment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_mail_files_a_private_report_in_received_with_no_thread_message(
    smtp: smtplib.SMTP, project: Project
) -> None:
    """FOLIO-10, EMI-3: mail to the security address creates a private report in `received`;
    its text is the description, not a thread message."""
    alice, charlie = make_user("alice"), make_user("charlie")
    make_member(project, alice)
    assert send(smtp, mail().as_bytes(policy=policy.SMTP))[0] == 250
    report = Report.objects.get()
    assert report.state == "received"
    assert report.is_embargoed
    assert report.description == "Steps: open /x?q=<svg>"
    assert not ReporterMessage.objects.exists()
    assert list(reports_visible_to(alice)) == [report]
    assert not reports_visible_to(charlie).exists()


def test_an_attribution_and_the_quote_below_it_are_trimmed() -> None:
    assert trim_quoted(REPLY) == "Yes, it also works on /y, log attached."


def test_a_wrapped_attribution_is_trimmed_whole() -> None:
    text = (
        "Confirmed.\n\nOn Mon, Nov 23, 2026 at 9:00 AM Emissary Security <\n"
        "security+vdm_x@emissary.example.org> wrote:\n\n> Can you confirm?\n"
    )
    assert trim_quoted(text) == "Confirmed."


def test_quotes_answered_inline_stay() -> None:
    text = "> Which version?\n1.13.9\n> Which OS?\nLinux\n"
    assert trim_quoted(text) == text.strip()


def test_an_original_message_separator_ends_the_reply() -> None:
    text = "See below.\n\n-----Original Message-----\nFrom: security@emissary.example.org\nHi"
    assert trim_quoted(text) == "See below."


def test_a_reply_that_is_only_a_quote_is_kept_whole() -> None:
    assert trim_quoted("> just the quote\n") == "> just the quote"


def test_a_line_ending_in_wrote_that_introduces_no_quote_stays() -> None:
    text = "The attacker wrote:\n\n    curl -d @payload /upload"
    assert trim_quoted(text) == text


@pytest.mark.django_db(transaction=True)
def test_filing_a_reply_leaves_no_database_connection_open_behind_it(smtp: smtplib.SMTP) -> None:
    """Reading the key for the reply once reopened a connection that nobody closed, so a long
    running receiver held one idle session per reply (and the test database could not be
    dropped)."""
    assert send(smtp, mail().as_bytes(policy=policy.SMTP))[0] == 250
    to = reply_address(Report.objects.get())
    left_open: list[bool] = []

    def deliver() -> None:
        reply = mail("Re: XSS in the dashboard", "Also /z").as_bytes(policy=policy.SMTP)
        assert _deliver(reply, "dana@example.org", [to], 20).startswith("250 OK: filed as")
        left_open.append(connection.connection is not None)

    worker = threading.Thread(target=deliver)  # a thread of its own, as the receiver's
    worker.start()
    worker.join()
    assert left_open == [False]
