"""The demo data set: one project per preset, reports in every state, and a demo login.

Everything is made through the services, as people would make it, so the demo also walks
each preset's process end to end.
"""

import base64
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from vulndesk import gitops
from vulndesk.desk.models import (
    AffectStatus,
    FixBranch,
    Project,
    ReleaseLine,
    Report,
    TeamMember,
    TeamRole,
)
from vulndesk.desk.services import (
    affects,
    backport_setup,
    deadlines,
    fix_repo,
    reports,
    schedule,
)
from vulndesk.desk.services.transitions import transition
from vulndesk.process.lifecycle import State

DEMO_USERNAME = "demo"
# Printed by `vulndesk serve` so a first-time user can log in; `vulndesk demo` sets it.
DEMO_PASSWORD = "demo-vulndesk"  # noqa: S105
# The demo user is on every security team, so it signs in with a second factor too. Its key is
# fixed and public, like the password: the demo is for trying vulndesk out, never for real use.
DEMO_TOTP_KEY = b"vulndesk-demo-2fa-ok".hex()


@dataclass(frozen=True)
class DemoProject:
    preset: str
    slug: str
    name: str
    lines: tuple[tuple[str, str, str], ...]  # (name, status, latest version)


DEMO_CHANNELS = ["email", "web_form"]
# The version every demo fix ships in; publishing checks that its tag exists.
DEMO_FIXED_VERSION = "1.0.1"

PROJECTS = (
    DemoProject(
        "envoy",
        "emissary",
        "Emissary-ingress",
        (
            ("1.12", "unsupported", "1.12.4"),
            ("1.13", "supported", "1.13.9"),
            ("master", "development", ""),
        ),
    ),
    DemoProject(
        "vitess",
        "vitess",
        "Vitess",
        (
            ("18.0", "unsupported", "18.0.7"),
            ("19.0", "supported", "19.0.5"),
            ("main", "development", ""),
        ),
    ),
    DemoProject(
        "karmada",
        "karmada",
        "Karmada",
        (
            ("release-1.10", "supported", "1.10.6"),
            ("release-1.11", "supported", "1.11.2"),
            ("master", "development", ""),
        ),
    ),
    DemoProject(
        "openedx",
        "openedx",
        "Open edX",
        (
            ("open-release/yellowwood.master", "unsupported", ""),
            ("open-release/zebrawood.master", "supported", ""),
            ("master", "development", ""),
        ),
    ),
    DemoProject(
        "folio",
        "folio",
        "FOLIO",
        (
            ("Poppy", "unsupported", "R2 2023"),
            ("Quesnelia", "supported", "R1 2024"),
            ("master", "development", ""),
        ),
    ),
)

# (title, CVSS vector, the state the report is walked to)
REPORTS = (
    (
        "Crafted header crashes the proxy (query of death)",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        State.RECEIVED,
    ),
    (
        "Path traversal in the static file handler",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
        State.TRIAGING,
    ),
    (
        "Stored XSS in the project description",
        "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N",
        State.ACCEPTED,
    ),
    (
        "Timing difference in login reveals user names",
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N",
        State.REJECTED,
    ),
    (
        "Path traversal in static files, reported again",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
        State.DUPLICATE,
    ),
    (
        "Privilege escalation through the admin API",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        State.FIXING,
    ),
    ("Token leak in debug logs", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", State.FIX_READY),
    (
        "SSRF through the webhook URL",
        "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:L/A:N",
        State.SCHEDULED,
    ),
    ("Open redirect after login", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", State.RELEASED),
    (
        "Unbounded memory use in the gRPC decoder",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        State.PUBLISHED,
    ),
    (
        "SQL injection in the search API",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        State.CLOSED,
    ),
)

# The happy path through the flowchart; rejected and duplicate branch off triage.
HAPPY_PATH = (
    State.TRIAGING,
    State.ACCEPTED,
    State.FIXING,
    State.FIX_READY,
    State.SCHEDULED,
    State.RELEASED,
    State.PUBLISHED,
    State.CLOSED,
)


def path_to(target: State) -> tuple[State, ...]:
    if target in (State.REJECTED, State.DUPLICATE):
        return (State.TRIAGING, target)
    return HAPPY_PATH[: HAPPY_PATH.index(target) + 1] if target in HAPPY_PATH else ()


# Steps a team would have ticked off by the time a report enters each state.
MET_ON_ENTERING: dict[State, tuple[str, ...]] = {
    State.FIXING: ("fix_team_formed",),
    State.SCHEDULED: ("forthcoming_fix_announced", "distributor_advance_notice"),
    State.RELEASED: ("distributor_release_notice",),
    State.CLOSED: ("retrospective_sent",),
}

TRIAGE = {
    "blast_radius": "Every installation that exposes the endpoint.",
    "reproduced": True,
    "evidence": "poc",
    "scope": "system_wide",
    "layer": "backend",
    "domain": "software",
    "pii_exposed": False,
    "privilege_escalation": False,
    "affected_versions": "all supported releases",
    "remediation_plan": "Patch on the development line and backport to supported lines.",
}

DESCRIPTION = """\
**Reported privately.** Steps to reproduce:

1. Start a default installation.
2. Send the request below.

```
curl -H 'X-Demo: 1' http://localhost:8080/
```

<script>alert("the sanitiser drops this; it never runs")</script>
"""


def load_demo() -> list[Project]:
    """Create what is missing and leave the rest: running it twice changes nothing."""
    user = demo_user()
    created = []
    for spec in PROJECTS:
        with transaction.atomic():
            if Project.objects.filter(slug=spec.slug).exists():
                continue
            created.append(demo_project(spec, user))
    return created


def demo_user() -> User:
    user, _ = User.objects.get_or_create(
        username=DEMO_USERNAME, defaults={"email": "demo@vulndesk.invalid"}
    )
    user.is_staff = user.is_superuser = True
    user.set_password(DEMO_PASSWORD)
    user.save()
    TOTPDevice.objects.update_or_create(
        user=user,
        name="demo authenticator",
        defaults={"key": DEMO_TOTP_KEY, "confirmed": True},
    )
    return user


def demo_secret() -> str:
    """The demo key as authenticator apps take it: base32."""
    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()


def demo_totp_device() -> TOTPDevice | None:
    """The demo user's device, if it still holds the public demo key (and so nothing real)."""
    device: TOTPDevice | None = TOTPDevice.objects.filter(
        user__username=DEMO_USERNAME, key=DEMO_TOTP_KEY, confirmed=True
    ).first()
    return device


def demo_project(spec: DemoProject, user: User) -> Project:
    # Every demo project takes mail and the form, whatever its preset names, so that the
    # demo shows both ways in; a real project opens what its policy says.
    project = Project.objects.create(
        slug=spec.slug,
        name=spec.name,
        preset=spec.preset,
        security_email=f"security@{spec.slug}.example.org",
        policy_overrides={
            "intake": {"channels": DEMO_CHANNELS},
            # Announcements need a list to go to; the Vitess document names its own.
            **(
                {}
                if spec.preset == "vitess"
                else {"announcements": {"announce_list": f"announce@{spec.slug}.example.org"}}
            ),
        },
        # Open edX ships its fixes in its package; the others in the project's own releases.
        repository_url="" if spec.slug == "openedx" else f"file://{demo_repository(spec.slug)}",
    )
    for name, status, latest in spec.lines:
        ReleaseLine.objects.create(
            project=project, name=name, branch=name, status=status, latest_version=latest
        )
    TeamMember.objects.create(project=project, user=user, role=TeamRole.SECURITY_TEAM)
    if spec.slug == "openedx":
        demo_backport_setup(project, user)
    now = timezone.now()
    first: Report | None = None
    for age, (title, vector, target) in enumerate(REPORTS):
        report = reports.create_report(
            project,
            title=title,
            description=DESCRIPTION,
            reporter_name="Dana Reporter",
            reporter_email="dana@example.org",
            # Older reports are further along, so their deadlines show met, due and overdue.
            received_at=now - timedelta(days=2 * age, hours=3),
            actor=None,
        )
        report = reports.score_report(report, vector, actor=user)
        walk(report, target, user, duplicate_of=first)
        first = first or report
    return project


def demo_repository(name: str) -> Path:
    """A local stand-in for a demo project's public repository, the demo's fix release tagged
    in it: publishing checks that tag, and the demo reaches no network."""
    path = Path(settings.DATA_DIR) / "demo-repositories" / f"{name}.git"
    identity = gitops.Identity("vulndesk demo", "demo@vulndesk.invalid")
    return gitops.tagged_repository(path, [f"v{DEMO_FIXED_VERSION}"], identity)


def demo_backport_setup(project: Project, user: User) -> None:
    """The Open edX playbook's example: openedx-animals, installed in edx-platform and
    credentials on main and in Zebrawood. Registered only: nothing is fetched until a plan.
    The package's repository is a local stand-in (its fix release tagged), so publishing its
    advisories checks a tag without the network."""
    backport_setup.add_package(
        project,
        name="openedx-animals",
        ecosystem="PyPI",
        repository=str(demo_repository("openedx-animals")),
        actor=user,
    )
    zebrawood = "open-release/zebrawood.master"
    for name in ("edx-platform", "credentials"):
        backport_setup.add_dependent(
            project,
            name=name,
            repository=f"https://github.com/openedx/{name}.git",
            branches=[("master", None), (zebrawood, zebrawood)],
            actor=user,
        )


def approve_demo_fix(report: Report, user: User) -> None:
    """A fix branch the demo user approved, for policies that gate `fix_ready` on reviews
    (OEDX-18); the demo has no private repository, so the branch's head is made up."""
    branch = FixBranch.objects.create(report=report, name="fix/demo", head_sha=f"{report.pk:040x}")
    fix_repo.record_review(branch, reviewer=user, approved=True, comment="Looks right.")


def record_demo_affect(report: Report, user: User) -> None:
    """Where the demo fix shipped: the first supported line, in the project's first package
    where it has one (Open edX's openedx-animals), so its advisories name what is affected."""
    line = report.project.release_lines.filter(status="supported").order_by("pk").first()
    package = report.project.packages.order_by("pk").first()
    affects.add_affect(
        report,
        release_line=line,
        package=package.name if package else "",
        affected_range=f"<{DEMO_FIXED_VERSION}",
        fixed_version=DEMO_FIXED_VERSION,
        status=AffectStatus.FIXED,
        actor=user,
    )


def walk(report: Report, target: State, user: User, *, duplicate_of: Report | None) -> Report:
    now = timezone.now()
    for state in path_to(target):
        if state is State.ACCEPTED:
            report = reports.record_triage(report, TRIAGE, actor=user)
            # KAR-23: an accepted report gets its CVE; Karmada's distributors hear of it then.
            cve_id = f"CVE-2026-{50000 + report.pk}"
            report = schedule.assign_cve(report, cve_id, actor=user)
        elif state is State.DUPLICATE:
            report = reports.record_triage(report, {}, actor=user, duplicate_of=duplicate_of)
        elif state is State.FIX_READY:
            approve_demo_fix(report, user)
        elif state is State.SCHEDULED:
            # A report still waiting gets the earliest date its policy allows; one walked on to
            # its release is released at once, past the notice lead times, on the record.
            proposal = schedule.propose_release_date(report)
            waits = target is State.SCHEDULED and proposal.feasible
            report = schedule.schedule_release(
                report,
                proposal.at if waits else now,
                reason="agreed with the Fix Team" if waits else "demo: released at once",
                actor=user,
                override=not waits,
            )
        elif state is State.RELEASED:
            record_demo_affect(report, user)
            report = schedule.record_fix_release(
                report, DEMO_FIXED_VERSION, released_at=now, actor=user
            )
        report = transition(report, state, actor=user, reason="demo")
        for name in MET_ON_ENTERING.get(state, ()):
            if report.deadlines.filter(name=name, met_at=None).exists():
                deadlines.meet(report, name, actor=user)
    return report
