"""Files reporters send: checked by their content against an allow-list, stored by SHA-256.

The form, the reporter's private link and mail all attach files through here.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from vulndesk.desk.models import Attachment, Report, ReporterMessage
from vulndesk.desk.models.attachment import attachments_dir

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 5

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


def attach(
    report: Report, upload: Upload, content_type: str, *, message: ReporterMessage | None = None
) -> Attachment:
    """Store a file `check_upload` passed as `content_type` and record it on the report.

    Call inside the transaction that files the report or the message it comes with.
    """
    sha256 = hashlib.sha256(upload.content).hexdigest()
    _store(upload.content, sha256)
    return Attachment.objects.create(
        report=report,
        message=message,
        original_filename=upload.name[:255],
        content_type=content_type,
        size=len(upload.content),
        sha256=sha256,
    )
