"""`vulndesk backport` on real git: the seed's example registered, planned, dry-run and carried
out with --push from the command line, as JSON; a conflict resolved by hand, then resumed;
errors that say what to fix; the progress bar; the test command with --test
(OEDX-4 to OEDX-14)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.desk.backport_world import DEPENDENTS, SEED_STEPS, World, build_world
from tests.gitops.animals import EDX_BASE, GREET_FIX, PACKAGE, ZEBRAWOOD
from tests.gitops.repos import git
from vulndesk.desk.models import AuditEvent
from vulndesk.desk.services import backports


def run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("backport", *args, stdout=out, stderr=err)
    return out.getvalue()


def run_json(*args: str) -> Any:
    return json.loads(run(*args, "--json"))


@pytest.fixture
def bare(db: None, tmp_path: Path, settings: LazySettings) -> World:
    settings.DATA_DIR = tmp_path / "data"
    return build_world(tmp_path, register=False)


@pytest.fixture
def conflicted(db: None, tmp_path: Path, settings: LazySettings) -> World:
    settings.DATA_DIR = tmp_path / "data"
    return build_world(tmp_path, conflicting=True)


def register(world: World) -> None:
    run(
        "package",
        "add",
        "openedx",
        PACKAGE,
        "--repository",
        str(world.upstream.package),
        "--private-remote",
        str(world.private[PACKAGE]),
        "--as",
        "alice",
    )
    for name in DEPENDENTS:
        run(
            "dependent",
            "add",
            "openedx",
            name,
            "--repository",
            str(world.upstream.repos[name]),
            "--private-remote",
            str(world.private[name]),
            "--branch",
            "main",
            "--branch",
            f"{ZEBRAWOOD}=zebrawood",
        )


def test_the_seed_example_from_registration_to_the_private_remotes(bare: World) -> None:
    world = bare
    register(world)
    assert [p["name"] for p in run_json("package", "list", "openedx")] == [PACKAGE]
    assert run_json("dependent", "list", "openedx")[0]["branches"] == [
        {"branch": "main", "line": None},
        {"branch": ZEBRAWOOD, "line": "zebrawood"},
    ]

    planned = run_json(
        "plan", "OPENEDX-1", "--package", PACKAGE, "--fix", world.fix[:12], "--as", "bob"
    )
    steps = [(s["kind"], s["repository"], s["branch"], s["version"]) for s in planned["steps"]]
    assert steps == SEED_STEPS
    assert {s["status"] for s in planned["steps"]} == {"pending"}
    assert planned["fixed_versions"] == ["3.1.1", "2.5.1"]

    checked = run_json("dry-run", "OPENEDX-1")
    assert [s["checked"] for s in checked["steps"] if s["kind"] == "cherry_pick"] == ["clean"]

    done = run_json("execute", "OPENEDX-1", "--push", "--as", "bob")
    assert {s["status"] for s in done["steps"]} == {"done"}
    assert world.read(world.private["edx-platform"], ZEBRAWOOD, "requirements/base.txt") == (
        EDX_BASE.format(version="2.5.1").rstrip("\n")
    )
    assert "v2.5.1" in git(world.private[PACKAGE], "tag", "--list")
    assert "security/2.5.1" in git(world.private[PACKAGE], "branch", "--list")

    table = run("show", "OPENEDX-1")
    assert "security/2.5.1" in table
    assert "2.5.0 → 2.5.1" in table
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"backport.package_added", "backport.planned", "backport.executed"} <= actions


def test_a_conflict_fails_the_command_then_a_resolved_pick_lets_it_finish(
    conflicted: World,
) -> None:
    world = conflicted
    run("plan", "OPENEDX-1", "--package", PACKAGE, "--fix", world.fix)
    with pytest.raises(CommandError, match="1 cherry-pick would conflict"):
        run("dry-run", "OPENEDX-1")
    with pytest.raises(CommandError, match="4 steps not done: resolve the conflict"):
        run("execute", "OPENEDX-1")
    # v3.1.1 and the main pins were made, in the clones only: nothing is pushed without --push.
    assert "v3.1.1" in git(backports.clone_dir(world.report, PACKAGE), "tag", "--list")
    assert all(git(remote, "for-each-ref") == "" for remote in world.private.values())
    shown = run("show", "OPENEDX-1")
    assert "conflict in animals.py" in shown
    assert "<<<<<<<" in shown

    package = backports.clone_dir(world.report, PACKAGE)
    git(package, "checkout", "--quiet", "security/2.5.1")
    with pytest.raises(Exception, match="cherry-pick"):
        git(package, "cherry-pick", "-x", world.fix)
    (package / "animals.py").write_text(
        GREET_FIX.replace('f"hello {escape(name)}"', '"hello " + escape(name)')
    )
    git(package, "add", "animals.py")
    git(package, "-c", "core.editor=true", "cherry-pick", "--continue")

    done = run_json("execute", "OPENEDX-1", "--push")
    assert {s["status"] for s in done["steps"]} <= {"done", "already_done"}
    assert world.read(world.private["credentials"], ZEBRAWOOD, "setup.cfg").endswith("2.5.1")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", "OPENEDX-1", "--package", "nope", "--fix", "abc1234"), "has no package 'nope'"),
        (
            ("plan", "OPENEDX-1", "--package", PACKAGE, "--fix", "abc1234", "--compatible", "2.5"),
            "write VERSION=yes or VERSION=no",
        ),
        (("plan", "OPENEDX-1", "--package", PACKAGE, "--fix", "xyz"), "fix_commits: 'xyz'"),
        (("execute", "OPENEDX-1"), "has no backport planned; run `vulndesk backport plan`"),
        (("execute", "OPENEDX-9"), "no report OPENEDX-9"),
        (
            ("package", "add", "openedx", "x", "--repository", "ext::sh"),
            "repository: ext:: remotes",
        ),
        (
            ("dependent", "add", "openedx", "y", "--repository", "{repo}", "--branch", "b=quince"),
            "no release line 'quince'",
        ),
    ],
)
def test_errors_say_what_to_fix(conflicted: World, args: tuple[str, ...], message: str) -> None:
    given = [arg.replace("{repo}", str(conflicted.upstream.credentials)) for arg in args]
    with pytest.raises(CommandError, match=message):
        run(*given)


class Terminal(io.StringIO):
    """stderr as a person's terminal: rich draws its progress bar only on one."""

    def isatty(self) -> bool:
        return True


def test_a_progress_bar_on_stderr_counts_the_repositories_fetched_and_read(
    conflicted: World,
) -> None:
    out, err = io.StringIO(), Terminal()
    call_command(
        "backport",
        "plan",
        "OPENEDX-1",
        "--package",
        PACKAGE,
        "--fix",
        conflicted.fix,
        stdout=out,
        stderr=err,
    )
    drawn = err.getvalue()
    # The package and both dependents fetched, then both dependents' pins read: 5 of 5.
    assert "read the pins of" in drawn
    assert "5/5" in drawn
    assert "━" in drawn  # the bar itself
    assert "security/2.5.1" in out.getvalue()  # stdout holds the plan alone
    assert "5/5" not in out.getvalue()


def test_execute_with_test_runs_the_projects_test_command_on_each_new_branch(
    bare: World,
) -> None:
    world = bare
    register(world)
    world.project.test_command = "grep -q escape animals.py"  # only the package has animals.py
    world.project.save()
    run("plan", "OPENEDX-1", "--package", PACKAGE, "--fix", world.fix)
    steps = {s["id"]: s for s in run_json("execute", "OPENEDX-1", "--test")["steps"]}
    assert {s["status"] for s in steps.values()} == {"done"}
    # Once per moved branch, on its final head: the release on each of the package's branches
    # and each dependent's pin bump.
    tested = {step_id for step_id, s in steps.items() if "; tests on " in s["detail"]}
    assert tested == {
        "release:3.1.1",
        "release:2.5.1",
        *(f"bump:{name}@{branch}" for name in DEPENDENTS for branch in ("main", ZEBRAWOOD)),
    }
    assert steps["release:2.5.1"]["detail"].endswith("passed (exit 0)")
    assert (
        "failed (exit 2): grep: animals.py: No such file"
        in steps["bump:credentials@main"]["detail"]
    )
