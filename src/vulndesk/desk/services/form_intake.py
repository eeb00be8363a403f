"""The public report form's side of intake: attachments, the per-address rate limit, filing."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from vulndesk.desk.models import Attachment, ChannelChoices, FormSubmission, Project, Report
from vulndesk.desk.models.attachment import attachments_dir
from vulndesk.desk.services.intake import issue_reply_address
from vulndesk.desk.services.reporter_links import issue_reporter_link
from vulndesk.desk.services.reports import create_report
from vulndesk.notify.outbox import queue_acknowledgement

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 5
RATE_LIMIT = 5  # reports through the form per client address…
RATE_WINDOW = timedelta(hours=1)  # …in this window

# Each allowed type, by the first bytes of its content; text/plain is checked by decoding.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/zip": (b"PK\x03\x04", b"PK\x05\x06"),
}
# What browsers claim for the allowed types; Windows calls a zip x-zip-compressed.
CLAIMED: dict[str, str] = {
    "text/plain": "text/plain",
    "application/pdf": "application/pdf",
    "image/png": "image/png",
    "image/jpeg": "image/jpeg",
    "application/zip": "application/zip",
    "application/x-zip-compressed": "application/zip",
}
ALLOWED_NAMES = "plain text, PDF, PNG, JPEG or zip"


@dataclass(frozen=True)
class Upload:
    name: str
    claimed_type: str
    content: bytes


@dataclass(frozen=True)
class Filed:
    report: Report
    reporter_token: str


def sniff(content: bytes) -> str | None:
    """The allowed type the content is, by its bytes, or None."""
    for content_type, signatures in SIGNATURES.items():
        if content.startswith(signatures):
            return content_type
    if b"\x00" in content:
        return None
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain"


def check_upload(upload: Upload) -> str:
    """The upload's type, as its content shows; ValueError says why a file is refused."""
    if upload.content == b"":
        raise ValueError(f"{upload.name} is empty")
    if len(upload.content) > MAX_ATTACHMENT_BYTES:
        raise ValueError(f"{upload.name} is larger than {MAX_ATTACHMENT_BYTES // 2**20} MiB")
    claimed = CLAIMED.get(upload.claimed_type.split(";")[0].strip().lower())
    sniffed = sniff(upload.content)
    if claimed is None or sniffed != claimed:
        raise ValueError(f"{upload.name} is not {ALLOWED_NAMES} (judged by its content)")
    return sniffed


def retry_after(client_address: str | None, now: datetime) -> datetime | None:
    """When this address may file again, if it has used up its reports for the window."""
    recent = FormSubmission.objects.filter(
        client_address=client_address, created_at__gt=now - RATE_WINDOW
    ).order_by("-created_at")
    times = list(recent.values_list("created_at", flat=True)[:RATE_LIMIT])
    if len(times) < RATE_LIMIT:
        return None
    return times[-1] + RATE_WINDOW


def with_steps(description: str, steps: str) -> str:
    if not steps.strip():
        return description
    return f"{description.rstrip()}\n\n## Steps to reproduce\n\n{steps.strip()}\n"


def _store(content: bytes, sha256: str) -> None:
    folder = attachments_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder / sha256
    if target.exists():
        return
    # Written under a temporary name and renamed, so a half-written file never takes the name.
    partial = folder / f".{sha256}.{os.getpid()}.partial"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(content)
    partial.replace(target)


def file_form_report(
    project: Project,
    *,
    title: str,
    description: str,
    steps_to_reproduce: str,
    affected_versions: str,
    reporter_name: str,
    reporter_email: str,
    public_disclosure_url: str,
    uploads: list[Upload],
    client_address: str | None,
) -> Filed:
    """File a report from the public form with its attachments and the reporter's private link.

    The steps join the description under their own heading, where the desk's quality signals
    look for them. The uploads are checked again here. A public disclosure URL means the
    reporter says it is already public: the report starts on the public path (EMI-4).
    """
    types = [check_upload(upload) for upload in uploads]
    now = timezone.now()
    with transaction.atomic():
        report = create_report(
            project,
            title=title,
            description=with_steps(description, steps_to_reproduce),
            affected_versions=affected_versions,
            reporter_name=reporter_name,
            reporter_email=reporter_email,
            public_disclosure_at=now if public_disclosure_url else None,
            public_disclosure_url=public_disclosure_url,
            channel=ChannelChoices.FORM,
            actor=None,
        )
        FormSubmission.objects.create(report=report, client_address=client_address)
        for upload, content_type in zip(uploads, types, strict=True):
            sha256 = hashlib.sha256(upload.content).hexdigest()
            _store(upload.content, sha256)
            Attachment.objects.create(
                report=report,
                original_filename=upload.name[:255],
                content_type=content_type,
                size=len(upload.content),
                sha256=sha256,
            )
        _, token = issue_reporter_link(report, actor=None)
        # The worker answers the reporter; a reply to that answer threads onto this report
        # when the project receives mail at all.
        reply_to = issue_reply_address(report) if project.security_email else ""
        queue_acknowledgement(report, reply_to=reply_to)
    return Filed(report, token)
