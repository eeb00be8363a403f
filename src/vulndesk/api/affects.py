"""The release lines and packages a report affects; each write carries the report's version."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Path, Query, Router, Status

from vulndesk.api.auth import read_token, write_token
from vulndesk.api.detail import (
    ProjectSlug,
    ReportNumber,
    report_detail,
    report_for,
    require,
    token_of,
)
from vulndesk.api.errors import ApiError, refusals
from vulndesk.api.schemas import READ_ERRORS, WRITE_ERRORS, AffectIn, AffectOut
from vulndesk.desk.access import can_edit_affects
from vulndesk.desk.models import Affect, ReleaseLine, Report
from vulndesk.desk.services.affects import add_affect, remove_affect

router = Router(tags=["affects"])


def affect_out(affect: Affect) -> dict[str, Any]:
    return {
        "id": affect.pk,
        "release_line": affect.release_line.name if affect.release_line else None,
        "package": affect.package,
        "affected_range": affect.affected_range,
        "fixed_version": affect.fixed_version,
        "status": affect.status,
    }


def release_line_named(report: Report, name: str | None) -> ReleaseLine | None:
    if name is None:
        return None
    found = report.project.release_lines.filter(name=name).first()
    if found is None:
        raise ApiError(
            422,
            "unknown_release_line",
            f"{report.project.slug} has no release line {name!r}; see its release-lines",
            field="body.release_line",
        )
    return found


@router.get(
    "/reports/{project}/{number}/affects",
    response={200: list[AffectOut], **READ_ERRORS},
    auth=read_token,
)
def list_affects(request: HttpRequest, project: ProjectSlug, number: ReportNumber) -> Any:
    report = report_for(request, project, number)
    affects = report.affects.select_related("release_line").order_by("pk")
    return [affect_out(affect) for affect in affects]


@router.post(
    "/reports/{project}/{number}/affects",
    response={201: AffectOut, **WRITE_ERRORS},
    auth=write_token,
)
def create_affect(
    request: HttpRequest, payload: AffectIn, project: ProjectSlug, number: ReportNumber
) -> Any:
    report = report_for(request, project, number)
    require(can_edit_affects(token_of(request).user, report), "record what it affects")
    now = timezone.now()
    with refusals(report, lambda current: report_detail(current, now)):
        affect = add_affect(
            report,
            release_line=release_line_named(report, payload.release_line),
            package=payload.package,
            affected_range=payload.affected_range,
            fixed_version=payload.fixed_version,
            status=payload.status,
            actor=token_of(request).user,
            expected_version=payload.version,
        )
    return Status(201, affect_out(affect))


@router.delete(
    "/reports/{project}/{number}/affects/{affect_id}",
    response={204: None, **WRITE_ERRORS},
    auth=write_token,
)
def delete_affect(
    request: HttpRequest,
    project: ProjectSlug,
    number: ReportNumber,
    affect_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    version: Annotated[int, Query(ge=1, le=2**31 - 1)],
) -> Any:
    """Remove one affect; `version` (a query parameter here) is the report version you read."""
    report = report_for(request, project, number)
    affect = get_object_or_404(Affect, pk=affect_id, report=report)
    require(can_edit_affects(token_of(request).user, report), "record what it affects")
    now = timezone.now()
    with refusals(report, lambda current: report_detail(current, now)):
        remove_affect(affect, actor=token_of(request).user, expected_version=version)
    return Status(204, None)
