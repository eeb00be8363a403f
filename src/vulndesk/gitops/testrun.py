"""The project's test command on one commit, in a clean worktree that is removed afterwards:
the CI a temporary private fork lacks (OEDX-19)."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from vulndesk.gitops.git import GitError, git

# The desk's own secrets (database URL, secret key, mail password) never reach a test command.
SECRET_PREFIXES = ("VULNDESK_",)
DEFAULT_TIMEOUT = 1800
DEFAULT_LOG_LIMIT = 200_000

Status = Literal["passed", "failed", "error"]


@dataclass(frozen=True)
class TestOutcome:
    """What a test run gave: passed or failed by exit code, or an error if it could not run."""

    __test__ = False  # a result, not a class for pytest to collect

    status: Status
    exit_code: int | None
    log: str


def command_words(command: str) -> list[str]:
    """The command as the argument list it is run with (no shell); ValueError if it has none."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise ValueError(f"the test command cannot be read: {exc} (check its quotes)") from None
    if not words:
        raise ValueError("the test command is empty")
    return words


def command_environment() -> dict[str, str]:
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(SECRET_PREFIXES) and not name.startswith("GIT_")
    }


def tail(text: str, limit: int) -> str:
    """The end of a long log, which is where a test run says what failed."""
    if len(text) <= limit:
        return text
    dropped = len(text) - limit
    return f"[log truncated: the first {dropped} characters are not kept]\n" + text[-limit:]


def run_tests(
    repo: Path,
    sha: str,
    command: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    log_limit: int = DEFAULT_LOG_LIMIT,
) -> TestOutcome:
    """Check out `sha` of the bare `repo` in a new worktree, run `command` there, remove it.

    The command's stdout and stderr go to one log, in the order written. A command that does
    not exist or runs past `timeout` is an error, not a failure: the code was not judged.
    """
    try:
        words = command_words(command)
    except ValueError as exc:
        return TestOutcome("error", None, str(exc))
    with tempfile.TemporaryDirectory(prefix="vulndesk-test-") as scratch:
        worktree = Path(scratch) / "worktree"
        try:
            git(repo, "worktree", "add", "--detach", "--quiet", str(worktree), sha, timeout=600)
        except GitError as exc:
            return TestOutcome("error", None, f"could not check out {sha}: {exc}")
        try:
            return _run(words, worktree, timeout, log_limit)
        finally:
            git(repo, "worktree", "remove", "--force", str(worktree), check=False, timeout=120)
            git(repo, "worktree", "prune", check=False, timeout=120)


def _run(words: list[str], cwd: Path, timeout: float, log_limit: int) -> TestOutcome:
    # Its own process group, so that a timeout stops what the command started too: a child
    # left holding the output pipe would otherwise keep the worker waiting.
    try:
        process = subprocess.Popen(  # noqa: S603 - the project's own command, as an argument list
            words,
            cwd=cwd,
            env=command_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except FileNotFoundError:
        return TestOutcome("error", None, f"no such command: {words[0]} (is it installed?)")
    except PermissionError:
        return TestOutcome("error", None, f"{words[0]} cannot be run (not executable)")
    with process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop_group(process.pid)
            output, _ = process.communicate()
            message = f"\n[stopped: still running after {timeout:g} s]"
            return TestOutcome("error", None, tail(_text(output), log_limit) + message)
        _stop_group(process.pid)  # whatever it left running in the background
    status: Status = "passed" if process.returncode == 0 else "failed"
    return TestOutcome(status, process.returncode, tail(_text(output), log_limit))


def _stop_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group has already gone
        os.killpg(pid, signal.SIGKILL)


def _text(output: bytes | str | None) -> str:
    if output is None:
        return ""
    return output if isinstance(output, str) else output.decode("utf-8", errors="replace")
