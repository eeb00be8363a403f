"""Give a report its one Fix Lead: by the project's rotation, or by hand with a reason.

The rotation's state is the project's FixLeadRotation row. Choosing by rotation locks it, so two
reports accepted at the same moment get different members and nobody is skipped (on SQLite the
database's write lock, taken at BEGIN, queues them the same way).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from vulndesk.desk.models import FixLeadRotation, Project, Report, TeamMember, TeamRole
from vulndesk.desk.services import audit
from vulndesk.desk.services.reports import lock_report
from vulndesk.process.lifecycle import CONCLUDED
from vulndesk.process.rotation import Candidate, RotationKey, associate_may_lead, next_lead

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class FixLeadError(ValueError):
    """The assignment is refused; the message says why and what to do instead."""


@dataclass(frozen=True)
class Passed:
    member: TeamMember
    reason: str


@dataclass(frozen=True)
class NextLead:
    """Whose turn it is (None: nobody can lead now), and who is passed over and why."""

    member: TeamMember | None
    skipped: list[Passed]


def _eligible_roles(project: Project) -> list[str]:
    roles = project.security_team_roles()
    if project.policy().team.associates.allowed:
        roles.append(TeamRole.ASSOCIATE)
    return roles


def _members(project: Project) -> list[TeamMember]:
    """One current membership per person; someone both associate and member counts as member."""
    rows = (
        TeamMember.objects.filter(
            project=project, left_at__isnull=True, role__in=_eligible_roles(project)
        )
        .select_related("user")
        .order_by("rotation_order", "pk")
    )
    by_user: dict[int, TeamMember] = {}
    for row in sorted(rows, key=lambda row: row.role == TeamRole.ASSOCIATE):
        by_user.setdefault(row.user_id, row)
    return sorted(by_user.values(), key=lambda row: (row.rotation_order, row.pk))


def _candidates(project: Project, members: list[TeamMember]) -> list[Candidate]:
    today = timezone.now().date()
    on_leave = set(
        TeamMember.objects.filter(
            pk__in=[m.pk for m in members],
            leaves__starts_on__lte=today,
            leaves__ends_on__gte=today,
        ).values_list("pk", flat=True)
    )
    leading: dict[int, int] = {}
    open_led = (
        Report.objects.filter(project=project, fix_lead__in=[m.user_id for m in members])
        .exclude(state__in=CONCLUDED)
        .values_list("fix_lead_id", flat=True)
    )
    for user_id in open_led:
        leading[user_id] = leading.get(user_id, 0) + 1
    return [
        Candidate(
            id=m.pk,
            rotation_order=m.rotation_order,
            on_leave=m.pk in on_leave,
            open_reports=leading.get(m.user_id, 0),
            load_limit=m.max_open_reports,
            associate=m.role == TeamRole.ASSOCIATE,
        )
        for m in members
    ]


def _associates_may_lead(report: Report | None) -> bool:
    """KAR-10 for this report; with no report in view (the project page), the strict answer."""
    if report is None:
        return False
    return associate_may_lead(
        report.project.policy().team.associates.may_lead,
        publicly_disclosed=report.is_publicly_disclosed,
        low_sensitivity=report.assessed_risk == "low",
    )


def _last_key(rotation: FixLeadRotation | None) -> RotationKey | None:
    last = rotation.last_member if rotation is not None else None
    return None if last is None else (last.rotation_order, last.pk)


def _turn(project: Project, rotation: FixLeadRotation | None, report: Report | None) -> NextLead:
    members = _members(project)
    turn = next_lead(
        _candidates(project, members),
        _last_key(rotation),
        associates_may_lead=_associates_may_lead(report),
    )
    by_id = {m.pk: m for m in members}
    return NextLead(
        member=by_id[turn.lead.id] if turn.lead else None,
        skipped=[Passed(by_id[skip.candidate.id], str(skip.reason)) for skip in turn.skipped],
    )


def rotation_members(project: Project) -> list[TeamMember]:
    """Who takes turns as Fix Lead, in rotation order."""
    return _members(project)


def next_fix_lead(project: Project, report: Report | None = None) -> NextLead:
    """Whose turn is next, for display; nothing is locked or changed."""
    rotation = FixLeadRotation.objects.filter(project=project).select_related("last_member").first()
    return _turn(project, rotation, report)


def _refuse_if_closed(report: Report) -> None:
    if report.current_state in CONCLUDED:
        raise FixLeadError(f"{report.key} is {report.state}: it needs no Fix Lead")


def _check_may_lead(report: Report, member: User) -> None:
    """EMI-8, VIT-4: a current member of the team the policy names; KAR-10 for associates."""
    project = report.project
    memberships = TeamMember.objects.filter(
        project=project, user=member, left_at__isnull=True, role__in=_eligible_roles(project)
    ).values_list("role", flat=True)
    roles = set(memberships)
    team = project.policy().team.name
    if not roles:
        raise FixLeadError(
            f"member: {member.get_username()} is not a current member of the {team}, and only a "
            "member may lead a fix (EMI-8, VIT-4); add them to the team first"
        )
    if roles == {TeamRole.ASSOCIATE} and not _associates_may_lead(report):
        raise FixLeadError(
            f"member: {member.get_username()} is an associate, and an associate may lead only a "
            "report that is publicly disclosed or of low sensitivity (KAR-10)"
        )


def _set_lead(locked: Report, lead: User, *, actor: User | None, data: dict[str, object]) -> Report:
    previous = locked.fix_lead.get_username() if locked.fix_lead else None
    locked.fix_lead = lead
    locked.version += 1
    locked.save(update_fields=["fix_lead", "version", "updated_at"])
    audit.record(
        "report.fix_lead_assigned",
        actor=actor,
        report=locked,
        data={"lead": lead.get_username(), "previous": previous, **data},
    )
    return locked


def rotate_locked(locked: Report, *, actor: User | None) -> Report:
    """Assign by rotation a report already locked by the caller's transaction.

    Raises FixLeadError when the report has a lead or nobody can lead now.
    """
    if locked.fix_lead_id is not None:
        raise FixLeadError(
            f"{locked.key} already has a Fix Lead, {locked.fix_lead}; a report has one lead "
            "(EMI-8). To hand it over, assign a member with a reason"
        )
    _refuse_if_closed(locked)
    rotation = (
        FixLeadRotation.objects.select_for_update(of=("self",))
        .select_related("last_member")
        .get_or_create(project=locked.project)[0]
    )
    turn = _turn(locked.project, rotation, locked)
    skipped = [{"member": p.member.user.get_username(), "why": p.reason} for p in turn.skipped]
    if turn.member is None:
        why = "; ".join(f"{s['member']}: {s['why']}" for s in skipped) or "the team is empty"
        raise FixLeadError(f"nobody in the rotation can lead {locked.key} now ({why})")
    rotation.last_member = turn.member
    rotation.save(update_fields=["last_member", "updated_at"])
    return _set_lead(
        locked, turn.member.user, actor=actor, data={"by": "rotation", "skipped": skipped}
    )


def assign_on_acceptance(locked: Report, *, actor: User | None) -> None:
    """Where the policy rotates the lead (EMI-10), an accepted report without one gets one.

    Called by the `accepted` transition in its transaction. When nobody can lead now the report
    is accepted anyway and the lead is left for the team to assign.
    """
    if locked.fix_lead_id is not None:
        return
    if locked.project.policy().team.fix_lead.rotation != "round_robin":
        return
    # A savepoint: a rotation row made for a choice that found nobody is not kept.
    with suppress(FixLeadError), transaction.atomic():
        rotate_locked(locked, actor=actor)


def assign_fix_lead(
    report: Report,
    *,
    actor: User | None,
    member: User | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> Report:
    """The rotation's choice with no `member`; else a manual override that needs a reason.

    An override does not move the rotation: the member it passed over keeps their turn.
    Returns the updated report; the instance passed in is left as it was.
    """
    reason = reason.strip()
    with transaction.atomic():
        locked = lock_report(report, expected_version)
        if member is None:
            return rotate_locked(locked, actor=actor)
        _refuse_if_closed(locked)
        if not reason:
            raise FixLeadError(
                "reason: say why this member leads instead of the rotation's choice; the reason "
                "is kept in the audit trail"
            )
        if locked.fix_lead_id == member.pk:
            raise FixLeadError(f"member: {member.get_username()} already leads {locked.key}")
        _check_may_lead(locked, member)
        return _set_lead(locked, member, actor=actor, data={"by": "override", "reason": reason})
