"""A world for release-day integrity tests on real git: a private security repository with
fix branches on main and release-1.13, the project's repository (where the fix lands) and a
clone of it to merge in, and a scheduled Karmada report whose fix branches are synced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import User

from tests.desk.factories import make_member, make_project, make_report, make_user
from tests.gitops.repos import Repos, build_repos, git
from vulndesk.desk.models import ReleaseLine, Report, StateChoices
from vulndesk.desk.services import fix_repo

RELEASE_DAY = datetime(2024, 6, 30, 12, tzinfo=UTC)


@dataclass(frozen=True)
class World:
    repos: Repos
    public: Path  # the project's repository, where the fix lands
    work: Path  # a clone of it, where the release manager merges
    report: Report
    kim: User  # on Karmada's security team, leads the fix


def land(world: World, branch: str, *commits: str) -> None:
    """Cherry-pick `commits` (from the private repository) onto `branch` and push it."""
    git(world.work, "fetch", "--quiet", str(world.repos.remote), "+refs/heads/*:refs/private/*")
    git(world.work, "checkout", "--quiet", branch)
    for commit in commits:
        git(world.work, "cherry-pick", "-x", commit)
    git(world.work, "push", "--quiet", "origin", branch)


def land_all(world: World) -> None:
    land(world, "main", "refs/private/fix/header-main")
    land(world, "release-1.13", "refs/private/fix/header-1.13~1", "refs/private/fix/header-1.13")


def commit_on(world: World, branch: str, name: str, text: str, message: str) -> None:
    git(world.work, "checkout", "--quiet", branch)
    (world.work / name).write_text(text)
    git(world.work, "add", name)
    git(world.work, "commit", "--quiet", "-m", message)
    git(world.work, "push", "--quiet", "origin", branch)


@pytest.fixture
def world(db: None, tmp_path: Path, settings: LazySettings) -> World:
    settings.DATA_DIR = tmp_path / "data"
    repos = build_repos(tmp_path)
    public = tmp_path / "public.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(repos.remote), str(public))
    for name in ("fix/header-main", "fix/header-1.13"):
        git(public, "branch", "-D", name)
    work = tmp_path / "work"
    git(tmp_path, "clone", "--quiet", str(public), str(work))
    git(work, "branch", "--quiet", "release-1.13", "origin/release-1.13")
    project = make_project("karmada", repository_url=str(public))
    ReleaseLine.objects.create(project=project, name="1.13", branch="release-1.13")
    kim = make_user("kim")
    make_member(project, kim)  # on the security team: manages the fix
    report = make_report(
        project,
        state=StateChoices.SCHEDULED,
        release_date=RELEASE_DAY,
        fixed_version="1.13.10",
        fix_released_at=RELEASE_DAY,
    )
    fix_repo.link_repository(report, str(repos.remote), actor=kim)
    report.refresh_from_db()
    fix_repo.sync_fix_branches(report, actor=kim)
    return World(repos, public, work, report, kim)
