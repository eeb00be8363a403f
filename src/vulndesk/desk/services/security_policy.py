"""What a project publishes about its process: SECURITY.md and security.txt (RFC 9116).

Both are written on request from the project's policy and settings as they are now, so they
say what the desk enforces. Neither names a report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse

from vulndesk.desk.models import IntakeChannels, Project
from vulndesk.process import security_md as markdown
from vulndesk.process.release_lines import Line, Status

# Regenerated on every request, so it never goes stale; RFC 9116 asks for less than a year.
SECURITY_TXT_LIFETIME = timedelta(days=180)

# A path on this desk → the absolute URL the reader uses (from the request, or BASE_URL).
Absolute = Callable[[str], str]


def open_projects() -> list[tuple[Project, IntakeChannels]]:
    """Every project with a channel open to the public, by name (FOLIO-11, FOLIO-12)."""
    projects = Project.objects.order_by("name")
    return [(p, channels) for p in projects if (channels := p.intake_channels()).any]


def advisories_path(project: Project) -> str:
    return f"{reverse('advisory-list')}?{urlencode({'project': project.slug})}"


def security_md(project: Project, absolute: Absolute) -> str:
    channels = project.intake_channels()
    form = reverse("report-new", kwargs={"project": project.slug})
    facts = markdown.ProjectFacts(
        name=project.name,
        form_url=absolute(form) if channels.form else "",
        email=channels.email,
        already_public_to=channels.already_public_to,
        advisories_url=absolute(advisories_path(project)),
        distributors_url=absolute(reverse("distributors-join", kwargs={"project": project.slug})),
        lines=[
            Line(line.name, Status(line.status), line.latest_version)
            for line in project.release_lines.order_by("pk")
        ],
    )
    return markdown.render(project.policy(), facts)


def security_txt(
    projects: Iterable[tuple[Project, IntakeChannels]],
    absolute: Absolute,
    *,
    canonical: str,
    policy: str,
    acknowledgments: str,
    now: datetime,
) -> str | None:
    """The file, or None when no channel is open: RFC 9116 requires at least one Contact."""
    contacts = []
    for project, channels in projects:
        if channels.email:
            contacts.append(f"Contact: mailto:{channels.email}")
        if channels.form:
            contacts.append(
                f"Contact: {absolute(reverse('report-new', kwargs={'project': project.slug}))}"
            )
    if not contacts:
        return None
    fields = [
        *contacts,
        f"Expires: {(now + SECURITY_TXT_LIFETIME).astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
        f"Acknowledgments: {absolute(acknowledgments)}",
        f"Policy: {absolute(policy)}",
        f"Canonical: {absolute(canonical)}",
        "Preferred-Languages: en",
    ]
    return "\n".join(fields) + "\n"
