"""The patch-id of each commit in a range: what a commit changes, whatever its sha.

A cherry-pick, a rebase or a merge of the same change gives a new sha but the same
`git patch-id --stable`; a changed line, even a typo fixed in a CHANGELOG, gives another one.
Two processes per range: `git log -p` and `git patch-id` reading it.
"""

from __future__ import annotations

from pathlib import Path

from vulndesk.gitops.git import GitError
from vulndesk.gitops.objects import run_bytes
from vulndesk.process.integrity import PatchCommit

# A range longer than this is not one fix: `landed` would then be a whole release's history.
MAX_PATCHES = 500
SEP = "\x1f"


def patch_ids(repo: Path, base: str, head: str, *, limit: int = MAX_PATCHES) -> list[PatchCommit]:
    """Each commit reachable from `head` and not from `base`, oldest first, with its subject
    and patch-id. Merge commits carry no change of their own and are left out; a commit that
    changes nothing has the patch-id "". GitError if the range is longer than `limit`."""
    for rev in (base, head):
        if not rev or rev.startswith("-"):
            raise GitError(f"{rev!r} is not a commit")
    span = f"{base}..{head}"
    listed = run_bytes(
        repo,
        "log",
        "--no-merges",
        "--reverse",
        f"--max-count={limit + 1}",
        f"--format=%H{SEP}%s",
        span,
        "--",
    ).decode("utf-8", errors="replace")
    commits = [line.split(SEP, 1) for line in listed.splitlines() if line]
    if len(commits) > limit:
        raise GitError(f"{span} holds more than {limit} commits; is {base[:12]} the right base?")
    if not commits:
        return []
    # --full-index and --binary: a changed binary file must change the patch-id too.
    diffs = run_bytes(
        repo,
        "-c",
        "diff.noprefix=false",
        "log",
        "--no-merges",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--full-index",
        "--binary",
        "-p",
        "--format=commit %H",
        span,
        "--",
    )
    ids = {}
    output = run_bytes(repo, "patch-id", "--stable", input_bytes=diffs).decode()
    for line in output.splitlines():
        patch_id, _, sha = line.partition(" ")
        ids[sha] = patch_id
    return [PatchCommit(sha, subject, ids.get(sha, "")) for sha, subject in commits]
