"""Backports (the Open edX playbook, OEDX-4 to OEDX-14): a project's packages and the dependents
that install them; a report's backport plans with every step's status. Planning, dry runs and
execution fetch repositories, so they are queued for the worker (202) and read back with GET."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router, Schema, Status

from vulndesk.api.auth import read_token, write_token
from vulndesk.api.detail import ProjectSlug, ReportNumber, report_for, require, token_of
from vulndesk.api.errors import ApiError, invalid_input, refusals
from vulndesk.api.schemas import READ_ERRORS, WRITE_ERRORS, Input, Storable, StrictBool
from vulndesk.desk.access import can_manage_packages, can_run_backports, get_project_for_user
from vulndesk.desk.backport_json import backport_to_json
from vulndesk.desk.models import Backport, Dependent, Package, Project
from vulndesk.desk.services import backport_setup, backports
from vulndesk.gitops import display_remote
from vulndesk.versions.plan import Compatibility, Ecosystem

router = Router(tags=["backports"])
BackportId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Name = Annotated[Storable, Field(min_length=1, max_length=100)]
Remote = Annotated[Storable, Field(max_length=500)]
Branch = Annotated[Storable, Field(min_length=1, max_length=200)]
CommitId = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{7,64}$")]


class ConflictOut(Schema):
    path: str
    hunks: list[str] = Field(description="each <<<<<<< … >>>>>>> region, markers included")


class StepOut(Schema):
    id: str = Field(description="stable across plans of the same facts")
    kind: str = Field(description="merge_fix, release, create_branch, cherry_pick, bump_pin, skip")
    repository: str
    branch: str
    reason: str
    version: str | None
    old_version: str | None
    base: str | None = Field(description="the tag a security branch starts from")
    tag: str | None
    commits: list[str]
    files: list[str]
    latest: bool
    after: list[str]
    status: str = Field(
        description="pending, done, already_done, skipped, conflict, failed or blocked"
    )
    detail: str
    checked: str = Field(description="the last dry run: clean, conflict, or empty")
    check_detail: str
    conflicts: list[ConflictOut]
    updated_at: datetime | None


class ProblemOut(Schema):
    repository: str
    branch: str
    reason: str


class BackportOut(Schema):
    id: int
    package: str
    ecosystem: str
    fix_commits: list[str]
    compatibility: str
    decisions: dict[str, bool]
    planned_at: datetime | None = Field(description="null until the worker has planned it")
    job: str | None = Field(description="plan, dry_run or execute while queued or running")
    job_error: str = Field(description="why the last queued job did not run")
    main_version: str | None
    fixed_versions: list[str]
    steps: list[StepOut]
    problems: list[ProblemOut]
    notes: list[str]


class PlanIn(Input):
    package: Name
    fix_commits: list[CommitId] = Field(min_length=1, max_length=20)
    compatibility: Compatibility = Compatibility.SAME_MAJOR
    decisions: dict[Annotated[Storable, Field(max_length=100)], StrictBool] = Field(
        default_factory=dict,
        max_length=50,
        description='a pinned version → compatible with the new release? e.g. {"2.5.0": false}',
    )


class ExecuteIn(Input):
    push: StrictBool = False
    run_tests: StrictBool = False


class PackageOut(Schema):
    name: str
    ecosystem: str
    repository: str
    tag_pattern: str
    main_branch: str
    private_remote: str


class PackageIn(Input):
    name: Name
    ecosystem: Ecosystem = Ecosystem.PYPI
    repository: Remote
    tag_pattern: Annotated[Storable, Field(max_length=100)] = "v{version}"
    main_branch: Branch = "main"
    private_remote: Remote = ""


class BranchIO(Input):
    branch: Branch
    line: Annotated[Storable, Field(max_length=100)] | None = Field(
        None, description="the release line's name; null for the dependent's main branch"
    )


class DependentOut(Schema):
    name: str
    repository: str
    private_remote: str
    branches: list[BranchIO]


class DependentIn(Input):
    name: Name
    repository: Remote
    private_remote: Remote = ""
    branches: list[BranchIO] = Field(default_factory=list, max_length=50)


def package_out(package: Package) -> dict[str, Any]:
    return {
        "name": package.name,
        "ecosystem": package.ecosystem,
        "repository": display_remote(package.repository),
        "tag_pattern": package.tag_pattern,
        "main_branch": package.main_branch,
        "private_remote": display_remote(package.private_remote) if package.private_remote else "",
    }


def dependent_out(dependent: Dependent) -> dict[str, Any]:
    return {
        "name": dependent.name,
        "repository": display_remote(dependent.repository),
        "private_remote": (
            display_remote(dependent.private_remote) if dependent.private_remote else ""
        ),
        "branches": [
            {"branch": b.branch, "line": b.release_line.name if b.release_line else None}
            for b in dependent.branches.all()
        ],
    }


def managed_project(request: HttpRequest, slug: str) -> Project:
    user = token_of(request).user
    project = get_project_for_user(user, slug)
    if not can_manage_packages(user, project):
        raise ApiError(403, "forbidden", "the security team and release managers register packages")
    return project


@router.get(
    "/reports/{project}/{number}/backports",
    response={200: list[BackportOut], **READ_ERRORS},
    auth=read_token,
)
def list_backports(request: HttpRequest, project: ProjectSlug, number: ReportNumber) -> Any:
    report = report_for(request, project, number)
    found = report.backports.select_related("package").order_by("package__name")
    return [backport_to_json(backport) for backport in found]


@router.post(
    "/reports/{project}/{number}/backports",
    response={202: BackportOut, **WRITE_ERRORS},
    auth=write_token,
)
def plan_backport(
    request: HttpRequest, payload: PlanIn, project: ProjectSlug, number: ReportNumber
) -> Any:
    """Queue planning the backport of the fix in a package; GET shows the plan once made."""
    report = report_for(request, project, number)
    user = token_of(request).user
    require(can_run_backports(user, report), "plan its backports")
    package = report.project.packages.filter(name=payload.package).first()
    if package is None:
        raise ApiError(
            422,
            "invalid",
            f"{report.project.slug} has no package {payload.package!r}",
            field="body.package",
        )
    with refusals(report, lambda current: None):
        backport = backports.request_plan(
            report,
            package,
            payload.fix_commits,
            actor=user,
            compatibility=payload.compatibility,
            decisions=payload.decisions,
        )
    return Status(202, backport_to_json(backport))


def _queue(
    request: HttpRequest, project: str, number: int, backport_id: int, job: str, **flags: bool
) -> Any:
    report = report_for(request, project, number)
    backport = get_object_or_404(
        Backport.objects.select_related("package", "report__project"),
        pk=backport_id,
        report=report,
    )
    user = token_of(request).user
    require(can_run_backports(user, report), "run its backports")
    with refusals(report, lambda current: None):
        queued = backports.request_job(backport, job, actor=user, **flags)
    return Status(202, backport_to_json(queued))


@router.post(
    "/reports/{project}/{number}/backports/{backport_id}/dry-run",
    response={202: BackportOut, **WRITE_ERRORS},
    auth=write_token,
)
def dry_run_backport(
    request: HttpRequest, project: ProjectSlug, number: ReportNumber, backport_id: BackportId
) -> Any:
    """Queue trying each cherry-pick aside: which apply cleanly, which conflict; nothing moves."""
    return _queue(request, project, number, backport_id, Backport.Job.DRY_RUN)


@router.post(
    "/reports/{project}/{number}/backports/{backport_id}/execute",
    response={202: BackportOut, **WRITE_ERRORS},
    auth=write_token,
)
def execute_backport(
    request: HttpRequest,
    payload: ExecuteIn,
    project: ProjectSlug,
    number: ReportNumber,
    backport_id: BackportId,
) -> Any:
    """Queue carrying out the plan; with push, what succeeds goes to the private remotes."""
    return _queue(
        request,
        project,
        number,
        backport_id,
        Backport.Job.EXECUTE,
        push=payload.push,
        run_tests=payload.run_tests,
    )


@router.get(
    "/projects/{slug}/packages", response={200: list[PackageOut], **READ_ERRORS}, auth=read_token
)
def list_packages(request: HttpRequest, slug: ProjectSlug) -> Any:
    project = get_project_for_user(token_of(request).user, slug)
    return [package_out(package) for package in backport_setup.packages(project)]


@router.post(
    "/projects/{slug}/packages", response={201: PackageOut, **WRITE_ERRORS}, auth=write_token
)
def add_package(request: HttpRequest, payload: PackageIn, slug: ProjectSlug) -> Any:
    project = managed_project(request, slug)
    with invalid_input():
        package = backport_setup.add_package(
            project,
            name=payload.name,
            ecosystem=payload.ecosystem.value,
            repository=payload.repository,
            tag_pattern=payload.tag_pattern,
            main_branch=payload.main_branch,
            private_remote=payload.private_remote,
            actor=token_of(request).user,
        )
    return Status(201, package_out(package))


@router.get(
    "/projects/{slug}/dependents",
    response={200: list[DependentOut], **READ_ERRORS},
    auth=read_token,
)
def list_dependents(request: HttpRequest, slug: ProjectSlug) -> Any:
    project = get_project_for_user(token_of(request).user, slug)
    return [dependent_out(dependent) for dependent in backport_setup.dependents(project)]


@router.post(
    "/projects/{slug}/dependents", response={201: DependentOut, **WRITE_ERRORS}, auth=write_token
)
def add_dependent(request: HttpRequest, payload: DependentIn, slug: ProjectSlug) -> Any:
    project = managed_project(request, slug)
    with invalid_input():
        dependent = backport_setup.add_dependent(
            project,
            name=payload.name,
            repository=payload.repository,
            private_remote=payload.private_remote,
            branches=[(b.branch, b.line) for b in payload.branches],
            actor=token_of(request).user,
        )
    return Status(201, dependent_out(dependent))
