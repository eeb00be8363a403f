import smtplib
from collections.abc import Callable, Iterator

import pytest

from tests.intake.wire import ADDRESS, MAX_SIZE, free_port
from vulndesk.desk.management.commands.smtpd import start
from vulndesk.desk.models import Project

Connect = Callable[..., smtplib.SMTP]


@pytest.fixture
def project() -> Project:
    return Project.objects.create(
        slug="emissary", name="Emissary", preset="envoy", security_email=ADDRESS
    )


@pytest.fixture
def connect(project: Project) -> Iterator[Connect]:
    """Start `vulndesk smtpd`'s receiver on loopback; `connect(per_sender=N)` opens a client."""
    controllers = []
    clients: list[smtplib.SMTP] = []

    def open_client(per_sender: int = 20) -> smtplib.SMTP:
        port = free_port()
        controllers.append(start("127.0.0.1", port, MAX_SIZE, per_sender))
        clients.append(smtplib.SMTP("127.0.0.1", port, timeout=10))
        return clients[-1]

    try:
        yield open_client
    finally:
        for client in clients:
            client.close()
        for controller in controllers:
            controller.stop()


@pytest.fixture
def smtp(connect: Connect) -> smtplib.SMTP:
    return connect()
