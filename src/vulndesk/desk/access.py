"""Who may see and do what: the one place every view, API endpoint and admin page asks.

(The `vulndesk` command is the operator's, on the server itself, with the database's own
access; it asks no one.)

Roles, and what each sees of a report:
- operator (superuser): everything;
- security team of the report's project (`Project.security_team_roles`): everything of it;
- the report's Fix Lead and its active Fix Team: that report, and nothing else;
- release managers of the project: its reports once published (embargoed ones only if they are
  on the Fix Team);
- the reporter: a reduced view through the private link (`report_for_reporter_link`);
- distributors: the notices addressed to their organisation (`notices_visible_to`), no report;
- everyone, anonymous included: published advisories (`advisories_visible_to`).

Outsiders get a 404, never a 403, so they cannot learn that a report exists. Counts and lists
are always taken from these querysets, so no title, number or total leaks either.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from vulndesk.accounts.models import CalendarFeed
from vulndesk.desk.models import (
    EMBARGOED,
    DistributorNotice,
    FixTeamMember,
    Project,
    Report,
    ReporterLink,
    TeamMember,
    TeamRole,
)
from vulndesk.desk.models.distributor import DistributorMembership
from vulndesk.lib.tokens import digest

AnyUser = AbstractBaseUser | AnonymousUser


def is_operator(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active and getattr(user, "is_superuser", False))


def _signed_in_id(user: AnyUser) -> int | None:
    """The user's id if they are signed in and active, else None."""
    if user.is_authenticated and user.is_active:
        return int(user.pk)
    return None


@dataclass(frozen=True)
class Reach:
    """The reports a signed-in user's roles open, read in two or three small indexed queries.

    Kept as plain id lists so that the report query itself is as simple as "project in (…)":
    an OR of subqueries would stop the database from reading the newest reports off an index.
    """

    security_team: frozenset[int]  # projects whose security team the user is on
    release_manager: frozenset[int]  # projects whose published reports the user sees
    reports: frozenset[int]  # reports outside those projects: Fix Lead or active Fix Team

    def condition(self) -> Q | None:
        parts = []
        if self.security_team:
            parts.append(Q(project_id__in=sorted(self.security_team)))
        if self.reports:
            parts.append(Q(pk__in=sorted(self.reports)))
        if managed := self.release_manager - self.security_team:
            parts.append(~EMBARGOED & Q(project_id__in=sorted(managed)))
        return reduce(operator.or_, parts) if parts else None


# Everything that gives a user reports, in one round trip: every list and page asks it, and on
# PostgreSQL each query costs more than the report query itself. Each branch is an indexed
# lookup; sorting them out in Python keeps the report query a plain "project in (…)", which
# the database can read newest-first (an OR of these, or a NOT IN, would read every report).
# Kept in step with the models by tests/desk/test_access.py and tests/access/.
# `TeamRole.values` builds a new list on every call, and `reach` asks it once a row.
TEAM_ROLES = frozenset(TeamRole.values)
REACH_SQL = """
    SELECT role, project_id, CAST(NULL AS BIGINT) FROM desk_teammember
    WHERE user_id = %(user)s AND left_at IS NULL
    UNION ALL
    SELECT 'fix_lead', project_id, id FROM desk_report WHERE fix_lead_id = %(user)s
    UNION ALL
    SELECT 'fix_team', r.project_id, r.id
    FROM desk_fixteammember f JOIN desk_report r ON r.id = f.report_id
    WHERE f.user_id = %(user)s AND f.accepted_at IS NOT NULL AND f.ended_at IS NULL
"""


def _teams(memberships: Iterable[tuple[str, int]]) -> tuple[set[int], set[int]]:
    """The projects whose security team the user is on, and those they release-manage."""
    by_role: dict[str, set[int]] = {role: set() for role in TEAM_ROLES}
    for role, project_id in memberships:
        by_role[role].add(project_id)
    security = by_role[TeamRole.SECURITY_TEAM]
    if maintained := by_role[TeamRole.MAINTAINER] - security:
        # Some policies make every maintainer a security-team member (EMI-2, VIT-1).
        projects = Project.objects.filter(pk__in=maintained)
        security |= {p.pk for p in projects if TeamRole.MAINTAINER in p.security_team_roles()}
    return security, by_role[TeamRole.RELEASE_MANAGER]


def reach(user_id: int) -> Reach:
    with connection.cursor() as cursor:
        cursor.execute(REACH_SQL, {"user": user_id})
        rows: list[tuple[str, int, int | None]] = cursor.fetchall()
    security, release_manager = _teams(
        (kind, project) for kind, project, _ in rows if kind in TEAM_ROLES
    )
    reports = {
        report for _, project, report in rows if report is not None and project not in security
    }
    return Reach(frozenset(security), frozenset(release_manager), frozenset(reports))


def security_team_projects(user_id: int) -> list[int]:
    """Projects whose security team the user is on (see `Project.security_team_roles`)."""
    memberships = TeamMember.objects.filter(user_id=user_id, left_at__isnull=True)
    return sorted(_teams(memberships.values_list("role", "project_id"))[0])


def _fix_team_reports(user_id: int) -> QuerySet[FixTeamMember, int]:
    return (
        FixTeamMember.objects.active().filter(user_id=user_id).values_list("report_id", flat=True)
    )


def reports_visible_to(user: AnyUser) -> QuerySet[Report]:
    """Every report the user may open in full."""
    if (user_id := _signed_in_id(user)) is None:
        return Report.objects.none()
    if is_operator(user):
        return Report.objects.all()
    condition = reach(user_id).condition()
    return Report.objects.none() if condition is None else Report.objects.filter(condition)


def reports_triaged_by(user: AnyUser) -> QuerySet[Report]:
    """Reports the user may act on as the security team does: move, score, schedule, settle."""
    if (user_id := _signed_in_id(user)) is None:
        return Report.objects.none()
    if is_operator(user):
        return Report.objects.all()
    return Report.objects.filter(
        Q(project_id__in=security_team_projects(user_id)) | Q(fix_lead_id=user_id)
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


def can_view_report(user: AnyUser, report: Report) -> bool:
    return reports_visible_to(user).filter(pk=report.pk).exists()


def can_triage(user: AnyUser, report: Report) -> bool:
    """Transitions, CVSS, the questionnaire, dates, disclosure level and severity override."""
    return reports_triaged_by(user).filter(pk=report.pk).exists()


def can_edit_affects(user: AnyUser, report: Report) -> bool:
    """The Fix Team knows which lines the fix touches, so it may record them too."""
    if can_triage(user, report):
        return True
    user_id = _signed_in_id(user)
    return user_id is not None and _fix_team_reports(user_id).filter(report_id=report.pk).exists()


def can_manage_fix(user: AnyUser, report: Report) -> bool:
    """Tie the report to its private security repository and sync its fix branches: the Fix
    Lead, the security team and operators (EMI-29)."""
    return can_triage(user, report)


def can_run_fix_tests(user: AnyUser, report: Report) -> bool:
    """Those who manage the fix, and the Fix Team who write it."""
    if can_manage_fix(user, report):
        return True
    user_id = _signed_in_id(user)
    return user_id is not None and _fix_team_reports(user_id).filter(report_id=report.pk).exists()


def _is_release_manager(user_id: int, project: Project) -> bool:
    return TeamMember.objects.filter(
        user_id=user_id, project=project, role=TeamRole.RELEASE_MANAGER, left_at__isnull=True
    ).exists()


def can_run_backports(user: AnyUser, report: Report) -> bool:
    """Plan, dry-run and carry out a report's backports: the security team, the report's Fix
    Lead and the project's release managers (who cut the releases, OEDX-6, OEDX-12)."""
    if can_triage(user, report):
        return True
    user_id = _signed_in_id(user)
    return (
        user_id is not None
        and _is_release_manager(user_id, report.project)
        and can_view_report(user, report)
    )


def can_manage_packages(user: AnyUser, project: Project) -> bool:
    """Register the project's packages and the dependents that install them."""
    if can_manage_project(user, project):
        return True
    user_id = _signed_in_id(user)
    return user_id is not None and _is_release_manager(user_id, project)


def is_fix_reviewer(user: AnyUser, project: Project) -> bool:
    """Whose approval of a fix branch the policy counts (VIT-18, OEDX-18): the project's
    maintainers and security team, or the security team alone."""
    if (user_id := _signed_in_id(user)) is None:
        return False
    roles = set(project.security_team_roles())
    if project.policy().fix_review.reviewers == "maintainers":
        roles.add(TeamRole.MAINTAINER)
    return TeamMember.objects.filter(
        project=project, user_id=user_id, role__in=roles, left_at__isnull=True
    ).exists()


def can_review_fix(user: AnyUser, report: Report) -> bool:
    return is_fix_reviewer(user, report.project) and can_view_report(user, report)


def can_comment(user: AnyUser, report: Report) -> bool:
    return can_view_report(user, report)


def can_message_reporter(user: AnyUser, report: Report) -> bool:
    """Speaking for the project to the reporter is coordination: the security team's (EMI-1)."""
    return can_triage(user, report)


def can_assign_fix_lead(user: AnyUser, report: Report) -> bool:
    """Choosing who leads is the security team's (EMI-8, EMI-10); a lead does not pick the next."""
    return can_manage_project(user, report.project)


def can_manage_fix_team(user: AnyUser, report: Report) -> bool:
    """The Fix Lead, or the security team, invites and removes members and records repo access."""
    return can_triage(user, report)


def can_read_retrospective(user: AnyUser, report: Report) -> bool:
    """The retrospective names everyone involved and reads the whole audit trail; those who
    write and send it read it: the security team, the report's Fix Lead (EMI-48), operators."""
    return can_triage(user, report)


def invitation_for_user(user: AnyUser, project_slug: str, number: int) -> FixTeamMember:
    """The user's own waiting invitation to that report's Fix Team; a 404 if there is none, so
    nobody else learns from this address that the report exists."""
    if (user_id := _signed_in_id(user)) is None:
        raise Http404("No such invitation.")
    found = (
        FixTeamMember.objects.filter(
            user_id=user_id,
            accepted_at__isnull=True,
            ended_at__isnull=True,
            report__project__slug=project_slug,
            report__number=number,
        )
        .select_related("report__project", "invited_by")
        .first()
    )
    if found is None:
        raise Http404("No such invitation.")
    return found


def projects_visible_to(user: AnyUser) -> QuerySet[Project]:
    """Projects the user is on a team of; a Fix Team member sees a report, not its project."""
    if (user_id := _signed_in_id(user)) is None:
        return Project.objects.none()
    if is_operator(user):
        return Project.objects.all()
    return Project.objects.filter(
        pk__in=TeamMember.objects.filter(user_id=user_id, left_at__isnull=True).values("project_id")
    )


def projects_managed_by(user: AnyUser) -> QuerySet[Project]:
    """Projects whose settings (preset, overrides, release lines) the user may change."""
    if (user_id := _signed_in_id(user)) is None:
        return Project.objects.none()
    if is_operator(user):
        return Project.objects.all()
    return Project.objects.filter(pk__in=security_team_projects(user_id))


def can_manage_project(user: AnyUser, project: Project) -> bool:
    return projects_managed_by(user).filter(pk=project.pk).exists()


def can_nominate(user: AnyUser, project: Project) -> bool:
    """Nominations come from the security team and from the project's maintainers (KAR-4)."""
    if can_manage_project(user, project):
        return True
    user_id = _signed_in_id(user)
    return (
        user_id is not None
        and TeamMember.objects.filter(
            project=project, user_id=user_id, role=TeamRole.MAINTAINER, left_at__isnull=True
        ).exists()
    )


def can_file_reports(user: AnyUser, project: Project) -> bool:
    """File a report on someone's behalf, or import one from another tracker or an OSV record
    or GitHub advisory (the API)."""
    return can_manage_project(user, project)


def get_project_for_user(user: AnyUser, slug: str) -> Project:
    try:
        return projects_visible_to(user).get(slug=slug)
    except Project.DoesNotExist:
        raise Http404("No such project.") from None


def notices_visible_to(user: AnyUser) -> QuerySet[DistributorNotice]:
    """A distributor's people see their organisation's notices; the team sees its reports'."""
    if (user_id := _signed_in_id(user)) is None:
        return DistributorNotice.objects.none()
    if is_operator(user):
        return DistributorNotice.objects.all()
    return DistributorNotice.objects.filter(
        Q(distributor__members__id=user_id) | Q(report__in=reports_triaged_by(user))
    ).distinct()


def can_acknowledge_notice(user: AnyUser, notice: DistributorNotice) -> bool:
    """Only the organisation the notice is addressed to acknowledges it, and answers it."""
    user_id = _signed_in_id(user)
    return user_id is not None and notice.distributor.members.filter(pk=user_id).exists()


def can_send_notices(user: AnyUser, report: Report) -> bool:
    """Send a report's distributor notice, see every organisation's answer, remind the silent:
    those who triage it (the security team and the report's Fix Lead)."""
    return can_triage(user, report)


def memberships_spoken_for(user: AnyUser, project: Project) -> QuerySet[DistributorMembership]:
    """The places on the project's distributors list of the organisations the user works for:
    theirs to read (the decision, its reason) and to accept the embargo terms for."""
    if (user_id := _signed_in_id(user)) is None:
        return DistributorMembership.objects.none()
    return DistributorMembership.objects.filter(project=project, distributor__members__id=user_id)


def can_force_publish(user: AnyUser, report: Report) -> bool:
    """Publishing before the publication guards pass is the project's security team's call, or
    an operator's; the reason goes into the audit trail."""
    return can_manage_project(user, report.project)


def can_manage_advisory(user: AnyUser, report: Report) -> bool:
    """Withdrawing a published advisory or noting a revision of it: the same people."""
    return can_manage_project(user, report.project)


def advisories_visible_to(user: AnyUser) -> QuerySet[Report]:
    """Published reports: what the world may read, signed in or not."""
    return Report.objects.published()


def report_for_reporter_link(token: str) -> Report:
    """The report behind a live private link; a wrong or revoked token is a plain 404."""
    link = (
        ReporterLink.objects.live()
        .select_related("report__project")
        .filter(token_digest=digest(token))
        .first()
    )
    if link is None:
        raise Http404("No such report.")
    return link.report


def calendar_feed_for_token(token: str, project_slug: str | None = None) -> CalendarFeed:
    """The live calendar feed behind a secret address, of all the owner's projects or of the
    one named; a wrong or revoked token, an inactive owner, or a project the owner is no longer
    on a team of is a plain 404. The feed's events come from `reports_visible_to(feed.user)`,
    asked again on every request."""
    feed = (
        CalendarFeed.objects.select_related("user", "project")
        .filter(digest=digest(token), revoked_at=None, user__is_active=True)
        .first()
    )
    if feed is None or (feed.project.slug if feed.project else None) != project_slug:
        raise Http404("No such calendar.")
    if feed.project and not projects_visible_to(feed.user).filter(pk=feed.project.pk).exists():
        raise Http404("No such calendar.")
    return feed


def needs_two_factor(user: AnyUser) -> bool:
    """Operators and security-team members sign in with a second factor."""
    user_id = _signed_in_id(user)
    return user_id is not None and (is_operator(user) or bool(security_team_projects(user_id)))
