"""A project's settings: its policy (preset and overrides) and the release lines it maintains.

The security team changes these from the project's settings page; the operator can also do it
in the admin. Either way the change is audited, and a new policy redates the open reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction

from vulndesk.desk.models import Project, ReleaseLine, ReleaseLineStatus
from vulndesk.desk.services import audit
from vulndesk.desk.services.reports import check_fields
from vulndesk.desk.tasks import redate_project_deadlines
from vulndesk.process.policy import resolve_policy

if TYPE_CHECKING:
    from django.contrib.auth.models import User

RELEASE_LINE_FIELDS = ("name", "branch", "status", "latest_version")


def update_policy(
    project: Project, *, preset: str, overrides: Mapping[str, Any], actor: User | None
) -> Project:
    """Switch the preset and/or the overrides; raises `PolicyError` (nothing written) if the
    result does not load, with one "field.path: what is wrong" per problem."""
    resolve_policy(preset, overrides)
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        before = {"preset": locked.preset, "overrides": locked.policy_overrides}
        after = {"preset": preset, "overrides": dict(overrides)}
        if before == after:
            return locked
        locked.preset, locked.policy_overrides = preset, dict(overrides)
        locked.save(update_fields=["preset", "policy_overrides"])
        # The same task the admin enqueues: a new policy redates every open report on the
        # worker, not in the request. Enqueued in this transaction, so it exists exactly if
        # the change does.
        redate_project_deadlines.enqueue(locked.pk)
        audit.record(
            "project.policy_changed",
            actor=actor,
            project=locked,
            data={"before": before, "after": after},
        )
    return locked


def add_release_line(
    project: Project,
    *,
    name: str,
    branch: str = "",
    status: str = ReleaseLineStatus.SUPPORTED,
    latest_version: str = "",
    actor: User | None,
) -> ReleaseLine:
    """Raises ValueError "field: message" for a value the line cannot take."""
    line = ReleaseLine(project=project)
    with transaction.atomic():
        _apply(line, name=name, branch=branch, status=status, latest_version=latest_version)
        audit.record("release_line.added", actor=actor, project=project, data=_describe(line, {}))
    return line


def update_release_line(
    line: ReleaseLine,
    *,
    name: str,
    branch: str,
    status: str,
    latest_version: str,
    actor: User | None,
) -> ReleaseLine:
    with transaction.atomic():
        locked = ReleaseLine.objects.select_for_update().select_related("project").get(pk=line.pk)
        before = {field: getattr(locked, field) for field in RELEASE_LINE_FIELDS}
        _apply(locked, name=name, branch=branch, status=status, latest_version=latest_version)
        changed = {f: v for f, v in before.items() if getattr(locked, f) != v}
        if changed:
            audit.record(
                "release_line.changed",
                actor=actor,
                project=locked.project,
                data=_describe(locked, changed),
            )
    return locked


def _apply(line: ReleaseLine, *, name: str, branch: str, status: str, latest_version: str) -> None:
    line.name, line.branch = name.strip(), branch.strip()
    line.status, line.latest_version = status, latest_version.strip()
    check_fields(line, RELEASE_LINE_FIELDS)
    # Checked here rather than left to the constraint, which would end the transaction.
    taken = ReleaseLine.objects.filter(project_id=line.project_id, name=line.name)
    if taken.exclude(pk=line.pk).exists():
        raise ValueError(f"name: this project already has a release line named {line.name!r}")
    line.save()


def _describe(line: ReleaseLine, before: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"release_line": line.pk}
    data.update({field: getattr(line, field) for field in RELEASE_LINE_FIELDS})
    if before:
        data["before"] = dict(before)
    return data
