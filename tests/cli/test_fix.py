"""`vulndesk fix`: the private security repository from the command line, on real git."""

from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.management.base import CommandError

from tests.cli.helpers import vulndesk, vulndesk_json
from tests.desk.factories import make_member, make_project, make_report, make_user
from tests.gitops.repos import TEST_COMMAND, build_repos
from vulndesk.desk.models import ReleaseLine, Report, StateChoices, TeamRole, TestRun


@pytest.fixture
def report(db: None, tmp_path: Path, settings: LazySettings) -> Report:
    settings.DATA_DIR = tmp_path / "data"
    project = make_project("vitess", test_command=TEST_COMMAND)
    ReleaseLine.objects.create(project=project, name="1.13", branch="release-1.13")
    make_member(project, make_user("mia"), TeamRole.MAINTAINER)
    report = make_report(project, state=StateChoices.FIXING)
    repos = build_repos(tmp_path)
    vulndesk("fix", "repo", report.key, str(repos.remote))
    return report


def test_sync_lists_the_fix_branches_with_their_lines_and_commits(report: Report) -> None:
    listed = vulndesk_json("fix", "sync", report.key)
    branches = {b["branch"]: b for b in listed["branches"]}
    assert branches["fix/header-1.13"]["line"] == "1.13"
    assert branches["fix/header-main"]["line"] is None
    assert [c["subject"] for c in branches["fix/header-main"]["commits"]] == [
        "Reject the crafted header"
    ]


def test_test_wait_prints_the_log_and_fails_for_the_failing_branch_OEDX_19(
    report: Report,
) -> None:
    vulndesk("fix", "sync", report.key)
    out = vulndesk("fix", "test", report.key, "fix/header-main", "--wait")
    assert out.startswith("checking for the fix\nfixed\n")
    assert "fix/header-main at " in out
    assert out.endswith(": passed (exit code 0)\n")
    with pytest.raises(CommandError, match=r"fix/header-1.13 at \w+: failed \(exit code 1\)"):
        vulndesk("fix", "test", report.key, "fix/header-1.13", "--wait")
    assert sorted(TestRun.objects.values_list("status", flat=True)) == ["failed", "passed"]


def test_review_records_an_approval_and_names_unknown_branches_VIT_18(report: Report) -> None:
    vulndesk("fix", "sync", report.key)
    out = vulndesk("fix", "review", report.key, "fix/header-main", "--as", "mia", "--approve")
    assert "fix/header-main at " in out
    assert out.endswith(": approved by mia\n")
    with pytest.raises(CommandError, match="has no fix branch 'fix/nope'; its fix branches: fix/"):
        vulndesk("fix", "review", report.key, "fix/nope", "--as", "mia", "--approve")


def test_a_dangerous_remote_is_refused(report: Report) -> None:
    with pytest.raises(CommandError, match="would be read by git as an option"):
        vulndesk("fix", "repo", report.key, "--upload-pack=touch /tmp/pwned")
