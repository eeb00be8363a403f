"""The clones vulndesk works in: it never writes in a repository it was given.

`workspace()` makes a non-bare clone (nothing checked out until someone wants to: a person
resolving a conflict checks a branch out there) and refreshes it later without losing what was
done in it: a branch the source moved forward follows, a branch made or moved here stays.
"""

from __future__ import annotations

from pathlib import Path

from vulndesk.gitops.git import GitError, git, is_repository
from vulndesk.gitops.objects import git_dir, refs, run_bytes
from vulndesk.gitops.remotes import check_remote

# Where the source's branches and tags land on each fetch, before the local ones follow them.
SOURCE = "refs/vulndesk/source/"
# The clone's own HEAD names a branch no step makes, so updating any real branch never leaves
# a checked-out work tree behind its branch.
IDLE_BRANCH = "vulndesk-workspace"


def workspace(source: str, dest: Path) -> Path:
    """Make `dest` a clone of `source` (a local path or URL) or refresh it; return `dest`.

    Every branch and tag of the source becomes a local branch or tag. On a refresh, a local
    branch moves only if the source's is ahead of it (a fast-forward), and an existing tag is
    never moved: work done in the clone (a resolved cherry-pick, a release) is kept.
    """
    remote = check_remote(source)
    if not dest.exists() or not any(dest.iterdir()):
        dest.mkdir(parents=True, exist_ok=True)
        git(None, "init", "--quiet", f"--initial-branch={IDLE_BRANCH}", str(dest), timeout=60)
    elif not is_repository(dest):
        raise GitError(f"{dest} exists and is not a git repository; move it away")
    repo = git_dir(dest)
    git(
        repo,
        "fetch",
        "--quiet",
        "--prune",
        "--no-tags",
        "--end-of-options",
        remote,
        f"+refs/heads/*:{SOURCE}heads/*",
        f"+refs/tags/*:{SOURCE}tags/*",
    )
    _follow_source(dest)
    return dest


def _follow_source(dest: Path) -> None:
    current = refs(dest)
    fetched = {
        name: sha
        for name, sha in _source_refs(dest).items()
        if name.startswith(("refs/heads/", "refs/tags/"))
    }
    commands = []
    for name, sha in sorted(fetched.items()):
        local = current.get(name)
        if local == sha:
            continue
        if local is None:
            commands.append(f"create {name} {sha}\n")
        elif name.startswith("refs/heads/") and _is_ancestor(dest, local, sha):
            commands.append(f"update {name} {sha} {local}\n")
    if commands:
        run_bytes(dest, "update-ref", "--stdin", input_bytes="".join(commands).encode())


def _source_refs(dest: Path) -> dict[str, str]:
    """The fetched copies of the source's refs, by the name they have locally, unpeeled: an
    annotated tag is copied as the tag object it is."""
    result = git(
        git_dir(dest), "for-each-ref", "--format=%(refname)%00%(objectname)", SOURCE, timeout=120
    )
    found = {}
    for line in result.stdout.splitlines():
        name, sha = line.split("\0")
        found["refs/" + name.removeprefix(SOURCE)] = sha
    return found


def _is_ancestor(dest: Path, ancestor: str, descendant: str) -> bool:
    result = git(
        git_dir(dest),
        "merge-base",
        "--is-ancestor",
        ancestor,
        descendant,
        check=False,
        timeout=120,
    )
    return result.returncode == 0
