"""The seed's worked example on the desk: the Open edX project publishes openedx-animals (3.1.0 on
main, 2.5.0 tagged long ago), installed in edx-platform and credentials on main and on
open-release/zebrawood.master; a report whose fix is on the package's main branch.

alice is on the security team, bob leads the fix, rita is the release manager, vera sees the
report as an active member of its Fix Team (and may not run backports), charlie is nobody.
Every repository is real git in the test's directory; the private remotes are bare ones."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import User
from django.utils import timezone

from tests.desk.factories import make_member, make_project, make_report, make_user
from tests.gitops.animals import PACKAGE, ZEBRAWOOD, Animals, add_fix, build_animals
from tests.gitops.repos import git
from vulndesk.desk.models import (
    FixTeamMember,
    Package,
    Project,
    ReleaseLine,
    Report,
    StateChoices,
    TeamRole,
)
from vulndesk.desk.services import backport_setup

DEPENDENTS = ("edx-platform", "credentials")


@dataclass(frozen=True)
class World:
    root: Path
    upstream: Animals
    fix: str
    project: Project
    report: Report
    private: dict[str, Path]  # bare private remotes by repository name
    alice: User
    bob: User
    rita: User
    vera: User
    charlie: User

    @property
    def package(self) -> Package:
        return self.project.packages.get(name=PACKAGE)

    def read(self, repo: Path, ref: str, path: str) -> str:
        return git(repo, "show", f"{ref}:{path}")


def build_world(tmp_path: Path, *, conflicting: bool = False, register: bool = True) -> World:
    """The world; with `register=False` the project knows no package or dependent yet."""
    upstream = build_animals(tmp_path / "upstream")
    fix = add_fix(upstream.package, conflicting=conflicting)
    private = {}
    for name in (PACKAGE, *DEPENDENTS):
        private[name] = tmp_path / "private" / f"{name}.git"
        git(tmp_path, "init", "--quiet", "--bare", str(private[name]))
    project = make_project("openedx")
    ReleaseLine.objects.create(project=project, name="zebrawood", branch=ZEBRAWOOD)
    alice, bob, rita, vera, charlie = (
        make_user(name) for name in ("alice", "bob", "rita", "vera", "charlie")
    )
    bob.first_name, bob.last_name, bob.email = "Bob", "Lead", "bob@example.org"
    bob.save()
    make_member(project, alice, TeamRole.SECURITY_TEAM)
    make_member(project, rita, TeamRole.RELEASE_MANAGER)
    report = make_report(project, state=StateChoices.FIXING, fix_lead=bob, cve_id="CVE-2026-4242")
    FixTeamMember.objects.create(report=report, user=vera, accepted_at=timezone.now())
    world = World(
        tmp_path, upstream, fix, project, report, private, alice, bob, rita, vera, charlie
    )
    if not register:
        return world
    backport_setup.add_package(
        project,
        name=PACKAGE,
        ecosystem="PyPI",
        repository=str(upstream.package),
        private_remote=str(private[PACKAGE]),
        actor=alice,
    )
    for name in DEPENDENTS:
        backport_setup.add_dependent(
            project,
            name=name,
            repository=str(upstream.repos[name]),
            private_remote=str(private[name]),
            branches=[("main", None), (ZEBRAWOOD, "zebrawood")],
            actor=alice,
        )
    return world


# The document's process, step by step (OEDX-5 to OEDX-13): kind, repository, branch, version.
SEED_STEPS = [
    ("merge_fix", PACKAGE, "main", None),
    ("release", PACKAGE, "main", "3.1.1"),
    ("bump_pin", "edx-platform", "main", "3.1.1"),
    ("bump_pin", "credentials", "main", "3.1.1"),
    ("create_branch", PACKAGE, "security/2.5.1", None),
    ("cherry_pick", PACKAGE, "security/2.5.1", None),
    ("release", PACKAGE, "security/2.5.1", "2.5.1"),
    ("bump_pin", "edx-platform", ZEBRAWOOD, "2.5.1"),
    ("bump_pin", "credentials", ZEBRAWOOD, "2.5.1"),
]
