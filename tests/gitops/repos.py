"""Real git repositories for the tests: an upstream with main and a 1.13 line, fix branches on
both, and a bare clone of it as the report's private security remote."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

IDENTITY = ("-c", "user.name=Test Maintainer", "-c", "user.email=maintainer@example.org")
FAY = "Fay Fixer <fay@example.org>"
# Passes where the fix left its marker file, fails where it did not; says which in the log.
TEST_COMMAND = "sh -c 'echo checking for the fix; test -f FIXED && echo fixed'"


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(  # noqa: S603
        ["git", *IDENTITY, "-c", "commit.gpgsign=false", *args],  # noqa: S607
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip()


def commit(cwd: Path, name: str, text: str, message: str, *, author: str | None = None) -> str:
    (cwd / name).write_text(text)
    git(cwd, "add", name)
    git(cwd, "commit", "--quiet", "-m", message, *(["--author", author] if author else []))
    return git(cwd, "rev-parse", "HEAD")


@dataclass(frozen=True)
class Repos:
    upstream: Path  # a work tree the tests commit to, then push from
    remote: Path  # the bare private security remote

    def push(self, *branches: str) -> None:
        git(self.upstream, "push", "--quiet", "--force", str(self.remote), *branches)

    def add_commit(self, branch: str, name: str, message: str, *, author: str = FAY) -> str:
        """A new commit on `branch`, pushed to the private remote."""
        git(self.upstream, "checkout", "--quiet", branch)
        sha = commit(self.upstream, name, message, message, author=author)
        self.push(branch)
        return sha


def build_repos(root: Path) -> Repos:
    """main with three commits; release-1.13 from the first plus its own; two fix branches:
    fix/header-main passes the test command (it adds FIXED), fix/header-1.13 fails it."""
    upstream = root / "upstream"
    upstream.mkdir()
    git(upstream, "init", "--quiet", "-b", "main")
    first = commit(upstream, "README", "proxy\n", "Start the proxy")
    git(upstream, "branch", "release-1.13", first)
    commit(upstream, "proxy.py", "def handle(): ...\n", "Handle requests")
    commit(upstream, "docs.txt", "docs\n", "Write the docs")
    git(upstream, "checkout", "--quiet", "release-1.13")
    commit(upstream, "VERSION", "1.13.9\n", "Release 1.13.9")

    git(upstream, "checkout", "--quiet", "-b", "fix/header-main", "main")
    commit(upstream, "FIXED", "yes\n", "Reject the crafted header", author=FAY)
    git(upstream, "checkout", "--quiet", "-b", "fix/header-1.13", "release-1.13")
    commit(upstream, "proxy.py", "def handle(): pass\n", "Reject the header on 1.13", author=FAY)
    commit(upstream, "tests.txt", "t\n", "Test the header on 1.13", author=FAY)
    git(upstream, "checkout", "--quiet", "main")

    remote = root / "private.git"
    git(root, "clone", "--quiet", "--bare", str(upstream), str(remote))
    return Repos(upstream, remote)


def released_repository(root: Path, *tags: str) -> Path:
    """A project's public repository with one release commit carrying `tags` (v1.4.2)."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "--quiet", "-b", "main")
    commit(root, "CHANGELOG", "Security release\n", "Release")
    for tag in tags:
        git(root, "tag", "-a", tag, "-m", f"Release {tag}")
    return root
