"""Who may see what: the one place every view and endpoint asks. (The `vulndesk` command is the
operator's, on the server itself, with the database's own access; it asks no one.)

An embargoed report is need-to-know. Outsiders get a 404, never a 403, so they cannot learn
that a report exists.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from vulndesk.desk.models import Project, Report, TeamMember, TeamRole

AnyUser = AbstractBaseUser | AnonymousUser


def security_team_projects(user_id: int) -> list[int]:
    """Projects whose security team the user is on (see `Project.security_team_roles`)."""
    memberships = TeamMember.objects.filter(user_id=user_id, left_at__isnull=True)
    project_ids = set(
        memberships.filter(role=TeamRole.SECURITY_TEAM).values_list("project_id", flat=True)
    )
    maintained = Project.objects.filter(
        pk__in=memberships.filter(role=TeamRole.MAINTAINER).values("project_id")
    )
    project_ids |= {p.pk for p in maintained if TeamRole.MAINTAINER in p.security_team_roles()}
    return sorted(project_ids)


def reports_visible_to(user: AnyUser) -> QuerySet[Report]:
    if not user.is_authenticated or not user.is_active:
        return Report.objects.none()
    if getattr(user, "is_superuser", False):
        return Report.objects.all()
    return Report.objects.filter(
        Q(project_id__in=security_team_projects(user.pk)) | Q(fix_lead_id=user.pk)
    )


def get_report_for_user(user: AnyUser, project_slug: str, number: int) -> Report:
    try:
        return (
            reports_visible_to(user)
            .select_related("project", "fix_lead")
            .get(project__slug=project_slug, number=number)
        )
    except Report.DoesNotExist:
        raise Http404("No such report.") from None
