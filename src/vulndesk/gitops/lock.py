"""One run at a time in a set of workspace clones: an exclusive lock on a file beside them.

Two runs in the same clones (a command-line execute and the worker's dry run, say) would fetch,
branch and move refs under each other. `workspace_lock` holds `flock` on `NAME.lock` next to the
workspace for the whole run. The kernel lets go when the file is closed, however the process
ends, so a crashed run leaves no stale lock to clean up. The file names the holder while it is
held, so the run that is turned away can say who has the clones.

A second run fails at once rather than waiting: a run takes minutes (fetches, pushes, tests),
a person or a queued job waiting silently behind another looks hung, and what the second run
was asked to do (try the picks, carry out the plan) may no longer make sense once the first
has finished: it should be asked again by someone who has seen the first run's result.

flock is local to a machine (and to NFS only as far as the server honours it): the clones
live in the data directory of the machine that runs the work, and so does their lock.
"""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["WorkspaceBusy", "lock_path", "workspace_lock"]


class WorkspaceBusy(RuntimeError):
    """Another run holds the workspace; `holder` says who, as that run recorded it."""

    def __init__(self, workspace: Path, holder: str) -> None:
        super().__init__(f"{workspace} is in use by {holder}")
        self.workspace = workspace
        self.holder = holder


def lock_path(workspace: Path) -> Path:
    return workspace.with_name(workspace.name + ".lock")


@contextmanager
def workspace_lock(workspace: Path, holder: str) -> Iterator[None]:
    """Hold the workspace's lock while the block runs; WorkspaceBusy at once when another run
    (in this process or any other on the machine) holds it. `holder` says what this run is."""
    path = lock_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Opened without truncating: the file names the current holder until this run has the lock.
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # The holder may not have written its name yet, in the moment after taking the lock.
            recorded = os.pread(descriptor, 4096, 0).decode(errors="replace").strip()
            raise WorkspaceBusy(workspace, recorded or "another run") from None
        since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        said = f"{holder} (process {os.getpid()} on {socket.gethostname()}, since {since})"
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, said.encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(descriptor, 0)
    finally:
        os.close(descriptor)
