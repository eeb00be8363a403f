"""The test command on one commit, in a worktree that is gone afterwards (OEDX-19)."""

import os
from pathlib import Path

import pytest

from tests.gitops.repos import TEST_COMMAND, Repos, git
from vulndesk.gitops import mirror, run_tests


@pytest.fixture
def mirrored(repos: Repos, tmp_path: Path) -> Path:
    dest = tmp_path / "mirror.git"
    mirror(str(repos.remote), dest)
    return dest


def head(repos: Repos, branch: str) -> str:
    return git(repos.upstream, "rev-parse", branch)


def worktrees(repo: Path) -> list[str]:
    return git(repo, "worktree", "list", "--porcelain").splitlines()


def test_the_fixed_branch_passes_and_the_other_fails_with_their_logs(
    repos: Repos, mirrored: Path
) -> None:
    passed = run_tests(mirrored, head(repos, "fix/header-main"), TEST_COMMAND)
    assert (passed.status, passed.exit_code) == ("passed", 0)
    assert passed.log == "checking for the fix\nfixed\n"
    failed = run_tests(mirrored, head(repos, "fix/header-1.13"), TEST_COMMAND)
    assert (failed.status, failed.exit_code) == ("failed", 1)
    assert failed.log == "checking for the fix\n"
    # Only the bare mirror itself is left: both worktrees were removed.
    assert [line for line in worktrees(mirrored) if line.startswith("worktree ")] == [
        f"worktree {mirrored}"
    ]


def test_a_missing_command_is_an_error_not_a_failure(repos: Repos, mirrored: Path) -> None:
    outcome = run_tests(mirrored, head(repos, "main"), "no-such-test-runner --all")
    assert (outcome.status, outcome.exit_code) == ("error", None)
    assert "no such command: no-such-test-runner" in outcome.log


def test_a_command_past_its_timeout_is_stopped_and_its_worktree_removed(
    repos: Repos, mirrored: Path
) -> None:
    outcome = run_tests(mirrored, head(repos, "main"), "sh -c 'echo started; sleep 30'", timeout=1)
    assert outcome.status == "error"
    assert outcome.log == "started\n\n[stopped: still running after 1 s]"
    assert len([line for line in worktrees(mirrored) if line.startswith("worktree ")]) == 1


def test_a_long_log_keeps_its_end_and_says_it_was_cut(repos: Repos, mirrored: Path) -> None:
    command = "sh -c 'seq 1 5000; echo the last line'"
    outcome = run_tests(mirrored, head(repos, "main"), command, log_limit=100)
    assert outcome.log.startswith("[log truncated: the first ")
    assert outcome.log.endswith("4999\n5000\nthe last line\n")


def test_the_desk_secrets_do_not_reach_the_command(
    repos: Repos, mirrored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VULNDESK_EMAIL_PASSWORD", "hunter2")
    outcome = run_tests(mirrored, head(repos, "main"), "env")
    assert outcome.status == "passed"
    assert "hunter2" not in outcome.log
    assert "VULNDESK_" not in outcome.log
    assert f"PATH={os.environ['PATH']}" in outcome.log


def test_an_unknown_commit_is_an_error(mirrored: Path) -> None:
    outcome = run_tests(mirrored, "0" * 40, "true")
    assert outcome.status == "error"
    assert outcome.log.startswith(f"could not check out {'0' * 40}")


def test_an_unreadable_command_is_an_error(repos: Repos, mirrored: Path) -> None:
    outcome = run_tests(mirrored, head(repos, "main"), "sh -c 'unclosed")
    assert outcome.status == "error"
    assert "the test command cannot be read" in outcome.log
