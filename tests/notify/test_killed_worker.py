"""A task worker killed with SIGKILL in the middle of a batch of 30 messages, as real processes
against a real SMTP server on loopback that deduplicates nothing: after a restart every message
has arrived exactly once.

The kill lands while the worker waits for the server's answer to a message's DATA (the server
holds it until the worker is dead, then refuses it), so the message was claimed but never
accepted: the restart must send it, and must not send again the ones accepted before. The one
window the design leaves open, a kill after the server's "250" and before the commit a moment
later, is described in `vulndesk.notify.tasks`; no test can land a kill in it on purpose.

It runs on the database the test session runs on: a SQLite file in the data directory, or a
database of its own on the PostgreSQL server VULNDESK_DATABASE_URL names.
"""

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiosmtpd.controller import Controller

from tests.cli.helpers import PROCESS_TIMEOUT, process_env, run_process
from tests.intake.wire import free_port

MESSAGES = 30
KILL_AFTER = 12

QUEUE = f"""
from vulndesk.desk.models import Project
from vulndesk.desk.services.reports import create_report
from vulndesk.notify.models import OutboundEmail
from vulndesk.notify.outbox import queue_announcement
project = Project.objects.create(slug='vitess', name='Vitess', preset='vitess')
report = create_report(project, title='Leak', description='d', reporter_name='r',
                       reporter_email='', actor=None)
for i in range({MESSAGES}):
    queue_announcement(report, kind=OutboundEmail.Kind.FORTHCOMING_FIX,
                       audience=OutboundEmail.Audience.TEAM, subject=f'notice {{i}}', body='b',
                       key=f'notice-{{i}}', to=f'maintainer{{i}}@example.org')
"""
STATES = (
    "import json; from vulndesk.notify.models import OutboundEmail; "
    "print(json.dumps(sorted(e.state for e in OutboundEmail.objects.all())))"
)
# What a clock a claim's lease later would show: the killed worker's claim has lapsed.
AGE = (
    "from django.db.models import F; from vulndesk.notify.models import OutboundEmail, "
    "claim_lease; OutboundEmail.objects.exclude(claimed_at=None)"
    ".update(claimed_at=F('claimed_at') - claim_lease())"
)


class HoldingSink:
    """Accepts KILL_AFTER messages, then holds the next one's DATA unanswered until released,
    and refuses it: a server that never said "250" has not taken the message."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.holding = threading.Event()
        self.released = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if len(self.received) == KILL_AFTER and not self.released.is_set():
            self.holding.set()
            while not self.released.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 the client went away"
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(str(parsed["To"]))
        return "250 OK"


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """ "" (the SQLite file in the data dir), or a fresh database on the session's PostgreSQL."""
    url = os.environ.get("VULNDESK_DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield ""
        return
    server, _, database = url.rpartition("/")
    name = f"{database}_killed_worker"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def vulndesk_ok(env: dict[str, str], *args: str) -> str:
    done = run_process(env, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_worker_killed_mid_batch_leaves_every_message_delivered_exactly_once_after_restart(
    tmp_path: Path, database_url: str
) -> None:
    sink = HoldingSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    env = process_env(tmp_path / "vulndesk-data")
    env |= {
        "VULNDESK_DATABASE_URL": database_url,
        "VULNDESK_EMAIL_HOST": "127.0.0.1",
        "VULNDESK_EMAIL_PORT": str(port),
    }
    try:
        vulndesk_ok(env, "init")
        vulndesk_ok(env, "shell", "-c", QUEUE)
        worker = subprocess.Popen(
            [sys.executable, "-m", "vulndesk", "worker", "--no-reload", "--no-startup-delay"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert sink.holding.wait(PROCESS_TIMEOUT), f"only {len(sink.received)} arrived"
            worker.kill()
            worker.wait(timeout=PROCESS_TIMEOUT)
        finally:
            sink.released.set()
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=PROCESS_TIMEOUT)
        assert len(sink.received) == KILL_AFTER
        states = Counter(json.loads(vulndesk_ok(env, "shell", "-c", STATES).splitlines()[-1]))
        # The held message was claimed and never marked sent: the killed worker's trace.
        assert states == {"sent": KILL_AFTER, "sending": 1, "scheduled": MESSAGES - KILL_AFTER - 1}

        vulndesk_ok(env, "shell", "-c", AGE)
        restarted = run_process(env, "worker", "--batch", "--no-startup-delay")
        assert restarted.returncode == 0, restarted.stderr
    finally:
        controller.stop()

    arrived = Counter(sink.received)
    assert arrived == {f"maintainer{i}@example.org": 1 for i in range(MESSAGES)}
    states = Counter(json.loads(vulndesk_ok(env, "shell", "-c", STATES).splitlines()[-1]))
    assert states == {"sent": MESSAGES}
    vulndesk_ok(env, "audit", "verify")
