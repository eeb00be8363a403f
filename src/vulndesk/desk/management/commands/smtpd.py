"""`vulndesk smtpd`: receive mail for the projects' security addresses and file it as reports."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from vulndesk.desk.models.message import MAX_MESSAGE_BYTES
from vulndesk.desk.services import intake

log = logging.getLogger(__name__)


def _refusal(address: str, sender: str, pending: int, per_sender: int) -> str | None:
    """The reply refusing `address` as a recipient, or None to accept it."""
    try:
        if intake.find_recipient(address) is None:
            return f"550 5.1.1 <{address}> is not the security address of any project here"
        # At RCPT, before the sender has spent the bandwidth of the message itself.
        intake.check_flood(sender, pending=pending, limit=per_sender)
    except intake.SenderThrottled as exc:
        return f"451 4.7.1 {exc}"
    finally:
        # One connection per SMTP command: mail is rare, and a connection held open by the
        # worker thread between messages would go stale (or block dropping a test database).
        connection.close()
    return None


def _deliver(raw: bytes, envelope_from: str, recipients: list[str], per_sender: int) -> str:
    """File the message for each recipient; the reply for DATA."""
    try:
        # All recipients or none: there is one reply for them all, so after a temporary
        # failure the sender retries every recipient, and none may be stored already.
        with transaction.atomic():
            deliveries = [
                intake.receive(
                    raw, envelope_from=envelope_from, envelope_to=to, per_sender=per_sender
                )
                for to in recipients
            ]
        # Read before the connection closes: a key reads the report's project, which would
        # open a new connection that nobody closes.
        keys = ", ".join(delivery.report.key for delivery in deliveries)
    except intake.SenderThrottled as exc:
        return f"451 4.7.1 {exc}"
    finally:
        connection.close()
    return f"250 OK: filed as {keys}"


class IntakeHandler:
    """aiosmtpd handler: RCPT checks the address and the sender's flood limit, DATA files.

    aiosmtpd runs its own event loop in a thread, and Django refuses ORM calls from inside a
    running loop (SynchronousOnlyOperation). sync_to_async runs them on one worker thread, with
    its own database connection, without blocking the loop while the database works.
    """

    def __init__(self, per_sender: int = intake.MAX_MESSAGES_PER_SENDER) -> None:
        self.per_sender = per_sender

    async def handle_RCPT(  # the name aiosmtpd calls
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() in (to.lower() for to in envelope.rcpt_tos):
            return "250 OK"  # said twice, filed once
        refusal = await sync_to_async(_refusal)(
            address, envelope.mail_from or "", len(envelope.rcpt_tos), self.per_sender
        )
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # the name aiosmtpd calls
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        try:
            return await sync_to_async(_deliver)(
                raw, envelope.mail_from or "", envelope.rcpt_tos, self.per_sender
            )
        except Exception:
            # A temporary failure makes the sender's server try again: the report is not lost.
            log.exception("could not file a message from %s", envelope.mail_from)
            return "451 4.3.0 the message could not be filed; please try again later"


def start(
    host: str, port: int, max_size: int, per_sender: int = intake.MAX_MESSAGES_PER_SENDER
) -> Controller:
    """A running receiver; stop it with `.stop()`."""
    # data_size_limit makes aiosmtpd answer 552 both to a SIZE= above it at MAIL FROM and to
    # DATA that runs past it, before anything reaches the database.
    controller = Controller(
        IntakeHandler(per_sender), hostname=host, port=port, data_size_limit=max_size
    )
    controller.start()
    return controller


class Command(BaseCommand):
    help = "Receive mail to the projects' security addresses and file each message as a report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8025)
        parser.add_argument(
            "--max-size",
            type=int,
            default=MAX_MESSAGE_BYTES,
            help=f"refuse larger messages with 552 (at most {MAX_MESSAGE_BYTES})",
        )
        parser.add_argument(
            "--per-sender",
            type=int,
            default=intake.MAX_MESSAGES_PER_SENDER,
            help="messages one envelope sender may file an hour; beyond it 451 4.7.1 (try later)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        max_size: int = options["max_size"]
        if not 0 < max_size <= MAX_MESSAGE_BYTES:
            raise CommandError(f"--max-size must be between 1 and {MAX_MESSAGE_BYTES} bytes")
        per_sender: int = options["per_sender"]
        if per_sender < 1:
            raise CommandError("--per-sender must be at least 1 message an hour")
        try:
            controller = start(options["host"], options["port"], max_size, per_sender)
        except OSError as exc:
            raise CommandError(
                f"cannot listen on {options['host']}:{options['port']}: {exc}"
            ) from None
        self.stdout.write(f"receiving mail on {options['host']}:{options['port']}")
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        try:
            stopped.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
