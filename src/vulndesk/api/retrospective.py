"""A report's blameless retrospective as Markdown, for the security team and its Fix Lead."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from vulndesk.api.auth import read_token
from vulndesk.api.detail import ProjectSlug, ReportNumber, report_for, require, token_of
from vulndesk.api.errors import ApiError
from vulndesk.api.schemas import error_responses
from vulndesk.desk.access import can_read_retrospective
from vulndesk.desk.services.retrospective import retrospective_markdown

router = Router(tags=["history"], auth=read_token)


class RetrospectiveOut(Schema):
    key: str
    markdown: str


@router.get(
    "/reports/{project}/{number}/retrospective",
    response={200: RetrospectiveOut, **error_responses(401, 403, 404, 422)},
)
def get_retrospective(
    request: HttpRequest,
    project: ProjectSlug,
    number: ReportNumber,
    introduced_by: Annotated[
        list[str],
        Query(max_length=20, description="commits that introduced the issue (EMI-48)"),
    ] = [],  # noqa: B006 -- ninja reads the default; it is never mutated
) -> Any:
    """The retrospective (EMI-46 to EMI-49): timeline, deadlines met or missed, who was
    involved, the commits, and blameless prompts. Reading it records nothing."""
    report = report_for(request, project, number)
    require(can_read_retrospective(token_of(request).user, report), "its retrospective")
    try:
        markdown = retrospective_markdown(report, introduced_by=introduced_by)
    except ValueError as exc:
        raise ApiError(422, "invalid_commit", str(exc), field="introduced_by") from exc
    return {"key": report.key, "markdown": markdown}
