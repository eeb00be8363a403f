"""A backport plan (`versions.plan.Plan`) as JSON and back: how the desk stores it, and how the
CLI and the API show it."""

from __future__ import annotations

from typing import Any

from vulndesk.desk.models import Backport
from vulndesk.versions.plan import Ecosystem, PackageFacts, Plan, Problem, Step, StepKind


def step_to_json(step: Step) -> dict[str, Any]:
    return {
        "id": step.id,
        "kind": step.kind.value,
        "repository": step.repository,
        "branch": step.branch,
        "reason": step.reason,
        "version": step.version,
        "old_version": step.old_version,
        "base": step.base,
        "tag": step.tag,
        "commits": list(step.commits),
        "files": list(step.files),
        "latest": step.latest,
        "after": list(step.after),
    }


def plan_to_json(plan: Plan) -> dict[str, Any]:
    package = plan.package
    return {
        "package": {
            "name": package.name,
            "ecosystem": package.ecosystem.value,
            "main_branch": package.main_branch,
            "main_version": package.main_version,
            "tag_pattern": package.tag_pattern,
            "released": sorted(package.released),
            "fix_commits": list(package.fix_commits),
        },
        "steps": [step_to_json(step) for step in plan.steps],
        "problems": [
            {"repository": p.repository, "branch": p.branch, "reason": p.reason}
            for p in plan.problems
        ],
        "fixed_versions": list(plan.fixed_versions),
    }


def plan_from_json(data: dict[str, Any]) -> Plan:
    package = data["package"]
    return Plan(
        package=PackageFacts(
            name=package["name"],
            ecosystem=Ecosystem(package["ecosystem"]),
            main_branch=package["main_branch"],
            main_version=package["main_version"],
            tag_pattern=package["tag_pattern"],
            released=frozenset(package["released"]),
            fix_commits=tuple(package["fix_commits"]),
        ),
        steps=tuple(
            Step(
                id=step["id"],
                kind=StepKind(step["kind"]),
                repository=step["repository"],
                branch=step["branch"],
                reason=step["reason"],
                version=step["version"],
                old_version=step["old_version"],
                base=step["base"],
                tag=step["tag"],
                commits=tuple(step["commits"]),
                files=tuple(step["files"]),
                latest=step["latest"],
                after=tuple(step["after"]),
            )
            for step in data["steps"]
        ),
        problems=tuple(Problem(**problem) for problem in data["problems"]),
        fixed_versions=tuple(data["fixed_versions"]),
    )


def backport_to_json(backport: Backport) -> dict[str, Any]:
    """A stored backport as the CLI's --json and the API show it: each step of the plan in
    order with its status, the last dry run's verdict, conflicts and details."""
    planned = plan_from_json(backport.plan) if backport.plan else None
    rows = {row.step_id: row for row in backport.steps.all()}
    steps = []
    for step in planned.steps if planned else ():
        row = rows.get(step.id)
        steps.append(
            {
                **step_to_json(step),
                "status": row.status if row else "pending",
                "detail": row.detail if row else "",
                "checked": row.checked if row else "",
                "check_detail": row.check_detail if row else "",
                "conflicts": row.conflicts if row else [],
                "updated_at": row.updated_at if row else None,
            }
        )
    stored = backport.plan or {}
    return {
        "id": backport.pk,
        "package": backport.package.name,
        "ecosystem": backport.package.ecosystem,
        "fix_commits": list(backport.fix_commits),
        "compatibility": backport.compatibility,
        "decisions": dict(backport.decisions),
        "planned_at": backport.planned_at if planned else None,
        "job": backport.job or None,
        "job_error": backport.job_error,
        "main_version": planned.package.main_version if planned else None,
        "fixed_versions": list(planned.fixed_versions) if planned else [],
        "steps": steps,
        "problems": stored.get("problems", []),
        "notes": stored.get("notes", []),
    }
