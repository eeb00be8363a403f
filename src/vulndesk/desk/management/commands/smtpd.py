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
from django.db import connection

from vulndesk.desk.models.message import MAX_MESSAGE_BYTES
from vulndesk.desk.services import intake

log = logging.getLogger(__name__)


def _accepts(address: str) -> bool:
    try:
        return intake.find_recipient(address) is not None
    finally:
        # One connection per SMTP command: mail is rare, and a connection held open by the
        # worker thread between messages would go stale (or block dropping a test database).
        connection.close()


def _deliver(raw: bytes, envelope_from: str, recipients: list[str]) -> list[str]:
    try:
        return [
            intake.receive(raw, envelope_from=envelope_from, envelope_to=to).report.key
            for to in recipients
        ]
    finally:
        connection.close()


class IntakeHandler:
    """aiosmtpd handler: RCPT checks the address, DATA files the message.

    aiosmtpd runs its own event loop in a thread, and Django refuses ORM calls from inside a
    running loop (SynchronousOnlyOperation). sync_to_async runs them on one worker thread, with
    its own database connection, without blocking the loop while the database works.
    """

    async def handle_RCPT(  # the name aiosmtpd calls
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if not await sync_to_async(_accepts)(address):
            return f"550 5.1.1 <{address}> is not the security address of any project here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # the name aiosmtpd calls
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        try:
            keys = await sync_to_async(_deliver)(raw, envelope.mail_from or "", envelope.rcpt_tos)
        except Exception:
            # A temporary failure makes the sender's server try again: the report is not lost.
            log.exception("could not file a message from %s", envelope.mail_from)
            return "451 4.3.0 the message could not be filed; please try again later"
        return f"250 OK: filed as {', '.join(keys)}"


def start(host: str, port: int, max_size: int) -> Controller:
    """A running receiver; stop it with `.stop()`."""
    # data_size_limit makes aiosmtpd answer 552 both to a SIZE= above it at MAIL FROM and to
    # DATA that runs past it, before anything reaches the database.
    controller = Controller(IntakeHandler(), hostname=host, port=port, data_size_limit=max_size)
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

    def handle(self, *args: Any, **options: Any) -> None:
        max_size: int = options["max_size"]
        if not 0 < max_size <= MAX_MESSAGE_BYTES:
            raise CommandError(f"--max-size must be between 1 and {MAX_MESSAGE_BYTES} bytes")
        try:
            controller = start(options["host"], options["port"], max_size)
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
