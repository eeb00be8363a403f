"""Running git: one argument list, a timeout, a clean environment, and errors that say why."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

# Fetching a large private repository over the network takes a while; a hung one must not.
DEFAULT_TIMEOUT = 300
# Protocols git may use for a remote we were given: never `ext::`, which runs a command.
SAFE_CONFIG = (
    "-c",
    "protocol.allow=never",
    "-c",
    "protocol.https.allow=always",
    "-c",
    "protocol.ssh.allow=always",
    "-c",
    "protocol.file.allow=always",
    "-c",
    "core.hooksPath=/dev/null",
)


class GitError(RuntimeError):
    """A git command failed; the message says which and what git printed."""


def git_environment() -> dict[str, str]:
    """The process environment without variables that would redirect git elsewhere, and
    without any prompt: a remote that asks for a password fails instead of waiting."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    env["LC_ALL"] = "C"
    return env


def git(
    repo: Path | None,
    *args: str,
    timeout: float = DEFAULT_TIMEOUT,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run `git ARGS` (in the bare repository `repo`, when given) and return what it printed."""
    command: list[str] = ["git", *SAFE_CONFIG]
    if repo is not None:
        command += ["--git-dir", str(repo)]
    command += list(args)
    try:
        result = subprocess.run(  # noqa: S603 - an argument list, never a shell
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=git_environment(),
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {timeout:g} s and was stopped") from None
    except FileNotFoundError:
        raise GitError("git is not installed on this machine (no `git` on PATH)") from None
    if check and result.returncode != 0:
        raise GitError(f"git {args[0]} failed: {_last_lines(result.stderr)}")
    return result


def _last_lines(text: str, count: int = 5) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " / ".join(lines[-count:]) or "no message"


def lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stdout.splitlines() if line]


def is_repository(path: Path) -> bool:
    """Whether `path` itself is a git repository, bare or not: a directory inside some other
    repository's work tree is not one, though git would find that one from there."""
    result = git(None, "-C", str(path), "rev-parse", "--absolute-git-dir", timeout=30, check=False)
    if result.returncode != 0:
        return False
    found = Path(result.stdout.strip()).resolve()
    here = path.resolve()
    return found in {here, here / ".git"}
