"""A report's private security repository and its fix branches: link the repository, list the
branches with their latest test run and reviews, sync them, queue a test run, record a review
(EMI-29, OEDX-16, VIT-18, OEDX-18, OEDX-19); freeze the fix as sent to distributors and check
what landed against it (EMI-42, KAR-41)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Path, Router, Schema, Status

from vulndesk.api.auth import read_token, write_token
from vulndesk.api.detail import (
    ProjectSlug,
    ReportNumber,
    report_detail,
    report_for,
    require,
    token_of,
)
from vulndesk.api.errors import refusals
from vulndesk.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    Input,
    Storable,
    StrictBool,
    Version,
    error_responses,
)
from vulndesk.desk.access import can_manage_fix, can_review_fix, can_run_fix_tests
from vulndesk.desk.models import FixBranch, Report, Review, TestRun
from vulndesk.desk.services import fix_integrity, fix_repo
from vulndesk.gitops import display_remote

router = Router(tags=["fix branches"])
BranchId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class TestRunOut(Schema):
    __test__ = False  # a schema, not a class for pytest to collect

    id: int
    sha: str
    command: str
    # Spelled out: a second enum named Status would replace the deadlines' in the OpenAPI.
    status: Literal["queued", "running", "passed", "failed", "error"]
    exit_code: int | None
    stale: bool = Field(description="run on an earlier head of the branch")
    log: str = Field(description="combined output; a long one keeps its end")
    created_at: datetime
    finished_at: datetime | None


class ReviewOut(Schema):
    reviewer: str
    sha: str
    approved: bool
    comment: str
    created_at: datetime


class FixBranchOut(Schema):
    id: int
    name: str
    release_line: str | None = Field(description="the line it fixes; null for the main branch")
    head_sha: str
    approvals: int = Field(description="distinct reviewers who approved the current head")
    required_approvals: int | None = Field(description="the policy's number; null: no gate")
    latest_test_run: TestRunOut | None
    reviews: list[ReviewOut] = Field(description="reviews of the current head")


class SyncOut(Schema):
    changes: list[str]
    branches: list[FixBranchOut]


class ReviewIn(Input):
    approved: StrictBool
    comment: Storable = Field("", max_length=10_000)


class RepositoryIn(Input):
    remote: Storable = Field(
        max_length=500,
        description="an https://, ssh:// or file:// URL, git@host:path, or the absolute path "
        "of a git repository on the server",
    )
    version: Version


class RepositoryOut(Schema):
    remote: str = Field(description="as linked, without any password or token in it")
    version: int = Field(description="the report's version now")


def run_out(run: TestRun, head: str) -> dict[str, Any]:
    return {
        "id": run.pk,
        "sha": run.sha,
        "command": run.command,
        "status": run.status,
        "exit_code": run.exit_code,
        "stale": run.sha != head,
        "log": run.log,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }


def review_out(review: Review) -> dict[str, Any]:
    return {
        "reviewer": review.reviewer.get_username(),
        "sha": review.sha,
        "approved": review.approved,
        "comment": review.comment,
        "created_at": review.created_at,
    }


def branch_out(branch: FixBranch, required: int | None) -> dict[str, Any]:
    latest = branch.test_runs.order_by("-created_at", "-pk").first()
    reviews = branch.reviews.filter(sha=branch.head_sha).select_related("reviewer")
    return {
        "id": branch.pk,
        "name": branch.name,
        "release_line": branch.release_line.name if branch.release_line else None,
        "head_sha": branch.head_sha,
        "approvals": len({r.reviewer_id for r in reviews if r.approved}),
        "required_approvals": required,
        "latest_test_run": run_out(latest, branch.head_sha) if latest else None,
        "reviews": [review_out(r) for r in reviews.order_by("created_at", "pk")],
    }


def branches_out(report: Report) -> list[dict[str, Any]]:
    fix_repo.recover_abandoned_runs(report)  # a run its worker left "running" reads as an error
    required = report.project.policy().fix_review.required_approvals
    branches = report.fix_branches.select_related("release_line").order_by("name")
    return [branch_out(branch, required) for branch in branches]


@router.get(
    "/reports/{project}/{number}/fix-branches",
    response={200: list[FixBranchOut], **READ_ERRORS},
    auth=read_token,
)
def list_fix_branches(request: HttpRequest, project: ProjectSlug, number: ReportNumber) -> Any:
    return branches_out(report_for(request, project, number))


@router.put(
    "/reports/{project}/{number}/security-repository",
    response={200: RepositoryOut, **WRITE_ERRORS},
    auth=write_token,
)
def link_security_repository(
    request: HttpRequest, payload: RepositoryIn, project: ProjectSlug, number: ReportNumber
) -> Any:
    """Tie the report to the private remote its fix branches live in; sync fetches them."""
    report = report_for(request, project, number)
    user = token_of(request).user
    require(can_manage_fix(user, report), "link its private repository")
    now = timezone.now()
    with refusals(report, lambda current: report_detail(current, now)):
        linked = fix_repo.link_repository(
            report, payload.remote, actor=user, expected_version=payload.version
        )
    return {"remote": display_remote(linked.security_repository), "version": linked.version}


@router.post(
    "/reports/{project}/{number}/fix-branches/sync",
    response={200: SyncOut, **WRITE_ERRORS},
    auth=write_token,
)
def sync_fix_branches(request: HttpRequest, project: ProjectSlug, number: ReportNumber) -> Any:
    """Fetch the private repository and record its fix branches (422 if none is linked)."""
    report = report_for(request, project, number)
    user = token_of(request).user
    require(can_manage_fix(user, report), "sync its private repository")
    with refusals(report, lambda current: None):
        result = fix_repo.sync_fix_branches(report, actor=user)
    return {"changes": result.changes, "branches": branches_out(report)}


@router.post(
    "/reports/{project}/{number}/fix-branches/{branch_id}/test-runs",
    response={201: TestRunOut, **WRITE_ERRORS},
    auth=write_token,
)
def run_fix_branch_tests(
    request: HttpRequest, project: ProjectSlug, number: ReportNumber, branch_id: BranchId
) -> Any:
    """Queue the project's test command on the branch's head; a worker runs it."""
    report = report_for(request, project, number)
    branch = get_object_or_404(FixBranch, pk=branch_id, report=report)
    user = token_of(request).user
    require(can_run_fix_tests(user, report), "run its fix branches' tests")
    with refusals(report, lambda current: None):
        run = fix_repo.request_test_run(branch, actor=user)
    return Status(201, run_out(run, branch.head_sha))


@router.post(
    "/reports/{project}/{number}/fix-branches/{branch_id}/reviews",
    response={201: ReviewOut, **WRITE_ERRORS},
    auth=write_token,
)
def review_fix_branch(
    request: HttpRequest,
    payload: ReviewIn,
    project: ProjectSlug,
    number: ReportNumber,
    branch_id: BranchId,
) -> Any:
    """Approve the branch's current head, or request changes (VIT-18, OEDX-18)."""
    report = report_for(request, project, number)
    branch = get_object_or_404(FixBranch, pk=branch_id, report=report)
    user = token_of(request).user
    require(can_review_fix(user, report), "review its fix (the policy names its reviewers)")
    with refusals(report, lambda current: None):
        review = fix_repo.record_review(
            branch, reviewer=user, approved=payload.approved, comment=payload.comment
        )
    return Status(201, review_out(review))


class FrozenCommitOut(Schema):
    sha: str
    subject: str
    patch_id: str = Field(description="git patch-id --stable; empty: it changes nothing")


class SentBranchOut(Schema):
    branch: str = Field(description="where the fix lands: main or a release line's branch")
    base: str = Field(description="that branch's tip in the private repository when frozen")
    fix_branches: list[str]
    commits: list[FrozenCommitOut] = Field(description="oldest first")


class FindingOut(Schema):
    kind: Literal["missing", "changed", "extra"]
    subject: str
    sent: FrozenCommitOut | None
    landed: FrozenCommitOut | None
    text: str = Field(description="the branch, the commit subject and what differs")


class LandedBranchOut(Schema):
    branch: str
    base: str
    landed: list[FrozenCommitOut] = Field(description="the commits after `base`, oldest first")
    findings: list[FindingOut]
    problem: str = Field(description="why the branch could not be compared; empty if it was")


class IntegrityOut(Schema):
    frozen_fix_required: bool = Field(description="the policy refuses release without a freeze")
    frozen_at: datetime | None
    frozen_by: str | None
    sent: list[SentBranchOut] = Field(description="the frozen fix, per branch it lands on")
    checked_at: datetime | None = Field(description="when what landed was last compared")
    repository: str = Field(description="the project's repository, where the fix lands")
    landed: list[LandedBranchOut]
    problems: list[str] = Field(
        description="why release is refused now (EMI-42, KAR-41); empty: nothing stops it"
    )


def integrity_out(report: Report) -> dict[str, Any]:
    freeze = fix_integrity.latest_freeze(report)
    result = freeze.check_result if freeze is not None else {}
    return {
        "frozen_fix_required": report.project.policy().release_integrity.frozen_fix_required,
        "frozen_at": freeze.frozen_at if freeze else None,
        "frozen_by": freeze.frozen_by.get_username() if freeze and freeze.frozen_by else None,
        "sent": freeze.branches if freeze else [],
        "checked_at": freeze.checked_at if freeze else None,
        "repository": result.get("repository", ""),
        "landed": result.get("branches", []),
        "problems": list(fix_integrity.integrity_facts(report)["integrity_problems"]),
    }


@router.get(
    "/reports/{project}/{number}/integrity",
    response={200: IntegrityOut, **error_responses(401, 403, 404, 422)},
    auth=read_token,
)
def get_fix_integrity(request: HttpRequest, project: ProjectSlug, number: ReportNumber) -> Any:
    """The fix as frozen for distributors and the last check of what landed (EMI-42, KAR-41);
    reads no git: POST …/integrity/check compares afresh."""
    report = report_for(request, project, number)
    require(can_manage_fix(token_of(request).user, report), "see its release-day integrity")
    return integrity_out(report)


@router.post(
    "/reports/{project}/{number}/integrity/freeze",
    response={201: IntegrityOut, **WRITE_ERRORS},
    auth=write_token,
)
def freeze_fix(request: HttpRequest, project: ProjectSlug, number: ReportNumber) -> Any:
    """Record the patch-ids of every fix branch's commits at its synced head, as sent to
    distributors; a new freeze replaces the last for release day (422 with no fix branch)."""
    report = report_for(request, project, number)
    user = token_of(request).user
    require(can_manage_fix(user, report), "freeze its fix")
    with refusals(report, lambda current: None):
        fix_integrity.freeze_fix(report, actor=user)
    return Status(201, integrity_out(report))


@router.post(
    "/reports/{project}/{number}/integrity/check",
    response={200: IntegrityOut, **WRITE_ERRORS},
    auth=write_token,
)
def check_fix_integrity(request: HttpRequest, project: ProjectSlug, number: ReportNumber) -> Any:
    """Compare what landed on each branch of the project's repository with the frozen fix and
    record the result; `problems` lists each difference (422 if the fix was never frozen)."""
    report = report_for(request, project, number)
    user = token_of(request).user
    require(can_manage_fix(user, report), "check its release-day integrity")
    with refusals(report, lambda current: None):
        fix_integrity.check_release_integrity(report, actor=user)
    return integrity_out(report)
