"""The Release Date: the date the policy proposes, and setting it (refused naming each rule)."""

from __future__ import annotations

from typing import Any

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
from vulndesk.api.errors import ApiError, refusals
from vulndesk.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    Input,
    ReportDetail,
    Storable,
    StrictBool,
    Version,
)
from vulndesk.desk.access import can_triage
from vulndesk.desk.services.schedule import (
    ReleaseDateRefused,
    propose_release_date,
    schedule_release,
)

router = Router(tags=["reports"])


class ReasonOut(Schema):
    rule: str = Field(description="which rule: e.g. distributor_advance_notice")
    rule_ids: list[str] = Field(description="its RULES.md IDs, e.g. KAR-33")
    quote: str = Field(description="the policy's words, where it has them")
    text: str


class RuleConflictOut(Schema):
    rule: str
    rule_ids: list[str]
    message: str


class ProposalOut(Schema):
    key: str
    release_date: AwareDatetime = Field(description="the earliest date every rule allows")
    feasible: bool = Field(description="false: even that date breaks the rules in conflicts")
    reasons: list[ReasonOut]
    conflicts: list[RuleConflictOut]


class ReleaseDateIn(Input):
    release_date: AwareDatetime = Field(description="with its zone, e.g. 2024-06-10T16:00:00Z")
    reason: Storable = Field(max_length=2000, description="why it is set or moved (EMI-13)")
    override: StrictBool = Field(
        False, description="set it although it breaks the policy; audited with the rules broken"
    )
    version: Version


@router.get(
    "/reports/{project}/{number}/release-date/proposal",
    response={200: ProposalOut, **READ_ERRORS},
    auth=read_token,
)
def propose_release(request: HttpRequest, project: ProjectSlug, number: ReportNumber) -> Any:
    """The earliest Release Date the policy and the report's facts allow, the rules that set
    it (with their IDs and words) and any rule even that date breaks."""
    report = report_for(request, project, number)
    return {"key": report.key, **propose_release_date(report).as_data()}


@router.post(
    "/reports/{project}/{number}/release-date",
    response={200: ReportDetail, **WRITE_ERRORS},
    auth=write_token,
)
def set_release_date(
    request: HttpRequest, payload: ReleaseDateIn, project: ProjectSlug, number: ReportNumber
) -> Any:
    """Set or move the Release Date. A date that breaks the policy is refused with 422
    `release_date_refused`, one entry in `errors` per rule broken, each naming the date that
    would meet it; `override` (the Fix Lead or security team) sets it anyway."""
    report = report_for(request, project, number)
    require(can_triage(token_of(request).user, report), "set its Release Date")
    now = timezone.now()
    with refusals(report, lambda current: report_detail(current, now)):
        try:
            scheduled = schedule_release(
                report,
                payload.release_date,
                reason=payload.reason,
                actor=token_of(request).user,
                expected_version=payload.version,
                override=payload.override,
            )
        except ReleaseDateRefused as exc:
            raise ApiError(
                422,
                "release_date_refused",
                str(exc),
                field="body.release_date",
                errors=[
                    {"code": p.name, "message": p.message, "field": "body.release_date"}
                    for p in exc.problems
                ],
            ) from None
    return report_detail(scheduled, now)
