"""Projects the token's owner is on a team of, and their release lines."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from vulndesk.api.auth import read_token
from vulndesk.api.detail import ProjectSlug, token_of
from vulndesk.api.schemas import READ_ERRORS, ProjectOut, ReleaseLineOut, error_responses
from vulndesk.desk.access import get_project_for_user, projects_visible_to

router = Router(tags=["projects"], auth=read_token)

PROJECT_COLUMNS = ("slug", "name", "preset", "security_email", "repository_url")


@router.get("/projects", response={200: list[ProjectOut], **error_responses(401)})
def list_projects(request: HttpRequest) -> Any:
    return projects_visible_to(token_of(request).user).order_by("slug").values(*PROJECT_COLUMNS)


@router.get("/projects/{slug}", response={200: ProjectOut, **READ_ERRORS})
def get_project(request: HttpRequest, slug: ProjectSlug) -> Any:
    return get_project_for_user(token_of(request).user, slug)


@router.get("/projects/{slug}/release-lines", response={200: list[ReleaseLineOut], **READ_ERRORS})
def list_release_lines(request: HttpRequest, slug: ProjectSlug) -> Any:
    project = get_project_for_user(token_of(request).user, slug)
    return project.release_lines.order_by("name")
