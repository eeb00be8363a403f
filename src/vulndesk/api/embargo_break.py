"""Embargo breaks: the breaks recorded with the policy's guidance, recording one, and the
decision on it (KAR-37, KAR-38)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from pydantic import AwareDatetime

from vulndesk.api.auth import read_token, write_token
from vulndesk.api.detail import (
    ProjectSlug,
    ReportNumber,
    report_detail,
    report_for,
    require,
    token_of,
)
from vulndesk.api.errors import refusals
from vulndesk.api.schemas import READ_ERRORS, WRITE_ERRORS, Input, Storable, Version
from vulndesk.desk.access import can_triage
from vulndesk.desk.services import embargo_break
from vulndesk.desk.services.embargo_break import breaks_data

router = Router(tags=["reports"])


class BreakOut(Schema):
    id: int
    how: str
    by_whom: str
    source_url: str
    recorded_at: AwareDatetime
    recorded_by: str | None
    decision: str = Field(description="release_now, keep_date, or empty while undecided")
    decision_reason: str = Field(description="the damage assessment (KAR-37)")
    decided_at: AwareDatetime | None
    decided_by: str | None
    release_date_before: AwareDatetime | None
    release_date_after: AwareDatetime | None


class GuidanceOut(Schema):
    default: Literal["release_now", "keep_date"] | None = Field(
        description="the choice the policy leans to; null: it states no rule"
    )
    text: str
    rule_ids: list[str]
    warnings: list[str]
    release_now_at: AwareDatetime = Field(description="where releasing now puts the date")


class EmbargoBreaksOut(Schema):
    key: str
    release_date: AwareDatetime | None
    pending: int | None = Field(description="the break waiting for a decision, if any")
    guidance: GuidanceOut
    breaks: list[BreakOut]


class BreakIn(Input):
    how: Storable = Field(max_length=5000, description="how the embargo was broken")
    by_whom: Storable = Field(max_length=200, description="the organisation or person")
    source_url: Storable = Field("", max_length=2000, description="where it was seen, if known")


class DecisionIn(Input):
    choice: Literal["release_now", "keep_date"]
    reason: Storable = Field(max_length=5000, description="the damage assessment (KAR-37)")
    version: Version


@router.get(
    "/reports/{project}/{number}/embargo-break",
    response={200: EmbargoBreaksOut, **READ_ERRORS},
    auth=read_token,
)
def get_embargo_breaks(request: HttpRequest, project: ProjectSlug, number: ReportNumber) -> Any:
    """Every embargo break recorded on the report, and the policy's guidance on deciding one:
    the choice it leans to with its rule IDs, and where releasing now puts the Release Date."""
    report = report_for(request, project, number)
    require(can_triage(token_of(request).user, report), "see its embargo breaks")
    return breaks_data(report, timezone.now())


@router.post(
    "/reports/{project}/{number}/embargo-break",
    response={200: EmbargoBreaksOut, **WRITE_ERRORS},
    auth=write_token,
)
def record_embargo_break(
    request: HttpRequest, payload: BreakIn, project: ProjectSlug, number: ReportNumber
) -> Any:
    """Record who broke the embargo and how (audited). Refused with 422 while another break
    waits for a decision, and for a published report."""
    report = report_for(request, project, number)
    require(can_triage(token_of(request).user, report), "record an embargo break")
    now = timezone.now()
    with refusals(report, lambda current: report_detail(current, now)):
        embargo_break.record_break(
            report,
            how=payload.how,
            by_whom=payload.by_whom,
            source_url=payload.source_url,
            actor=token_of(request).user,
        )
    return breaks_data(report, now)


@router.post(
    "/reports/{project}/{number}/embargo-break/decision",
    response={200: EmbargoBreaksOut, **WRITE_ERRORS},
    auth=write_token,
)
def decide_embargo_break(
    request: HttpRequest, payload: DecisionIn, project: ProjectSlug, number: ReportNumber
) -> Any:
    """Decide the waiting break (KAR-37): release_now moves the Release Date to the first slot
    the calendar allows, waiving the distributors' lead times (KAR-32, KAR-38), and tells every
    organisation told of the report and the team; keep_date only records the call. A stale
    `version` is a 409 with the report as it is."""
    report = report_for(request, project, number)
    require(can_triage(token_of(request).user, report), "decide an embargo break")
    now = timezone.now()
    with refusals(report, lambda current: report_detail(current, now)):
        embargo_break.decide(
            report,
            payload.choice,
            actor=token_of(request).user,
            reason=payload.reason,
            expected_version=payload.version,
        )
    report.refresh_from_db()
    return breaks_data(report, now)
