"""A report's backports (the Open edX playbook, OEDX-4 to OEDX-14): plan them from what the
repositories say, try the cherry-picks (dry run), carry them out, and keep each step's status.

git runs only through `vulndesk.gitops`, in clones vulndesk owns under the data directory (one
per repository per report, so an embargoed fix never meets another report's work). The git work
happens outside any transaction; what it found is then written under the report's lock, audited,
in one transaction. The web and the API queue the work for the worker (`queue`); the CLI runs
it in the foreground. One run at a time holds a report's clones (`_holding_clones`): a second
plan, dry run or execute of the same report, from the command line or the worker, is refused
at once naming the run that holds them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from vulndesk import gitops
from vulndesk.desk.backport_json import plan_from_json, plan_to_json
from vulndesk.desk.models import Backport, BackportStep, Dependent, Package, Report, StepStatus
from vulndesk.desk.services import audit
from vulndesk.desk.services.reports import lock_report
from vulndesk.gitops.objects import refs, resolve
from vulndesk.versions.backport import plan_backports
from vulndesk.versions.ecosystems import VersionError, compare, parse_version, version_from_tag
from vulndesk.versions.plan import (
    Compatibility,
    DependentBranch,
    Ecosystem,
    PackageFacts,
    Plan,
    StepKind,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Told what just finished (a repository fetched or read) and how many there are in all.
Progress = Callable[[str, int], None]
COMMIT = re.compile(r"^[0-9a-fA-F]{7,64}$")
SUCCEEDED = {StepStatus.DONE, StepStatus.ALREADY_DONE}
NO_VERSION = "no file states the version"
# Where a run comes from, as a run turned away from the clones is told: `{verb}` is plan,
# dry-run or execute.
CLI = "`vulndesk backport {verb}`"
WORKER = "the worker's {verb} (queued from the web or the API)"


def workspace_dir(report: Report) -> Path:
    """Where the report's clones live, in the data directory."""
    return Path(settings.DATA_DIR) / "backports" / f"{report.project.slug}-{report.number}"


@contextmanager
def _holding_clones(
    report: Report, package: Package, verb: str, actor: User | None, origin: str
) -> Iterator[None]:
    """Hold the report's clones for one run: every package of a report shares its dependents'
    clones, so the lock is the report's. ValueError at once when another run holds them."""
    as_user = f" as {actor.get_username()}" if actor is not None else ""
    holder = f"{origin.format(verb=verb)} of {package.name} for {report.key}{as_user}"
    with ExitStack() as held:
        try:
            held.enter_context(gitops.workspace_lock(workspace_dir(report), holder))
        except gitops.WorkspaceBusy as exc:
            raise ValueError(
                f"job: {report.key}'s backport clones are in use by {exc.holder}; wait for it "
                "to finish, look at what it did, then run again"
            ) from None
        yield


def push_remote(report: Report, package: Package) -> str:
    """Where the package's backport branches and tags go: its own private remote, else the
    report's private security repository (OEDX-16)."""
    return package.private_remote or report.security_repository


@dataclass(frozen=True)
class Discovery:
    repos: dict[str, Path]  # by repository name: the package's and each dependent's clone
    branches: list[DependentBranch]  # every dependent branch that installs the package
    notes: list[str]  # branches listed that do not install it; pins whose bump will be refused


def _refresh(
    report: Report, package: Package, dependents: Sequence[Dependent], tick: Progress
) -> dict[str, Path]:
    """Clone or refresh every repository twice: `upstream/NAME` follows where it lives and is
    never written (discovery reads the dependents' own pins there), and `work/NAME`, where the
    work is done, follows that and the private remote, where a person may have resolved a
    conflict."""
    sources = [(package.name, package.repository, push_remote(report, package))]
    sources += [(d.name, d.repository, d.private_remote) for d in dependents]
    repos = {}
    for name, repository, private in sources:
        upstream, dest = upstream_dir(report, name), clone_dir(report, name)
        try:
            gitops.workspace(repository, upstream)
            gitops.workspace(str(upstream), dest)
            if private:
                gitops.workspace(private, dest)
        except (gitops.GitError, gitops.RemoteError) as exc:
            raise ValueError(f"repository: {name}: {exc}") from None
        repos[name] = dest
        tick(f"fetched {name}", len(sources))
    return repos


def upstream_dir(report: Report, name: str) -> Path:
    return workspace_dir(report) / "upstream" / name


def clone_dir(report: Report, name: str) -> Path:
    """The clone a repository's backport steps are carried out in."""
    return workspace_dir(report) / "work" / name


def _dependents(package: Package, names: set[str] | None = None) -> list[Dependent]:
    found = package.project.dependents.prefetch_related("branches__release_line").order_by("pk")
    chosen = [d for d in found if d.branches.all() and (names is None or d.name in names)]
    if clash := [d.name for d in chosen if d.name == package.name]:
        raise ValueError(f"dependents: {clash[0]} has the package's own name; rename one of them")
    return chosen


def discover(report: Report, package: Package, *, progress: Progress | None = None) -> Discovery:
    """Refresh the clones and read each dependent branch's pins of the package (no checkout)
    as the dependent's own repository has them: the work clones may carry this backport's pin
    bumps, and planning again must not take them for the dependent's choice."""
    dependents = _dependents(package)
    total = 1 + 2 * len(dependents)
    done: list[str] = []

    def tick(what: str, _: int) -> None:
        done.append(what)
        if progress is not None:
            progress(what, total)

    repos = _refresh(report, package, dependents, tick)
    ecosystem = Ecosystem(package.ecosystem)
    jobs = [
        gitops.DiscoveryJob(
            d.name,
            upstream_dir(report, d.name),
            tuple(b.branch for b in d.branches.all()),
            package.name,
            ecosystem,
        )
        for d in dependents
    ]
    results = gitops.discover_many(
        jobs, progress=lambda job: tick(f"read the pins of {job.repository}", total)
    )
    branches, notes = [], []
    for dependent, result in zip(dependents, results, strict=True):
        if result.error is not None:
            raise ValueError(f"dependents: {dependent.name}: {result.error}")
        for row in dependent.branches.all():
            pins = result.pins.get(row.branch, [])
            if row.pin_files:
                pins = [pin for pin in pins if pin.path in row.pin_files]
            if not pins:
                notes.append(f"{dependent.name}@{row.branch} does not install {package.name}")
                continue
            if hashed := sorted({pin.path for pin in pins if pin.hashed}):
                notes.append(
                    f"{dependent.name}@{row.branch} pins {package.name} with --hash in "
                    f"{', '.join(hashed)}: vulndesk will not write a hash, so that bump fails; "
                    "regenerate the hashes for the fixed version there (pip-compile "
                    "--generate-hashes)"
                )
            line = row.release_line.name if row.release_line else None
            branches.append(gitops.dependent_branch(dependent.name, row.branch, line, pins))
    return Discovery(repos, branches, notes)


def package_facts(package: Package, repo: Path, fix_commits: Sequence[str]) -> PackageFacts:
    """The package as its clone states it; with no version in its metadata on main (a version
    set by the build from tags), the highest released version stands for it."""
    ecosystem = Ecosystem(package.ecosystem)
    try:
        return gitops.package_facts(
            repo,
            name=package.name,
            ecosystem=ecosystem,
            main_branch=package.main_branch,
            tag_pattern=package.tag_pattern,
            fix_commits=fix_commits,
        )
    except gitops.DiscoveryError as exc:
        if NO_VERSION not in str(exc):
            raise ValueError(f"package: {exc}") from None
    released = _released(repo, ecosystem, package.tag_pattern)
    if not released:
        raise ValueError(
            f"package: {package.name} states no version on {package.main_branch} and has no tag "
            f"matching {package.tag_pattern}; tag its releases or state the version"
        )
    commits = []
    for commit in fix_commits:
        if (full := resolve(repo, commit)) is None:
            raise ValueError(f"fix_commits: {package.name} has no commit {commit}")
        commits.append(full)
    highest = released[0]
    for version in released[1:]:
        if compare(ecosystem, version, highest) > 0:
            highest = version
    return PackageFacts(
        package.name,
        ecosystem,
        package.main_branch,
        highest,
        package.tag_pattern,
        frozenset(released),
        tuple(commits),
    )


def _released(repo: Path, ecosystem: Ecosystem, pattern: str) -> list[str]:
    found = []
    for name in refs(repo):
        version = version_from_tag(pattern, name.removeprefix("refs/tags/"))
        if not name.startswith("refs/tags/") or version is None:
            continue
        try:
            parse_version(ecosystem, version)
        except VersionError:
            continue
        found.append(version)
    return found


def _as_before(facts: PackageFacts, previous: Backport | None) -> PackageFacts:
    """The facts as they were before this backport's own releases, so a re-plan after some
    steps were done gives the same steps: its releases do not take their own numbers."""
    if previous is None or not previous.plan:
        return facts
    old = plan_from_json(previous.plan)
    done = set(previous.steps.filter(status__in=SUCCEEDED).values_list("step_id", flat=True))
    ours = {s.version for s in old.steps if s.kind is StepKind.RELEASE and s.id in done}
    main_version = facts.main_version
    if main_version in ours:  # main's metadata already says the release this plan made
        main_version = old.package.main_version
    return replace(facts, released=facts.released - ours, main_version=main_version)


def _checked_inputs(
    fix_commits: Sequence[str], compatibility: str, decisions: Mapping[str, bool]
) -> tuple[list[str], Compatibility]:
    commits = [commit.strip() for commit in fix_commits if commit.strip()]
    if not commits:
        raise ValueError("fix_commits: name the fix's commit(s) on the package's main branch")
    if bad := [commit for commit in commits if not COMMIT.match(commit)]:
        raise ValueError(f"fix_commits: {bad[0]!r} is not a commit id (7 to 64 hex digits)")
    try:
        chosen = Compatibility(compatibility)
    except ValueError:
        known = ", ".join(c.value for c in Compatibility)
        raise ValueError(f"compatibility: {compatibility!r} is not one of {known}") from None
    if any(not isinstance(answer, bool) for answer in decisions.values()):
        raise ValueError("decisions: each pinned version's answer is yes (true) or no (false)")
    return commits, chosen


def plan(
    report: Report,
    package: Package,
    fix_commits: Sequence[str],
    *,
    actor: User | None,
    compatibility: str = Compatibility.SAME_MAJOR,
    decisions: Mapping[str, bool] | None = None,
    progress: Progress | None = None,
    origin: str = CLI,
) -> Backport:
    """Plan the backport of the fix in `package` and store it with one row per step; a re-plan
    keeps the status of the steps it still has (by their stable ids)."""
    decisions = dict(decisions or {})
    commits, chosen = _checked_inputs(fix_commits, compatibility, decisions)
    if package.project_id != report.project_id:
        raise ValueError(f"package: {package.name} is not a package of {report.project.slug}")
    with _holding_clones(report, package, "plan", actor, origin):
        return _plan(report, package, commits, chosen, decisions, actor, progress)


def _plan(
    report: Report,
    package: Package,
    commits: list[str],
    chosen: Compatibility,
    decisions: dict[str, bool],
    actor: User | None,
    progress: Progress | None,
) -> Backport:
    discovery = discover(report, package, progress=progress)
    previous = Backport.objects.filter(report=report, package=package).first()
    facts = _as_before(package_facts(package, discovery.repos[package.name], commits), previous)
    try:
        result = plan_backports(
            facts, discovery.branches, compatibility=chosen, decisions=decisions
        )
    except ValueError as exc:  # VersionError too: a pin or a decision that is no version
        raise ValueError(
            f"decisions: {exc}" if "decision" in str(exc) else f"plan: {exc}"
        ) from None
    with transaction.atomic():
        locked = lock_report(report)
        backport, _ = Backport.objects.select_for_update().get_or_create(
            report=locked, package=package
        )
        backport.fix_commits = list(facts.fix_commits)
        backport.compatibility = chosen.value
        backport.decisions = decisions
        backport.plan = {**plan_to_json(result), "notes": discovery.notes}
        backport.planned_at = timezone.now()
        backport.planned_by = actor
        backport.save()
        _store_steps(backport, result)
        _bump(locked)
        audit.record(
            "backport.planned",
            actor=actor,
            report=locked,
            data={
                "package": package.name,
                "fix_commits": backport.fix_commits,
                "compatibility": chosen.value,
                "decisions": decisions,
                "steps": [step.id for step in result.steps],
                "problems": [problem.reason for problem in result.problems],
            },
        )
    return backport


def _bump(report: Report) -> None:
    report.version += 1
    report.save(update_fields=["version", "updated_at"])


def _store_steps(backport: Backport, result: Plan) -> None:
    known = {step.step_id: step for step in backport.steps.all()}
    now = timezone.now()
    for position, step in enumerate(result.steps):
        row = known.pop(step.id, None) or BackportStep(backport=backport, step_id=step.id)
        if row.status not in SUCCEEDED:
            row.status, row.detail, row.conflicts = StepStatus.PENDING, "", []
        row.position, row.kind, row.updated_at = position, step.kind.value, now
        row.save()
    BackportStep.objects.filter(pk__in=[row.pk for row in known.values()]).delete()


def stored_plan(backport: Backport) -> Plan:
    if not backport.plan:
        raise ValueError(f"plan: the backport of {backport.package.name} is not planned yet")
    return plan_from_json(backport.plan)


def _repos_of(
    backport: Backport, result: Plan, progress: Progress | None
) -> tuple[dict[str, Path], list[Dependent]]:
    names = {step.repository for step in result.steps} - {backport.package.name}
    dependents = _dependents(backport.package, names)
    tick = progress or (lambda what, total: None)
    return _refresh(backport.report, backport.package, dependents, tick), dependents


def dry_run(
    backport: Backport,
    *,
    actor: User | None,
    progress: Progress | None = None,
    origin: str = CLI,
) -> list[BackportStep]:
    """Try each cherry-pick where it would land and record which apply cleanly; no branch moves."""
    result = stored_plan(backport)
    with _holding_clones(backport.report, backport.package, "dry-run", actor, origin):
        repos, _ = _repos_of(backport, result, progress)
        checks = gitops.dry_run(result, repos)
        _record_checks(backport, checks, actor)
    return list(backport.steps.order_by("position"))


def _record_checks(
    backport: Backport, checks: Sequence[gitops.PickCheck], actor: User | None
) -> None:
    with transaction.atomic():
        locked = lock_report(backport.report)
        rows = {row.step_id: row for row in backport.steps.select_for_update()}
        now = timezone.now()
        for check in checks:
            if (row := rows.get(check.step_id)) is None:
                continue
            row.checked = "clean" if check.clean else "conflict"
            row.check_detail = check.detail
            row.conflicts = _conflicts(check.conflicts)
            row.updated_at = now
            row.save(update_fields=["checked", "check_detail", "conflicts", "updated_at"])
        _bump(locked)
        audit.record(
            "backport.dry_run",
            actor=actor,
            report=locked,
            data={
                "package": backport.package.name,
                "checks": {check.step_id: check.clean for check in checks},
            },
        )


def _conflicts(conflicts: Sequence[gitops.Conflict]) -> list[dict[str, object]]:
    return [{"path": c.path, "hunks": list(c.hunks)} for c in conflicts]


def advisory_line(report: Report) -> str:
    """What each release and pin commit says it is for (the report's key and its CVE)."""
    names = [report.key, *([report.cve_id] if report.cve_id else [])]
    return f"Security fix: {', '.join(names)}"


def identity_of(actor: User | None) -> gitops.Identity:
    if actor is None:
        return gitops.Identity("vulndesk", settings.DEFAULT_FROM_EMAIL)
    name = actor.get_full_name() or actor.get_username()
    return gitops.Identity(name, actor.email or settings.DEFAULT_FROM_EMAIL)


def execute(
    backport: Backport,
    *,
    actor: User | None,
    push: bool = False,
    run_tests: bool = False,
    progress: Progress | None = None,
    origin: str = CLI,
) -> list[BackportStep]:
    """Carry out the plan in the clones (each step checks first whether it is done, so a run
    after a resolved conflict continues); with `push`, send what succeeded to the private
    remotes; with `run_tests`, run the project's test command on every branch moved."""
    result = stored_plan(backport)
    _check_execution(backport, push, run_tests)
    with _holding_clones(backport.report, backport.package, "execute", actor, origin):
        _execute(backport, result, actor, push, run_tests, progress)
    return list(backport.steps.order_by("position"))


def _execute(
    backport: Backport,
    result: Plan,
    actor: User | None,
    push: bool,
    run_tests: bool,
    progress: Progress | None,
) -> None:
    report, package = backport.report, backport.package
    command = report.project.test_command.strip()
    repos, dependents = _repos_of(backport, result, progress)
    targets = None
    if push:
        targets = {package.name: push_remote(report, package)}
        targets |= {d.name: d.private_remote for d in dependents if d.private_remote}
    outcomes = gitops.execute(
        result,
        repos,
        identity=identity_of(actor),
        message=advisory_line(report),
        push=targets,
        test_command=command if run_tests else None,
    )
    with transaction.atomic():
        locked = lock_report(report)
        rows = {row.step_id: row for row in backport.steps.select_for_update()}
        now = timezone.now()
        for outcome in outcomes:
            if (row := rows.get(outcome.step_id)) is None:
                continue
            kept = row.status == StepStatus.DONE and outcome.status == "already_done"
            row.status = StepStatus.DONE if kept else StepStatus(outcome.status)
            row.detail, row.updated_at = outcome.detail, now
            row.conflicts = _conflicts(outcome.conflicts)
            row.save(update_fields=["status", "detail", "conflicts", "updated_at"])
        _bump(locked)
        audit.record(
            "backport.executed",
            actor=actor,
            report=locked,
            data={
                "package": package.name,
                "push": sorted(targets or {}),
                "tests": run_tests,
                "statuses": {outcome.step_id: outcome.status for outcome in outcomes},
            },
        )


def _check_execution(backport: Backport, push: bool, run_tests: bool) -> None:
    report, package = backport.report, backport.package
    if run_tests and not report.project.test_command.strip():
        raise ValueError(
            f"test_command: {report.project.slug} has no test command; set one in its settings"
        )
    if push and not push_remote(report, package):
        raise ValueError(
            f"push: {package.name} has no private remote and {report.key} links no private "
            "security repository; link one (vulndesk fix repo) or set the package's"
        )


def request_plan(
    report: Report,
    package: Package,
    fix_commits: Sequence[str],
    *,
    actor: User | None,
    compatibility: str = Compatibility.SAME_MAJOR,
    decisions: Mapping[str, bool] | None = None,
) -> Backport:
    """Record what to plan and queue the planning for the worker (it fetches repositories)."""
    decisions = dict(decisions or {})
    commits, chosen = _checked_inputs(fix_commits, compatibility, decisions)
    if package.project_id != report.project_id:
        raise ValueError(f"package: {package.name} is not a package of {report.project.slug}")
    with transaction.atomic():
        locked = lock_report(report)
        backport, _ = Backport.objects.select_for_update().get_or_create(
            report=locked, package=package
        )
        backport.fix_commits, backport.compatibility = commits, chosen.value
        backport.decisions = decisions
        return _queue(locked, backport, Backport.Job.PLAN, actor, push=False, run_tests=False)


def request_job(
    backport: Backport, job: str, *, actor: User | None, push: bool = False, run_tests: bool = False
) -> Backport:
    """Queue a dry run or an execution of the stored plan for the worker."""
    stored_plan(backport)
    _check_execution(backport, push, run_tests)
    with transaction.atomic():
        locked = lock_report(backport.report)
        row = Backport.objects.select_for_update().get(pk=backport.pk)
        return _queue(locked, row, Backport.Job(job), actor, push=push, run_tests=run_tests)


def _queue(
    report: Report,
    backport: Backport,
    job: Backport.Job,
    actor: User | None,
    *,
    push: bool,
    run_tests: bool,
) -> Backport:
    from vulndesk.desk.tasks import run_backport_job

    if backport.job:
        raise ValueError(
            f"job: a {backport.get_job_display()} of {backport.package.name} is already queued; "
            "wait for the worker to finish it"
        )
    backport.job, backport.job_push, backport.job_tests = job.value, push, run_tests
    backport.job_error = ""
    backport.save()
    _bump(report)
    audit.record(
        "backport.queued",
        actor=actor,
        report=report,
        data={"package": backport.package.name, "job": job.value, "push": push, "tests": run_tests},
    )
    # Enqueued in the transaction: the job is queued exactly when the row says so.
    run_backport_job.enqueue(backport.pk, actor.pk if actor is not None else None)
    return backport


def run_job(backport_id: int, actor_id: int | None) -> str:
    """The worker's side of `request_plan` and `request_job`; safe to run twice."""
    from django.contrib.auth import get_user_model

    backport = Backport.objects.select_related("report__project", "package").get(pk=backport_id)
    job = backport.job
    if not job:
        return "nothing queued"
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    error = ""
    try:
        if job == Backport.Job.PLAN:
            plan(
                backport.report,
                backport.package,
                backport.fix_commits,
                actor=actor,
                compatibility=backport.compatibility,
                decisions=backport.decisions,
                origin=WORKER,
            )
        elif job == Backport.Job.DRY_RUN:
            dry_run(backport, actor=actor, origin=WORKER)
        else:
            execute(
                backport,
                actor=actor,
                push=backport.job_push,
                run_tests=backport.job_tests,
                origin=WORKER,
            )
    except ValueError as exc:
        error = str(exc)
    with transaction.atomic():
        locked = lock_report(backport.report)
        Backport.objects.filter(pk=backport_id).update(job="", job_error=error)
        if error:
            audit.record(
                "backport.job_failed",
                actor=actor,
                report=locked,
                data={"package": backport.package.name, "job": job, "error": error},
            )
    return error or f"{job} done"
