"""The public report form's side of intake: attachments, the per-address rate limit, filing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from vulndesk.desk.models import ChannelChoices, FormSubmission, Project, Report
from vulndesk.desk.services.attachments import Upload, attach, check_upload
from vulndesk.desk.services.intake import issue_reply_address
from vulndesk.desk.services.reporter import credit_line
from vulndesk.desk.services.reporter_links import issue_reporter_link
from vulndesk.desk.services.reports import create_report
from vulndesk.notify.outbox import queue_acknowledgement

RATE_LIMIT = 5  # reports through the form per client address…
RATE_WINDOW = timedelta(hours=1)  # …in this window


@dataclass(frozen=True)
class Filed:
    report: Report
    reporter_token: str


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
    third_party: bool,
    credit_kind: str,
    credit_name: str,
    uploads: list[Upload],
    client_address: str | None,
) -> Filed:
    """File a report from the public form with its attachments and the reporter's private link.

    The steps join the description under their own heading, where the desk's quality signals
    look for them. The uploads are checked again here. A public disclosure URL means the
    reporter says it is already public: the report starts on the public path (EMI-4).
    """
    types = [check_upload(upload) for upload in uploads]
    if credit_kind:
        credit_kind, credit_name = credit_line(credit_kind, credit_name)
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
            third_party=third_party,
            credit_kind=credit_kind,
            credit_name=credit_name,
            channel=ChannelChoices.FORM,
            actor=None,
        )
        FormSubmission.objects.create(report=report, client_address=client_address)
        for upload, content_type in zip(uploads, types, strict=True):
            attach(report, upload, content_type)
        _, token = issue_reporter_link(report, actor=None)
        # The worker answers the reporter; a reply to that answer threads onto this report
        # when the project receives mail at all.
        reply_to = issue_reply_address(report) if project.security_email else ""
        queue_acknowledgement(report, reply_to=reply_to)
    return Filed(report, token)
