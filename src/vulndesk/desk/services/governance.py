"""Team governance (Karmada): nominations, stepping down, leaves, activity, inactivity flags and
removal votes. Every membership change is one audit event in its own transaction (KAR-2).

The rules (dates, thresholds, caps) are pure, in `vulndesk.process.governance`; this module
reads the facts, asks them, and writes. Refusals are `ValueError("field: what is wrong")` for
the one acting to fix, and `PermissionDenied` when the step is not theirs to take.

Activity (KAR-6): a member's last contact is the latest of their `last_active_at` (set with
`record_activity`, e.g. for an answer by mail) and their latest action in the audit trail, so
everything a member does on the desk counts without each service having to remember it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from vulndesk.desk.models import (
    AuditEvent,
    Ballot,
    Nomination,
    Project,
    RemovalVote,
    TeamLeave,
    TeamMember,
    TeamRole,
)
from vulndesk.desk.services import audit
from vulndesk.process.governance import (
    Inactivity,
    Leave,
    Tally,
    check_caps,
    check_promotion,
    inactivity,
    promotable_from,
    tally,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The roles the governance rules apply to: the security team and its associates.
GOVERNED_ROLES = (TeamRole.SECURITY_TEAM, TeamRole.ASSOCIATE)
# Who may nominate (KAR-4): the security team's members and the project's maintainers.
NOMINATING_ROLES = (TeamRole.SECURITY_TEAM, TeamRole.MAINTAINER)


def current(project: Project) -> QuerySet[TeamMember]:
    return TeamMember.objects.filter(project=project, left_at__isnull=True)


def membership_of(project: Project, username: str, role: str | None = None) -> TeamMember | None:
    """The user's current membership (in `role`, if given); of several, the one the governance
    rules speak of: the security team's, then the associate's, then any other."""
    found = current(project).filter(user__username=username).select_related("user", "project")
    if role is not None:
        return found.filter(role=role).first()
    for governed in GOVERNED_ROLES:
        if member := found.filter(role=governed).first():
            return member
    return found.first()


def _holds(project: Project, user: User, roles: Iterable[str]) -> bool:
    return TeamMember.objects.filter(
        project=project, user=user, role__in=list(roles), left_at__isnull=True
    ).exists()


def _require_team(project: Project, actor: User | None, doing: str) -> None:
    """The security team decides on its roster; `None` is the operator at the command line."""
    if actor is None or actor.is_superuser or project.is_security_team_member(actor):
        return
    raise PermissionDenied(f"only {project.name}'s security team may {doing}")


def _name(user: User) -> str:
    return user.get_username()


def _describe(member: TeamMember) -> dict[str, object]:
    return {"member": member.pk, "user": _name(member.user), "role": member.role}


# -- KAR-3, KAR-4: nominations -----------------------------------------------------------------


def associate_since(project: Project, user: User) -> TeamMember | None:
    return (
        TeamMember.objects.filter(
            project=project, user=user, role=TeamRole.ASSOCIATE, left_at__isnull=True
        )
        .order_by("joined_at")
        .first()
    )


def promotable_on(member: TeamMember) -> date:
    """The first day an associate may be nominated or promoted to member (KAR-3)."""
    min_service = member.project.policy().team.associates.min_service
    return promotable_from(timezone.localdate(member.joined_at), min_service)


def _check_member_nomination(project: Project, nominee: User, today: date) -> None:
    associates = project.policy().team.associates
    if not associates.allowed:
        return  # no associate role in this policy: members are nominated directly
    since = associate_since(project, nominee)
    if since is None:
        raise ValueError(
            f"nominee: {_name(nominee)} is not an associate of {project.name}; new members "
            "first serve as associates (KAR-3): nominate them as an associate"
        )
    try:
        check_promotion(timezone.localdate(since.joined_at), today, associates.min_service)
    except ValueError as exc:
        raise ValueError(f"nominee: {exc}") from None


def nominate(
    project: Project, nominee: User, *, kind: str, nominated_by: User, reason: str
) -> Nomination:
    """Propose `nominee` as an associate or as a member (KAR-4: by a member or a maintainer)."""
    if kind not in Nomination.Kind.values:
        raise ValueError(f"kind: expected one of {', '.join(Nomination.Kind.values)}")
    if not _holds(project, nominated_by, NOMINATING_ROLES):
        raise ValueError(
            f"nominated_by: {_name(nominated_by)} is neither on {project.name}'s security team "
            "nor one of its maintainers, who nominate (KAR-4)"
        )
    if kind == Nomination.Kind.ASSOCIATE and not project.policy().team.associates.allowed:
        raise ValueError(
            "kind: this project's policy has no associate role (team.associates.allowed is "
            "false): nominate a member"
        )
    if _holds(project, nominee, [TeamRole.SECURITY_TEAM]):
        raise ValueError(f"nominee: {_name(nominee)} is already on the security team")
    if kind == Nomination.Kind.ASSOCIATE and _holds(project, nominee, [TeamRole.ASSOCIATE]):
        raise ValueError(f"nominee: {_name(nominee)} is already an associate")
    if kind == Nomination.Kind.MEMBER:
        _check_member_nomination(project, nominee, timezone.localdate())
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=project.pk)  # one open nomination at a time
        if Nomination.objects.filter(
            project=project, nominee=nominee, decided_at__isnull=True
        ).exists():
            raise ValueError(f"nominee: {_name(nominee)} already has an open nomination")
        nomination = Nomination.objects.create(
            project=project,
            nominee=nominee,
            nominated_by=nominated_by,
            kind=kind,
            reason=reason.strip(),
        )
        audit.record(
            "team.nominated",
            actor=nominated_by,
            project=project,
            data={
                "nomination": nomination.pk,
                "nominee": _name(nominee),
                "kind": kind,
                "reason": nomination.reason,
            },
        )
    return nomination


def _lock_open(nomination: Nomination) -> Nomination:
    locked = Nomination.objects.select_for_update().select_related("project").get(pk=nomination.pk)
    if locked.decided_at is not None:
        raise ValueError(
            f"nomination: it was already {locked.outcome} on {locked.decided_at:%Y-%m-%d}"
        )
    return locked


def _check_caps(project: Project, joining: str, leaving: TeamMember | None) -> None:
    caps = project.policy().team.caps
    people = current(project).filter(role__in=GOVERNED_ROLES)
    if leaving is not None:
        people = people.exclude(pk=leaving.pk)
    try:
        check_caps(
            people.values_list("company", flat=True),
            joining=joining,
            size=caps.size,
            per_company=caps.per_company,
        )
    except ValueError as exc:
        raise ValueError(f"nominee: {exc}") from None


def accept_nomination(
    nomination: Nomination, *, actor: User | None, company: str = ""
) -> TeamMember:
    """The security team accepts: the nominee joins (an associate promoted leaves that role)."""
    project = nomination.project
    _require_team(project, actor, "accept a nomination")
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=project.pk)  # caps count a stable roster
        locked = _lock_open(nomination)
        promoted = None
        if locked.kind == Nomination.Kind.MEMBER:
            _check_member_nomination(project, locked.nominee, timezone.localdate())
            promoted = associate_since(project, locked.nominee)
            role = TeamRole.SECURITY_TEAM
        else:
            role = TeamRole.ASSOCIATE
        company = company.strip() or (promoted.company if promoted else "")
        _check_caps(project, company, promoted)
        now = timezone.now()
        if promoted is not None:
            promoted.left_at = now
            promoted.save(update_fields=["left_at"])
        member = TeamMember.objects.create(
            project=project,
            user=locked.nominee,
            role=role,
            joined_at=now,
            company=company,
            nominated_by=locked.nominated_by,
        )
        locked.decided_at, locked.outcome = now, Nomination.Outcome.ACCEPTED
        locked.save(update_fields=["decided_at", "outcome"])
        audit.record(
            "team.member_added",
            actor=actor,
            project=project,
            data={
                **_describe(member),
                "nomination": locked.pk,
                "nominated_by": _name(locked.nominated_by),
                "company": company,
                "promoted_from": promoted.pk if promoted else None,
            },
        )
    return member


def decline_nomination(nomination: Nomination, *, actor: User | None, reason: str = "") -> None:
    project = nomination.project
    _require_team(project, actor, "decline a nomination")
    with transaction.atomic():
        locked = _lock_open(nomination)
        locked.decided_at, locked.outcome = timezone.now(), Nomination.Outcome.DECLINED
        locked.save(update_fields=["decided_at", "outcome"])
        audit.record(
            "team.nomination_declined",
            actor=actor,
            project=project,
            data={"nomination": locked.pk, "nominee": _name(locked.nominee), "reason": reason},
        )


# -- KAR-5: stepping down ------------------------------------------------------------------


def _lock_current(member: TeamMember) -> TeamMember:
    locked = (
        TeamMember.objects.select_for_update().select_related("project", "user").get(pk=member.pk)
    )
    if locked.left_at is not None:
        raise ValueError(
            f"member: {_name(locked.user)} left this role on {locked.left_at:%Y-%m-%d}"
        )
    return locked


def step_down(member: TeamMember, *, actor: User) -> TeamMember:
    """KAR-5: a member leaves at any time, at once, with no vote; only they can do it."""
    if actor.pk != member.user_id:
        raise PermissionDenied(
            "only the member themself steps down; removing someone else takes a vote (KAR-9)"
        )
    with transaction.atomic():
        locked = _lock_current(member)
        now = timezone.now()
        locked.left_at = now
        locked.save(update_fields=["left_at"])
        # A vote on removing them has nothing left to decide.
        dropped = list(
            RemovalVote.objects.filter(member=locked, closed_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        RemovalVote.objects.filter(pk__in=dropped).update(closed_at=now)
        audit.record(
            "team.stepped_down",
            actor=actor,
            project=locked.project,
            data={**_describe(locked), "votes_dropped": dropped},
        )
    return locked


# -- KAR-6, KAR-7, KAR-8: activity, leave and the inactivity flag ---------------------------


def declare_leave(
    member: TeamMember,
    starts_on: date,
    ends_on: date,
    *,
    reason: str,
    cover: TeamMember | None = None,
    actor: User | None,
) -> TeamLeave:
    """KAR-7: a leave of absence, declared by the member or by the team, with an associate as
    cover if one was onboarded for it."""
    if actor is not None and actor.pk != member.user_id:
        _require_team(member.project, actor, "declare a leave for someone else")
    if ends_on < starts_on:
        raise ValueError("ends_on: the leave ends before it starts")
    if cover is not None and (
        cover.project_id != member.project_id
        or cover.role != TeamRole.ASSOCIATE
        or cover.left_at is not None
    ):
        raise ValueError(f"cover: {_name(cover.user)} is not a current associate of this project")
    with transaction.atomic():
        locked = _lock_current(member)
        overlap = locked.leaves.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).first()
        if overlap is not None:
            raise ValueError(
                f"starts_on: {_name(locked.user)} is already on leave from {overlap.starts_on} "
                f"to {overlap.ends_on}"
            )
        leave = TeamLeave.objects.create(
            member=locked, starts_on=starts_on, ends_on=ends_on, reason=reason.strip(), cover=cover
        )
        audit.record(
            "team.leave_declared",
            actor=actor,
            project=locked.project,
            data={
                **_describe(locked),
                "leave": leave.pk,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "reason": leave.reason,
                "cover": _name(cover.user) if cover else None,
            },
        )
    return leave


def record_activity(member: TeamMember, at: datetime) -> None:
    """KAR-6: the member acted or answered at `at` (an earlier time changes nothing). Not
    audited: it changes no membership, and the audit trail holds the desk's own actions."""
    TeamMember.objects.filter(pk=member.pk).exclude(last_active_at__gte=at).update(
        last_active_at=at
    )


@dataclass(frozen=True)
class Standing:
    """A governed member as the team page and the API show them."""

    member: TeamMember
    last_contact: datetime
    status: Inactivity
    promotable_from: date | None  # associates only


def standings(project: Project, today: date) -> list[Standing]:
    """Every current member and associate, with their last contact and inactivity (KAR-8)."""
    members = list(
        current(project)
        .filter(role__in=GOVERNED_ROLES)
        .select_related("user", "project")
        .prefetch_related("leaves")
        .order_by("role", "user__username")
    )
    audited = dict(
        AuditEvent.objects.filter(actor_id__in=[m.user_id for m in members])
        .values("actor_id")
        .annotate(last=Max("created_at"))
        .values_list("actor_id", "last")
    )
    after = project.policy().team.inactivity.after
    result = []
    for member in members:
        moments = [member.joined_at, member.last_active_at, audited.get(member.user_id)]
        last = max(moment for moment in moments if moment is not None)
        leaves = [Leave(leave.starts_on, leave.ends_on) for leave in member.leaves.all()]
        status = inactivity(timezone.localdate(last), today, after=after, leaves=leaves)
        promotable = promotable_on(member) if member.role == TeamRole.ASSOCIATE else None
        result.append(Standing(member, last, status, promotable))
    return result


def inactive_members(project: Project, today: date) -> list[Standing]:
    """KAR-8: members and associates unreachable beyond the policy's period, not on leave."""
    return [standing for standing in standings(project, today) if standing.status.flagged]


# -- KAR-9: removal votes -----------------------------------------------------------------


def eligible_voters(member: TeamMember) -> list[int]:
    """The user ids of the other current members of the same role."""
    return list(
        current(member.project)
        .filter(role=member.role)
        .exclude(user_id=member.user_id)
        .values_list("user_id", flat=True)
        .distinct()
    )


def open_removal_vote(member: TeamMember, *, opened_by: User, reason: str) -> RemovalVote:
    """Only for a member the inactivity rule flags (KAR-8), one open vote per member."""
    project = member.project
    _require_team(project, opened_by, "open a removal vote")
    if not reason.strip():
        raise ValueError("reason: say why the team votes on removing them")
    today = timezone.localdate()
    flagged = {standing.member.pk for standing in inactive_members(project, today)}
    if member.pk not in flagged:
        raise ValueError(
            f"member: {_name(member.user)} is not flagged as inactive on {today} "
            "(team.inactivity.after, KAR-8): only a flagged member goes to a removal vote"
        )
    with transaction.atomic():
        locked = _lock_current(member)
        if RemovalVote.objects.filter(member=locked, closed_at__isnull=True).exists():
            raise ValueError(f"member: a vote on removing {_name(locked.user)} is already open")
        vote = RemovalVote.objects.create(member=locked, opened_by=opened_by, reason=reason.strip())
        audit.record(
            "team.removal_vote_opened",
            actor=opened_by,
            project=project,
            data={**_describe(locked), "vote": vote.pk, "reason": vote.reason},
        )
    return vote


def _lock_open_vote(vote: RemovalVote) -> RemovalVote:
    locked = (
        RemovalVote.objects.select_for_update()
        .select_related("member__project", "member__user")
        .get(pk=vote.pk)
    )
    if locked.closed_at is not None:
        raise ValueError(f"vote: it closed on {locked.closed_at:%Y-%m-%d}")
    return locked


def cast_ballot(vote: RemovalVote, voter: User, in_favour: bool) -> Ballot:
    """One ballot per eligible voter: another current member of the same role."""
    with transaction.atomic():
        locked = _lock_open_vote(vote)
        if voter.pk not in eligible_voters(locked.member):
            raise PermissionDenied(
                f"only the other current {locked.member.get_role_display()} members vote on "
                f"removing {_name(locked.member.user)}"
            )
        if locked.ballots.filter(voter=voter).exists():
            raise ValueError(f"voter: {_name(voter)} has already voted")
        ballot = Ballot.objects.create(vote=locked, voter=voter, in_favour=in_favour)
        audit.record(
            "team.ballot_cast",
            actor=voter,
            project=locked.member.project,
            data={"vote": locked.pk, **_describe(locked.member), "in_favour": in_favour},
        )
    return ballot


def count(vote: RemovalVote) -> tuple[int, int, int]:
    """In favour, against, and eligible: the ballots of those still eligible."""
    eligible = eligible_voters(vote.member)
    ballots = vote.ballots.filter(voter_id__in=eligible)
    in_favour = ballots.filter(in_favour=True).count()
    return in_favour, ballots.count() - in_favour, len(eligible)


def close_removal_vote(vote: RemovalVote, *, actor: User | None) -> Tally:
    """KAR-9: removal with the policy's super-majority of the eligible voters ends the
    membership; otherwise the member stays. Refused while the policy sets no threshold."""
    with transaction.atomic():
        locked = _lock_open_vote(vote)
        member, project = locked.member, locked.member.project
        _require_team(project, actor, "close a removal vote")
        in_favour, against, eligible = count(locked)
        threshold = project.policy().team.inactivity.removal_vote.threshold
        try:
            result = tally(
                in_favour=in_favour, against=against, eligible=eligible, threshold=threshold
            )
        except ValueError as exc:
            raise ValueError(f"vote: {exc}") from None
        now = timezone.now()
        removed = result.passes and member.left_at is None
        if removed:
            member.left_at = now
            member.save(update_fields=["left_at"])
        locked.closed_at = now
        locked.outcome = RemovalVote.Outcome.REMOVED if removed else RemovalVote.Outcome.KEPT
        locked.save(update_fields=["closed_at", "outcome"])
        audit.record(
            "team.removal_vote_closed",
            actor=actor,
            project=project,
            data={
                **_describe(member),
                "vote": locked.pk,
                "outcome": locked.outcome,
                "in_favour": in_favour,
                "against": against,
                "eligible": eligible,
                "needed": result.needed,
                "threshold": threshold,
            },
        )
    return result
