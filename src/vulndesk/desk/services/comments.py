"""Comments on a report: stored as written, rendered through `desk.markdown` (sanitised)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from vulndesk.desk.models import Comment, Report
from vulndesk.desk.services import audit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_COMMENT_LENGTH = 50_000


def add_comment(report: Report, *, author: User, body: str) -> Comment:
    if not body.strip():
        raise ValueError("body: a comment needs some text")
    if len(body) > MAX_COMMENT_LENGTH:
        raise ValueError(f"body: a comment holds at most {MAX_COMMENT_LENGTH} characters")
    with transaction.atomic():
        comment = Comment.objects.create(report=report, author=author, body=body)
        audit.record("comment.added", actor=author, report=report, data={"comment": comment.pk})
    return comment
