"""Patch-ids on real repositories: what a commit changes, whatever its sha (EMI-42, KAR-41)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gitops.repos import Repos, git
from vulndesk.gitops import GitError, patch_ids
from vulndesk.process.integrity import Difference, compare


def test_a_cherry_pick_has_a_new_sha_and_the_same_patch_id_EMI_42(repos: Repos) -> None:
    work = repos.upstream
    sent = patch_ids(work, "release-1.13", "fix/header-1.13")
    assert [c.subject for c in sent] == ["Reject the header on 1.13", "Test the header on 1.13"]
    git(work, "checkout", "--quiet", "-b", "landed", "release-1.13")
    git(work, "cherry-pick", "-x", "release-1.13..fix/header-1.13")
    landed = patch_ids(work, "release-1.13", "landed")
    assert [c.sha for c in landed] != [c.sha for c in sent]
    assert [c.patch_id for c in landed] == [c.patch_id for c in sent]
    assert compare(sent, landed) == []


def test_a_typo_fixed_in_a_commit_changes_its_patch_id_KAR_41(repos: Repos) -> None:
    work = repos.upstream
    sent = patch_ids(work, "release-1.13", "fix/header-1.13")
    git(work, "checkout", "--quiet", "-b", "landed", "release-1.13")
    git(work, "cherry-pick", "release-1.13..fix/header-1.13")
    (work / "proxy.py").write_text("def handle(): pass  # reject the header\n")
    git(work, "commit", "--quiet", "-a", "--amend", "--no-edit")  # into the last commit
    landed = patch_ids(work, "release-1.13", "landed")
    [finding] = compare(sent, landed)
    assert finding.kind is Difference.CHANGED
    assert finding.subject == "Test the header on 1.13"


def test_a_missing_and_an_extra_commit_are_found(repos: Repos) -> None:
    work = repos.upstream
    sent = patch_ids(work, "release-1.13", "fix/header-1.13")
    git(work, "checkout", "--quiet", "-b", "landed", "release-1.13")
    git(work, "cherry-pick", "fix/header-1.13~1")
    (work / "NOTES").write_text("late addition\n")
    git(work, "add", "NOTES")
    git(work, "commit", "--quiet", "-m", "Add release notes")
    findings = compare(sent, patch_ids(work, "release-1.13", "landed"))
    assert [(f.kind, f.subject) for f in findings] == [
        (Difference.MISSING, "Test the header on 1.13"),
        (Difference.EXTRA, "Add release notes"),
    ]


def test_a_merge_lands_the_same_commits_and_adds_no_patch_of_its_own(repos: Repos) -> None:
    work = repos.upstream
    sent = patch_ids(work, "release-1.13", "fix/header-1.13")
    git(work, "checkout", "--quiet", "-b", "landed", "release-1.13")
    (work / "OTHER").write_text("unrelated\n")
    git(work, "add", "OTHER")
    git(work, "commit", "--quiet", "-m", "Unrelated work")
    git(work, "merge", "--quiet", "--no-ff", "-m", "Merge the fix", "fix/header-1.13")
    landed = patch_ids(work, "release-1.13", "landed")
    assert "Merge the fix" not in [c.subject for c in landed]
    assert [f.subject for f in compare(sent, landed)] == ["Unrelated work"]


def test_it_reads_a_bare_repository_and_an_empty_range(repos: Repos) -> None:
    ids = patch_ids(repos.remote, "main", "fix/header-main")
    assert [len(c.patch_id) for c in ids] == [40]
    assert patch_ids(repos.remote, "main", "main") == []


def test_a_range_too_long_or_a_bad_revision_is_an_error(repos: Repos) -> None:
    with pytest.raises(GitError, match="more than 1 commits"):
        patch_ids(repos.remote, "release-1.13", "fix/header-1.13", limit=1)
    with pytest.raises(GitError):
        patch_ids(repos.remote, "--output=/tmp/x", "main")
    with pytest.raises(GitError):
        patch_ids(repos.remote, "no-such-branch", "main")


def test_a_binary_change_changes_the_patch_id(tmp_path: Path) -> None:
    git(tmp_path, "init", "--quiet", "-b", "main")
    (tmp_path / "a").write_text("a\n")
    git(tmp_path, "add", "a")
    git(tmp_path, "commit", "--quiet", "-m", "Start")
    for name, data in (("one", b"\0\1\2"), ("two", b"\0\1\3")):
        git(tmp_path, "checkout", "--quiet", "-b", name, "main")
        (tmp_path / "blob.bin").write_bytes(data)
        git(tmp_path, "add", "blob.bin")
        git(tmp_path, "commit", "--quiet", "-m", "Add the blob")
    [one] = patch_ids(tmp_path, "main", "one")
    [two] = patch_ids(tmp_path, "main", "two")
    assert one.patch_id != two.patch_id
