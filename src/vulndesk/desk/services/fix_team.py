"""A report's Fix Team: invited by the Fix Lead, each member sees that report and nothing else.

An existing user is invited by username and accepts on the desk; anyone else is invited by
email and accepts through the one-time link in the mail, which binds the invitation to the
account they sign in with. The first acceptance meets the policy's "fix_team_formed" deadline
(EMI-27), and access ends for everyone at release (the Emissary rule). Each step is audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from vulndesk.desk.models import FixTeamMember, Report
from vulndesk.desk.services import audit, deadlines
from vulndesk.desk.services.reports import lock_report
from vulndesk.lib.tokens import digest
from vulndesk.notify.outbox import queue_fix_team_invitation
from vulndesk.process.lifecycle import CONCLUDED, State

if TYPE_CHECKING:
    from django.contrib.auth.models import User

FIX_TEAM_FORMED = "fix_team_formed"  # the policy step the first acceptance meets (EMI-27)
RELEASED = "released"  # the ended_reason of access that ended at release
# Past these states the fix is out: nobody joins any more, and those on the team lost access.
CLOSED_TO_NEW_MEMBERS = CONCLUDED | {State.RELEASED, State.PUBLISHED}


class FixTeamError(ValueError):
    """The change is refused; the message says why (and, as "field: …", which input is wrong)."""


def who(member: FixTeamMember) -> str:
    """The member's username, or the address an invitation waits at."""
    return member.user.get_username() if member.user else member.invited_email


def _open_to_members(report: Report) -> None:
    if report.current_state in CLOSED_TO_NEW_MEMBERS:
        raise FixTeamError(
            f"{report.key} is {report.state}: its Fix Team's work is over, so nobody joins now"
        )


def _current(report: Report) -> QuerySet[FixTeamMember]:
    return FixTeamMember.objects.filter(report=report, ended_at__isnull=True)


def invite(
    report: Report, *, actor: User | None, username: str = "", email: str = ""
) -> FixTeamMember:
    """Invite an existing user by username, or anyone by email address; exactly one of the two.

    An invitation by email is mailed with a one-time link; its token is made when the mail is
    sent and only its digest is kept.
    """
    username, email = username.strip(), email.strip().lower()
    if bool(username) == bool(email):
        raise FixTeamError("username: give a username or an email address (one of the two)")
    with transaction.atomic():
        locked = lock_report(report)
        _open_to_members(locked)
        if username:
            invitation = _invite_user(locked, username, actor)
        else:
            invitation = _invite_email(locked, email, actor)
        audit.record(
            "fix_team.invited",
            actor=actor,
            report=locked,
            data={"member": invitation.pk, "invitee": who(invitation)},
        )
        queue_fix_team_invitation(invitation)
    return invitation


def _invite_user(report: Report, username: str, actor: User | None) -> FixTeamMember:
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise FixTeamError(
            f"username: there is no user {username!r}; check the spelling, or invite them by "
            "email address"
        )
    if _current(report).filter(user=user).exists():
        raise FixTeamError(f"username: {username} is already on, or invited to, this Fix Team")
    if report.fix_lead_id == user.pk:
        raise FixTeamError(f"username: {username} leads this fix already")
    return FixTeamMember.objects.create(report=report, user=user, invited_by=actor)


def _invite_email(report: Report, email: str, actor: User | None) -> FixTeamMember:
    try:
        validate_email(email)
    except ValidationError:
        raise FixTeamError(
            f"email: {email!r} is not an email address, e.g. dana@example.org"
        ) from None
    if _current(report).filter(user__isnull=True, invited_email=email).exists():
        raise FixTeamError(f"email: an invitation to {email} is already waiting to be accepted")
    return FixTeamMember.objects.create(report=report, invited_email=email, invited_by=actor)


def pending_invitations(user: User) -> QuerySet[FixTeamMember]:
    """Invitations by username that wait for this user's answer."""
    return FixTeamMember.objects.filter(
        user=user, accepted_at__isnull=True, ended_at__isnull=True
    ).select_related("report__project", "invited_by")


def _locked_member(member: FixTeamMember) -> tuple[Report, FixTeamMember]:
    report = lock_report(member.report)
    return report, FixTeamMember.objects.select_related("user").get(pk=member.pk)


def _pending(member: FixTeamMember) -> None:
    if member.ended_at is not None:
        raise FixTeamError(f"this invitation ended: {member.ended_reason}")
    if member.accepted_at is not None:
        raise FixTeamError("this invitation was accepted already")


def _accept(report: Report, member: FixTeamMember, user: User, *, by: str) -> FixTeamMember:
    now = timezone.now()
    member.user, member.accepted_at, member.invite_token_digest = user, now, ""
    member.save(update_fields=["user", "accepted_at", "invite_token_digest"])
    audit.record(
        "fix_team.accepted",
        actor=user,
        report=report,
        data={"member": member.pk, "user": user.get_username(), "by": by},
    )
    if report.deadlines.filter(name=FIX_TEAM_FORMED, met_at__isnull=True).exists():
        deadlines.meet(report, FIX_TEAM_FORMED, actor=user, at=now)
    return member


def accept(member: FixTeamMember, *, user: User) -> FixTeamMember:
    """The invited user says yes; from now on they see the report."""
    with transaction.atomic():
        report, member = _locked_member(member)
        if member.user_id != user.pk:
            raise FixTeamError("this invitation is addressed to someone else")
        _pending(member)
        _open_to_members(report)
        return _accept(report, member, user, by="desk")


def accept_by_token(token: str, *, user: User) -> FixTeamMember | None:
    """The invitation behind a mailed link, bound to `user` and accepted; None if the link is
    unknown, used or withdrawn (the caller answers 404, saying nothing about any report)."""
    with transaction.atomic():
        found = FixTeamMember.objects.filter(
            invite_token_digest=digest(token),
            user__isnull=True,
            accepted_at__isnull=True,
            ended_at__isnull=True,
        ).first()
        if found is None:
            return None
        report, member = _locked_member(found)
        _pending(member)
        _open_to_members(report)
        if _current(report).filter(user=user).exists():
            raise FixTeamError(
                f"you are already on, or invited to, the Fix Team of {report.key}; answer that "
                "invitation on your dashboard"
            )
        return _accept(report, member, user, by="email link")


def _end(report: Report, member: FixTeamMember, reason: str, actor: User | None) -> None:
    member.ended_at, member.ended_reason, member.invite_token_digest = timezone.now(), reason, ""
    member.save(update_fields=["ended_at", "ended_reason", "invite_token_digest"])
    audit.record(
        "fix_team.ended",
        actor=actor,
        report=report,
        data={"member": member.pk, "who": who(member), "reason": reason},
    )


def decline(member: FixTeamMember, *, user: User) -> FixTeamMember:
    with transaction.atomic():
        report, member = _locked_member(member)
        if member.user_id != user.pk:
            raise FixTeamError("this invitation is addressed to someone else")
        _pending(member)
        _end(report, member, "declined", user)
    return member


def remove(member: FixTeamMember, *, actor: User | None, reason: str = "") -> FixTeamMember:
    """The Fix Lead takes someone off the team, or withdraws an invitation; access ends now."""
    with transaction.atomic():
        report, member = _locked_member(member)
        if member.ended_at is not None:
            raise FixTeamError(f"member: {who(member)} left this Fix Team already")
        ended = "removed" + (f": {reason.strip()}" if reason.strip() else "")
        _end(report, member, ended[:200], actor)
    return member


def grant_repo_access(member: FixTeamMember, *, actor: User | None) -> FixTeamMember:
    """Record that the member was given access to the private security repo (EMI-29)."""
    with transaction.atomic():
        report, member = _locked_member(member)
        if member.accepted_at is None or member.ended_at is not None:
            raise FixTeamError(
                f"member: {who(member)} is not an active member; access to the private repo is "
                "recorded once they accepted"
            )
        if member.repo_access_granted_at is not None:
            granted = f"{member.repo_access_granted_at:%Y-%m-%d %H:%M} UTC"
            raise FixTeamError(f"member: {who(member)} was given access already, at {granted}")
        member.repo_access_granted_at = timezone.now()
        member.save(update_fields=["repo_access_granted_at"])
        audit.record(
            "fix_team.repo_access_granted",
            actor=actor,
            report=report,
            data={
                "member": member.pk,
                "who": who(member),
                "repository": report.security_repository,
            },
        )
    return member


def end_at_release(locked: Report, *, actor: User | None) -> int:
    """Access ends for the whole Fix Team when the fix is released (the Emissary rule), and
    waiting invitations end with it. Called by the `released` transition in its transaction."""
    current = list(_current(locked).select_related("user").order_by("pk"))
    for member in current:
        _end(locked, member, RELEASED, actor)
    return len(current)
