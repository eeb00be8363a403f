"""Carrying out the Open edX playbook's example (OEDX-5 to OEDX-14) on real repositories."""

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.gitops.animals import (
    CREDENTIALS_PYPROJECT,
    CREDENTIALS_SETUP_CFG,
    EDX_BASE,
    GREET_FIX,
    PACKAGE,
    ZEBRAWOOD,
    Animals,
    add_fix,
    build_animals,
    build_dependent,
    module_init,
    pyproject,
)
from tests.gitops.repos import git
from vulndesk.gitops.backport import Identity, StepOutcome, dry_run, execute
from vulndesk.gitops.objects import read_blobs, refs
from vulndesk.gitops.workspace import workspace
from vulndesk.versions.plan import Ecosystem, PackageFacts, Plan, Step, StepKind

RELEASER = Identity("Rita Release", "rita@example.org")
ADVISORY = "EMISSARY-7 / CVE-2024-1234 / GHSA-abcd-efgh-ijkl"
SECURITY = "security/2.5.1"


def animals_plan(
    fix: str, *, dependents: tuple[str, ...] = ("edx-platform", "credentials")
) -> Plan:
    """The seed's process, step by step (OEDX-5 … OEDX-13)."""
    facts = PackageFacts(
        PACKAGE,
        Ecosystem.PYPI,
        "main",
        "3.1.0",
        "v{version}",
        frozenset({"2.5.0", "3.1.0"}),
        (fix,),
    )
    steps = [
        Step("merge", StepKind.MERGE_FIX, PACKAGE, "main", "the fix", commits=(fix,)),
        Step(
            "release:3.1.1",
            StepKind.RELEASE,
            PACKAGE,
            "main",
            "next patch",
            version="3.1.1",
            old_version="3.1.0",
            tag="v3.1.1",
            latest=True,
            after=("merge",),
        ),
        *(
            Step(
                f"bump:{name}@main",
                StepKind.BUMP_PIN,
                name,
                "main",
                "pins 3.1.0",
                version="3.1.1",
                old_version="3.1.0",
                files=(MAIN_FILES[name],),
                after=("release:3.1.1",),
            )
            for name in dependents
        ),
        Step(
            "branch",
            StepKind.CREATE_BRANCH,
            PACKAGE,
            SECURITY,
            "a major release behind",
            base="v2.5.0",
            after=("merge",),
        ),
        Step(
            "pick",
            StepKind.CHERRY_PICK,
            PACKAGE,
            SECURITY,
            "backport",
            commits=(fix,),
            after=("branch",),
        ),
        Step(
            "release:2.5.1",
            StepKind.RELEASE,
            PACKAGE,
            SECURITY,
            "lower than 3.1.1",
            version="2.5.1",
            old_version="2.5.0",
            tag="v2.5.1",
            after=("pick",),
        ),
        *(
            Step(
                f"bump:{name}@{ZEBRAWOOD}",
                StepKind.BUMP_PIN,
                name,
                ZEBRAWOOD,
                "pins 2.5.0",
                version="2.5.1",
                old_version="2.5.0",
                files=(ZEBRAWOOD_FILES[name],),
                after=("release:2.5.1",),
            )
            for name in dependents
        ),
    ]
    return Plan(facts, tuple(steps), fixed_versions=("2.5.1", "3.1.1"))


MAIN_FILES = {"edx-platform": "requirements/base.txt", "credentials": "pyproject.toml"}
ZEBRAWOOD_FILES = {"edx-platform": "requirements/base.txt", "credentials": "setup.cfg"}


@dataclass(frozen=True)
class World:
    upstream: Animals
    clones: dict[str, Path]
    private: dict[str, Path]  # bare, empty "private security remotes"
    fix: str

    def file(self, repository: str, ref: str, path: str) -> str | None:
        return read_blobs(self.clones[repository], ref, [path])[path]

    def run(
        self, *, push: dict[str, str] | None = None, test_command: str | None = None
    ) -> dict[str, StepOutcome]:
        outcomes = execute(
            animals_plan(self.fix),
            self.clones,
            identity=RELEASER,
            message=ADVISORY,
            push=push,
            test_command=test_command,
        )
        return {outcome.step_id: outcome for outcome in outcomes}


def make_world(root: Path, *, conflicting: bool = False) -> World:
    upstream = build_animals(root / "upstream")
    fix = add_fix(upstream.package, conflicting=conflicting)
    clones = {
        name: workspace(str(path), root / "clones" / name) for name, path in upstream.repos.items()
    }
    private = {}
    for name in clones:
        private[name] = root / "private" / f"{name}.git"
        git(root, "init", "--quiet", "--bare", str(private[name]))
    return World(upstream, clones, private, fix)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


@pytest.fixture
def conflicted(tmp_path: Path) -> World:
    return make_world(tmp_path, conflicting=True)


def statuses(outcomes: dict[str, StepOutcome]) -> dict[str, str]:
    return {step_id: outcome.status for step_id, outcome in outcomes.items()}


def worktrees(repo: Path) -> int:
    return len(git(repo, "worktree", "list", "--porcelain").split("\n\n"))


# --- dry run ---------------------------------------------------------------------------------


def test_dry_run_says_the_pick_applies_cleanly_and_writes_nothing(world: World) -> None:
    package = world.clones[PACKAGE]
    before = refs(package)
    [check] = dry_run(animals_plan(world.fix), world.clones)
    assert check.step_id == "pick"
    assert check.clean
    assert check.conflicts == ()
    assert "1 commit apply cleanly on v2.5.0" in check.detail
    assert refs(package) == before
    assert worktrees(package) == 1  # the scratch worktree is gone


def test_dry_run_names_the_conflicting_files_and_hunks(conflicted: World) -> None:
    package = conflicted.clones[PACKAGE]
    before = refs(package)
    [check] = dry_run(animals_plan(conflicted.fix), conflicted.clones)
    assert not check.clean
    [conflict] = check.conflicts
    assert conflict.path == "animals.py"
    [hunk] = conflict.hunks
    assert hunk.startswith("<<<<<<< ")
    assert 'return "hello " + name' in hunk  # 2.5.0's line
    assert 'f"hello {escape(name)}"' in hunk  # the fix's
    assert hunk.rstrip().splitlines()[-1].startswith(">>>>>>> ")
    assert "conflicts on v2.5.0 in animals.py" in check.detail
    assert refs(package) == before
    assert worktrees(package) == 1


def test_dry_run_says_when_a_fix_commit_is_missing(world: World) -> None:
    plan = animals_plan("0123456789abcdef0123456789abcdef01234567")
    [check] = dry_run(plan, world.clones)
    assert not check.clean
    assert "fix commit 0123456789ab is not in openedx-animals" in check.detail


# --- execute ---------------------------------------------------------------------------------


def test_execute_carries_out_the_whole_playbook(world: World) -> None:
    upstream_before = {name: refs(path) for name, path in world.upstream.repos.items()}
    outcomes = world.run()
    assert set(statuses(outcomes).values()) == {"done"}, outcomes
    package = world.clones[PACKAGE]
    found = refs(package)

    # OEDX-6: 3.1.1 released from main, on top of the fix, tagged.
    release_main = found["refs/heads/main"]
    assert git(package, "rev-parse", f"{release_main}^") == world.fix
    assert git(package, "log", "-1", "--format=%s%n%n%b", release_main).startswith(
        f"Release 3.1.1\n\n{ADVISORY}"
    )
    assert found["refs/tags/v3.1.1"] == release_main
    assert world.file(PACKAGE, "v3.1.1", "pyproject.toml") == pyproject("3.1.1")  # the comment kept
    assert world.file(PACKAGE, "v3.1.1", "src/openedx_animals/__init__.py") == module_init("3.1.1")

    # OEDX-10/11/12: security/2.5.1 from the v2.5.0 tag, the fix picked with -x, 2.5.1 released.
    release_old = found[f"refs/heads/{SECURITY}"]
    picked = git(package, "rev-parse", f"{release_old}^")
    assert git(package, "rev-parse", f"{picked}^") == found["refs/tags/v2.5.0"]
    assert f"(cherry picked from commit {world.fix})" in git(
        package, "log", "-1", "--format=%B", picked
    )
    assert git(package, "log", "-1", "--format=%an <%ae>", picked) == "Fay Fixer <fay@example.org>"
    assert (
        git(package, "log", "-1", "--format=%cn <%ce>", picked) == "Rita Release <rita@example.org>"
    )
    assert found["refs/tags/v2.5.1"] == release_old
    assert git(package, "cat-file", "-t", "v2.5.1") == "tag"  # annotated
    assert git(package, "tag", "-l", "--format=%(taggername)", "v2.5.1") == "Rita Release"
    assert world.file(PACKAGE, "v2.5.1", "pyproject.toml") == pyproject("2.5.1")
    animals = world.file(PACKAGE, "v2.5.1", "animals.py") or ""
    assert 'escape(animal) + " is fed"' in animals
    assert 'return "hello " + name' in animals  # still 2.5's greet
    assert "(not the latest release)" in outcomes["release:2.5.1"].detail

    # OEDX-7 and OEDX-13: every dependent branch pins its fixed release, formatting kept.
    assert world.file("edx-platform", "main", "requirements/base.txt") == EDX_BASE.format(
        version="3.1.1"
    )
    assert world.file("edx-platform", ZEBRAWOOD, "requirements/base.txt") == EDX_BASE.format(
        version="2.5.1"
    )
    assert world.file("credentials", "main", "pyproject.toml") == CREDENTIALS_PYPROJECT.format(
        version="3.1.1"
    )
    assert world.file("credentials", ZEBRAWOOD, "setup.cfg") == CREDENTIALS_SETUP_CFG.format(
        version="2.5.1"
    )
    message = git(world.clones["credentials"], "log", "-1", "--format=%B", ZEBRAWOOD)
    assert message.startswith(f"Upgrade openedx-animals from 2.5.0 to 2.5.1\n\n{ADVISORY}")

    # vulndesk never wrote in the repositories it was given.
    assert {name: refs(path) for name, path in world.upstream.repos.items()} == upstream_before


def test_running_again_finds_everything_already_done(world: World) -> None:
    world.run()
    after_first = {name: refs(path) for name, path in world.clones.items()}
    outcomes = world.run()
    assert statuses(outcomes) == {
        "merge": "done",
        **{step: "already_done" for step in outcomes if step != "merge"},
    }
    assert {name: refs(path) for name, path in world.clones.items()} == after_first


def test_a_conflict_leaves_no_half_applied_branch_and_blocks_what_follows(
    conflicted: World,
) -> None:
    outcomes = conflicted.run()
    assert statuses(outcomes) == {
        "merge": "done",
        "release:3.1.1": "done",
        "bump:edx-platform@main": "done",
        "bump:credentials@main": "done",
        "branch": "done",
        "pick": "conflict",
        "release:2.5.1": "blocked",
        f"bump:edx-platform@{ZEBRAWOOD}": "blocked",
        f"bump:credentials@{ZEBRAWOOD}": "blocked",
    }
    pick = outcomes["pick"]
    assert [conflict.path for conflict in pick.conflicts] == ["animals.py"]
    assert "escape(name)" in pick.conflicts[0].hunks[0]
    assert "nothing was changed" in pick.detail
    assert outcomes["release:2.5.1"].detail == "waits for pick (conflict)"
    package = conflicted.clones[PACKAGE]
    found = refs(package)
    assert found[f"refs/heads/{SECURITY}"] == found["refs/tags/v2.5.0"]  # at the tag, no half pick
    assert "refs/tags/v2.5.1" not in found
    assert worktrees(package) == 1
    assert conflicted.file("edx-platform", ZEBRAWOOD, "requirements/base.txt") == EDX_BASE.format(
        version="2.5.0"
    )


def test_resolving_the_conflict_then_running_again_continues_where_it_stopped(
    conflicted: World,
) -> None:
    conflicted.run()
    package = conflicted.clones[PACKAGE]
    # A person resolves the pick by hand on the security branch, in the clone.
    git(package, "checkout", "--quiet", SECURITY)
    with pytest.raises(subprocess.CalledProcessError):  # it conflicts, as the run said
        git(package, "cherry-pick", "-x", conflicted.fix)
    (package / "animals.py").write_text(
        GREET_FIX.replace('f"hello {escape(name)}"', '"hello " + escape(name)')
    )
    git(package, "add", "animals.py")
    git(package, "-c", "core.editor=true", "cherry-pick", "--continue")

    outcomes = conflicted.run()
    assert outcomes["pick"].status == "already_done"
    assert outcomes["release:2.5.1"].status == "done"
    assert outcomes[f"bump:edx-platform@{ZEBRAWOOD}"].status == "done"
    assert outcomes[f"bump:credentials@{ZEBRAWOOD}"].status == "done"
    assert outcomes["release:3.1.1"].status == "already_done"
    assert conflicted.file(PACKAGE, "v2.5.1", "animals.py") is not None
    assert '"hello " + escape(name)' in (conflicted.file(PACKAGE, "v2.5.1", "animals.py") or "")
    assert conflicted.file("credentials", ZEBRAWOOD, "setup.cfg") == CREDENTIALS_SETUP_CFG.format(
        version="2.5.1"
    )


def test_push_puts_the_new_branches_and_tags_on_the_private_remote(world: World) -> None:
    outcomes = world.run(push={name: str(path) for name, path in world.private.items()})
    assert set(statuses(outcomes).values()) == {"done"}
    pushed = refs(world.private[PACKAGE])
    local = refs(world.clones[PACKAGE])
    assert pushed == {
        name: local[name]
        for name in (
            "refs/heads/main",
            f"refs/heads/{SECURITY}",
            "refs/tags/v3.1.1",
            "refs/tags/v2.5.1",
        )
    }
    assert set(refs(world.private["credentials"])) == {"refs/heads/main", f"refs/heads/{ZEBRAWOOD}"}


def test_nothing_leaves_the_clones_without_push(world: World) -> None:
    world.run()
    assert all(refs(path) == {} for path in world.private.values())


def test_a_hashed_pin_fails_its_step_and_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    hashed = "openedx-animals==3.1.0 \\\n    --hash=sha256:" + "a" * 64 + "\n"
    ecommerce = build_dependent(tmp_path, "ecommerce", {"main": {"requirements.txt": hashed}})
    world = make_world(tmp_path / "w")
    clone = workspace(str(ecommerce), tmp_path / "clones-ecommerce")
    head = refs(clone)["refs/heads/main"]
    plan = animals_plan(world.fix, dependents=())
    bump = Step(
        "bump:ecommerce@main",
        StepKind.BUMP_PIN,
        "ecommerce",
        "main",
        "pins 3.1.0",
        version="3.1.1",
        old_version="3.1.0",
        files=("requirements.txt",),
        after=("release:3.1.1",),
    )
    plan = Plan(plan.package, (*plan.steps, bump))
    outcomes = execute(
        plan, {**world.clones, "ecommerce": clone}, identity=RELEASER, message=ADVISORY
    )
    [outcome] = [o for o in outcomes if o.step_id == "bump:ecommerce@main"]
    assert outcome.status == "failed"
    assert "--hash" in outcome.detail
    assert "regenerate the hashes" in outcome.detail
    assert refs(clone)["refs/heads/main"] == head
    assert read_blobs(clone, "main", ["requirements.txt"]) == {"requirements.txt": hashed}


def test_a_fix_not_yet_on_main_fails_the_merge_step_and_blocks_the_rest(tmp_path: Path) -> None:
    upstream = build_animals(tmp_path / "upstream")
    git(upstream.package, "branch", "fix", "main")
    fix = add_fix(upstream.package, branch="fix")  # never merged
    clones = {
        name: workspace(str(path), tmp_path / "clones" / name)
        for name, path in upstream.repos.items()
    }
    outcomes = {
        o.step_id: o
        for o in execute(animals_plan(fix), clones, identity=RELEASER, message=ADVISORY)
    }
    assert outcomes["merge"].status == "failed"
    assert (
        "not on main of openedx-animals yet: merge the fix there first (OEDX-5)"
        in outcomes["merge"].detail
    )
    assert {o.status for step_id, o in outcomes.items() if step_id != "merge"} == {"blocked"}


def test_the_test_command_runs_on_each_new_branch_head(world: World) -> None:
    # Passes where the fix is (the package's branches), fails elsewhere (the dependents).
    outcomes = world.run(test_command="grep -q escape animals.py")
    release = outcomes["release:2.5.1"]
    assert release.status == "done"
    assert "; tests on " in release.detail
    assert release.detail.endswith("passed (exit 0)")
    bump = outcomes["bump:credentials@main"]
    assert bump.status == "done"  # the tests say how the branch fares; the step itself is done
    assert "failed (exit 2): grep: animals.py: No such file or directory" in bump.detail
    assert "tests on" not in outcomes["pick"].detail  # once per branch, on its final head


def test_a_fix_merged_with_a_merge_commit_is_picked_against_its_first_parent(
    tmp_path: Path,
) -> None:
    upstream = build_animals(tmp_path / "upstream")
    git(upstream.package, "branch", "fix", "main")
    add_fix(upstream.package, branch="fix")
    git(upstream.package, "checkout", "--quiet", "main")
    git(upstream.package, "merge", "--quiet", "--no-ff", "-m", "Merge the fix", "fix")
    merge = git(upstream.package, "rev-parse", "HEAD")
    clones = {
        name: workspace(str(path), tmp_path / "clones" / name)
        for name, path in upstream.repos.items()
    }
    outcomes = execute(animals_plan(merge), clones, identity=RELEASER, message=ADVISORY)
    assert {outcome.status for outcome in outcomes} == {"done"}, outcomes
    package = clones[PACKAGE]
    assert 'escape(animal) + " is fed"' in (
        read_blobs(package, "v2.5.1", ["animals.py"])["animals.py"] or ""
    )
    assert f"(cherry picked from commit {merge})" in git(
        package, "log", "--format=%B", "v2.5.1~1", "-1"
    )


def test_a_push_that_fails_says_so_on_each_step_of_that_repository(world: World) -> None:
    push = {name: str(path) for name, path in world.private.items()}
    push["credentials"] = str(world.private["credentials"].parent / "missing.git")
    outcomes = world.run(push=push)
    credentials = [o for step_id, o in outcomes.items() if "credentials" in step_id]
    assert {o.status for o in credentials} == {"failed"}
    assert all(
        "but not pushed to" in o.detail and "does not exist" in o.detail for o in credentials
    )
    assert outcomes["bump:edx-platform@main"].status == "done"
    assert "refs/heads/main" in refs(world.private["edx-platform"])
