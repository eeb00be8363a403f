"""A project's components and the people responsible for each (FOLIO: every module needs a
responsible team), and a report's component, which proposes its Fix Team (FOLIO-27). The
proposal stays a proposal: owners see the report only once the Fix Lead invites them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Path, Router, Schema, Status
from pydantic import Strict

from vulndesk.api.auth import read_token, write_token
from vulndesk.api.detail import (
    ProjectSlug,
    ReportNumber,
    find_user,
    report_detail,
    report_for,
    require,
    require_project,
    token_of,
)
from vulndesk.api.errors import ApiError, refusals, refused
from vulndesk.api.schemas import READ_ERRORS, WRITE_ERRORS, Input, Storable, Version
from vulndesk.desk.access import can_manage_project, can_triage, get_project_for_user
from vulndesk.desk.models import Component, Project
from vulndesk.desk.services import components

if TYPE_CHECKING:
    from django.contrib.auth.models import User

router = Router(tags=["components"])
ComponentId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Name = Annotated[Storable, Field(min_length=1, max_length=200)]
Owners = Annotated[
    list[Annotated[Storable, Field(min_length=1, max_length=150)]], Field(max_length=100)
]


class ComponentOut(Schema):
    id: int
    name: str
    owners: list[str] = Field(description="usernames of the responsible team")


class ComponentIn(Input):
    name: Name
    owners: Owners = Field(default_factory=list)


class ComponentPatch(Input):
    name: Name | None = None
    owners: Owners | None = Field(None, description="the whole new list; [] clears it")


class ReportComponentIn(Input):
    component: Annotated[int, Strict(), Field(ge=1, le=2**63 - 1)] | None = Field(
        description="a component id of the report's project; null clears it"
    )
    version: Version


class ProposedMember(Schema):
    user: str
    on_fix_team: bool = Field(description="invited or accepted already")


class ReportComponentOut(Schema):
    version: int = Field(description="the report's version after the change")
    component: ComponentOut | None
    proposed_fix_team: list[ProposedMember] = Field(
        description="the component's owners (FOLIO-27): invite them to the Fix Team"
    )


def component_out(component: Component) -> dict[str, Any]:
    owners = component.owners.order_by("username").values_list("username", flat=True)
    return {"id": component.pk, "name": component.name, "owners": list(owners)}


def users_named(usernames: Iterable[str]) -> list[User]:
    return [find_user(name, "body.owners") for name in dict.fromkeys(usernames)]


def managed(request: HttpRequest, slug: str) -> Project:
    user = token_of(request).user
    project = get_project_for_user(user, slug)
    require_project(can_manage_project(user, project), "change its components")
    return project


@router.get(
    "/projects/{slug}/components",
    response={200: list[ComponentOut], **READ_ERRORS},
    auth=read_token,
)
def list_components(request: HttpRequest, slug: ProjectSlug) -> Any:
    project = get_project_for_user(token_of(request).user, slug)
    found = project.components.prefetch_related("owners").order_by("name")
    return [component_out(component) for component in found]


@router.post(
    "/projects/{slug}/components", response={201: ComponentOut, **WRITE_ERRORS}, auth=write_token
)
def create_component(request: HttpRequest, payload: ComponentIn, slug: ProjectSlug) -> Any:
    """A component with its owners, in one step: refused whole if the name or an owner is."""
    project = managed(request, slug)
    owners = users_named(payload.owners)
    actor = token_of(request).user
    with refused(payload), transaction.atomic():
        made = components.create_component(project, payload.name, actor=actor)
        components.set_owners(made, owners, actor=actor)
    return Status(201, component_out(made))


@router.patch(
    "/projects/{slug}/components/{component_id}",
    response={200: ComponentOut, **WRITE_ERRORS},
    auth=write_token,
)
def update_component(
    request: HttpRequest, payload: ComponentPatch, slug: ProjectSlug, component_id: ComponentId
) -> Any:
    """Rename it, replace its owners, or both at once; a field left out stays as it is."""
    project = managed(request, slug)
    component = get_object_or_404(project.components, pk=component_id)
    owners = None if payload.owners is None else users_named(payload.owners)
    actor = token_of(request).user
    with refused(payload), transaction.atomic():
        if payload.name is not None:
            component = components.rename_component(component, payload.name, actor=actor)
        if owners is not None:
            component = components.set_owners(component, owners, actor=actor)
    return component_out(component)


@router.post(
    "/reports/{project}/{number}/component",
    response={200: ReportComponentOut, **WRITE_ERRORS},
    auth=write_token,
)
def set_report_component(
    request: HttpRequest, payload: ReportComponentIn, project: ProjectSlug, number: ReportNumber
) -> Any:
    """Set or clear the report's component; the answer proposes its Fix Team (FOLIO-27)."""
    report = report_for(request, project, number)
    user = token_of(request).user
    require(can_triage(user, report), "set its component")
    component = None
    if payload.component is not None:
        component = report.project.components.filter(pk=payload.component).first()
        if component is None:
            message = f"{report.project.slug} has no component {payload.component}"
            raise ApiError(422, "invalid", message, field="body.component")
    now = timezone.now()
    with refusals(report, lambda current: report_detail(current, now)):
        changed = components.set_report_component(
            report, component, actor=user, expected_version=payload.version
        )
    return {
        "version": changed.version,
        "component": component_out(component) if component else None,
        "proposed_fix_team": [
            {"user": owner.get_username(), "on_fix_team": on_team}
            for owner, on_team in components.proposed_fix_team(changed)
        ],
    }
