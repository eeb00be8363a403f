"""The private security repository of a report, on real git: linking its remote, syncing its
fix branches per release line, test runs on the worker, and the review gate on `fix_ready`
(EMI-29, EMI-32, OEDX-16, OEDX-18, OEDX-19, VIT-18)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.accounts.helpers import sign_in
from tests.desk.factories import make_member, make_project, make_report, make_user
from tests.gitops.repos import TEST_COMMAND, Repos, build_repos
from vulndesk.accounts.models import TokenScope
from vulndesk.accounts.tokens import issue_token
from vulndesk.desk.models import (
    AuditEvent,
    FixBranch,
    FixTeamMember,
    Project,
    ReleaseLine,
    Report,
    StateChoices,
    TeamRole,
    TestRun,
)
from vulndesk.desk.services import fix_repo
from vulndesk.desk.services.transitions import transition
from vulndesk.process.lifecycle import TransitionError

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Desk:
    repos: Repos
    project: Project
    report: Report
    vic: User  # Vitess maintainer (on the security team: VIT-1), leads the fix
    mia: User  # maintainer
    max: User  # maintainer
    fay: User  # wrote the fix; on the report's Fix Team, not a maintainer
    rita: User  # release manager
    charlie: User  # nobody


@pytest.fixture
def desk(db: None, tmp_path: Path, settings: LazySettings) -> Desk:
    settings.DATA_DIR = tmp_path / "data"
    repos = build_repos(tmp_path)
    project = make_project(
        "vitess",
        test_command=TEST_COMMAND,
        policy_overrides={"fix_review": {"required_approvals": 2}},
    )
    ReleaseLine.objects.create(project=project, name="1.13", branch="release-1.13")
    vic, mia, max_, fay, rita, charlie = (
        make_user(name) for name in ("vic", "mia", "max", "fay", "rita", "charlie")
    )
    for maintainer in (vic, mia, max_):
        make_member(project, maintainer, TeamRole.MAINTAINER)
    make_member(project, rita, TeamRole.RELEASE_MANAGER)
    report = make_report(project, state=StateChoices.FIXING, fix_lead=vic)
    FixTeamMember.objects.create(report=report, user=fay, accepted_at=timezone.now())
    return Desk(repos, project, report, vic, mia, max_, fay, rita, charlie)


def linked(desk: Desk) -> dict[str, FixBranch]:
    fix_repo.link_repository(desk.report, str(desk.repos.remote), actor=desk.vic)
    desk.report.refresh_from_db()
    result = fix_repo.sync_fix_branches(desk.report, actor=desk.vic)
    return {branch.name: branch for branch in result.branches}


def run_worker() -> None:
    call_command("worker", "--batch", "--no-startup-delay", stdout=io.StringIO())


def approve(branch: FixBranch, *reviewers: User) -> None:
    for reviewer in reviewers:
        fix_repo.record_review(branch, reviewer=reviewer, approved=True)


def make_ready(report: Report, actor: User) -> Report:
    return transition(Report.objects.get(pk=report.pk), "fix_ready", actor=actor)


# -- linking and syncing ---------------------------------------------------------------------------


def test_sync_finds_each_fix_branch_with_its_line_and_commits_EMI_32(desk: Desk) -> None:
    branches = linked(desk)
    assert set(branches) == {"fix/header-main", "fix/header-1.13"}
    assert branches["fix/header-main"].release_line is None
    line = branches["fix/header-1.13"].release_line
    assert line is not None
    assert line.name == "1.13"
    commits = fix_repo.branch_commits(branches["fix/header-1.13"])
    assert [c.subject for c in commits] == ["Test the header on 1.13", "Reject the header on 1.13"]
    assert AuditEvent.objects.filter(report=desk.report, action="fix.branch_synced").count() == 2
    assert AuditEvent.objects.filter(report=desk.report, action="fix.repository_linked").exists()


def test_a_second_sync_records_only_what_moved(desk: Desk) -> None:
    before = linked(desk)["fix/header-main"].head_sha
    sha = desk.repos.add_commit("fix/header-main", "more.txt", "Cover the other header")
    result = fix_repo.sync_fix_branches(desk.report, actor=desk.vic)
    assert result.changes == [f"fix/header-main: moved from {before[:12]} to {sha[:12]}"]
    assert FixBranch.objects.get(name="fix/header-main").head_sha == sha


def test_a_dangerous_remote_is_refused_with_a_clear_message_and_nothing_stored(
    desk: Desk,
) -> None:
    for remote, message in (
        ("ext::sh -c touch% /tmp/pwned", "ext:: remotes run a transport helper and are refused"),
        ("--upload-pack=touch /tmp/pwned", "would be read by git as an option"),
    ):
        with pytest.raises(ValueError, match=message):
            fix_repo.link_repository(desk.report, remote, actor=desk.vic)
    desk.report.refresh_from_db()
    assert desk.report.security_repository == ""
    assert not AuditEvent.objects.filter(action="fix.repository_linked").exists()


def test_the_page_refuses_a_dangerous_remote_next_to_the_field(desk: Desk, client: Client) -> None:
    sign_in(client, desk.vic)
    url = reverse("report-fix-repo", args=["vitess", desk.report.number])
    response = client.post(url, {"remote": "ext::sh -c id"})
    assert response.status_code == 400
    assert "ext:: remotes run a transport helper and are refused" in response.content.decode()


def test_syncing_without_a_remote_says_to_link_one(desk: Desk) -> None:
    with pytest.raises(ValueError, match="link the report's private security repository first"):
        fix_repo.sync_fix_branches(desk.report)


# -- test runs on the worker -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_worker_records_a_pass_for_one_branch_and_a_fail_for_the_other_OEDX_19(
    desk: Desk,
) -> None:
    branches = linked(desk)
    good = fix_repo.request_test_run(branches["fix/header-main"], actor=desk.fay)
    bad = fix_repo.request_test_run(branches["fix/header-1.13"], actor=desk.fay)
    assert good.status == TestRun.Status.QUEUED
    run_worker()
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, good.exit_code, good.log) == ("passed", 0, "checking for the fix\nfixed\n")
    assert (bad.status, bad.exit_code, bad.log) == ("failed", 1, "checking for the fix\n")
    assert good.started_at is not None
    assert good.finished_at is not None
    finished = AuditEvent.objects.filter(action="fix.test_finished").order_by("seq")
    assert [e.data["status"] for e in finished] == ["passed", "failed"]


@pytest.mark.django_db(transaction=True)
def test_a_missing_command_and_a_timeout_are_errors(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    branches = linked(desk)
    Project.objects.filter(pk=desk.project.pk).update(test_command="no-such-runner --all")
    missing = fix_repo.request_test_run(
        FixBranch.objects.get(pk=branches["fix/header-main"].pk), actor=desk.vic
    )
    Project.objects.filter(pk=desk.project.pk).update(test_command="sleep 30")
    slow = fix_repo.request_test_run(
        FixBranch.objects.get(pk=branches["fix/header-main"].pk), actor=desk.vic
    )
    monkeypatch.setattr(fix_repo, "TEST_TIMEOUT", 1)
    run_worker()
    missing.refresh_from_db()
    slow.refresh_from_db()
    assert (missing.status, missing.exit_code) == ("error", None)
    assert "no such command: no-such-runner" in missing.log
    assert slow.status == "error"
    assert "[stopped: still running after 1 s]" in slow.log


def test_a_project_without_a_test_command_is_told_to_set_one(desk: Desk) -> None:
    branches = linked(desk)
    Project.objects.filter(pk=desk.project.pk).update(test_command="")
    branch = FixBranch.objects.get(pk=branches["fix/header-main"].pk)
    with pytest.raises(ValueError, match="vitess has no test command; set one in its settings"):
        fix_repo.request_test_run(branch, actor=desk.vic)
    assert not TestRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_page_marks_a_run_for_an_older_commit_as_stale(desk: Desk, client: Client) -> None:
    branches = linked(desk)
    fix_repo.request_test_run(branches["fix/header-main"], actor=desk.vic)
    run_worker()
    sign_in(client, desk.fay)
    page = client.get(desk.report.get_absolute_url()).content.decode()
    assert "Passed" in page
    assert "for an older commit" not in page
    desk.repos.add_commit("fix/header-main", "more.txt", "Cover the other header")
    fix_repo.sync_fix_branches(desk.report)
    page = client.get(desk.report.get_absolute_url()).content.decode()
    assert "for an older commit" in page


def running_since(branch: FixBranch, started_at: datetime) -> TestRun:
    """A run a worker claimed at `started_at` and has not finished."""
    return TestRun.objects.create(
        fix_branch=branch,
        sha=branch.head_sha,
        command=TEST_COMMAND,
        status=TestRun.Status.RUNNING,
        started_at=started_at,
    )


def test_a_run_whose_worker_stopped_reads_as_an_error_saying_to_run_it_again(
    desk: Desk, client: Client
) -> None:
    branches = linked(desk)
    now = timezone.now()
    lost = running_since(branches["fix/header-main"], now - fix_repo.ABANDONED_AFTER - MINUTE)
    busy = running_since(branches["fix/header-1.13"], now - fix_repo.ABANDONED_AFTER + MINUTE)
    sign_in(client, desk.fay)
    page = client.get(desk.report.get_absolute_url()).content.decode()
    assert "Tests: <strong>could not run</strong>" in page
    assert "The worker stopped while running these tests" in page
    assert "Run them again." in page
    lost.refresh_from_db()
    busy.refresh_from_db()
    assert (lost.status, lost.exit_code) == ("error", None)
    assert lost.finished_at is not None
    assert busy.status == "running"  # still within the time a live worker may take
    abandoned = AuditEvent.objects.get(report=desk.report, action="fix.test_abandoned")
    assert abandoned.data["run"] == lost.pk
    assert abandoned.data["branch"] == "fix/header-main"
    # Looking again records nothing more.
    client.get(desk.report.get_absolute_url())
    assert AuditEvent.objects.filter(action="fix.test_abandoned").count() == 1


def test_the_api_lists_an_abandoned_run_as_an_error_with_its_log(desk: Desk) -> None:
    branches = linked(desk)
    started = timezone.now() - fix_repo.ABANDONED_AFTER - MINUTE
    lost = running_since(branches["fix/header-main"], started)
    token = issue_token(desk.vic, name="tests", scope=TokenScope.READ, lifetime=timedelta(days=1))
    api = Client(headers={"Authorization": f"Bearer {token[1]}"})
    listed = api.get(f"/api/v1/reports/vitess/{desk.report.number}/fix-branches").json()
    run = {b["name"]: b for b in listed}["fix/header-main"]["latest_test_run"]
    assert (run["id"], run["status"], run["exit_code"]) == (lost.pk, "error", None)
    assert run["log"].startswith("The worker stopped while running these tests")
    assert f"started at {started:%Y-%m-%d %H:%M} UTC" in run["log"]


@pytest.mark.django_db(transaction=True)
def test_a_new_run_for_the_branch_of_an_abandoned_one_runs_to_the_end(desk: Desk) -> None:
    branches = linked(desk)
    branch = branches["fix/header-main"]
    lost = running_since(branch, timezone.now() - fix_repo.ABANDONED_AFTER - MINUTE)
    again = fix_repo.request_test_run(branch, actor=desk.fay)
    lost.refresh_from_db()
    assert lost.status == "error"  # recorded when the new run was asked for
    run_worker()
    again.refresh_from_db()
    assert (again.status, again.exit_code) == ("passed", 0)
    actions = AuditEvent.objects.filter(report=desk.report).order_by("seq")
    assert [a for a in actions.values_list("action", flat=True) if a.startswith("fix.test")] == [
        "fix.test_abandoned",
        "fix.test_requested",
        "fix.test_finished",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_starting_worker_records_the_runs_a_killed_worker_left_running(desk: Desk) -> None:
    branches = linked(desk)
    lost = running_since(branches["fix/header-1.13"], timezone.now() - 2 * fix_repo.ABANDONED_AFTER)
    run_worker()
    lost.refresh_from_db()
    assert lost.status == "error"
    assert "Run them again." in lost.log


# -- reviews and the gate --------------------------------------------------------------------------


def test_vitess_fix_ready_needs_n_lgtms_on_every_branch_VIT_18(desk: Desk) -> None:
    branches = linked(desk)
    approve(branches["fix/header-main"], desk.mia, desk.max)
    approve(branches["fix/header-1.13"], desk.mia)
    with pytest.raises(TransitionError) as refused:
        make_ready(desk.report, desk.vic)
    assert refused.value.problems == [
        "cannot mark the fix ready: fix branch fix/header-1.13 needs 1 more approving review "
        "on its current head (1 of 2) (VIT-18)"
    ]
    approve(branches["fix/header-1.13"], desk.max)
    assert make_ready(desk.report, desk.vic).state == "fix_ready"


def test_a_new_commit_makes_earlier_approvals_not_count_VIT_18(desk: Desk) -> None:
    branches = linked(desk)
    for branch in branches.values():
        approve(branch, desk.mia, desk.max)
    desk.repos.add_commit("fix/header-1.13", "late.txt", "One more change after review")
    fix_repo.sync_fix_branches(desk.report)
    with pytest.raises(TransitionError, match=r"fix/header-1.13 needs 2 more approving reviews"):
        make_ready(desk.report, desk.vic)


def test_the_same_reviewer_twice_counts_once_and_a_change_of_mind_replaces_it(
    desk: Desk,
) -> None:
    branch = linked(desk)["fix/header-main"]
    approve(branch, desk.mia, desk.mia)
    assert [a.approvals for a in fix_repo.approvals(desk.report) if a.branch == branch.name] == [1]
    fix_repo.record_review(branch, reviewer=desk.mia, approved=False, comment="needs a test")
    assert [a.approvals for a in fix_repo.approvals(desk.report) if a.branch == branch.name] == [0]


def test_open_edx_needs_one_approving_review_OEDX_18(
    db: None, tmp_path: Path, settings: LazySettings
) -> None:
    settings.DATA_DIR = tmp_path / "data"
    repos = build_repos(tmp_path)
    openedx = make_project("openedx")
    ReleaseLine.objects.create(project=openedx, name="1.13", branch="release-1.13")
    lead, reviewer = make_user("lead"), make_user("reviewer")
    make_member(openedx, lead, TeamRole.SECURITY_TEAM)
    make_member(openedx, reviewer, TeamRole.MAINTAINER)
    report = make_report(openedx, state=StateChoices.FIXING)
    with pytest.raises(TransitionError, match="no fix branch is known"):
        make_ready(report, lead)
    fix_repo.link_repository(report, str(repos.remote), actor=lead)
    report.refresh_from_db()
    branches = fix_repo.sync_fix_branches(report).branches
    for branch in branches[:1]:
        approve(branch, reviewer)
    with pytest.raises(TransitionError, match=r"needs 1 more approving review .* \(OEDX-18\)"):
        make_ready(report, lead)
    approve(branches[1], reviewer)
    assert make_ready(report, lead).state == "fix_ready"


def test_only_the_policy_s_reviewers_may_review_and_not_the_fix_s_author(desk: Desk) -> None:
    branch = linked(desk)["fix/header-main"]
    with pytest.raises(ValueError, match="fay is not among the project's maintainers"):
        fix_repo.record_review(branch, reviewer=desk.fay, approved=True)
    make_member(desk.project, desk.fay, TeamRole.MAINTAINER)
    with pytest.raises(ValueError, match="fay wrote commits on fix/header-main; someone else"):
        fix_repo.record_review(branch, reviewer=desk.fay, approved=True)


def test_a_project_without_a_gate_moves_to_fix_ready_without_reviews_EMI_32(
    db: None,
) -> None:
    emissary = make_project("emissary", preset="envoy")
    alice = make_user("alice")
    make_member(emissary, alice, TeamRole.SECURITY_TEAM)
    report = make_report(emissary, state=StateChoices.FIXING)
    assert make_ready(report, alice).state == "fix_ready"


# -- who may see and do it ------------------------------------------------------------------------


def post(client: Client, user: User, name: str, *args: object, **data: str) -> int:
    sign_in(client, user)
    return client.post(reverse(name, args=args), data).status_code


def test_outsiders_and_the_release_manager_of_an_embargoed_report_get_404(
    desk: Desk, client: Client
) -> None:
    branch = linked(desk)["fix/header-main"]
    number = desk.report.number
    for user in (desk.charlie, desk.rita):
        assert post(client, user, "report-fix-repo-sync", "vitess", number) == 404
        assert post(client, user, "report-fix-branch-test", "vitess", number, branch.pk) == 404
        review = post(
            client, user, "report-fix-branch-review", "vitess", number, branch.pk, verdict="approve"
        )
        assert review == 404
    assert not TestRun.objects.exists()


def test_the_fix_team_sees_the_section_and_runs_tests_but_does_not_relink(
    desk: Desk, client: Client
) -> None:
    branch = linked(desk)["fix/header-main"]
    number = desk.report.number
    sign_in(client, desk.fay)
    page = client.get(desk.report.get_absolute_url()).content.decode()
    assert "Private repository" in page
    assert "Reject the crafted header" in page
    assert post(client, desk.fay, "report-fix-branch-test", "vitess", number, branch.pk) == 302
    assert TestRun.objects.filter(fix_branch=branch, requested_by=desk.fay).count() == 1
    relink = post(client, desk.fay, "report-fix-repo", "vitess", number, remote="/srv/other.git")
    assert relink == 403
    review = post(
        client, desk.fay, "report-fix-branch-review", "vitess", number, branch.pk, verdict="approve"
    )
    assert review == 403


def test_a_maintainer_approves_from_the_page(desk: Desk, client: Client) -> None:
    branch = linked(desk)["fix/header-main"]
    status = post(
        client,
        desk.mia,
        "report-fix-branch-review",
        "vitess",
        desk.report.number,
        branch.pk,
        verdict="approve",
        comment="LGTM",
    )
    assert status == 302
    review = branch.reviews.get()
    assert (review.reviewer, review.sha, review.approved, review.comment) == (
        desk.mia,
        branch.head_sha,
        True,
        "LGTM",
    )


def test_the_log_is_plain_text_for_those_who_see_the_report(desk: Desk, client: Client) -> None:
    branch = linked(desk)["fix/header-main"]
    run = TestRun.objects.create(
        fix_branch=branch, sha=branch.head_sha, command="x", log="<script>alert(1)</script>"
    )
    url = reverse("report-test-run-log", args=["vitess", desk.report.number, run.pk])
    sign_in(client, desk.fay)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Security-Policy"] == "sandbox"
    sign_in(client, desk.charlie)
    assert client.get(url).status_code == 404


# -- the project's settings ------------------------------------------------------------------------


def test_the_security_team_sets_the_main_branch_and_test_command(
    desk: Desk, client: Client
) -> None:
    sign_in(client, desk.vic)
    url = reverse("project-testing", args=["vitess"])
    response = client.post(url, {"main_branch": "master", "test_command": "make test"})
    assert response.status_code == 302
    desk.project.refresh_from_db()
    assert (desk.project.main_branch, desk.project.test_command) == ("master", "make test")
    event = AuditEvent.objects.get(action="project.testing_configured")
    assert event.data["after"] == {"main_branch": "master", "test_command": "make test"}


def test_a_bad_branch_or_command_is_refused_next_to_its_field(desk: Desk, client: Client) -> None:
    sign_in(client, desk.vic)
    url = reverse("project-testing", args=["vitess"])
    response = client.post(url, {"main_branch": "two words", "test_command": "sh -c 'open"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "&#x27;two words&#x27; is not a valid git branch name" in page
    assert "the test command cannot be read: No closing quotation (check its quotes)" in page
    desk.project.refresh_from_db()
    assert desk.project.main_branch == "main"
    assert not AuditEvent.objects.filter(action="project.testing_configured").exists()
    sign_in(client, desk.mia)  # a maintainer, on Vitess's security team (VIT-1)
    assert client.post(url, {"main_branch": "main"}).status_code == 302
    sign_in(client, desk.fay)
    assert client.post(url, {"main_branch": "main"}).status_code == 404
