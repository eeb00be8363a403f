"""Distributor notices over the API: the security team reads every organisation's answer to a
report's notice at once; an organisation answers its own notice (affected or not affected,
with a statement). Silence stays its own state ("not_read", "read"), never "not_affected"."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router, Schema

from vulndesk.api.auth import read_token, write_token
from vulndesk.api.detail import ProjectSlug, ReportNumber, report_for, require, token_of
from vulndesk.api.errors import ApiError, refused
from vulndesk.api.schemas import READ_ERRORS, WRITE_ERRORS, Input, Storable, error_responses
from vulndesk.desk.access import can_acknowledge_notice, can_send_notices, notices_visible_to
from vulndesk.desk.models.distributor import Answer
from vulndesk.desk.services import notices

router = Router(tags=["distributors"])
NoticeId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class OrganisationStatus(Schema):
    organisation: str = Field(description="the organisation's slug")
    name: str
    status: str = Field(
        description="not_read, read, acknowledged, affected, not_affected; or, with no notice, "
        "not_sent_terms_not_accepted or not_sent_yet"
    )
    label: str = Field(description="the status in the desk's words")
    notice: int | None = Field(description="the organisation's latest notice about the report")
    since: datetime | None = Field(description="when it reached this status")
    statement: str = Field(description="the organisation's own words with its answer")


class DistributorStatusOut(Schema):
    embargo_ends_at: datetime | None = Field(description="the report's Release Date, UTC")
    counts: dict[str, int] = Field(description="organisations by status label")
    organisations: list[OrganisationStatus]


class AnswerIn(Input):
    answer: Answer
    statement: Storable = Field(max_length=10_000)


class NoticeOut(Schema):
    id: int
    status: str
    answer: str
    statement: str
    answered_at: datetime | None


@router.get(
    "/reports/{project}/{number}/distributors",
    response={200: DistributorStatusOut, **READ_ERRORS, **error_responses(403)},
    auth=read_token,
)
def distributor_status(request: HttpRequest, project: ProjectSlug, number: ReportNumber) -> Any:
    """Every approved organisation on the project's list and where it stands on the report."""
    report = report_for(request, project, number)
    require(can_send_notices(token_of(request).user, report), "see its distributors' answers")
    status = notices.status_of(report)
    return {
        "embargo_ends_at": report.release_date,
        "counts": status.counts,
        "organisations": [
            {
                "organisation": row.distributor.slug,
                "name": row.distributor.name,
                "status": row.code,
                "label": row.label,
                "notice": row.notice.pk if row.notice else None,
                "since": row.since,
                "statement": row.notice.statement if row.notice else "",
            }
            for row in status.rows
        ],
    }


@router.post(
    "/notices/{notice_id}/answer",
    response={200: NoticeOut, **WRITE_ERRORS},
    auth=write_token,
)
def answer_notice(request: HttpRequest, payload: AnswerIn, notice_id: NoticeId) -> Any:
    """The organisation's answer to its notice; a later answer replaces an earlier one."""
    user = token_of(request).user
    notice = get_object_or_404(notices_visible_to(user).select_related("report"), pk=notice_id)
    if not can_acknowledge_notice(user, notice):
        raise ApiError(
            403, "forbidden", "only the organisation the notice is addressed to answers it"
        )
    with refused(payload):
        answered = notices.answer_notice(
            notice, answer=payload.answer, statement=payload.statement, actor=user
        )
    return {
        "id": answered.pk,
        "status": answered.status.value,
        "answer": answered.answer,
        "statement": answered.statement,
        "answered_at": answered.answered_at,
    }
