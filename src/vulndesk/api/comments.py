"""The team's discussion of a report: Markdown stored as written, served raw and sanitised."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from vulndesk.api.auth import read_token, write_token
from vulndesk.api.detail import ProjectSlug, ReportNumber, report_for, require, token_of
from vulndesk.api.errors import refusals
from vulndesk.api.schemas import READ_ERRORS, WRITE_ERRORS, CommentIn, CommentOut
from vulndesk.desk.access import can_comment
from vulndesk.desk.markdown import render
from vulndesk.desk.models import Comment
from vulndesk.desk.services.comments import add_comment

router = Router(tags=["comments"])


def comment_out(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "author": comment.author.get_username(),
        "body": comment.body,
        "html": str(render(comment.body)),
        "created_at": comment.created_at,
    }


@router.get(
    "/reports/{project}/{number}/comments",
    response={200: list[CommentOut], **READ_ERRORS},
    auth=read_token,
)
def list_comments(request: HttpRequest, project: ProjectSlug, number: ReportNumber) -> Any:
    report = report_for(request, project, number)
    comments = report.comments.select_related("author").order_by("created_at", "pk")
    return [comment_out(comment) for comment in comments]


@router.post(
    "/reports/{project}/{number}/comments",
    response={201: CommentOut, **WRITE_ERRORS},
    auth=write_token,
)
def create_comment(
    request: HttpRequest, payload: CommentIn, project: ProjectSlug, number: ReportNumber
) -> Any:
    report = report_for(request, project, number)
    user = token_of(request).user
    require(can_comment(user, report), "comment on it")
    with refusals(report, lambda current: None):
        comment = add_comment(report, author=user, body=payload.body)
    return Status(201, comment_out(comment))
