"""Mail to a project's security address becomes a report, or threads onto the one it answers.

Nothing that arrives is dropped: the raw bytes are kept, and mail the parser cannot fully read
is flagged as malformed and still becomes a report with whatever could be read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from vulndesk.desk.models import ChannelChoices, InboundMessage, Project, ReplyAddress, Report
from vulndesk.desk.models.message import MAX_MESSAGE_BYTES
from vulndesk.desk.services import audit
from vulndesk.desk.services.reports import create_report
from vulndesk.lib.tokens import digest, new_token
from vulndesk.notify.outbox import queue_acknowledgement

REPLY_TOKEN_PREFIX = "vdm"  # noqa: S105  # the token's visible prefix, not a secret
TITLE_LENGTH = 300  # Report.title
NAME_LENGTH = 200  # Report.reporter_name


@dataclass(frozen=True)
class Recipient:
    project: Project
    # The report a `security+<token>@…` address answers; None for mail that starts a report.
    report: Report | None


@dataclass(frozen=True)
class Delivery:
    message: InboundMessage
    report: Report
    threaded: bool
    # For a new report: where the reporter's replies go. Shown once; only its digest is kept.
    reply_address: str


def find_recipient(address: str) -> Recipient | None:
    """The project (and report, for a reply address) mail to `address` is for, or None."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local:
        return None
    base, plus, token = local.partition("+")
    project = Project.objects.filter(security_email__iexact=f"{base}@{domain}").first()
    if project is None:
        return None
    # A stale or mistyped token still reaches the team, as a new report: mail is never lost.
    reply = ReplyAddress.objects.filter(token_digest=digest(token), report__project=project)
    found = reply.select_related("report").first() if plus and token else None
    return Recipient(project, found.report if found is not None else None)


def issue_reply_address(report: Report) -> str:
    """A fresh `security+<token>@…` address whose mail threads onto `report`.

    Call inside transaction.atomic().
    """
    raw, token_digest = new_token(REPLY_TOKEN_PREFIX)
    reply = ReplyAddress.objects.create(report=report, token_digest=token_digest)
    audit.record("mail.reply_address_issued", actor=None, report=report, data={"id": reply.pk})
    local, _, domain = report.project.security_email.rpartition("@")
    return f"{local}+{raw}@{domain}"


def receive(raw: bytes, *, envelope_from: str, envelope_to: str) -> Delivery:
    """Store one message to `envelope_to` and make or extend its report.

    Raises ValueError when the message is too large or nobody at `envelope_to` takes reports.
    """
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ValueError(f"the message is {len(raw)} bytes; at most {MAX_MESSAGE_BYTES} are kept")
    recipient = find_recipient(envelope_to)
    if recipient is None:
        raise ValueError(f"{envelope_to} is not the security address of any project")
    parsed = _parse(raw)
    with transaction.atomic():
        message = InboundMessage.objects.create(
            envelope_from=envelope_from[:320],
            envelope_to=envelope_to[:320],
            subject=parsed.subject[:1000],
            message_id=parsed.message_id[:1000],
            raw=raw,
            attachments=parsed.attachments,
            malformed=bool(parsed.problems),
            problem="; ".join(parsed.problems),
        )
        reply_address = ""
        if recipient.report is not None:
            report = recipient.report
        else:
            name, address = _reporter(parsed.sender, envelope_from)
            report = create_report(
                recipient.project,
                title=_title(parsed.subject, address or envelope_from),
                description=_description(parsed.body, parsed.attachments),
                reporter_name=name,
                reporter_email=address,
                received_at=message.received_at,
                channel=ChannelChoices.EMAIL,
                actor=None,
            )
            reply_address = issue_reply_address(report)
            # Answered by the worker after the commit; a reply threads onto the report.
            queue_acknowledgement(report, reply_to=reply_address)
        message.report = report
        message.save(update_fields=["report"])
        audit.record(
            "mail.received",
            actor=None,
            report=report,
            data={
                "message": message.pk,
                "message_id": message.message_id,
                "from": message.envelope_from,
                "to": message.envelope_to,
                "bytes": len(raw),
                "attachments": len(parsed.attachments),
                "threaded": recipient.report is not None,
                "malformed": message.malformed,
                "problem": message.problem,
            },
        )
    return Delivery(message, report, recipient.report is not None, reply_address)


@dataclass(frozen=True)
class _Parsed:
    subject: str
    message_id: str
    sender: str
    body: str
    attachments: list[dict[str, Any]]
    problems: list[str]


def _parse(raw: bytes) -> _Parsed:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    problems: list[str] = []
    subject = _header(message, "subject", problems)
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = _text(body_part, problems) if body_part is not None else ""
    attachments = []
    for part in message.walk():
        problems += [f"{type(d).__name__}: {d}".rstrip(": ") for d in part.defects]
        if part.is_multipart() or part is body_part:
            continue
        name = part.get_filename()
        if name is None and part.get_content_disposition() != "attachment":
            if not body:  # a text part get_body did not choose is still the reporter's words
                body = _text(part, problems) if part.get_content_maintype() == "text" else ""
            continue
        payload = part.get_payload(decode=True)
        attachments.append(
            {
                "name": name or "",
                "content_type": part.get_content_type(),
                "size": len(payload) if isinstance(payload, bytes) else 0,
            }
        )
    return _Parsed(
        subject=" ".join(subject.split()),
        message_id=_header(message, "message-id", problems).strip(),
        sender=_header(message, "from", problems),
        body=body.strip(),
        attachments=attachments,
        problems=list(dict.fromkeys(problems)),
    )


def _header(message: EmailMessage, name: str, problems: list[str]) -> str:
    try:
        return str(message.get(name, ""))
    except (ValueError, IndexError, TypeError) as exc:  # a header the parser chokes on
        problems.append(f"{name} header unreadable: {exc}")
        return ""


def _text(part: MIMEPart, problems: list[str]) -> str:
    """The part's text, whatever its charset; HTML is reduced to its text."""
    try:
        text = part.get_content()
    except (LookupError, ValueError, AssertionError, KeyError) as exc:
        problems.append(f"{part.get_content_type()} part unreadable as declared: {exc}")
        payload = part.get_payload(decode=True)
        # Latin-1 decodes any byte, so the text survives even under an unknown charset.
        text = payload.decode("latin-1") if isinstance(payload, bytes) else str(payload)
    if not isinstance(text, str):
        return ""
    return _html_to_text(text) if part.get_content_subtype() == "html" else text


class _TextOfHtml(HTMLParser):
    """Only the text between the tags; nothing of the markup survives to be rendered."""

    BLOCKS = {"p", "div", "br", "li", "tr", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}
    HIDDEN = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.chunks.append("\n\n" if tag == "p" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.chunks.append(data)


def _html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.chunks).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _reporter(sender: str, envelope_from: str) -> tuple[str, str]:
    """The reporter's name and address, from the From header or else the envelope."""
    name, address = next(iter(getaddresses([sender])), ("", ""))
    for candidate in (address, envelope_from):
        try:
            validate_email(candidate)
        except ValidationError:
            continue
        return name[:NAME_LENGTH], candidate
    return name[:NAME_LENGTH], ""


def _title(subject: str, sender: str) -> str:
    title = subject or f"(no subject) mail from {sender or 'an unknown sender'}"
    return title[:TITLE_LENGTH]


def _description(body: str, attachments: list[dict[str, Any]]) -> str:
    if not attachments:
        return body
    lines = [body, "", "Attachments (kept in the stored message, not opened):"]
    for item in attachments:
        name = item["name"].replace("`", "'") or "unnamed"
        lines.append(f"- `{name}` ({item['content_type']}, {item['size']} bytes)")
    return "\n".join(lines).strip()
