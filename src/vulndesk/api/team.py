"""A project's team as Karmada governs it: the roster with roles, associates' promotable-from
dates, declared leaves and inactivity flags (KAR-2, KAR-3, KAR-7, KAR-8)."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from vulndesk.api.auth import read_token
from vulndesk.api.detail import ProjectSlug, token_of
from vulndesk.api.schemas import READ_ERRORS
from vulndesk.desk.access import get_project_for_user
from vulndesk.desk.models import TeamLeave
from vulndesk.desk.services import governance

router = Router(tags=["team"], auth=read_token)


class LeaveOut(Schema):
    user: str
    starts_on: date
    ends_on: date
    reason: str
    cover: str | None


class TeamMemberOut(Schema):
    user: str
    role: str
    joined_at: datetime
    company: str
    last_contact: datetime | None  # governed roles only: security team and associates
    on_leave: bool
    inactive: bool  # KAR-8: unreachable beyond the policy's period, without leave
    inactive_after: date | None
    promotable_from: date | None  # associates only (KAR-3)


class TeamOut(Schema):
    project: str
    today: date
    members: list[TeamMemberOut]
    leaves: list[LeaveOut]


@router.get("/projects/{slug}/team", response={200: TeamOut, **READ_ERRORS})
def get_team(request: HttpRequest, slug: ProjectSlug) -> TeamOut:
    project = get_project_for_user(token_of(request).user, slug)
    today = timezone.localdate()
    members = [
        TeamMemberOut(
            user=s.member.user.get_username(),
            role=s.member.role,
            joined_at=s.member.joined_at,
            company=s.member.company,
            last_contact=s.last_contact,
            on_leave=s.status.on_leave is not None,
            inactive=s.status.flagged,
            inactive_after=s.status.flagged_after,
            promotable_from=s.promotable_from,
        )
        for s in governance.standings(project, today)
    ]
    others = governance.current(project).exclude(role__in=governance.GOVERNED_ROLES)
    members += [
        TeamMemberOut(
            user=m.user.get_username(),
            role=m.role,
            joined_at=m.joined_at,
            company=m.company,
            last_contact=None,
            on_leave=False,
            inactive=False,
            inactive_after=None,
            promotable_from=None,
        )
        for m in others.select_related("user").order_by("role", "user__username")
    ]
    leaves = (
        TeamLeave.objects.filter(
            member__project=project, member__left_at__isnull=True, ends_on__gte=today
        )
        .select_related("member__user", "cover__user")
        .order_by("starts_on", "pk")
    )
    return TeamOut(
        project=project.slug,
        today=today,
        members=members,
        leaves=[
            LeaveOut(
                user=leave.member.user.get_username(),
                starts_on=leave.starts_on,
                ends_on=leave.ends_on,
                reason=leave.reason,
                cover=leave.cover.user.get_username() if leave.cover else None,
            )
            for leave in leaves
        ],
    )
