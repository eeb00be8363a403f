"""A worker killed in the middle of a test run, as real processes on a real git repository: the
run reads "running" while it may still be going, then, past the test timeout and its margin, an
error saying the worker stopped, and a new run on that branch passes."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.cli.helpers import PROCESS_TIMEOUT, process_env, run_process
from tests.gitops.repos import build_repos

SETUP = (
    "from vulndesk.desk.models import Project, ReleaseLine; "
    "project = Project.objects.create(slug='vitess', name='Vitess', preset='vitess', "
    "test_command={command!r}); "
    "ReleaseLine.objects.create(project=project, name='1.13', branch='release-1.13')"
)
# What a clock 31 minutes past the timeout margin would show: the run started that long ago.
AGE = (
    "from django.db.models import F; from vulndesk.desk.models import TestRun; "
    "from vulndesk.desk.services.fix_repo import ABANDONED_AFTER; "
    "TestRun.objects.update(started_at=F('started_at') - ABANDONED_AFTER)"
)


def vulndesk_ok(env: dict[str, str], *args: str) -> str:
    done = run_process(env, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def latest_run(env: dict[str, str], key: str, branch: str) -> dict[str, Any]:
    shown = json.loads(vulndesk_ok(env, "report", "show", key, "--json"))
    run: dict[str, Any] = {b["branch"]: b for b in shown["fix_branches"]}[branch]["latest_test_run"]
    return run


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + PROCESS_TIMEOUT
    while not path.exists():
        assert time.monotonic() < deadline, f"the test command never started ({path} missing)"
        time.sleep(0.05)


def test_a_run_whose_worker_was_killed_is_an_error_to_run_again_OEDX_19(tmp_path: Path) -> None:
    env = process_env(tmp_path / "vulndesk-data")
    repos = build_repos(tmp_path)
    started, go = tmp_path / "started", tmp_path / "go"
    # Holds the first run until the test says go (a minute at most), then tests for the fix.
    command = (
        f"sh -c 'echo $$ > {started}; i=0; while [ ! -f {go} ] && [ $i -lt 600 ]; "
        "do sleep 0.1; i=$((i+1)); done; test -f FIXED'"
    )
    vulndesk_ok(env, "init")
    vulndesk_ok(env, "shell", "-c", SETUP.format(command=command))
    key = json.loads(
        vulndesk_ok(env, "report", "new", "--project", "vitess", "--title", "Leak", "--json")
    )["key"]
    vulndesk_ok(env, "fix", "repo", key, str(repos.remote))
    vulndesk_ok(env, "fix", "sync", key)
    vulndesk_ok(env, "fix", "test", key, "fix/header-main")
    worker = subprocess.Popen(
        [sys.executable, "-m", "vulndesk", "worker", "--no-reload", "--no-startup-delay"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(started)
        worker.kill()
        worker.wait(timeout=PROCESS_TIMEOUT)
        # Right after, the run may still be going somewhere: it reads as running.
        assert latest_run(env, key, "fix/header-main")["status"] == "running"
        vulndesk_ok(env, "shell", "-c", AGE)
        lost = latest_run(env, key, "fix/header-main")
        assert (lost["status"], lost["exit_code"]) == ("error", None)
        assert lost["log"].startswith("The worker stopped while running these tests")
        shown = vulndesk_ok(env, "report", "show", key)
        assert "fix/header-main: The worker stopped while running these tests" in shown
    finally:
        go.touch()  # the orphaned test command ends by itself
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=PROCESS_TIMEOUT)
        with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
            os.kill(int(started.read_text()), signal.SIGKILL)
    again = run_process(env, "fix", "test", key, "fix/header-main", "--wait")
    assert again.returncode == 0, again.stderr
    assert again.stdout.rstrip().endswith(": passed (exit code 0)")
    assert latest_run(env, key, "fix/header-main")["status"] == "passed"
    audit = json.loads(vulndesk_ok(env, "report", "show", key, "--json"))["audit"]
    actions = [event["action"] for event in audit if event["action"].startswith("fix.test")]
    assert actions == [
        "fix.test_requested",
        "fix.test_abandoned",
        "fix.test_requested",
        "fix.test_finished",
    ]
    vulndesk_ok(env, "audit", "verify")
