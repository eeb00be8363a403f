"""A project's private distributors list: applications, the security team's decisions, and
the embargo terms each member accepts (KAR-36, FOLIO-6, FOLIO-14, FOLIO-Q3).

The policy's `distributors` section says whether the list exists (off under VIT-27), whether
organisations apply or are invited, and whether the members' names are published. Refusals are
`DistributorError("field: what is wrong, and what to do")`; nothing is written when refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from vulndesk.desk.models import Distributor, Project, Report
from vulndesk.desk.models.distributor import (
    DistributorMembership,
    DistributorTerms,
    MembershipState,
    terms_digest,
)
from vulndesk.desk.services import audit

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class DistributorError(ValueError):
    pass


def require_list(project: Project) -> None:
    """VIT-27: a project without a distributors list shares nothing embargoed with anyone."""
    if not project.policy().distributors.enabled:
        raise DistributorError(
            f"{project.slug}: this project's policy has no distributors list, so nothing "
            "embargoed goes to any organisation (VIT-27); a project that wants one enables "
            "distributors in its policy"
        )


def current_terms(project: Project) -> DistributorTerms | None:
    return project.distributor_terms.order_by("-version").first()


def publish_terms(project: Project, text: str, *, actor: User | None) -> DistributorTerms:
    """A new version of the embargo terms; members must accept it before they receive more."""
    require_list(project)
    text = text.strip()
    if not text:
        raise DistributorError("text: write the embargo terms members accept")
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=project.pk)
        latest = current_terms(project)
        if latest is not None and latest.digest == terms_digest(text):
            return latest
        terms = DistributorTerms.objects.create(
            project=project,
            version=(latest.version if latest else 0) + 1,
            text=text,
            digest=terms_digest(text),
            published_by=actor,
        )
        audit.record(
            "distributors.terms_published",
            actor=actor,
            project=project,
            data={"version": terms.version, "digest": terms.digest},
        )
        # No member is bound by the new version yet: what they were owed under the old one is
        # superseded, and owed again when they accept it (KAR-36).
        _plan_open_reports(project)
    return terms


def apply(
    project: Project, *, organisation: str, email: str, statement: str, actor: User
) -> DistributorMembership:
    """An organisation asks to join the list (KAR-36); the applicant becomes one of its people."""
    require_list(project)
    if project.policy().distributors.membership == "invitation":
        raise DistributorError(
            f"{project.slug}: this list is by invitation only; ask the security team"
        )
    name, statement = organisation.strip(), statement.strip()
    problems = []
    if not name or not slugify(name):
        problems.append("organisation: give the organisation's name")
    if not statement:
        problems.append("statement: say who you are and why you need advance notice")
    if problems:
        raise DistributorError("; ".join(problems))
    with transaction.atomic():
        distributor = _organisation_of(actor, name, email)
        existing = DistributorMembership.objects.filter(
            project=project, distributor=distributor
        ).first()
        if existing is not None and existing.state != MembershipState.DECLINED:
            raise DistributorError(
                f"organisation: {distributor.name} has already applied; the security team's "
                "decision shows on the list's public page"
                if existing.state == MembershipState.APPLIED
                else f"organisation: {distributor.name} is on the list already; nothing to do"
            )
        membership, _ = DistributorMembership.objects.update_or_create(
            project=project,
            distributor=distributor,
            defaults={
                "state": MembershipState.APPLIED,
                "statement": statement,
                "applied_at": timezone.now(),
                "applied_by": actor,
                "decided_at": None,
                "decided_by": None,
                "decision_reason": "",
            },
        )
        audit.record(
            "distributors.applied",
            actor=actor,
            project=project,
            data={"distributor": distributor.slug, "statement": statement},
        )
    return membership


def _free_slug(name: str) -> str:
    base = slugify(name)[:40]
    taken = set(Distributor.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def invite(
    project: Project, *, organisation: str, email: str, member: User, actor: User | None
) -> DistributorMembership:
    """The security team puts an organisation on the list itself (FOLIO-Q3: by invitation),
    with `member` as one of its people, who then accepts the embargo terms for it."""
    require_list(project)
    name = organisation.strip()
    if not name or not slugify(name):
        raise DistributorError("organisation: give the organisation's name")
    with transaction.atomic():
        distributor = _organisation_of(member, name, email)
        membership, _ = DistributorMembership.objects.update_or_create(
            project=project,
            distributor=distributor,
            defaults={
                "state": MembershipState.APPROVED,
                "decided_at": timezone.now(),
                "decided_by": actor,
                "decision_reason": "invited by the security team",
            },
        )
        audit.record(
            "distributors.invited",
            actor=actor,
            project=project,
            data={"distributor": distributor.slug, "member": member.get_username()},
        )
    return membership


def _organisation_of(person: User, name: str, email: str) -> Distributor:
    """The organisation of that name `person` speaks for, made with them as its first person
    if there is none: one company on several projects' lists stays one organisation."""
    distributor = Distributor.objects.filter(members=person, name__iexact=name).first()
    if distributor is None:
        distributor = Distributor.objects.create(
            slug=_free_slug(name), name=name, email=email.strip()
        )
        distributor.members.add(person)
    return distributor


def decide(
    membership: DistributorMembership, *, approve: bool, reason: str, actor: User | None
) -> DistributorMembership:
    """The security team approves or declines an application; a decline says why."""
    reason = reason.strip()
    if not approve and not reason:
        raise DistributorError(
            "reason: say why the application is declined; the applicant reads it"
        )
    with transaction.atomic():
        locked = (
            DistributorMembership.objects.select_for_update(of=("self",))
            .select_related("project", "distributor")
            .get(pk=membership.pk)
        )
        if locked.state != MembershipState.APPLIED:
            raise DistributorError(
                f"state: {locked.distributor.name}'s application was already decided "
                f"({locked.get_state_display()})"
            )
        locked.state = MembershipState.APPROVED if approve else MembershipState.DECLINED
        locked.decided_at, locked.decided_by, locked.decision_reason = timezone.now(), actor, reason
        locked.save(update_fields=["state", "decided_at", "decided_by", "decision_reason"])
        audit.record(
            "distributors.approved" if approve else "distributors.declined",
            actor=actor,
            project=locked.project,
            data={"distributor": locked.distributor.slug, "reason": reason},
        )
        if approve:
            _plan_open_reports(locked.project)
    return locked


def accept_terms(
    membership: DistributorMembership, *, digest: str, actor: User
) -> DistributorMembership:
    """One of the organisation's people accepts the terms they were shown: the digest of the
    text on their page must still be the current one, or they accepted something else."""
    with transaction.atomic():
        locked = (
            DistributorMembership.objects.select_for_update(of=("self",))
            .select_related("project", "distributor")
            .get(pk=membership.pk)
        )
        terms = current_terms(locked.project)
        if terms is None:
            raise DistributorError("terms: the security team has not published embargo terms yet")
        if digest != terms.digest:
            raise DistributorError(
                f"terms: the embargo terms changed while you read them (now version "
                f"{terms.version}); read them again and accept the current text"
            )
        if locked.terms_id == terms.pk:
            return locked
        locked.terms, locked.terms_accepted_at, locked.terms_accepted_by = (
            terms,
            timezone.now(),
            actor,
        )
        locked.save(update_fields=["terms", "terms_accepted_at", "terms_accepted_by"])
        audit.record(
            "distributors.terms_accepted",
            actor=actor,
            project=locked.project,
            data={
                "distributor": locked.distributor.slug,
                "version": terms.version,
                "digest": terms.digest,
            },
        )
        _plan_open_reports(locked.project)
    return locked


def _plan_open_reports(project: Project) -> None:
    """An organisation newly bound by the terms (KAR-36) is owed the advance notice of every
    embargoed report with a Release Date now (KAR-33), not at the next date change."""
    # The planner reads the members through this module: imported here, not at the top.
    from vulndesk.desk.services.announcements import plan_announcements

    open_reports = Report.objects.embargoed().filter(project=project, release_date__isnull=False)
    for pk in open_reports.order_by("pk").values_list("pk", flat=True):
        # Under the report's lock, as every other planning is, so a date moved meanwhile is
        # planned once, by whichever comes second.
        plan_announcements(Report.objects.locked(pk))


def published_members(project: Project) -> list[Distributor] | None:
    """The approved organisations, where the policy publishes them; None where it does not."""
    if (
        not project.policy().distributors.enabled
        or not project.policy().distributors.publish_members
    ):
        return None
    return list(
        Distributor.objects.filter(
            memberships__project=project, memberships__state=MembershipState.APPROVED
        ).order_by("name")
    )
