"""Running `vulndesk` in tests: in-process through call_command, or as a real process."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core.management import call_command

# A subprocess gets this long before the test fails; the slowest (`demo`) takes about 2 s.
PROCESS_TIMEOUT = 60


def vulndesk(*args: str) -> str:
    """Run one command in this process, on the test database; return what it printed."""
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def vulndesk_json(*args: str) -> Any:
    return json.loads(vulndesk(*args, "--json"))


def process_env(data_dir: Path) -> dict[str, str]:
    """The environment of a `vulndesk` process: its own data dir and SQLite database.

    An empty VULNDESK_DATABASE_URL means the SQLite file in the data dir, so subprocess tests
    stay off the PostgreSQL server that CI points the in-process tests at.
    """
    env = dict(os.environ)
    env["VULNDESK_DATA_DIR"] = str(data_dir)
    env["VULNDESK_DATABASE_URL"] = ""
    for name in ("VULNDESK_SECRET_KEY", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    return env


def run_process(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `vulndesk ARGS` as its own process and wait for it (bounded)."""
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "vulndesk", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT,
        check=False,
    )
