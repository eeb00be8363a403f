"""The only code that runs git: mirrors of private security remotes, their fix branches, and
test runs in throwaway worktrees.

Plain Python on paths, returning dataclasses; no Django. Every git call is an argument list
(never a shell string), bounded by a timeout, with the remote checked first (`check_remote`).
"""

from vulndesk.gitops.git import GitError
from vulndesk.gitops.remotes import RemoteError, check_remote, display_remote
from vulndesk.gitops.repository import (
    Commit,
    FixBranchInfo,
    branch_heads,
    check_branch_name,
    commits_between,
    find_fix_branches,
    has_commit,
    mirror,
)
from vulndesk.gitops.testrun import TestOutcome, run_tests

__all__ = [
    "Commit",
    "FixBranchInfo",
    "GitError",
    "RemoteError",
    "TestOutcome",
    "branch_heads",
    "check_branch_name",
    "check_remote",
    "commits_between",
    "display_remote",
    "find_fix_branches",
    "has_commit",
    "mirror",
    "run_tests",
]
