"""A bare mirror of a private security remote, its branches, and the fixes on them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from vulndesk.gitops.git import GitError, git, is_repository, lines
from vulndesk.gitops.remotes import check_remote

HEADS = "refs/heads/"
# A field separator git prints with %x1f and no commit subject or name contains.
SEP = "\x1f"
LOG_FORMAT = SEP.join(("%H", "%s", "%an", "%ae", "%aI"))
# A fix branch lists at most this many commits: one far off its line is a mistake to show.
MAX_COMMITS = 200


@dataclass(frozen=True)
class Commit:
    sha: str
    subject: str
    author: str
    author_email: str
    date: datetime


@dataclass(frozen=True)
class FixBranchInfo:
    """A branch that is neither main nor a release line's: a fix, and the branch it fixes."""

    name: str
    head: str
    base: str  # the main branch or a release line's branch
    commits: list[Commit]  # on the fix branch and not on `base`, newest first


def mirror(remote: str, dest: Path) -> None:
    """Make `dest` (a bare repository) hold exactly the remote's branches: fetch with prune.

    The first call creates it; later calls fetch what changed, from the remote given now, so
    changing a report's remote needs nothing else.
    """
    remote = check_remote(remote)
    if not (dest / "HEAD").exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        git(None, "init", "--quiet", "--bare", str(dest), timeout=60)
    elif not is_repository(dest):
        raise GitError(f"{dest} exists and is not a git repository; move it away")
    # `--end-of-options`: whatever the remote says, git reads it as a remote, not an option.
    git(dest, "fetch", "--prune", "--no-tags", "--end-of-options", remote, f"+{HEADS}*:{HEADS}*")


def branch_heads(repo: Path) -> dict[str, str]:
    """Every branch of the mirror and the commit it points at."""
    result = git(repo, "for-each-ref", "--format=%(refname:strip=2) %(objectname)", HEADS)
    heads = {}
    for line in lines(result):
        name, _, sha = line.rpartition(" ")
        heads[name] = sha
    return heads


def has_commit(repo: Path, sha: str) -> bool:
    """Whether the mirror holds that commit (a worker on another machine may not have it yet)."""
    if not (repo / "HEAD").exists():
        return False
    result = git(repo, "cat-file", "-e", f"{sha}^{{commit}}", timeout=30, check=False)
    return result.returncode == 0


def check_branch_name(name: str) -> str:
    """The branch name if git would accept it as one; ValueError saying why not."""
    value = name.strip()
    if not value or value.startswith("-"):
        raise ValueError(f"{name!r} is not a branch name")
    result = git(None, "check-ref-format", "--branch", value, timeout=30, check=False)
    if result.returncode != 0:
        raise ValueError(f"{value!r} is not a valid git branch name")
    return value


def commits_between(repo: Path, base: str, head: str, *, limit: int = MAX_COMMITS) -> list[Commit]:
    """Commits reachable from `head` and not from `base`, newest first."""
    result = git(
        repo, "log", f"--max-count={limit}", f"--format={LOG_FORMAT}", f"{base}..{head}", "--"
    )
    commits = []
    for line in lines(result):
        sha, subject, author, email, date = line.split(SEP)
        commits.append(Commit(sha, subject, author, email, datetime.fromisoformat(date)))
    return commits


def _ahead(repo: Path, base: str, head: str) -> int:
    return int(git(repo, "rev-list", "--count", f"{base}..{head}", "--").stdout.strip())


def find_fix_branches(
    repo: Path, main_branch: str, line_branches: Sequence[str]
) -> list[FixBranchInfo]:
    """Each branch other than main and the lines', with the line it fixes and its commits.

    A fix branch fixes the line it was branched from: the main or line branch it is the
    fewest commits ahead of. A tie goes to main, where the fix lands first (VIT-5), then to the
    line listed first. Lines whose branch the mirror lacks are left out.
    """
    heads = branch_heads(repo)
    bases = [name for name in (main_branch, *line_branches) if name in heads]
    if not bases:
        return []
    found = []
    for name in sorted(heads):
        if name in bases or name in line_branches or name == main_branch:
            continue
        head = heads[name]
        distance = {base: _ahead(repo, f"{HEADS}{base}", head) for base in bases}
        base = min(bases, key=lambda b: (distance[b], bases.index(b)))
        commits = commits_between(repo, f"{HEADS}{base}", head)
        found.append(FixBranchInfo(name, head, base, commits))
    return found
