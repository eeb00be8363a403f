"""A project's components and the people responsible for each (FOLIO: every module needs a
responsible team); a report's component proposes its Fix Team (FOLIO-27).

The proposal is only a proposal: owners see a report once the Fix Lead invites them to its Fix
Team, never because they own its component, which keeps the audience small (FOLIO-28).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction

from vulndesk.desk.models import Component, Project, Report
from vulndesk.desk.services import audit
from vulndesk.desk.services.reports import check_fields, lock_report

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _named(component: Component, name: str) -> None:
    component.name = name.strip()
    check_fields(component, ["name"])
    taken = Component.objects.filter(project_id=component.project_id, name=component.name)
    if taken.exclude(pk=component.pk).exists():
        raise ValueError(f"name: this project already has a component named {component.name!r}")


def create_component(project: Project, name: str, *, actor: User | None) -> Component:
    component = Component(project=project)
    with transaction.atomic():
        _named(component, name)
        component.save()
        audit.record(
            "component.created",
            actor=actor,
            project=project,
            data={"component": component.pk, "name": component.name},
        )
    return component


def rename_component(component: Component, name: str, *, actor: User | None) -> Component:
    with transaction.atomic():
        locked = (
            Component.objects.select_for_update().select_related("project").get(pk=component.pk)
        )
        before = locked.name
        _named(locked, name)
        if locked.name != before:
            locked.save(update_fields=["name"])
            audit.record(
                "component.renamed",
                actor=actor,
                project=locked.project,
                data={"component": locked.pk, "name": locked.name, "before": before},
            )
    return locked


def set_owners(component: Component, owners: Iterable[User], *, actor: User | None) -> Component:
    """The responsible team: the people a report on this component proposes for its Fix Team."""
    wanted = {owner.pk: owner for owner in owners}
    with transaction.atomic():
        locked = (
            Component.objects.select_for_update().select_related("project").get(pk=component.pk)
        )
        before = sorted(locked.owners.values_list("username", flat=True))
        locked.owners.set(list(wanted.values()))
        after = sorted(owner.get_username() for owner in wanted.values())
        if after != before:
            audit.record(
                "component.owners_set",
                actor=actor,
                project=locked.project,
                data={"component": locked.pk, "owners": after, "before": before},
            )
    return locked


def set_report_component(
    report: Report,
    component: Component | None,
    *,
    actor: User | None,
    expected_version: int | None = None,
) -> Report:
    if component is not None and component.project_id != report.project_id:
        raise ValueError(f"component: {component.name} is not a component of this project")
    with transaction.atomic():
        locked = lock_report(report, expected_version)
        before = locked.component.name if locked.component is not None else None
        locked.component = component
        locked.version += 1
        locked.save(update_fields=["component", "version", "updated_at"])
        audit.record(
            "report.component_set",
            actor=actor,
            report=locked,
            data={"component": component.name if component else None, "before": before},
        )
    return locked


def proposed_fix_team(report: Report) -> list[tuple[User, bool]]:
    """FOLIO-27: the owners of the report's component, each with whether they are on its Fix
    Team already (accepted or invited)."""
    if report.component is None:
        return []
    on_team = set(
        report.fix_team_members.filter(ended_at__isnull=True, user__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    owners = report.component.owners.order_by("username")
    return [(owner, owner.pk in on_team) for owner in owners]
