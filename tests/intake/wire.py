"""Mail as a real client sends it to the receiver on loopback."""

import smtplib
import socket
from email.message import EmailMessage

ADDRESS = "security@emissary.example.org"
MAX_SIZE = 64 * 1024


def free_port() -> int:
    # Controller(port=0) cannot report the port it got, so ask the kernel for one first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def mail(
    subject: str = "XSS in the dashboard",
    body: str = "Steps: open /x?q=<svg>",
    sender: str = "Dana Reporter <dana@example.org>",
    message_id: str = "<m1@example.org>",
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ADDRESS
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(body)
    return message


def send(
    client: smtplib.SMTP, raw: bytes, to: str = ADDRESS, sender: str = "dana@example.org"
) -> tuple[int, bytes]:
    """Send without smtplib's SIZE= hint, so the DATA limit is what is tested; the reply."""
    client.ehlo()
    assert client.mail(sender)[0] == 250
    code, reply = client.rcpt(to)
    if code != 250:
        client.rset()
        return code, reply
    return client.data(raw)
