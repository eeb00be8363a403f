"""The world the access matrix walks: one person per role, and four reports that differ only in
who may see them.

Emissary (preset envoy) has the security team, a release manager and three reports; Vitess has
its own security team and one report. A distributor has a notice about every report, and the
reporter has a private link to the embargoed report (their other links are revoked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.desk.factories import make_member, make_project, make_user
from vulndesk.accounts.models import TokenScope
from vulndesk.accounts.tokens import issue_token
from vulndesk.desk.models import (
    Affect,
    Attachment,
    Backport,
    Distributor,
    DistributorNotice,
    FixTeamMember,
    Package,
    Project,
    ReleaseLine,
    Report,
    ReporterLink,
    StateChoices,
    TeamRole,
)
from vulndesk.desk.services.attachments import Upload, attach
from vulndesk.desk.services.reports import create_report
from vulndesk.lib.tokens import new_token

ROLES = (
    "anonymous",
    "reporter",
    "outsider",
    "distributor",
    "release_manager",
    "fix_team",
    "other_team",
    "security_team",
    "operator",
)
OBJECTS = ("embargoed", "published", "sibling", "elsewhere")


@dataclass
class World:
    users: dict[str, User]
    projects: dict[str, Project]  # by object name: the project each report belongs to
    reports: dict[str, Report]
    affects: dict[str, Affect]
    release_lines: dict[str, ReleaseLine]  # by object name, a line of the report's project
    notices: dict[str, DistributorNotice]
    reporter_tokens: dict[str, str]  # live for "embargoed", revoked for the others
    attachments: dict[str, Attachment]
    api_tokens: dict[str, str]

    def web_client(self, role: str) -> Client:
        """A browser session: signed in, with the second factor verified where it is needed."""
        client = Client()
        user = self.users.get(role)
        if user is not None:
            client.force_login(user)
            device = TOTPDevice.objects.filter(user=user).first()
            if device is not None:
                session = client.session
                session[DEVICE_ID_SESSION_KEY] = device.persistent_id
                session.save()
        return client

    def api_headers(self, role: str) -> dict[str, str]:
        token = self.api_tokens.get(role)
        return {"Authorization": f"Bearer {token}"} if token else {}

    def secret_words(self, obj: str) -> list[str]:
        """What must never reach someone who may not see the report: its title and key."""
        report = self.reports[obj]
        return [report.title, report.key]


def file(project: Project, title: str) -> Report:
    return create_report(
        project,
        title=title,
        description=f"Details of {title}.",
        reporter_name="Dana Reporter",
        reporter_email="dana@example.org",
        actor=None,
    )


def build_world() -> World:
    users = {role: make_user(role) for role in ROLES if role not in {"anonymous", "reporter"}}
    User.objects.filter(pk=users["operator"].pk).update(is_superuser=True, is_staff=True)
    users["operator"].refresh_from_db()
    emissary = make_project("emissary", preset="envoy")
    vitess = make_project("vitess")
    make_member(emissary, users["security_team"], TeamRole.SECURITY_TEAM)
    make_member(emissary, users["release_manager"], TeamRole.RELEASE_MANAGER)
    make_member(vitess, users["other_team"], TeamRole.SECURITY_TEAM)
    for role in ("security_team", "other_team", "operator"):
        TOTPDevice.objects.create(user=users[role], name="phone", confirmed=True)

    projects = {
        "embargoed": emissary,
        "published": emissary,
        "sibling": emissary,
        "elsewhere": vitess,
    }
    # Titles unique enough that finding one in a response can only be a leak.
    reports = {
        obj: file(projects[obj], f"Matrix {obj} zq{index}x") for index, obj in enumerate(OBJECTS)
    }
    Report.objects.filter(pk=reports["published"].pk).update(
        state=StateChoices.PUBLISHED, published_at=timezone.now()
    )
    reports["published"].refresh_from_db()
    FixTeamMember.objects.create(
        report=reports["embargoed"], user=users["fix_team"], accepted_at=timezone.now()
    )

    distributor = Distributor.objects.create(slug="distro", name="Distro Inc.")
    distributor.members.add(users["distributor"])
    notices = {
        obj: DistributorNotice.objects.create(
            report=report, distributor=distributor, subject=f"Notice {obj}", body="Patch soon."
        )
        for obj, report in reports.items()
    }
    reporter_tokens = {}
    for obj, report in reports.items():
        raw, token_digest = new_token("vdr")
        ReporterLink.objects.create(
            report=report,
            token_digest=token_digest,
            revoked_at=None if obj == "embargoed" else timezone.now(),
        )
        reporter_tokens[obj] = raw
    api_tokens = {
        role: issue_token(user, name="matrix", scope=TokenScope.WRITE, lifetime=timedelta(days=1))[
            1
        ]
        for role, user in users.items()
    }
    lines = {
        project.slug: ReleaseLine.objects.create(project=project, name="1.0", branch="release-1.0")
        for project in (emissary, vitess)
    }
    release_lines = {obj: lines[projects[obj].slug] for obj in OBJECTS}
    affects = {
        obj: Affect.objects.create(report=report, release_line=release_lines[obj])
        for obj, report in reports.items()
    }
    # A package per project and a backport (not planned yet) per report, to act on.
    packages = {
        project.slug: Package.objects.create(
            project=project, name="proxy-lib", repository="https://git.example.org/proxy-lib.git"
        )
        for project in (emissary, vitess)
    }
    for obj, report in reports.items():
        Backport.objects.create(report=report, package=packages[projects[obj].slug])
    attachments = {
        obj: attach(report, Upload(f"poc-{obj}.txt", "text/plain", b"curl -H x"), "text/plain")
        for obj, report in reports.items()
    }
    return World(
        users,
        projects,
        reports,
        affects,
        release_lines,
        notices,
        reporter_tokens,
        attachments,
        api_tokens,
    )
