"""A project's team as Karmada governs it: the roster with roles, associates' promotable-from
dates, declared leaves and inactivity flags (KAR-2, KAR-3, KAR-7, KAR-8); nominations (KAR-3,
KAR-4), stepping down (KAR-5), leaves (KAR-7) and removal votes (KAR-8, KAR-9).

Who may take each step is the services' and access.py's to say: the security team and the
project's maintainers nominate, the security team decides and runs removal votes, a member
declares their own leave (the team anyone's), steps down only themself, and votes on removing
another member of their role. The operator holds no seat: it decides, but nominates and votes
on nothing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Path, Router, Schema, Status

from vulndesk.api.auth import read_token, write_token
from vulndesk.api.detail import ProjectSlug, find_user, require_project, token_of
from vulndesk.api.errors import ApiError, refused
from vulndesk.api.schemas import READ_ERRORS, WRITE_ERRORS, Input, Storable, StrictBool
from vulndesk.desk.access import can_manage_project, can_nominate, get_project_for_user
from vulndesk.desk.models import (
    Nomination,
    Project,
    RemovalVote,
    TeamLeave,
    TeamMember,
    TeamRole,
)
from vulndesk.desk.services import governance

router = Router(tags=["team"], auth=read_token)
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
Username = Annotated[str, Path(pattern=r"^[\w.@+-]+$", max_length=150)]
UsernameIn = Annotated[Storable, Field(min_length=1, max_length=150)]
Reason = Annotated[Storable, Field(max_length=2000)]


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


class NominateIn(Input):
    nominee: UsernameIn
    kind: Literal["associate", "member"] = Field(
        description="associate, or member (an associate after the policy's min_service, KAR-3)"
    )
    reason: Reason = ""


class NominationOut(Schema):
    id: int
    nominee: str
    kind: Literal["associate", "member"]
    reason: str
    nominated_by: str
    created_at: datetime
    decided_at: datetime | None
    outcome: Literal["accepted", "declined", "withdrawn"] | None = Field(
        description="null while open"
    )


class DecisionIn(Input):
    decision: Literal["accept", "decline"]
    company: Annotated[Storable, Field(max_length=200)] = Field(
        "", description="accepting: the nominee's employer, for the policy's per-company cap"
    )
    reason: Reason = Field("", description="declining: why (the audit trail keeps it)")


class LeaveIn(Input):
    user: UsernameIn
    starts_on: date
    ends_on: date = Field(description="the last day of the leave")
    reason: Annotated[Storable, Field(max_length=300)] = ""
    cover: UsernameIn | None = Field(None, description="an associate covering the leave")


class StepDownIn(Input):
    role: TeamRole | None = Field(
        None,
        description="which role, if they hold several: by default the security team's, then "
        "the associate's",
    )


class MembershipOut(Schema):
    user: str
    role: str
    joined_at: datetime
    left_at: datetime | None


class RemovalVoteIn(Input):
    member: UsernameIn = Field(description="a member the inactivity rule flags (KAR-8)")
    reason: Reason


class RemovalVoteOut(Schema):
    id: int
    member: str
    role: str
    reason: str
    opened_by: str
    opened_at: datetime
    closed_at: datetime | None
    outcome: Literal["removed", "kept"] | None = Field(description="null while open")
    in_favour: int = Field(description="ballots of those eligible now")
    against: int
    eligible: int = Field(description="the other current members of the member's role")


class BallotIn(Input):
    in_favour: StrictBool = Field(description="true: remove the member")


class BallotOut(Schema):
    vote: int
    voter: str
    in_favour: bool
    cast_at: datetime


class VoteResultOut(Schema):
    vote: RemovalVoteOut
    in_favour: int
    against: int
    eligible: int
    needed: int = Field(description="in favour the policy's super-majority asks (KAR-9)")
    passed: bool = Field(description="the member is removed")


def nomination_out(nomination: Nomination) -> dict[str, Any]:
    return {
        "id": nomination.pk,
        "nominee": nomination.nominee.get_username(),
        "kind": nomination.kind,
        "reason": nomination.reason,
        "nominated_by": nomination.nominated_by.get_username(),
        "created_at": nomination.created_at,
        "decided_at": nomination.decided_at,
        "outcome": nomination.outcome or None,
    }


def membership_out(member: TeamMember) -> dict[str, Any]:
    return {
        "user": member.user.get_username(),
        "role": member.role,
        "joined_at": member.joined_at,
        "left_at": member.left_at,
    }


def vote_out(vote: RemovalVote) -> dict[str, Any]:
    in_favour, against, eligible = governance.count(vote)
    return {
        "id": vote.pk,
        "member": vote.member.user.get_username(),
        "role": vote.member.role,
        "reason": vote.reason,
        "opened_by": vote.opened_by.get_username(),
        "opened_at": vote.opened_at,
        "closed_at": vote.closed_at,
        "outcome": vote.outcome or None,
        "in_favour": in_favour,
        "against": against,
        "eligible": eligible,
    }


def member_named(project: Project, username: str, field: str) -> TeamMember:
    member = governance.membership_of(project, username)
    if member is None:
        message = f"{username} holds no current role in {project.slug}"
        raise ApiError(422, "not_a_member", message, field=field)
    return member


def managed(request: HttpRequest, slug: str, doing: str) -> Project:
    """The project, if the caller sees it (404 otherwise) and its security team decides."""
    user = token_of(request).user
    project = get_project_for_user(user, slug)
    require_project(can_manage_project(user, project), doing)
    return project


def vote_of(project: Project, vote_id: int) -> RemovalVote:
    return get_object_or_404(
        RemovalVote.objects.select_related("member__user", "member__project", "opened_by"),
        member__project=project,
        pk=vote_id,
    )


@router.post(
    "/projects/{slug}/team/nominations",
    response={201: NominationOut, **WRITE_ERRORS},
    auth=write_token,
)
def nominate(request: HttpRequest, payload: NominateIn, slug: ProjectSlug) -> Any:
    """Nominate an associate, or an associate as member (KAR-3, KAR-4); the team decides."""
    user = token_of(request).user
    project = get_project_for_user(user, slug)
    require_project(can_nominate(user, project), "nominate: members and maintainers do (KAR-4)")
    nominee = find_user(payload.nominee, "body.nominee")
    with refused(payload, actor="nominated_by"):
        made = governance.nominate(
            project, nominee, kind=payload.kind, nominated_by=user, reason=payload.reason
        )
    return Status(201, nomination_out(made))


@router.get(
    "/projects/{slug}/team/nominations",
    response={200: list[NominationOut], **READ_ERRORS},
)
def list_nominations(request: HttpRequest, slug: ProjectSlug) -> Any:
    """Open and decided, the newest first."""
    project = get_project_for_user(token_of(request).user, slug)
    found = project.nominations.select_related("nominee", "nominated_by")
    return [nomination_out(n) for n in found.order_by("-created_at", "-pk")]


@router.post(
    "/projects/{slug}/team/nominations/{nomination_id}/decision",
    response={200: NominationOut, **WRITE_ERRORS},
    auth=write_token,
)
def decide_nomination(
    request: HttpRequest, payload: DecisionIn, slug: ProjectSlug, nomination_id: Id
) -> Any:
    """Accept (the nominee joins; a promoted associate leaves that role) or decline."""
    project = managed(request, slug, "decide on nominations")
    found = get_object_or_404(project.nominations, pk=nomination_id)
    actor = token_of(request).user
    # The services record a company only on acceptance and a reason only on a decline: one
    # sent with the other decision would be lost, so it is refused.
    unused = "reason" if payload.decision == "accept" else "company"
    if getattr(payload, unused).strip():
        message = f"no {unused} is recorded when you {payload.decision}: leave it out"
        raise ApiError(422, "invalid", message, field=f"body.{unused}")
    with refused(payload):
        if payload.decision == "accept":
            governance.accept_nomination(found, actor=actor, company=payload.company)
        else:
            governance.decline_nomination(found, actor=actor, reason=payload.reason)
    found.refresh_from_db()
    return nomination_out(found)


@router.post(
    "/projects/{slug}/team/leaves", response={201: LeaveOut, **WRITE_ERRORS}, auth=write_token
)
def declare_leave(request: HttpRequest, payload: LeaveIn, slug: ProjectSlug) -> Any:
    """A leave of absence (KAR-7): one's own, or anyone's for the security team."""
    user = token_of(request).user
    project = get_project_for_user(user, slug)
    member = member_named(project, payload.user, "body.user")
    require_project(
        member.user_id == user.pk or can_manage_project(user, project),
        "declare someone else's leave: they, or the security team, do",
    )
    cover = None if payload.cover is None else member_named(project, payload.cover, "body.cover")
    with refused(payload):
        leave = governance.declare_leave(
            member,
            payload.starts_on,
            payload.ends_on,
            reason=payload.reason,
            cover=cover,
            actor=user,
        )
    return Status(
        201,
        {
            "user": member.user.get_username(),
            "starts_on": leave.starts_on,
            "ends_on": leave.ends_on,
            "reason": leave.reason,
            "cover": cover.user.get_username() if cover else None,
        },
    )


@router.post(
    "/projects/{slug}/team/members/{username}/step-down",
    response={200: MembershipOut, **WRITE_ERRORS},
    auth=write_token,
)
def step_down(
    request: HttpRequest, payload: StepDownIn, slug: ProjectSlug, username: Username
) -> Any:
    """KAR-5: a member leaves a role at any time, at once, with no vote; only they can."""
    user = token_of(request).user
    project = get_project_for_user(user, slug)
    member = governance.membership_of(project, username, payload.role)
    if member is None:
        raise ApiError(404, "not_found", f"{username} holds no such current role in {slug}")
    require_project(
        member.user_id == user.pk,
        "step down for someone else: removing a member takes a vote (KAR-9)",
    )
    with refused(payload):
        left = governance.step_down(member, actor=user)
    return membership_out(left)


@router.get(
    "/projects/{slug}/team/removal-votes",
    response={200: list[RemovalVoteOut], **READ_ERRORS},
)
def list_removal_votes(request: HttpRequest, slug: ProjectSlug) -> Any:
    """Open and closed, the newest first."""
    project = get_project_for_user(token_of(request).user, slug)
    votes = RemovalVote.objects.filter(member__project=project).select_related(
        "member__user", "member__project", "opened_by"
    )
    return [vote_out(vote) for vote in votes.order_by("-opened_at", "-pk")]


@router.post(
    "/projects/{slug}/team/removal-votes",
    response={201: RemovalVoteOut, **WRITE_ERRORS},
    auth=write_token,
)
def open_removal_vote(request: HttpRequest, payload: RemovalVoteIn, slug: ProjectSlug) -> Any:
    """Put a member the inactivity rule flags (KAR-8) to a vote of their role (KAR-9)."""
    project = managed(request, slug, "open removal votes")
    member = member_named(project, payload.member, "body.member")
    with refused(payload):
        vote = governance.open_removal_vote(
            member, opened_by=token_of(request).user, reason=payload.reason
        )
    return Status(201, vote_out(vote_of(project, vote.pk)))


@router.post(
    "/projects/{slug}/team/removal-votes/{vote_id}/ballots",
    response={201: BallotOut, **WRITE_ERRORS},
    auth=write_token,
)
def cast_ballot(request: HttpRequest, payload: BallotIn, slug: ProjectSlug, vote_id: Id) -> Any:
    """One ballot per other current member of the same role (KAR-9)."""
    user = token_of(request).user
    vote = vote_of(get_project_for_user(user, slug), vote_id)
    with refused(payload):
        ballot = governance.cast_ballot(vote, user, payload.in_favour)
    return Status(
        201,
        {
            "vote": vote.pk,
            "voter": user.get_username(),
            "in_favour": ballot.in_favour,
            "cast_at": ballot.cast_at,
        },
    )


@router.post(
    "/projects/{slug}/team/removal-votes/{vote_id}/close",
    response={200: VoteResultOut, **WRITE_ERRORS},
    auth=write_token,
)
def close_removal_vote(request: HttpRequest, slug: ProjectSlug, vote_id: Id) -> Any:
    """Count it: removed only with the policy's super-majority of those eligible (KAR-9)."""
    project = managed(request, slug, "close removal votes")
    vote = vote_of(project, vote_id)
    with refused():
        result = governance.close_removal_vote(vote, actor=token_of(request).user)
    return {
        "vote": vote_out(vote_of(project, vote_id)),
        "in_favour": result.in_favour,
        "against": result.against,
        "eligible": result.eligible,
        "needed": result.needed,
        "passed": result.passes,
    }
