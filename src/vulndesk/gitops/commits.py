"""Writing history in a workspace clone without touching any work tree.

A file edit becomes a commit through a temporary index (read-tree, update-index, write-tree,
commit-tree), and branches and tags move together in one `update-ref` transaction that checks
each ref is still where it was read: either every ref of a step moves, or none does.
Cherry-picks, which need a merge, happen in a scratch worktree that is removed afterwards.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from vulndesk.gitops.git import GitError, git
from vulndesk.gitops.objects import git_dir, run_bytes

# The line `cherry-pick -x` adds, which says a commit carries a fix from elsewhere.
PICKED_FROM = re.compile(r"\(cherry picked from commit ([0-9a-f]{40,64})\)")
# The "no such ref" value of `update-ref`: a ref expected not to exist yet.
ZERO_SHA = "0" * 40
# Whatever the user's global git configuration says: no signing prompt, plain conflict markers.
COMMIT_CONFIG = (
    "-c",
    "commit.gpgSign=false",
    "-c",
    "tag.gpgSign=false",
    "-c",
    "merge.conflictStyle=merge",
    "-c",
    "core.autocrlf=false",
)


@dataclass(frozen=True)
class Identity:
    """Who the commits and tags vulndesk makes are by."""

    name: str
    email: str

    def config(self) -> tuple[str, ...]:
        return ("-c", f"user.name={self.name}", "-c", f"user.email={self.email}", *COMMIT_CONFIG)


@dataclass(frozen=True)
class RefUpdate:
    name: str  # refs/heads/security/2.5.1, refs/tags/v2.5.1
    new: str
    old: str | None  # where it must still be; None: it must not exist yet


def update_refs(repo: Path, updates: Sequence[RefUpdate]) -> None:
    """Move every ref at once, or none if any is not where it was expected to be."""
    lines = ["start"]
    for update in updates:
        lines.append(f"update {update.name} {update.new} {update.old or ZERO_SHA}")
    lines += ["prepare", "commit"]
    run_bytes(repo, "update-ref", "--stdin", input_bytes=("\n".join(lines) + "\n").encode())


def commit_changes(
    repo: Path,
    parent: str,
    changes: Mapping[str, str],
    message: str,
    identity: Identity,
) -> str:
    """A new commit on top of `parent` where each path holds its new text (file modes kept);
    no branch moves: the caller moves it with `update_refs`."""
    modes = _modes(repo, parent, list(changes))
    with tempfile.TemporaryDirectory(prefix="vulndesk-index-") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        run_bytes(repo, "read-tree", parent, env=env)
        entries = []
        for path, text in changes.items():
            blob = run_bytes(repo, "hash-object", "-w", "--stdin", input_bytes=text.encode())
            entries.append(f"{modes.get(path, '100644')} {blob.decode().strip()}\t{path}\0")
        run_bytes(
            repo,
            "update-index",
            "-z",
            "--index-info",
            input_bytes="".join(entries).encode(),
            env=env,
        )
        tree = run_bytes(repo, "write-tree", env=env).decode().strip()
    output = run_bytes(
        repo,
        *identity.config(),
        "commit-tree",
        tree,
        "-p",
        parent,
        "-F",
        "-",
        input_bytes=message.encode(),
    )
    return output.decode().strip()


def _modes(repo: Path, commit: str, paths: Sequence[str]) -> dict[str, str]:
    output = run_bytes(repo, "ls-tree", "-z", "--end-of-options", commit, "--", *paths)
    modes = {}
    for entry in output.split(b"\0"):
        if entry:
            info, _, path = entry.decode("utf-8", errors="surrogateescape").partition("\t")
            modes[path] = info.split(" ")[0]
    return modes


def make_tag(repo: Path, name: str, commit: str, message: str, identity: Identity) -> str:
    """An annotated tag object for `commit`, not yet a ref (see `update_refs`)."""
    offset = time.strftime("%z")
    text = (
        f"object {commit}\ntype commit\ntag {name}\n"
        f"tagger {identity.name} <{identity.email}> {int(time.time())} {offset}\n\n{message}\n"
    )
    return run_bytes(repo, "mktag", input_bytes=text.encode()).decode().strip()


def is_ancestor(repo: Path, ancestor: str, descendant: str) -> bool:
    result = git(
        git_dir(repo), "merge-base", "--is-ancestor", ancestor, descendant, check=False, timeout=120
    )
    if result.returncode not in (0, 1):
        raise GitError(f"git merge-base failed: {result.stderr.strip()}")
    return result.returncode == 0


def picked_into(repo: Path, upstream: str, head: str) -> set[str]:
    """The commits named in `cherry picked from` lines of the commits on `head` that are not
    on `upstream`: fixes already carried to that branch, however their conflicts were resolved."""
    result = git(git_dir(repo), "log", "--format=%B", f"{upstream}..{head}", "--", timeout=120)
    return set(PICKED_FROM.findall(result.stdout))


def has_equivalent(repo: Path, head: str, commit: str) -> bool:
    """Whether `head` already holds a commit with the same change as `commit` (`git cherry`)."""
    result = git(git_dir(repo), "cherry", head, commit, f"{commit}^", check=False, timeout=120)
    return result.returncode == 0 and result.stdout.startswith("-")


def is_merge(repo: Path, commit: str) -> bool:
    parents = git(git_dir(repo), "rev-list", "--parents", "-n", "1", commit, "--", timeout=60)
    return len(parents.stdout.split()) > 2


@contextlib.contextmanager
def scratch_worktree(repo: Path, start: str) -> Iterator[Path]:
    """A detached worktree of `repo` at `start`, removed afterwards whatever happened in it;
    nothing done there moves a branch."""
    with tempfile.TemporaryDirectory(prefix="vulndesk-worktree-") as scratch:
        path = Path(scratch) / "tree"
        git(git_dir(repo), "worktree", "add", "--detach", "--quiet", str(path), start, timeout=600)
        try:
            yield path
        finally:
            git(git_dir(repo), "worktree", "remove", "--force", str(path), check=False)
            git(git_dir(repo), "worktree", "prune", check=False)
