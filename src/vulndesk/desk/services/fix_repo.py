"""The fix in the report's private security repository: its remote, the fix branches found
there, test runs on them (the CI a private fork lacks, OEDX-19) and reviews (VIT-18, OEDX-18).

git runs only through `vulndesk.gitops`; fetching happens outside any transaction, and what it
found is written under the report's lock, audited, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from vulndesk import gitops
from vulndesk.desk.access import is_fix_reviewer
from vulndesk.desk.models import FixBranch, Project, Report, Review, TestRun
from vulndesk.desk.services import audit
from vulndesk.desk.services.reports import lock_report
from vulndesk.gitops.testrun import command_words
from vulndesk.process.lifecycle import BranchApprovals

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# A test run may take this long before it is stopped and recorded as an error.
TEST_TIMEOUT = 30 * 60
# The end of a log is kept: that is where a test run says what failed.
LOG_LIMIT = 200_000
# A run still "running" this long after it started has lost its worker (killed, or its machine
# gone): the command is stopped at TEST_TIMEOUT, and the git steps around it (fetch, worktree
# add and removal) have their own timeouts, under 20 minutes together.
ABANDONED_AFTER = timedelta(seconds=TEST_TIMEOUT) + timedelta(minutes=30)


def mirror_path(report: Report) -> Path:
    """Where the report's private remote is mirrored, in the data directory."""
    return Path(settings.DATA_DIR) / "repos" / f"{report.project.slug}-{report.number}.git"


def link_repository(
    report: Report, remote: str, *, actor: User | None, expected_version: int | None = None
) -> Report:
    """Tie the report to its private security remote (EMI-29, OEDX-16); ValueError if refused."""
    try:
        checked = gitops.check_remote(remote)
    except gitops.RemoteError as exc:
        raise ValueError(f"remote: {exc}") from None
    with transaction.atomic():
        locked = lock_report(report, expected_version)
        previous = locked.security_repository
        if previous == checked:
            return locked
        locked.security_repository = checked
        locked.version += 1
        locked.save(update_fields=["security_repository", "version", "updated_at"])
        audit.record(
            "fix.repository_linked",
            actor=actor,
            report=locked,
            data={
                "remote": gitops.display_remote(checked),
                "previous": gitops.display_remote(previous) if previous else "",
            },
        )
    return locked


@dataclass(frozen=True)
class SyncResult:
    branches: list[FixBranch]
    changes: list[str]  # one line per branch found, moved or gone


def sync_fix_branches(report: Report, *, actor: User | None = None) -> SyncResult:
    """Fetch the private remote and record its fix branches, each with its head and line."""
    remote = report.security_repository
    if not remote:
        raise ValueError("remote: link the report's private security repository first")
    project = report.project
    lines = {line.branch: line for line in project.release_lines.exclude(branch="")}
    path = mirror_path(report)
    try:
        gitops.mirror(remote, path)
        found = gitops.find_fix_branches(path, project.main_branch, list(lines))
    except (gitops.GitError, gitops.RemoteError) as exc:
        raise ValueError(f"remote: {exc}") from None
    now = timezone.now()
    changes = []
    with transaction.atomic():
        locked = lock_report(report)
        known = {branch.name: branch for branch in locked.fix_branches.all()}
        for info in found:
            line = lines.get(info.base)
            branch = known.pop(info.name, None)
            if branch is None:
                branch = FixBranch(report=locked, name=info.name)
                change = f"{info.name}: found at {info.head[:12]}"
            elif branch.head_sha != info.head:
                change = f"{info.name}: moved from {branch.head_sha[:12]} to {info.head[:12]}"
            elif branch.release_line_id != (line.pk if line else None):
                change = f"{info.name}: now fixes {info.base}"
            else:
                change = ""
            branch.head_sha, branch.release_line, branch.seen_at = info.head, line, now
            branch.save()
            if change:
                changes.append(change)
                audit.record(
                    "fix.branch_synced",
                    actor=actor,
                    report=locked,
                    data={"branch": info.name, "head": info.head, "line": info.base},
                )
        for gone in known.values():
            changes.append(f"{gone.name}: no longer in the private repository")
            audit.record(
                "fix.branch_gone",
                actor=actor,
                report=locked,
                data={"branch": gone.name, "head": gone.head_sha},
            )
            gone.delete()
    branches = list(report.fix_branches.select_related("release_line").order_by("name"))
    return SyncResult(branches, changes)


def branch_commits(branch: FixBranch) -> list[gitops.Commit]:
    """The branch's own commits, read from the mirror; none if it has not been fetched here."""
    path = mirror_path(branch.report)
    if not branch.head_sha or not gitops.has_commit(path, branch.head_sha):
        return []
    try:
        return gitops.commits_between(path, f"refs/heads/{target_branch(branch)}", branch.head_sha)
    except gitops.GitError:
        return []  # the line's branch is gone from the remote: the next sync says so


def target_branch(branch: FixBranch) -> str:
    """The branch the fix branch fixes, where its commits land: its line's, or main."""
    line = branch.release_line
    return line.branch if line is not None and line.branch else branch.report.project.main_branch


def configure_testing(
    project: Project, *, main_branch: str, test_command: str, actor: User | None
) -> Project:
    """Set the project's main branch and the command its fix branches are tested with."""
    problems = []
    try:
        main_branch = gitops.check_branch_name(main_branch)
    except ValueError as exc:
        problems.append(f"main_branch: {exc}")
    test_command = test_command.strip()
    if test_command:
        try:
            command_words(test_command)
        except ValueError as exc:
            problems.append(f"test_command: {exc}")
    if len(test_command) > TestRun._meta.get_field("command").max_length:  # type: ignore[operator]
        problems.append("test_command: at most 500 characters")
    if problems:
        raise ValueError("; ".join(problems))
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        before = {"main_branch": locked.main_branch, "test_command": locked.test_command}
        after = {"main_branch": main_branch, "test_command": test_command}
        if before == after:
            return locked
        locked.main_branch, locked.test_command = main_branch, test_command
        locked.save(update_fields=["main_branch", "test_command"])
        audit.record(
            "project.testing_configured",
            actor=actor,
            project=locked,
            data={"before": before, "after": after},
        )
    return locked


def request_test_run(branch: FixBranch, *, actor: User | None) -> TestRun:
    """Queue the project's test command on the branch's head; a worker runs it."""
    from vulndesk.desk.tasks import run_test_run

    recover_abandoned_runs(branch.report)
    project = branch.report.project
    command = project.test_command.strip()
    if not command:
        raise ValueError(
            f"test_command: {project.slug} has no test command; set one in its settings"
        )
    if not branch.head_sha:
        raise ValueError(f"branch: {branch.name} has no known head; sync the repository first")
    with transaction.atomic():
        locked = lock_report(branch.report)
        run = TestRun.objects.create(
            fix_branch=branch, sha=branch.head_sha, command=command, requested_by=actor
        )
        audit.record(
            "fix.test_requested",
            actor=actor,
            report=locked,
            data={"branch": branch.name, "sha": run.sha, "run": run.pk, "command": command},
        )
        # The queue row commits with the run: a run is never queued twice, nor left unqueued.
        run_test_run.enqueue(run.pk)
    return run


def execute_test_run(run_id: int) -> str:
    """Run one queued test run to the end; run twice, the second call finds it taken."""
    claimed = TestRun.objects.filter(pk=run_id, status=TestRun.Status.QUEUED).update(
        status=TestRun.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "already taken"
    run = TestRun.objects.select_related("fix_branch__report__project").get(pk=run_id)
    report = run.fix_branch.report
    path = mirror_path(report)
    try:
        if not gitops.has_commit(path, run.sha):
            gitops.mirror(report.security_repository, path)
        outcome = gitops.run_tests(
            path, run.sha, run.command, timeout=TEST_TIMEOUT, log_limit=LOG_LIMIT
        )
    except (gitops.GitError, gitops.RemoteError) as exc:
        outcome = gitops.TestOutcome("error", None, f"could not fetch {run.sha}: {exc}")
    with transaction.atomic():
        locked = lock_report(report)
        run.status, run.exit_code, run.log = outcome.status, outcome.exit_code, outcome.log
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "exit_code", "log", "finished_at"])
        audit.record(
            "fix.test_finished",
            actor=None,
            report=locked,
            data={
                "branch": run.fix_branch.name,
                "sha": run.sha,
                "run": run.pk,
                "status": run.status,
                "exit_code": run.exit_code,
            },
        )
    return str(run.status)


def recover_abandoned_runs(report: Report | None = None) -> list[TestRun]:
    """Record the runs whose worker stopped mid-run as errors that say to run them again, so
    none reads "running" forever; those of one report, or all. Audited; safe to call twice.

    Called where runs are requested and listed, and by each worker as it starts.
    """
    now = timezone.now()
    stuck = TestRun.objects.filter(
        status=TestRun.Status.RUNNING, started_at__lt=now - ABANDONED_AFTER
    )
    if report is not None:
        stuck = stuck.filter(fix_branch__report=report)
    recovered = []
    for run in stuck.select_related("fix_branch__report__project").order_by("pk"):
        log = (
            "The worker stopped while running these tests (it was killed, or its machine went "
            f"away): they started at {run.started_at:%Y-%m-%d %H:%M} UTC and gave no result "
            f"within {ABANDONED_AFTER.total_seconds() // 60:.0f} minutes. Run them again.\n"
        )
        with transaction.atomic():
            locked = lock_report(run.fix_branch.report)
            # Another caller may have recovered it, or its worker finished, since the query.
            taken = TestRun.objects.filter(pk=run.pk, status=TestRun.Status.RUNNING).update(
                status=TestRun.Status.ERROR, log=log, finished_at=now
            )
            if not taken:
                continue
            audit.record(
                "fix.test_abandoned",
                actor=None,
                report=locked,
                data={
                    "branch": run.fix_branch.name,
                    "sha": run.sha,
                    "run": run.pk,
                    "started_at": run.started_at,
                },
            )
        run.status, run.log, run.finished_at = TestRun.Status.ERROR, log, now
        recovered.append(run)
    return recovered


def record_review(
    branch: FixBranch, *, reviewer: User, approved: bool, comment: str = ""
) -> Review:
    """The reviewer's verdict on the branch's current head; a second one replaces the first."""
    report = branch.report
    project = report.project
    if not is_fix_reviewer(reviewer, project):
        who = project.policy().fix_review.reviewers.replace("_", " ")
        raise ValueError(
            f"reviewer: {reviewer.get_username()} is not among the project's {who}, whose "
            "reviews count under its policy (VIT-18, OEDX-18)"
        )
    if not branch.head_sha:
        raise ValueError(f"branch: {branch.name} has no known head; sync the repository first")
    email = reviewer.email.strip().lower()
    if email and email in {c.author_email.lower() for c in branch_commits(branch)}:
        raise ValueError(
            f"reviewer: {reviewer.get_username()} wrote commits on {branch.name}; someone else "
            "reviews it"
        )
    with transaction.atomic():
        locked = lock_report(report)
        review, _ = Review.objects.update_or_create(
            fix_branch=branch,
            reviewer=reviewer,
            sha=branch.head_sha,
            defaults={"approved": approved, "comment": comment, "created_at": timezone.now()},
        )
        audit.record(
            "fix.review_recorded",
            actor=reviewer,
            report=locked,
            data={
                "branch": branch.name,
                "sha": branch.head_sha,
                "approved": approved,
                "comment": comment,
            },
        )
    return review


def approvals(report: Report) -> list[BranchApprovals]:
    """Each fix branch and the distinct reviewers who approved its current head."""
    counted = report.fix_branches.annotate(
        approvals=Count(
            "reviews__reviewer",
            filter=Q(reviews__approved=True, reviews__sha=F("head_sha")),
            distinct=True,
        )
    ).order_by("name")
    return [BranchApprovals(branch.name, branch.approvals) for branch in counted]


def review_facts(report: Report) -> dict[str, Any]:
    """The review gate's facts for `TransitionFacts` (VIT-18, OEDX-18)."""
    policy = report.project.policy().fix_review
    return {
        "required_approvals": policy.required_approvals,
        "review_rules": tuple(policy.rules),
        "branch_approvals": tuple(approvals(report)),
    }
