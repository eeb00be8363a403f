"""Small builders for desk tests. Reports are made through the service, as users make them."""

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from vulndesk.desk.models import Project, Report, TeamMember, TeamRole
from vulndesk.desk.services import deadlines
from vulndesk.desk.services.reports import create_report

FOLIO_TRIAGE_ANSWERS: dict[str, Any] = {
    "blast_radius": "every tenant of a hosted FOLIO",
    "reproduced": False,
    "evidence": "code_review",
    "scope": "system_wide",
    "layer": "backend",
    "domain": "software",
    "pii_exposed": True,
    "privilege_escalation": False,
    "affected_versions": "Poppy, Quesnelia",
    "remediation_plan": "patch mod-users, backport to Poppy",
}


def make_user(username: str) -> User:
    return User.objects.create_user(username, f"{username}@example.org", "password")


def make_project(slug: str = "folio", *, preset: str | None = None, **fields: Any) -> Project:
    return Project.objects.create(slug=slug, name=slug.title(), preset=preset or slug, **fields)


def make_member(project: Project, user: User, role: str = TeamRole.SECURITY_TEAM) -> TeamMember:
    return TeamMember.objects.create(project=project, user=user, role=role)


def make_report(project: Project, *, actor: User | None = None, **fields: Any) -> Report:
    """A report as intake creates it, then with `fields` set as if earlier steps had run."""
    report = create_report(
        project,
        title="SQL injection in the search API",
        description="`/search?q='` returns a database error.",
        reporter_name="Dana Reporter",
        reporter_email="dana@example.org",
        actor=actor,
    )
    if fields:
        with transaction.atomic():
            Report.objects.filter(pk=report.pk).update(**fields)
            report.refresh_from_db()
            # The dates may have moved: redate the deadlines as the services would.
            deadlines.refresh(report)
    return report
