"""Release-day integrity (EMI-42, KAR-41): the fix is frozen as reviewed and sent to
distributors, and on release day what landed on each branch of the project's repository is
compared with it, commit by commit, by patch-id.

git runs only through `vulndesk.gitops`, outside any transaction; what it found is written
under the report's lock, audited, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from vulndesk import gitops
from vulndesk.desk.models import FixBranch, FixFreeze, Project, Report
from vulndesk.desk.services import audit
from vulndesk.desk.services.fix_repo import mirror_path, target_branch
from vulndesk.desk.services.reports import lock_report
from vulndesk.gitops.commits import is_ancestor
from vulndesk.process.integrity import Finding, PatchCommit, compare

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def landed_path(project: Project) -> Path:
    """Where the project's own repository, where fixes land, is mirrored."""
    return Path(settings.DATA_DIR) / "repos" / "landed" / f"{project.slug}.git"


def latest_freeze(report: Report) -> FixFreeze | None:
    return report.fix_freezes.order_by("-frozen_at", "-pk").first()


def _commit(commit: PatchCommit) -> dict[str, str]:
    return {"sha": commit.sha, "subject": commit.subject, "patch_id": commit.patch_id}


def _commits(stored: list[dict[str, str]]) -> list[PatchCommit]:
    return [PatchCommit(c["sha"], c["subject"], c["patch_id"]) for c in stored]


def freeze_fix(report: Report, *, actor: User | None) -> FixFreeze:
    """Record the patch-ids of every fix branch's commits at its synced (reviewed) head, per
    branch they fix, as sent to distributors; ValueError saying what to do first if refused.
    A second freeze replaces the first for release day; both stay in the audit log."""
    remote = report.security_repository
    if not remote:
        raise ValueError("remote: link the report's private security repository first")
    branches = list(report.fix_branches.select_related("release_line").order_by("name"))
    if not branches:
        raise ValueError(
            f"fix: {report.key} has no fix branch yet; sync its private repository first"
        )
    path = mirror_path(report)
    try:
        if not all(gitops.has_commit(path, b.head_sha) for b in branches if b.head_sha):
            gitops.mirror(remote, path)
        tips = gitops.branch_heads(path)
        frozen = _patches_per_target(path, branches, tips)
    except (gitops.GitError, gitops.RemoteError) as exc:
        raise ValueError(f"remote: {exc}") from None
    with transaction.atomic():
        locked = lock_report(report)
        previous = latest_freeze(locked)
        freeze = FixFreeze.objects.create(report=locked, frozen_by=actor, branches=frozen)
        audit.record(
            "fix.frozen",
            actor=actor,
            report=locked,
            data={
                "freeze": freeze.pk,
                "replaces": previous.pk if previous else None,
                "branches": [
                    {
                        "branch": entry["branch"],
                        "base": entry["base"],
                        "patch_ids": [c["patch_id"] for c in entry["commits"]],
                    }
                    for entry in frozen
                ],
            },
        )
    return freeze


def _patches_per_target(
    path: Path, branches: list[FixBranch], tips: dict[str, str]
) -> list[dict[str, Any]]:
    """Each branch the fix lands on, its tip in the private repository, the fix branches for
    it and their commits' patch-ids, oldest first."""
    targets: dict[str, dict[str, Any]] = {}
    for branch in branches:
        target = target_branch(branch)
        if not branch.head_sha:
            raise ValueError(f"branch: {branch.name} has no known head; sync the repository first")
        if target not in tips:
            raise ValueError(
                f"branch: the private repository has no branch {target}, which {branch.name} "
                "fixes; push it there and sync again"
            )
        commits = gitops.patch_ids(path, tips[target], branch.head_sha)
        if not commits:
            raise ValueError(
                f"branch: {branch.name} has no commits of its own over {target}; nothing to freeze"
            )
        entry = targets.setdefault(
            target, {"branch": target, "base": tips[target], "fix_branches": [], "commits": []}
        )
        entry["fix_branches"].append(branch.name)
        entry["commits"] += [_commit(c) for c in commits]
    return [targets[name] for name in sorted(targets)]


@dataclass(frozen=True)
class BranchCheck:
    branch: str
    base: str
    sent: list[PatchCommit]
    landed: list[PatchCommit]
    findings: list[Finding]
    problem: str  # why the branch could not be compared; "" if it was


def check_release_integrity(report: Report, *, actor: User | None) -> FixFreeze:
    """Compare what landed on each branch of the project's repository since the fix was frozen
    with the frozen fix, and record the result on the freeze (audited). The freeze comes back
    with `check_result["problems"]`: one sentence per difference, naming the branch, the commit
    subject and what differs; none if what landed is exactly what was sent."""
    freeze = latest_freeze(report)
    if freeze is None:
        raise ValueError(
            f"fix: the fix of {report.key} was never frozen; freeze it when it goes to "
            "distributors, then check what landed against it"
        )
    repository = report.project.repository_url
    if repository:
        checks = _check_branches(report.project, freeze)
        problems = [c.problem for c in checks if c.problem]
        problems += [f.describe(c.branch) for c in checks for f in c.findings]
    else:
        checks = []
        problems = [
            f"the project has no repository URL: set it in {report.project.slug}'s settings "
            "so vulndesk can read what landed"
        ]
    result = {
        "repository": gitops.display_remote(repository) if repository else "",
        "branches": [_branch_json(check) for check in checks],
        "problems": problems,
    }
    with transaction.atomic():
        locked = lock_report(report)
        # A freeze made meanwhile is checked by the next call; this result is about `freeze`.
        now = timezone.now()
        FixFreeze.objects.filter(pk=freeze.pk).update(check_result=result, checked_at=now)
        audit.record(
            "fix.integrity_checked",
            actor=actor,
            report=locked,
            data={"freeze": freeze.pk, "repository": result["repository"], "problems": problems},
        )
    freeze.check_result, freeze.checked_at = result, now
    return freeze


def _check_branches(project: Project, freeze: FixFreeze) -> list[BranchCheck]:
    path = landed_path(project)
    shown = gitops.display_remote(project.repository_url)
    sent_per_branch = [(e["branch"], e["base"], _commits(e["commits"])) for e in freeze.branches]
    try:
        gitops.mirror(project.repository_url, path)
        tips = gitops.branch_heads(path)
    except (gitops.GitError, gitops.RemoteError) as exc:
        return [
            BranchCheck(branch, base, sent, [], [], f"{branch}: could not fetch {shown}: {exc}")
            for branch, base, sent in sent_per_branch
        ]
    checks = []
    for branch, base, sent in sent_per_branch:
        problem, landed, findings = "", [], []
        if branch not in tips:
            problem = f"{branch}: {shown} has no branch {branch}"
        elif not gitops.has_commit(path, base) or not is_ancestor(path, base, tips[branch]):
            problem = (
                f"{branch}: on {shown} it does not contain {base[:12]}, its tip when the fix was "
                "frozen (it was rewritten, or the private repository is not a copy of it); "
                "compare the commits by hand"
            )
        else:
            try:
                landed = gitops.patch_ids(path, base, tips[branch])
            except gitops.GitError as exc:
                problem = f"{branch}: {exc}"
            else:
                findings = compare(sent, landed)
        checks.append(BranchCheck(branch, base, sent, landed, findings, problem))
    return checks


def _branch_json(check: BranchCheck) -> dict[str, Any]:
    return {
        "branch": check.branch,
        "base": check.base,
        "landed": [_commit(c) for c in check.landed],
        "findings": [
            {
                "kind": str(f.kind),
                "subject": f.subject,
                "sent": _commit(f.sent) if f.sent else None,
                "landed": _commit(f.landed) if f.landed else None,
                "text": f.describe(check.branch),
            }
            for f in check.findings
        ],
        "problem": check.problem,
    }


def integrity_facts(report: Report) -> dict[str, Any]:
    """The release guard's facts for `TransitionFacts`, from the database alone: the latest
    check's problems, or why there is nothing to check yet (EMI-42, KAR-41)."""
    policy = report.project.policy().release_integrity
    rules = f" ({', '.join(policy.rules)})" if policy.rules else ""
    freeze = latest_freeze(report)
    if freeze is None:
        if policy.frozen_fix_required and report.security_repository:
            problem = (
                "the fix was never frozen, so nothing says which commits were sent to "
                f"distributors: freeze it (vulndesk fix freeze {report.key}) and check what "
                f"landed against it{rules}"
            )
            return {"integrity_problems": (problem,)}
        return {"integrity_problems": ()}
    if freeze.checked_at is None:
        problem = (
            "what landed was not checked against the frozen fix: check it "
            f"(vulndesk fix verify {report.key}){rules}"
        )
        return {"integrity_problems": (problem,)}
    return {"integrity_problems": tuple(freeze.check_result.get("problems", []))}
