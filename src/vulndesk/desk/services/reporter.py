"""The reporter's side of a report: the thread with the team, and the credit line they want."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from vulndesk.desk.models import CreditChoices, PrivateHandlingChoices, Report, ReporterMessage
from vulndesk.desk.services import audit, deadlines
from vulndesk.desk.services.attachments import MAX_ATTACHMENTS, Upload, attach, check_upload
from vulndesk.desk.services.intake import issue_reply_address
from vulndesk.desk.services.reports import lock_report
from vulndesk.notify.outbox import queue_reporter_message

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_MESSAGE_LENGTH = 50_000
CREDIT_NAME_LENGTH = 200  # Report.credit_name


def _check_body(body: str, *, files: int) -> None:
    if not body.strip() and not files:
        raise ValueError("body: write a message or attach a file")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise ValueError(f"body: a message holds at most {MAX_MESSAGE_LENGTH} characters")


def post_from_reporter(report: Report, *, body: str, uploads: list[Upload]) -> ReporterMessage:
    """The reporter adds information or files through their private link.

    The files are checked again here, so every caller gets the same allow-list.
    """
    _check_body(body, files=len(uploads))
    if len(uploads) > MAX_ATTACHMENTS:
        raise ValueError(f"attachments: attach at most {MAX_ATTACHMENTS} files to one message")
    types = [check_upload(upload) for upload in uploads]
    with transaction.atomic():
        message = ReporterMessage.objects.create(
            report=report, from_reporter=True, body=body, via=ReporterMessage.Via.LINK
        )
        for upload, content_type in zip(uploads, types, strict=True):
            attach(report, upload, content_type, message=message)
        audit.record(
            "reporter.message_added",
            actor=None,
            report=report,
            data={"message": message.pk, "via": message.via, "attachments": len(uploads)},
        )
    return message


def post_to_reporter(report: Report, *, author: User, body: str) -> ReporterMessage:
    """The team writes to the reporter: shown on their private link and mailed to them.

    The mail's Reply-To is a fresh reply address of the report, so an answer by mail lands on
    the same thread (when the project receives mail at all).
    """
    _check_body(body, files=0)
    with transaction.atomic():
        message = ReporterMessage.objects.create(
            report=report,
            from_reporter=False,
            author=author,
            body=body,
            via=ReporterMessage.Via.DESK,
        )
        reply_to = issue_reply_address(report) if report.project.security_email else ""
        mailed = queue_reporter_message(message, reply_to=reply_to)
        audit.record(
            "reporter.message_sent",
            actor=author,
            report=report,
            data={"message": message.pk, "mailed": mailed is not None},
        )
    return message


def credit_line(kind: str, name: str) -> tuple[str, str]:
    """The credit as stored; ValueError ("field: problem") when it cannot be printed.

    A name or a handle needs the text to print; anonymous keeps none, so nothing the reporter
    typed before can slip into an advisory after they chose not to be named.
    """
    if kind not in CreditChoices.values:
        allowed = ", ".join(CreditChoices.values)
        raise ValueError(f"credit_kind: choose one of {allowed}")
    name = " ".join(name.split())
    if kind == CreditChoices.ANONYMOUS:
        return kind, ""
    if not name:
        raise ValueError(f"credit_name: give the {kind} to print in the advisory")
    if len(name) > CREDIT_NAME_LENGTH:
        raise ValueError(f"credit_name: at most {CREDIT_NAME_LENGTH} characters")
    return kind, name


def set_credit(report: Report, *, kind: str, name: str, actor: User | None) -> Report:
    """Record how the reporter wants to be credited in the advisory."""
    kind, name = credit_line(kind, name)
    with transaction.atomic():
        locked = lock_report(report)
        if (locked.credit_kind, locked.credit_name) == (kind, name):
            return locked
        previous = {"kind": locked.credit_kind, "name": locked.credit_name}
        locked.credit_kind, locked.credit_name = kind, name
        locked.version += 1
        locked.save(update_fields=["credit_kind", "credit_name", "version", "updated_at"])
        audit.record(
            "report.credit_set",
            actor=actor,
            report=locked,
            data={"kind": kind, "name": name, "previous": previous},
        )
    return locked


ASK_TO_GO_PRIVATE = (
    "This vulnerability is already public. Could it still be handled through our private "
    "disclosure process, for example because the full exploit details are not published yet? "
    "Please answer with the buttons on your private link, or by replying."
)
ANSWERS: dict[str, str] = {
    PrivateHandlingChoices.AGREED: "Yes: it can be handled privately.",
    PrivateHandlingChoices.DENIED: "No: it stays public.",
}


def ask_to_go_private(
    report: Report, *, actor: User, expected_version: int | None = None
) -> Report:
    """Ask whoever made it public whether it can go private after all (EMI-5, KAR-14)."""
    with transaction.atomic():
        locked = lock_report(report, expected_version)
        if not locked.project.policy().public_disclosure.ask_reporter_to_go_private:
            raise ValueError(
                f"the {locked.project.preset} policy does not ask reporters to go private"
            )
        if not locked.is_publicly_disclosed:
            raise ValueError(f"{locked.key} is not public: there is nothing to take private")
        if locked.private_handling:
            raise ValueError(
                f"the reporter was asked already ({locked.get_private_handling_display()})"
            )
        locked.private_handling = PrivateHandlingChoices.ASKED
        locked.version += 1
        locked.save(update_fields=["private_handling", "version", "updated_at"])
        message = post_to_reporter(locked, author=actor, body=ASK_TO_GO_PRIVATE)
        audit.record(
            "report.private_handling_asked",
            actor=actor,
            report=locked,
            data={"message": message.pk},
        )
    return locked


def record_private_handling(
    report: Report, answer: str, *, actor: User | None, expected_version: int | None = None
) -> Report:
    """The answer to EMI-5's question; `actor` None is the reporter on their private link.

    Agreed gives the report its private timelines back; denied keeps it on the public track,
    where the policy may make every timeline ASAP (EMI-6, EMI-14, KAR-15).
    """
    if answer not in ANSWERS:
        raise ValueError(f"answer: choose {' or '.join(ANSWERS)}")
    with transaction.atomic():
        locked = lock_report(report, expected_version)
        if not locked.is_publicly_disclosed:
            raise ValueError(f"{locked.key} is not public: there is nothing to take private")
        if actor is None and locked.private_handling != PrivateHandlingChoices.ASKED:
            raise ValueError("answer: the team has not asked, or you answered already")
        previous = locked.private_handling
        locked.private_handling = answer
        locked.version += 1
        locked.save(update_fields=["private_handling", "version", "updated_at"])
        if actor is None:
            ReporterMessage.objects.create(
                report=locked,
                from_reporter=True,
                body=ANSWERS[answer],
                via=ReporterMessage.Via.LINK,
            )
        deadlines.refresh(locked)
        audit.record(
            "report.private_handling_answered",
            actor=actor,
            report=locked,
            data={"answer": answer, "previous": previous, "by": "team" if actor else "reporter"},
        )
    return locked
