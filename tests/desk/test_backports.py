"""The backport service on real git: the seed's example planned, dry-run and carried out into
the workspace clones and the private remotes; a conflict, resolved by a person, then resumed;
re-planning; registration refused with the field at fault; who may run backports
(OEDX-4 to OEDX-14)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import LazySettings

from tests.desk.backport_world import SEED_STEPS, World, build_world
from tests.desk.cast import publish
from tests.gitops.animals import (
    CREDENTIALS_PYPROJECT,
    CREDENTIALS_SETUP_CFG,
    EDX_BASE,
    GREET_FIX,
    PACKAGE,
    ZEBRAWOOD,
)
from tests.gitops.repos import git
from vulndesk.desk.access import can_manage_packages, can_run_backports
from vulndesk.desk.demo import load_demo
from vulndesk.desk.models import AuditEvent, Backport, BackportStep, Dependent, Project
from vulndesk.desk.services import backport_setup, backports

PICK = "pick:security/2.5.1"


@pytest.fixture
def world(db: None, tmp_path: Path, settings: LazySettings) -> World:
    settings.DATA_DIR = tmp_path / "data"
    return build_world(tmp_path)


@pytest.fixture
def conflicted(db: None, tmp_path: Path, settings: LazySettings) -> World:
    settings.DATA_DIR = tmp_path / "data"
    return build_world(tmp_path, conflicting=True)


def plan(world: World, decisions: dict[str, bool] | None = None) -> Backport:
    return backports.plan(
        world.report, world.package, [world.fix[:10]], actor=world.bob, decisions=decisions
    )


def rows(backport: Backport) -> dict[str, str]:
    return {step.step_id: step.status for step in backport.steps.order_by("position")}


def clone(world: World, name: str) -> Path:
    return backports.clone_dir(world.report, name)


def test_the_seed_example_is_planned_as_the_playbook_says(world: World) -> None:
    """OEDX-4 to OEDX-13: release 3.1.1 from main, bump both dependents' main, branch
    security/2.5.1 from the v2.5.0 tag, pick, release 2.5.1 (not latest), bump Zebrawood."""
    backport = plan(world)
    result = backports.stored_plan(backport)
    assert [(s.kind.value, s.repository, s.branch, s.version) for s in result.steps] == SEED_STEPS
    assert result.package.fix_commits == (world.fix,)  # the short id, resolved
    steps = list(backport.steps.order_by("position"))
    assert [(s.step_id, s.kind, s.status) for s in steps] == [
        (s.id, s.kind.value, "pending") for s in result.steps
    ]
    release = result.step("release:2.5.1")
    assert (release.tag, release.latest) == ("v2.5.1", False)  # OEDX-12
    assert result.step("release:3.1.1").latest
    event = AuditEvent.objects.get(action="backport.planned")
    assert event.report_id == world.report.pk
    assert event.data["steps"] == [s.id for s in result.steps]
    world.report.refresh_from_db()
    assert world.report.version > 1


def test_answering_yes_for_zebrawood_bumps_its_pins_to_the_main_release(world: World) -> None:
    """OEDX-14: a "compatible" answer for 2.5.0 means no security branch and no extra release."""
    result = backports.stored_plan(plan(world, decisions={"2.5.0": True}))
    assert [(s.kind.value, s.branch, s.version) for s in result.steps][-2:] == [
        ("bump_pin", ZEBRAWOOD, "3.1.1"),
        ("bump_pin", ZEBRAWOOD, "3.1.1"),
    ]
    assert not [s for s in result.steps if s.kind.value == "create_branch"]


def test_dry_run_says_the_pick_applies_cleanly_and_moves_no_branch(world: World) -> None:
    backport = plan(world)
    steps = backports.dry_run(backport, actor=world.bob)
    [pick] = [step for step in steps if step.kind == "cherry_pick"]
    assert (pick.checked, pick.conflicts, pick.status) == ("clean", [], "pending")
    assert "apply cleanly on v2.5.0" in pick.check_detail
    assert "security/2.5.1" not in git(clone(world, PACKAGE), "branch", "--list")
    assert AuditEvent.objects.filter(action="backport.dry_run").count() == 1


def test_execute_with_push_leaves_releases_and_pins_in_the_clones_and_private_remotes(
    world: World,
) -> None:
    backport = plan(world)
    steps = backports.execute(backport, actor=world.bob, push=True)
    assert {step.status for step in steps} == {"done"}, [(s.step_id, s.detail) for s in steps]

    package, remote = clone(world, PACKAGE), world.private[PACKAGE]
    start = git(package, "rev-parse", "v2.5.0^{commit}")
    for repo in (package, remote):
        assert world.read(repo, "v3.1.1", "pyproject.toml").count('version = "3.1.1"') == 1
        assert '__version__ = "2.5.1"' in world.read(
            repo, "v2.5.1", "src/openedx_animals/__init__.py"
        )
        # OEDX-10: the security branch starts at the v2.5.0 tag (pick, then release on top).
        assert git(repo, "rev-parse", "security/2.5.1~2") == start
        assert "escape(animal)" in world.read(repo, "v2.5.1", "animals.py")
    picked = git(remote, "log", "-1", "--format=%B", "security/2.5.1~1")
    assert f"(cherry picked from commit {world.fix})" in picked  # OEDX-11, -x

    expected = {
        ("edx-platform", "main", "requirements/base.txt"): EDX_BASE.format(version="3.1.1"),
        ("edx-platform", ZEBRAWOOD, "requirements/base.txt"): EDX_BASE.format(version="2.5.1"),
        ("credentials", "main", "pyproject.toml"): CREDENTIALS_PYPROJECT.format(version="3.1.1"),
        ("credentials", ZEBRAWOOD, "setup.cfg"): CREDENTIALS_SETUP_CFG.format(version="2.5.1"),
    }
    for (name, branch, path), text in expected.items():
        for repo in (clone(world, name), world.private[name]):
            assert world.read(repo, branch, path) == text.rstrip("\n")
        message = git(world.private[name], "log", "-1", "--format=%B", branch)
        assert "OPENEDX-1" in message
        assert "CVE-2026-4242" in message
        author = git(world.private[name], "log", "-1", "--format=%an <%ae>", branch)
        assert author == "Bob Lead <bob@example.org>"
    # The repositories vulndesk was given are untouched.
    assert "v3.1.1" not in git(world.upstream.package, "tag", "--list")
    event = AuditEvent.objects.get(action="backport.executed")
    assert event.data["push"] == sorted([PACKAGE, "credentials", "edx-platform"])


def test_nothing_is_pushed_without_push(world: World) -> None:
    backports.execute(plan(world), actor=world.bob)
    assert git(world.private[PACKAGE], "for-each-ref") == ""
    assert "v3.1.1" in git(clone(world, PACKAGE), "tag", "--list")


def test_running_again_keeps_done_and_replanning_keeps_the_steps(world: World) -> None:
    backport = plan(world)
    backports.execute(backport, actor=world.bob)
    backports.execute(backport, actor=world.bob)
    assert set(rows(backport).values()) == {"done"}
    again = plan(world)  # the clones now hold v3.1.1 and v2.5.1: this plan made them
    assert again.pk == backport.pk
    result = backports.stored_plan(again)
    assert [(s.kind.value, s.repository, s.branch, s.version) for s in result.steps][:2] == (
        SEED_STEPS[:2]
    )
    assert rows(again)["release:3.1.1"] == "done"
    assert rows(again)["release:2.5.1"] == "done"


def test_a_conflict_is_named_then_resolved_by_hand_and_the_run_continues(
    conflicted: World,
) -> None:
    world = conflicted
    backport = plan(world)
    [pick] = [s for s in backports.dry_run(backport, actor=world.bob) if s.kind == "cherry_pick"]
    assert pick.checked == "conflict"
    assert [c["path"] for c in pick.conflicts] == ["animals.py"]
    assert "escape(name)" in pick.conflicts[0]["hunks"][0]

    statuses = rows_after(backports.execute(backport, actor=world.bob))
    assert statuses[pick.step_id] == "conflict"
    assert statuses["release:2.5.1"] == "blocked"
    assert statuses[f"bump:credentials@{ZEBRAWOOD}"] == "blocked"
    assert statuses["release:3.1.1"] == "done"
    row = BackportStep.objects.get(backport=backport, step_id=pick.step_id)
    assert "nothing was changed" in row.detail
    assert row.conflicts[0]["path"] == "animals.py"

    package = clone(world, PACKAGE)
    git(package, "checkout", "--quiet", "security/2.5.1")
    with pytest.raises(Exception, match="cherry-pick"):
        git(package, "cherry-pick", "-x", world.fix)
    resolved = GREET_FIX.replace('f"hello {escape(name)}"', '"hello " + escape(name)')
    (package / "animals.py").write_text(resolved)
    git(package, "add", "animals.py")
    git(package, "-c", "core.editor=true", "cherry-pick", "--continue")

    statuses = rows_after(backports.execute(backport, actor=world.bob, push=True))
    assert statuses[pick.step_id] == "already_done"
    assert statuses["release:2.5.1"] == "done"
    assert statuses["release:3.1.1"] == "done"  # kept: it was done by the first run
    assert world.read(world.private[PACKAGE], "v2.5.1", "animals.py") == resolved.rstrip("\n")
    assert world.read(world.private["credentials"], ZEBRAWOOD, "setup.cfg") == (
        CREDENTIALS_SETUP_CFG.format(version="2.5.1").rstrip("\n")
    )


def rows_after(steps: list[BackportStep]) -> dict[str, str]:
    return {step.step_id: step.status for step in steps}


def test_execute_before_planning_and_push_without_a_remote_are_refused(world: World) -> None:
    backport = Backport.objects.create(report=world.report, package=world.package)
    with pytest.raises(ValueError, match=r"^plan: .* not planned yet"):
        backports.execute(backport, actor=world.bob)
    package = world.package
    package.private_remote = ""
    package.save()
    backport = plan(world)
    with pytest.raises(ValueError, match=r"^push: openedx-animals has no private remote"):
        backports.execute(backport, actor=world.bob, push=True)
    with pytest.raises(ValueError, match=r"^test_command: openedx has no test command"):
        backports.execute(backport, actor=world.bob, run_tests=True)


@pytest.mark.parametrize(
    ("fix_commits", "compatibility", "message"),
    [
        ([], "same_major", "^fix_commits: name the fix"),
        (["not-a-sha"], "same_major", "^fix_commits: 'not-a-sha' is not a commit id"),
        (["abcdef1234"], "sometimes", "^compatibility: 'sometimes'"),
        (["abcdef1234"], "same_major", "^package: .*has no commit"),
    ],
)
def test_bad_plan_input_is_refused_naming_the_field(
    world: World, fix_commits: list[str], compatibility: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        backports.plan(
            world.report, world.package, fix_commits, actor=world.bob, compatibility=compatibility
        )
    assert not Backport.objects.exists()


def test_a_queued_dry_run_is_run_by_the_worker_and_a_second_is_refused(world: World) -> None:
    backport = plan(world)
    backports.request_job(backport, "dry_run", actor=world.rita)
    with pytest.raises(ValueError, match=r"^job: a dry run of openedx-animals is already queued"):
        backports.request_job(backport, "execute", actor=world.rita)
    assert backports.run_job(backport.pk, world.rita.pk) == "dry_run done"
    assert backports.run_job(backport.pk, world.rita.pk) == "nothing queued"
    backport.refresh_from_db()
    assert backport.job == ""
    assert backport.steps.get(kind="cherry_pick").checked == "clean"


def test_a_queued_plan_that_fails_keeps_the_reason(world: World) -> None:
    backport = backports.request_plan(
        world.report, world.package, ["abcdef1234"], actor=world.alice
    )
    assert backports.run_job(backport.pk, world.alice.pk).startswith("package: ")
    backport.refresh_from_db()
    assert (backport.job, backport.plan) == ("", {})
    assert "has no commit" in backport.job_error
    assert AuditEvent.objects.filter(action="backport.job_failed").count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tag_pattern": "release"}, "^tag_pattern: .*{version}"),
        ({"tag_pattern": "v{version}..x"}, "^tag_pattern: .*git refuses"),
        ({"main_branch": "bad..branch"}, "^main_branch: "),
        ({"repository": "ext::sh -c touch% /tmp/pwned"}, "^repository: ext:: remotes"),
        ({"ecosystem": "cargo"}, "^ecosystem: "),
        ({"name": "../etc"}, "^name: "),
    ],
)
def test_a_package_is_refused_naming_the_field(
    world: World, fields: dict[str, str], message: str
) -> None:
    given = {
        "name": "other",
        "ecosystem": "npm",
        "repository": str(world.upstream.package),
        **fields,
    }
    with pytest.raises(ValueError, match=message):
        backport_setup.add_package(world.project, actor=world.alice, **given)


def test_a_dependent_branch_names_a_known_release_line(world: World) -> None:
    with pytest.raises(ValueError, match=r"^branches: openedx has no release line 'quince'"):
        backport_setup.add_dependent(
            world.project,
            name="ecommerce",
            repository=str(world.upstream.credentials),
            branches=[backport_setup.parse_branch("open-release/quince.master=quince")],
            actor=world.alice,
        )
    with pytest.raises(
        ValueError, match=r"^name: Dependent with this Project and Name already exists"
    ):
        backport_setup.add_dependent(
            world.project,
            name="credentials",
            repository=str(world.upstream.credentials),
            actor=world.alice,
        )
    assert not Dependent.objects.filter(name="ecommerce").exists()


def test_who_may_run_backports(world: World) -> None:
    """The security team, the Fix Lead and the release managers (once they may see the report:
    an embargoed one is need-to-know); not the Fix Team, not others."""
    allowed = {
        user.username: can_run_backports(user, world.report)
        for user in (world.alice, world.bob, world.rita, world.vera, world.charlie)
    }
    assert allowed == {
        "alice": True,
        "bob": True,
        "rita": False,
        "vera": False,
        "charlie": False,
    }
    assert can_run_backports(world.rita, publish(world.report))
    assert can_manage_packages(world.rita, world.project)
    assert not can_manage_packages(world.bob, world.project)


def test_the_demo_registers_the_seeds_package_and_its_dependents(db: None) -> None:
    load_demo()
    load_demo()  # safe to run twice
    project = Project.objects.get(slug="openedx")
    assert [p.name for p in backport_setup.packages(project)] == [PACKAGE]
    listed = {
        d.name: [
            (b.branch, b.release_line.name if b.release_line else None) for b in d.branches.all()
        ]
        for d in backport_setup.dependents(project)
    }
    assert listed == {
        name: [("master", None), (ZEBRAWOOD, ZEBRAWOOD)] for name in ("edx-platform", "credentials")
    }


def test_a_branchs_pin_files_say_which_pins_count_and_only_they_are_bumped(
    db: None, tmp_path: Path, settings: LazySettings
) -> None:
    """credentials' main also pins an old openedx-animals in a test requirements file nobody
    ships: discovered as is, the pins disagree and the branch is a problem; with its pin files
    named (pyproject.toml), it is bumped there and the test file is left as it is."""
    settings.DATA_DIR = tmp_path / "data"
    world = build_world(tmp_path)
    stale = "openedx-animals==3.0.0  # for the upgrade tests\n"
    git(world.upstream.credentials, "checkout", "--quiet", "main")
    (world.upstream.credentials / "requirements").mkdir()
    (world.upstream.credentials / "requirements" / "test.txt").write_text(stale)
    git(world.upstream.credentials, "add", "requirements/test.txt")
    git(world.upstream.credentials, "commit", "--quiet", "-m", "Test the upgrade from 3.0")

    result = backports.stored_plan(plan(world))
    [problem] = result.problems
    assert (problem.repository, problem.branch) == ("credentials", "main")
    assert "not one version" in problem.reason
    assert "bump:credentials@main" not in {step.id for step in result.steps}

    credentials = world.project.dependents.get(name="credentials")
    credentials.branches.filter(branch="main").delete()
    backport_setup.add_branch(
        credentials, "main", None, pin_files=["pyproject.toml"], actor=world.alice
    )
    backport = plan(world)
    result = backports.stored_plan(backport)
    assert result.problems == ()
    assert result.step("bump:credentials@main").files == ("pyproject.toml",)
    backports.execute(backport, actor=world.bob)
    work = clone(world, "credentials")
    assert world.read(work, "main", "pyproject.toml") == (
        CREDENTIALS_PYPROJECT.format(version="3.1.1").rstrip("\n")
    )
    assert world.read(work, "main", "requirements/test.txt") == stale.rstrip("\n")
    event = AuditEvent.objects.get(action="backport.dependent_branch_added")
    assert event.data["branch"] == {"branch": "main", "line": None}


def test_a_conflict_resolved_on_the_private_remote_is_fetched_and_the_run_continues(
    conflicted: World, tmp_path: Path
) -> None:
    """The conflict's detail offers two places to resolve it: the clone, or the private remote.
    Here a person branches security/2.5.1 from v2.5.0 in a clone of their own, resolves the pick
    and pushes it to the private remote; the next run fetches it and continues from there."""
    world = conflicted
    backport = plan(world)
    first = rows_after(backports.execute(backport, actor=world.bob))
    assert first[PICK] == "conflict"
    assert "or on the private remote, then run again" in backport.steps.get(step_id=PICK).detail

    mine = tmp_path / "alice-clone"
    git(tmp_path, "clone", "--quiet", str(world.upstream.package), str(mine))
    git(mine, "checkout", "--quiet", "-b", "security/2.5.1", "v2.5.0")
    with pytest.raises(Exception, match="cherry-pick"):
        git(mine, "cherry-pick", "-x", world.fix)
    resolved = GREET_FIX.replace('f"hello {escape(name)}"', '"hello " + escape(name)')
    (mine / "animals.py").write_text(resolved)
    git(mine, "add", "animals.py")
    git(mine, "-c", "core.editor=true", "cherry-pick", "--continue")
    git(mine, "push", "--quiet", str(world.private[PACKAGE]), "security/2.5.1")

    statuses = rows_after(backports.execute(backport, actor=world.bob, push=True))
    assert statuses[PICK] == "already_done"
    assert set(statuses.values()) == {"done", "already_done"}
    remote = world.private[PACKAGE]
    assert world.read(remote, "v2.5.1", "animals.py") == resolved.rstrip("\n")
    # The release sits on the person's resolved pick, which sits on the v2.5.0 tag.
    assert git(remote, "rev-parse", "v2.5.1^{commit}~1") == git(mine, "rev-parse", "HEAD")


def test_a_hashed_pin_is_flagged_by_the_plan_and_its_bump_refused_leaving_the_hash(
    world: World,
) -> None:
    """vulndesk cannot compute a wheel's hash, so it never rewrites a --hash pin: the plan says
    so ahead, and execute fails that one bump, leaving the file as it was."""
    hashed = EDX_BASE.format(version="3.1.0").replace(
        "# the animals\n", "\\\n    --hash=sha256:" + "c" * 64 + "\n"
    )
    edx = world.upstream.edx_platform
    git(edx, "checkout", "--quiet", "main")
    (edx / "requirements" / "base.txt").write_text(hashed)
    git(edx, "commit", "--quiet", "-am", "Hash the requirements")

    backport = plan(world)
    [note] = backport.plan["notes"]
    assert note.startswith(
        "edx-platform@main pins openedx-animals with --hash in requirements/base.txt: "
    )
    assert "regenerate the hashes" in note

    statuses = rows_after(backports.execute(backport, actor=world.bob))
    assert statuses["bump:edx-platform@main"] == "failed"
    assert "--hash" in backport.steps.get(step_id="bump:edx-platform@main").detail
    assert {s for step, s in statuses.items() if step != "bump:edx-platform@main"} == {"done"}
    assert world.read(clone(world, "edx-platform"), "main", "requirements/base.txt") == (
        hashed.rstrip("\n")
    )
