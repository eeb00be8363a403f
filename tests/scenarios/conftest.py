# The real SMTP server on loopback the notify tests use, for the scenarios' worker to send to.
from tests.notify.conftest import sink

__all__ = ["sink"]
