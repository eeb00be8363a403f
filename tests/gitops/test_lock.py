"""One run at a time in a workspace: a second run, in another process or another thread, is turned
away at once naming the holder; a run that dies leaves no lock behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from vulndesk.gitops.lock import WorkspaceBusy, lock_path, workspace_lock

# Takes the lock, says so, and keeps it until told (a line on stdin) or killed.
HOLDER = """
import sys
from pathlib import Path
from vulndesk.gitops.lock import workspace_lock
with workspace_lock(Path(sys.argv[1]), sys.argv[2]):
    print("held", flush=True)
    sys.stdin.readline()
"""
EXECUTE = "`vulndesk backport execute` of openedx-animals for OPENEDX-1 as bob"


@contextmanager
def holder_process(workspace: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the workspace's lock until the block ends (or it is killed)."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", HOLDER, str(workspace), EXECUTE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        assert process.stdout.readline() == "held\n"
        yield process
    finally:
        if process.poll() is None:
            process.stdin.write("\n")
            process.stdin.flush()
        process.communicate(timeout=60)


def take(workspace: Path, holder: str = "a dry run") -> None:
    with workspace_lock(workspace, holder):
        pass


def test_a_second_process_is_turned_away_at_once_naming_the_holder(tmp_path: Path) -> None:
    workspace = tmp_path / "backports" / "openedx-1"
    with holder_process(workspace) as other:
        with pytest.raises(WorkspaceBusy) as busy:
            take(workspace)
        assert busy.value.holder.startswith(f"{EXECUTE} (process {other.pid} on ")
        assert "since " in busy.value.holder
        assert str(busy.value) == f"{workspace} is in use by {busy.value.holder}"
    # Once the other run ends, the next one goes ahead, and says who it is while it runs.
    with workspace_lock(workspace, "a dry run"):
        assert lock_path(workspace).read_text().startswith("a dry run (process ")
    assert lock_path(workspace).read_text() == ""


def test_a_run_that_dies_leaves_no_lock_behind(tmp_path: Path) -> None:
    workspace = tmp_path / "openedx-1"
    with holder_process(workspace) as other:
        other.send_signal(signal.SIGKILL)
        other.wait(timeout=60)
        # Its name is still in the file, but the kernel let go of the lock with the process.
        assert lock_path(workspace).read_text().startswith(EXECUTE)
        take(workspace)


def test_a_second_thread_is_turned_away_and_other_workspaces_are_free(tmp_path: Path) -> None:
    workspace = tmp_path / "openedx-1"
    inside, done = threading.Event(), threading.Event()

    def hold() -> None:
        with workspace_lock(workspace, EXECUTE):
            inside.set()
            done.wait(timeout=60)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert inside.wait(timeout=60)
        with pytest.raises(WorkspaceBusy, match="is in use by `vulndesk backport execute`"):
            take(workspace)
        take(tmp_path / "openedx-2")  # another report's clones: not this lock
    finally:
        done.set()
        thread.join(timeout=60)
    take(workspace)


def test_the_lock_lives_beside_the_workspace_not_in_it(tmp_path: Path) -> None:
    workspace = tmp_path / "backports" / "openedx-1"
    take(workspace)
    assert lock_path(workspace) == tmp_path / "backports" / "openedx-1.lock"
    assert lock_path(workspace).exists()
    assert not workspace.exists()  # the clones are made by the run, not by its lock
