"""The only code that runs git: mirrors of private security remotes, their fix branches, test
runs in throwaway worktrees, and backports: workspace clones (one run at a time in them), pins
read from git objects, and a backport plan tried (dry run) and carried out.

Plain Python on paths, returning dataclasses; no Django. Every git call is an argument list
(never a shell string), bounded by a timeout, with the remote checked first (`check_remote`).
"""

from vulndesk.gitops.backport import Conflict, PickCheck, StepOutcome, dry_run, execute
from vulndesk.gitops.commits import Identity
from vulndesk.gitops.discovery import (
    DiscoveryError,
    DiscoveryJob,
    DiscoveryResult,
    dependent_branch,
    discover_many,
    discover_pins,
    package_facts,
)
from vulndesk.gitops.git import GitError
from vulndesk.gitops.lock import WorkspaceBusy, workspace_lock
from vulndesk.gitops.objects import list_files, read_blobs, refs
from vulndesk.gitops.patches import patch_ids
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
from vulndesk.gitops.tags import remote_tags, tagged_repository
from vulndesk.gitops.testrun import TestOutcome, run_tests
from vulndesk.gitops.workspace import workspace

__all__ = [
    "Commit",
    "Conflict",
    "DiscoveryError",
    "DiscoveryJob",
    "DiscoveryResult",
    "FixBranchInfo",
    "GitError",
    "Identity",
    "PickCheck",
    "RemoteError",
    "StepOutcome",
    "TestOutcome",
    "WorkspaceBusy",
    "branch_heads",
    "check_branch_name",
    "check_remote",
    "commits_between",
    "dependent_branch",
    "discover_many",
    "discover_pins",
    "display_remote",
    "dry_run",
    "execute",
    "find_fix_branches",
    "has_commit",
    "list_files",
    "mirror",
    "package_facts",
    "patch_ids",
    "read_blobs",
    "refs",
    "remote_tags",
    "run_tests",
    "tagged_repository",
    "workspace",
    "workspace_lock",
]
