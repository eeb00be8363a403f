"""Mail to a project's security address becomes a report, or threads onto the one it answers.

Nothing that arrives is dropped: the raw bytes are kept, and mail the parser cannot fully read
is flagged as malformed and still becomes a report with whatever could be read. Attachments the
allow-list accepts become the report's files; the rest stay only inside the raw message. One
envelope sender may file at most MAX_MESSAGES_PER_SENDER messages an hour.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from vulndesk.desk.models import (
    ChannelChoices,
    InboundMessage,
    Project,
    ReplyAddress,
    Report,
    ReporterMessage,
)
from vulndesk.desk.models.message import MAX_MESSAGE_BYTES
from vulndesk.desk.services import audit
from vulndesk.desk.services.attachments import MAX_ATTACHMENTS, Upload, attach, check_upload
from vulndesk.desk.services.reports import create_report
from vulndesk.lib.tokens import digest, new_token
from vulndesk.notify.outbox import queue_acknowledgement

REPLY_TOKEN_PREFIX = "vdm"  # noqa: S105  # the token's visible prefix, not a secret
TITLE_LENGTH = 300  # Report.title
NAME_LENGTH = 200  # Report.reporter_name
ADDRESS_LENGTH = 320  # InboundMessage.envelope_from and envelope_to
# A flood from one address is refused with a temporary failure, so a real sender's server
# simply tries again later; what was accepted before stays filed.
MAX_MESSAGES_PER_SENDER = 20
FLOOD_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Recipient:
    project: Project
    # The report a `security+<token>@…` address answers; None for mail that starts a report.
    report: Report | None


@dataclass(frozen=True)
class Delivery:
    message: InboundMessage
    report: Report
    # For a reply that threaded onto `report`: the thread message it became.
    thread_message: ReporterMessage | None
    # For a new report: where the reporter's replies go. Shown once; only its digest is kept.
    reply_address: str

    @property
    def threaded(self) -> bool:
        return self.thread_message is not None


class SenderThrottled(Exception):
    """The envelope sender has sent as many messages as one sender may in FLOOD_WINDOW."""

    def __init__(self, sender: str, limit: int, retry_at: datetime) -> None:
        self.retry_at = retry_at
        who = f"<{sender}>" if sender else "the null sender <>"
        super().__init__(
            f"{who} has sent {limit} messages in the last hour, the most accepted from one "
            f"sender; try again after {retry_at:%Y-%m-%d %H:%M} UTC"
        )


def sender_key(envelope_from: str) -> str:
    """The envelope sender as stored and counted: Dana@… and dana@… are one sender."""
    return envelope_from.strip().lower()[:ADDRESS_LENGTH]


def check_flood(
    envelope_from: str, *, pending: int = 0, limit: int = MAX_MESSAGES_PER_SENDER
) -> None:
    """Raise SenderThrottled if `pending` + 1 more messages would take the sender past `limit`.

    `pending` counts the recipients the sender's current SMTP transaction already has, each of
    which will be stored as a message of its own.
    """
    now = timezone.now()
    recent = InboundMessage.objects.filter(
        envelope_from=sender_key(envelope_from), received_at__gt=now - FLOOD_WINDOW
    )
    excess = recent.count() + pending + 1 - limit
    if excess <= 0:
        return
    # Room for one more opens when the `excess`-th oldest message leaves the window.
    times = recent.order_by("received_at").values_list("received_at", flat=True)
    leaving = list(times[excess - 1 : excess])
    retry_at = (leaving[0] if leaving else now) + FLOOD_WINDOW
    raise SenderThrottled(sender_key(envelope_from), limit, retry_at)


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
    found = reply.select_related("report__project").first() if plus and token else None
    if found is None and not project.intake_channels().email:
        # The policy takes no reports by mail (FOLIO-Q1); replies on a thread still land.
        return None
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


def receive(
    raw: bytes,
    *,
    envelope_from: str,
    envelope_to: str,
    per_sender: int = MAX_MESSAGES_PER_SENDER,
) -> Delivery:
    """Store one message to `envelope_to` and make or extend its report.

    Raises ValueError when the message is too large or nobody at `envelope_to` takes reports,
    and SenderThrottled when its sender has sent `per_sender` messages in the last hour.
    """
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ValueError(f"the message is {len(raw)} bytes; at most {MAX_MESSAGE_BYTES} are kept")
    recipient = find_recipient(envelope_to)
    if recipient is None:
        raise ValueError(f"{envelope_to} is not the security address of any project")
    parsed = _parse(raw)
    files = _judge(parsed.files)
    with transaction.atomic():
        # The project's row serialises its mail on PostgreSQL, so two connections from one
        # sender cannot both count the same last free place (SQLite's IMMEDIATE
        # transactions serialise all writers already).
        Project.objects.select_for_update().only("pk").get(pk=recipient.project.pk)
        check_flood(envelope_from, limit=per_sender)
        message = InboundMessage.objects.create(
            envelope_from=sender_key(envelope_from),
            envelope_to=envelope_to[:ADDRESS_LENGTH],
            subject=parsed.subject[:1000],
            message_id=parsed.message_id[:1000],
            raw=raw,
            attachments=[file.record() for file in files],
            malformed=bool(parsed.problems),
            problem="; ".join(parsed.problems),
        )
        reply_address = ""
        thread_message = None
        if recipient.report is not None:
            report = recipient.report
            thread_message = _thread_message(report, message, parsed.body, files)
        else:
            name, address = _reporter(parsed.sender, envelope_from)
            report = create_report(
                recipient.project,
                title=_title(parsed.subject, address or envelope_from),
                description=_description(parsed.body, files),
                reporter_name=name,
                reporter_email=address,
                received_at=message.received_at,
                channel=ChannelChoices.EMAIL,
                actor=None,
            )
            reply_address = issue_reply_address(report)
            # Answered by the worker after the commit; a reply threads onto the report.
            queue_acknowledgement(report, reply_to=reply_address)
        for file in files:
            if file.kept_as:
                attach(report, file.upload, file.kept_as, message=thread_message)
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
                "attachments": len(files),
                "attachments_kept": sum(1 for file in files if file.kept_as),
                "threaded": thread_message is not None,
                "malformed": message.malformed,
                "problem": message.problem,
            },
        )
    return Delivery(message, report, thread_message, reply_address)


def _thread_message(
    report: Report, message: InboundMessage, body: str, files: list[_Judged]
) -> ReporterMessage:
    """The reporter's reply as a message on the report's thread, without the mail it quotes."""
    refused = [file for file in files if not file.kept_as]
    text = trim_quoted(body)
    if refused:
        text = "\n".join([text, "", _file_list(refused)]).strip()
    thread_message = ReporterMessage.objects.create(
        report=report,
        from_reporter=True,
        via=ReporterMessage.Via.MAIL,
        inbound_message=message,
        body=text,
        created_at=message.received_at,
    )
    audit.record(
        "reporter.message_added",
        actor=None,
        report=report,
        data={
            "message": thread_message.pk,
            "via": thread_message.via,
            "attachments": sum(1 for file in files if file.kept_as),
        },
    )
    return thread_message


# A line that introduces the quoted earlier mail: "On Mon, 23 Nov 2026, Dana wrote:" and the
# same in a few languages mail clients commonly write.
_ATTRIBUTION_END = re.compile(r"(wrote|schrieb|a écrit|escribió|scrisse)\s*:\s*$", re.IGNORECASE)
_ATTRIBUTION_START = re.compile(r"^(On|Am|Le|El|Il)\s", re.IGNORECASE)
_ORIGINAL_MESSAGE = re.compile(
    r"^-{2,}\s*(Original Message|Ursprüngliche Nachricht)\s*-{2,}$", re.I
)


def trim_quoted(text: str) -> str:
    """The reply without the earlier mail it quotes below itself.

    Only what is clearly quoting goes: the trailing run of "> " lines with the "On … wrote:"
    line that introduces it, or everything from an "-----Original Message-----" separator.
    Quotes the reply answers between (inline replies) stay, as they give the answer its sense,
    and a reply that is nothing but quotes is kept whole.
    """
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if _ORIGINAL_MESSAGE.match(line.strip()):
            lines = lines[:index]
            break
    end = len(lines)
    while end and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith(">")):
        end -= 1
    if any(line.lstrip().startswith(">") for line in lines[end:]):
        if end and _ATTRIBUTION_END.search(lines[end - 1]):
            # Clients wrap a long attribution; its first line then starts with "On".
            wrapped = not _ATTRIBUTION_START.match(lines[end - 1].strip())
            end -= 1
            if wrapped and end and _ATTRIBUTION_START.match(lines[end - 1].strip()):
                end -= 1
        lines = lines[:end]
    return "\n".join(lines).strip() or text.strip()


@dataclass(frozen=True)
class _File:
    name: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class _Judged:
    upload: Upload
    declared_type: str
    # The allowed type the content is, if it is kept as an attachment; else why it is not.
    kept_as: str | None
    reason: str

    def record(self) -> dict[str, Any]:
        """What InboundMessage.attachments keeps about the file."""
        item: dict[str, Any] = {
            "name": self.upload.name,
            "content_type": self.declared_type,
            "size": len(self.upload.content),
            "kept": self.kept_as is not None,
        }
        if self.kept_as is None:
            item["reason"] = self.reason
        return item


@dataclass(frozen=True)
class _Parsed:
    subject: str
    message_id: str
    sender: str
    body: str
    files: list[_File]
    problems: list[str]


def _judge(files: list[_File]) -> list[_Judged]:
    """Which files become the report's attachments, by the allow-list the form uses."""
    judged: list[_Judged] = []
    for file in files:
        upload = Upload(file.name or "unnamed attachment", _claimed_type(file), file.content)
        try:
            if sum(1 for done in judged if done.kept_as) >= MAX_ATTACHMENTS:
                raise ValueError(f"only the first {MAX_ATTACHMENTS} files of a message are kept")
            kept_as = check_upload(upload)
        except ValueError as exc:
            judged.append(_Judged(upload, file.content_type, None, str(exc)))
        else:
            judged.append(_Judged(upload, file.content_type, kept_as, ""))
    return judged


def _claimed_type(file: _File) -> str:
    # Mail clients label a file they do not know application/octet-stream; its name's
    # extension is then the only claim there is.
    if file.content_type == "application/octet-stream":
        return mimetypes.guess_type(file.name)[0] or file.content_type
    return file.content_type


def _parse(raw: bytes) -> _Parsed:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    problems: list[str] = []
    subject = _header(message, "subject", problems)
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = _text(body_part, problems) if body_part is not None else ""
    files = []
    for part in message.walk():
        problems += [f"{type(d).__name__}: {d}".rstrip(": ") for d in part.defects]
        if part.is_multipart() or part is body_part:
            continue
        name = part.get_filename()
        is_text = part.get_content_maintype() == "text"
        if name is None and part.get_content_disposition() != "attachment" and is_text:
            if not body:  # a text part get_body did not choose is still the reporter's words
                body = _text(part, problems)
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        files.append(_File(name or "", part.get_content_type(), content))
    return _Parsed(
        subject=" ".join(subject.split()),
        message_id=_header(message, "message-id", problems).strip(),
        sender=_header(message, "from", problems),
        body=body.strip(),
        files=files,
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
    """Only the text between the tags; nothing of the markup survives to be rendered.

    Text inside <blockquote> (how HTML mail quotes the earlier mail) is marked, so that it
    becomes "> " lines as in plain-text mail, and a reply's quote can be trimmed alike.
    """

    BLOCKS = {"p", "div", "br", "li", "tr", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}
    HIDDEN = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # Each piece of text with the number of blockquotes around it.
        self.chunks: list[tuple[str, int]] = []
        self.hidden = 0
        self.quoted = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag == "blockquote":
            self.chunks.append(("\n", self.quoted))
            self.quoted += 1
        elif tag in self.BLOCKS:
            self.chunks.append(("\n\n" if tag == "p" else "\n", self.quoted))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag == "blockquote":
            self.quoted = max(0, self.quoted - 1)
            self.chunks.append(("\n", self.quoted))
        elif tag in self.BLOCKS:
            self.chunks.append(("\n", self.quoted))

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.chunks.append((data, self.quoted))

    def lines(self) -> list[str]:
        """The text line by line, each quoted line starting with "> " per blockquote."""
        lines: list[tuple[str, int]] = [("", 0)]
        for chunk, quoted in self.chunks:
            for index, piece in enumerate(chunk.split("\n")):
                if index:
                    lines.append(("", 0))
                text, depth = lines[-1]
                # A line is as deep in quotes as the first text on it.
                lines[-1] = (text + piece, depth if text.strip() else quoted)
        return [
            "> " * depth + " ".join(text.split()) if text.strip() else "" for text, depth in lines
        ]


def _html_to_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(parser.lines())).strip()


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


def _description(body: str, files: list[_Judged]) -> str:
    if not files:
        return body
    return "\n".join([body, "", _file_list(files)]).strip()


def _file_list(files: list[_Judged]) -> str:
    lines = ["Attachments (all kept in the stored message):"]
    for file in files:
        name = file.upload.name.replace("`", "'")
        line = f"- `{name}` ({file.declared_type}, {len(file.upload.content)} bytes)"
        kept = "attached to the report" if file.kept_as else f"not attached: {file.reason}"
        lines.append(f"{line}: {kept}")
    return "\n".join(lines)
