"""A real SMTP server on loopback that keeps what the worker sends, and the worker itself."""

import io
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from django.core.management import call_command


class Sink:
    """Keeps what it is sent, or refuses it with a temporary failure when told to."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 try again later"
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        return "250 OK"


def text(sent: EmailMessage) -> str:
    return str(sent.get_content()).replace("\r\n", "\n")


def run_worker() -> None:
    """The worker's batch mode runs what is queued now, then stops, as its own process would."""
    call_command("worker", "--batch", "--no-startup-delay", stdout=io.StringIO())
