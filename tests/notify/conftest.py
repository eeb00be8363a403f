from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from django.conf import LazySettings

from tests.intake.wire import free_port
from tests.notify.sink import Sink


@pytest.fixture
def sink(settings: LazySettings) -> Iterator[Sink]:
    port = free_port()
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 10
    try:
        yield handler
    finally:
        controller.stop()
