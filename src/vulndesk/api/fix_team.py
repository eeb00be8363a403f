"""Who leads a report's fix, and who is invited to work on it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from vulndesk.api.auth import write_token
from vulndesk.api.detail import (
    ProjectSlug,
    ReportNumber,
    find_user,
    report_detail,
    report_for,
    require,
    token_of,
)
from vulndesk.api.errors import refusals
from vulndesk.api.schemas import WRITE_ERRORS, Input, ReportDetail, Storable, Version
from vulndesk.desk.access import can_assign_fix_lead, can_manage_fix_team
from vulndesk.desk.models import FixTeamMember
from vulndesk.desk.services import fix_team
from vulndesk.desk.services.fix_lead import assign_fix_lead

router = Router(tags=["fix team"])


class FixLeadIn(Input):
    member: Storable | None = Field(
        None, max_length=150, description="a username; leave out to let the rotation choose"
    )
    reason: Storable = Field("", max_length=2000, description="needed when naming a member")
    version: Version


class FixTeamIn(Input):
    username: Storable = Field("", max_length=150, description="an existing user, or…")
    email: Storable = Field("", max_length=254, description="…anyone, by email address")


class FixTeamMemberOut(Schema):
    id: int
    who: str
    state: Literal["invited", "accepted", "ended"]
    invited_at: datetime
    accepted_at: datetime | None


def member_out(member: FixTeamMember) -> dict[str, Any]:
    state = "ended" if member.ended_at else "accepted" if member.accepted_at else "invited"
    return {
        "id": member.pk,
        "who": fix_team.who(member),
        "state": state,
        "invited_at": member.invited_at,
        "accepted_at": member.accepted_at,
    }


def user_named(username: str | None) -> User | None:
    return None if username is None else find_user(username, "body.member")


@router.post(
    "/reports/{project}/{number}/fix-lead",
    response={200: ReportDetail, **WRITE_ERRORS},
    auth=write_token,
)
def assign_lead(
    request: HttpRequest, payload: FixLeadIn, project: ProjectSlug, number: ReportNumber
) -> Any:
    """Assign the Fix Lead: the rotation's choice (EMI-10), or `member` with a `reason`."""
    report = report_for(request, project, number)
    require(can_assign_fix_lead(token_of(request).user, report), "choose its Fix Lead")
    now = timezone.now()
    with refusals(report, lambda current: report_detail(current, now)):
        led = assign_fix_lead(
            report,
            actor=token_of(request).user,
            member=user_named(payload.member),
            reason=payload.reason,
            expected_version=payload.version,
        )
    return report_detail(led, now)


@router.post(
    "/reports/{project}/{number}/fix-team",
    response={201: FixTeamMemberOut, **WRITE_ERRORS},
    auth=write_token,
)
def invite_to_fix_team(
    request: HttpRequest, payload: FixTeamIn, project: ProjectSlug, number: ReportNumber
) -> Any:
    """Invite an existing user by `username`, or anyone by `email` (mailed a one-time link)."""
    report = report_for(request, project, number)
    require(can_manage_fix_team(token_of(request).user, report), "invite to its Fix Team")
    now = timezone.now()
    with refusals(report, lambda current: report_detail(current, now)):
        invited = fix_team.invite(
            report, actor=token_of(request).user, username=payload.username, email=payload.email
        )
    return Status(201, member_out(invited))
