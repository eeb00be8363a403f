"""The tags a repository has published, read without cloning it (`git ls-remote --tags`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from vulndesk.gitops.commits import Identity, RefUpdate, update_refs
from vulndesk.gitops.git import git, is_repository, lines
from vulndesk.gitops.remotes import check_remote

# A page that shows whether a report may be published waits for this at most, per repository.
LS_REMOTE_TIMEOUT = 30


def remote_tags(remote: str) -> frozenset[str]:
    """The tag names (`v1.2.3`, without `refs/tags/`) of `remote`: a URL or a local path.

    RemoteError when vulndesk will not read from `remote`, GitError when git could not.
    """
    checked = check_remote(remote)
    result = git(None, "ls-remote", "--tags", "--refs", "--", checked, timeout=LS_REMOTE_TIMEOUT)
    return frozenset(
        line.split("\t", 1)[1].removeprefix("refs/tags/") for line in lines(result) if "\t" in line
    )


def tagged_repository(path: Path, tags: Sequence[str], identity: Identity) -> Path:
    """A bare repository at `path` whose branch main holds one empty commit with `tags` on it:
    a stand-in for a project's public repository where nothing may reach the network (the
    demo). An existing repository there is kept as it is."""
    if is_repository(path):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    git(None, "init", "--quiet", "--bare", "--initial-branch=main", str(path))
    tree = git(path, "mktree", timeout=30).stdout.strip()
    commit = git(
        path, *identity.config(), "commit-tree", tree, "-m", "Release", timeout=30
    ).stdout.strip()
    update_refs(
        path,
        [RefUpdate("refs/heads/main", commit, None)]
        + [RefUpdate(f"refs/tags/{tag}", commit, None) for tag in tags],
    )
    return path
