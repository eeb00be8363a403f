"""Files sent by mail become attachments the team can open, by the form's allow-list."""

import smtplib
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from tests.intake.wire import mail, send
from vulndesk.desk.models import Attachment, InboundMessage, Report

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256))


def test_an_allowed_attachment_is_stored_with_the_same_bytes(smtp: smtplib.SMTP) -> None:
    message = mail()
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="advisory.pdf")
    assert send(smtp, message.as_bytes(policy=policy.SMTP))[0] == 250
    report = Report.objects.get()
    attachment = Attachment.objects.get()
    assert (attachment.report, attachment.message) == (report, None)  # next to form uploads
    assert (attachment.original_filename, attachment.content_type) == (
        "advisory.pdf",
        "application/pdf",
    )
    assert attachment.size == len(PDF)
    assert attachment.path.read_bytes() == PDF


def test_a_disallowed_attachment_is_listed_as_not_kept_with_the_reason(
    smtp: smtplib.SMTP,
) -> None:
    message = mail()
    message.add_attachment(EXE, maintype="application", subtype="octet-stream", filename="x.exe")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="notes.pdf")
    raw = message.as_bytes(policy=policy.SMTP)
    assert send(smtp, raw)[0] == 250
    assert [a.original_filename for a in Attachment.objects.all()] == ["notes.pdf"]
    reason = "x.exe is not plain text, PDF, PNG, JPEG or zip (judged by its content)"
    assert InboundMessage.objects.get().attachments == [
        {
            "name": "x.exe",
            "content_type": "application/octet-stream",
            "size": len(EXE),
            "kept": False,
            "reason": reason,
        },
        {"name": "notes.pdf", "content_type": "application/pdf", "size": len(PDF), "kept": True},
    ]
    description = Report.objects.get().description
    assert f"- `x.exe` (application/octet-stream, {len(EXE)} bytes): not attached: {reason}" in (
        description
    )
    assert f"- `notes.pdf` (application/pdf, {len(PDF)} bytes): attached to the report" in (
        description
    )
    # A refused file stays in the raw message, where the team can still get it out.
    assert bytes(InboundMessage.objects.get().raw) == raw
    kept_raw = message_from_bytes(raw, policy=policy.default)
    assert isinstance(kept_raw, EmailMessage)
    [exe, _] = kept_raw.iter_attachments()
    assert exe.get_content() == EXE


def test_a_file_labelled_octet_stream_is_judged_by_its_name_and_content(
    smtp: smtplib.SMTP,
) -> None:
    message = mail()
    message.add_attachment(PDF, maintype="application", subtype="octet-stream", filename="r.pdf")
    assert send(smtp, message.as_bytes(policy=policy.SMTP))[0] == 250
    assert Attachment.objects.get().content_type == "application/pdf"


def test_a_file_whose_content_belies_its_type_is_not_kept(smtp: smtplib.SMTP) -> None:
    message = mail()
    message.add_attachment(EXE, maintype="application", subtype="pdf", filename="invoice.pdf")
    assert send(smtp, message.as_bytes(policy=policy.SMTP))[0] == 250
    assert not Attachment.objects.exists()
    [item] = InboundMessage.objects.get().attachments
    assert item["kept"] is False
    assert "judged by its content" in item["reason"]


def test_an_inline_screenshot_without_a_name_is_kept_too(smtp: smtplib.SMTP) -> None:
    message = mail()
    png = b"\x89PNG\r\n\x1a\nscreenshot"
    message.add_related(png, maintype="image", subtype="png", cid="<shot@example.org>")
    assert send(smtp, message.as_bytes(policy=policy.SMTP))[0] == 250
    attachment = Attachment.objects.get()
    assert (attachment.original_filename, attachment.content_type) == (
        "unnamed attachment",
        "image/png",
    )


def test_only_the_first_five_allowed_files_are_attached(smtp: smtplib.SMTP) -> None:
    message = mail()
    for number in range(6):
        message.add_attachment(f"log {number}\n", filename=f"log{number}.txt")
    assert send(smtp, message.as_bytes(policy=policy.SMTP))[0] == 250
    assert Attachment.objects.count() == 5
    last = InboundMessage.objects.get().attachments[-1]
    assert (last["name"], last["kept"]) == ("log5.txt", False)
    assert last["reason"] == "only the first 5 files of a message are kept"


def test_malformed_mime_with_an_attachment_is_stored_and_flagged_not_dropped(
    smtp: smtplib.SMTP,
) -> None:
    raw = (
        b"From: dana@example.org\r\nTo: security@emissary.example.org\r\nSubject: Half a mail\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nRCE, proof attached\r\n"
        b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
        b'filename="poc.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjc\r\n'
    )  # the closing boundary never comes, and the base64 is cut short
    assert send(smtp, raw)[0] == 250
    stored = InboundMessage.objects.get()
    assert stored.malformed
    assert "CloseBoundaryNotFoundDefect" in stored.problem
    assert bytes(stored.raw) == raw
    assert Report.objects.get().title == "Half a mail"
    assert [item["name"] for item in stored.attachments] == ["poc.pdf"]
