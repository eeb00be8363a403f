"""The backport plan: the Open edX playbook's steps (OEDX-4 to OEDX-14) from the package's facts
and every dependent branch's pin."""

import pytest

from vulndesk.versions.backport import plan_backports
from vulndesk.versions.ecosystems import VersionError
from vulndesk.versions.plan import (
    Compatibility,
    DependentBranch,
    Ecosystem,
    PackageFacts,
    Problem,
    Step,
    StepKind,
)

ZEBRAWOOD = "open-release/zebrawood.master"
FIX = ("f1x0001", "f1x0002")


def animals(
    main_version: str = "3.1.0",
    released: tuple[str, ...] = ("2.4.0", "2.5.0", "3.0.0", "3.1.0"),
    ecosystem: Ecosystem = Ecosystem.PYPI,
    name: str = "openedx-animals",
) -> PackageFacts:
    return PackageFacts(
        name=name,
        ecosystem=ecosystem,
        main_branch="main",
        main_version=main_version,
        tag_pattern="v{version}",
        released=frozenset(released),
        fix_commits=FIX,
    )


def branch(
    repository: str, pinned: str | None, line: str | None = "zebrawood", name: str | None = None
) -> DependentBranch:
    files = ("requirements/base.txt",) if pinned is not None else ()
    return DependentBranch(
        repository=repository,
        branch=name or (ZEBRAWOOD if line else "main"),
        line=line,
        pinned=pinned,
        files=files,
    )


SEED_DEPENDENTS = (
    branch("edx-platform", "3.1.0", line=None),
    branch("credentials", "3.1.0", line=None),
    branch("edx-platform", "2.5.0"),
    branch("credentials", "2.5.0"),
)


def test_the_seed_example_matches_the_playbook_step_by_step() -> None:
    """OEDX-4 … OEDX-13: openedx-animals 3.1.0 on main and 2.5.0 in Zebrawood, installed in
    edx-platform and credentials."""
    plan = plan_backports(animals(), SEED_DEPENDENTS)
    assert [(step.id, step.kind) for step in plan.steps] == [
        ("merge", StepKind.MERGE_FIX),  # 1. merge the fix into openedx-animals' main (OEDX-5)
        ("release:3.1.1", StepKind.RELEASE),  # 2. release 3.1.1 from main (OEDX-6)
        ("bump:edx-platform@main", StepKind.BUMP_PIN),  # 3. 3.1.0 → 3.1.1 (OEDX-7)
        ("bump:credentials@main", StepKind.BUMP_PIN),
        ("branch:security/2.5.1", StepKind.CREATE_BRANCH),  # 4.1.1 (OEDX-9, OEDX-10)
        ("pick:security/2.5.1", StepKind.CHERRY_PICK),  # 4.1.2 (OEDX-11)
        ("release:2.5.1", StepKind.RELEASE),  # 4.1.3 (OEDX-12)
        (f"bump:edx-platform@{ZEBRAWOOD}", StepKind.BUMP_PIN),  # 4.1.4 (OEDX-13)
        (f"bump:credentials@{ZEBRAWOOD}", StepKind.BUMP_PIN),
    ]
    merge = plan.step("merge")
    assert (merge.repository, merge.branch, merge.commits, merge.after) == (
        "openedx-animals",
        "main",
        FIX,
        (),
    )
    release = plan.step("release:3.1.1")
    assert (release.branch, release.version, release.old_version, release.tag, release.latest) == (
        "main",
        "3.1.1",
        "3.1.0",
        "v3.1.1",
        True,
    )
    for repository in ("edx-platform", "credentials"):
        bump = plan.step(f"bump:{repository}@main")
        assert (bump.repository, bump.branch, bump.old_version, bump.version, bump.after) == (
            repository,
            "main",
            "3.1.0",
            "3.1.1",
            ("release:3.1.1",),
        )
        assert bump.files == ("requirements/base.txt",)
    created = plan.step("branch:security/2.5.1")
    assert (created.repository, created.branch, created.base) == (
        "openedx-animals",
        "security/2.5.1",
        "v2.5.0",
    )
    assert "major release behind" in created.reason
    pick = plan.step("pick:security/2.5.1")
    assert (pick.branch, pick.commits, pick.after) == (
        "security/2.5.1",
        FIX,
        ("branch:security/2.5.1",),
    )
    backport = plan.step("release:2.5.1")
    assert (backport.branch, backport.version, backport.tag, backport.latest, backport.after) == (
        "security/2.5.1",
        "2.5.1",
        "v2.5.1",
        False,
        ("pick:security/2.5.1",),
    )
    for repository in ("edx-platform", "credentials"):
        bump = plan.step(f"bump:{repository}@{ZEBRAWOOD}")
        assert (bump.old_version, bump.version, bump.after) == (
            "2.5.0",
            "2.5.1",
            ("release:2.5.1",),
        )
    assert plan.fixed_versions == ("3.1.1", "2.5.1")
    assert plan.problems == ()


def test_a_compatible_release_line_is_bumped_to_the_main_release_oedx_14() -> None:
    dependents = (branch("edx-platform", "3.1.0", line=None), branch("edx-platform", "3.0.0"))
    plan = plan_backports(animals(), dependents)
    assert [step.id for step in plan.steps] == [
        "merge",
        "release:3.1.1",
        "bump:edx-platform@main",
        f"bump:edx-platform@{ZEBRAWOOD}",
    ]
    bump = plan.step(f"bump:edx-platform@{ZEBRAWOOD}")
    assert (bump.old_version, bump.version, bump.after) == ("3.0.0", "3.1.1", ("release:3.1.1",))
    assert "OEDX-14" in bump.reason
    assert plan.fixed_versions == ("3.1.1",)


def test_a_persons_yes_overrides_the_major_version_default_oedx_8() -> None:
    plan = plan_backports(animals(), SEED_DEPENDENTS, decisions={"2.5.0": True})
    assert plan.step(f"bump:credentials@{ZEBRAWOOD}").version == "3.1.1"
    assert not any(step.kind is StepKind.CREATE_BRANCH for step in plan.steps)
    assert "a person answered" in plan.step(f"bump:credentials@{ZEBRAWOOD}").reason


def test_a_persons_no_gives_a_same_major_line_its_own_backport() -> None:
    dependents = (branch("edx-platform", "3.0.0"),)
    plan = plan_backports(animals(), dependents, decisions={"3.0": False})
    assert plan.step("release:3.0.1").branch == "security/3.0.1"
    assert plan.step("branch:security/3.0.1").base == "v3.0.0"


def test_taken_numbers_are_skipped_for_both_releases() -> None:
    released = ("2.5.0", "2.5.1", "2.5.2", "3.1.0", "3.1.1")
    plan = plan_backports(animals(released=released), SEED_DEPENDENTS)
    assert plan.fixed_versions == ("3.1.2", "2.5.3")
    assert plan.step("release:3.1.2").tag == "v3.1.2"
    assert plan.step("branch:security/2.5.3").base == "v2.5.0"
    assert plan.step(f"bump:credentials@{ZEBRAWOOD}").version == "2.5.3"


def test_no_room_below_the_main_release_is_a_problem_saying_what_to_do() -> None:
    dependents = (branch("edx-platform", "3.1.0"),)
    plan = plan_backports(animals(), dependents, compatibility=Compatibility.NEVER)
    assert [step.id for step in plan.steps] == ["merge", "release:3.1.1"]
    (problem,) = plan.problems
    assert (problem.repository, problem.branch) == ("edx-platform", ZEBRAWOOD)
    assert "no free version number above 3.1.0 and below the fixed 3.1.1" in problem.reason
    assert "compatible" in problem.reason


def test_branches_at_or_above_the_fixed_release_are_skipped() -> None:
    dependents = (branch("edx-platform", "3.1.1", line=None), branch("credentials", "3.2.0"))
    plan = plan_backports(animals(), dependents)
    assert [(step.id, step.kind) for step in plan.steps[2:]] == [
        ("skip:edx-platform@main", StepKind.SKIP),
        (f"skip:credentials@{ZEBRAWOOD}", StepKind.SKIP),
    ]
    assert "at or above the fixed 3.1.1" in plan.step("skip:edx-platform@main").reason


def test_a_branch_without_a_single_pinned_version_is_a_problem_or_a_skip() -> None:
    ranged = DependentBranch("edx-platform", ZEBRAWOOD, "zebrawood", None, ("setup.cfg",))
    unpinned = DependentBranch("credentials", "main", None, None, ())
    plan = plan_backports(animals(), (ranged, unpinned))
    assert plan.problems == (
        Problem(
            "edx-platform",
            ZEBRAWOOD,
            "pins openedx-animals with a range, not one version; pin the exact version it "
            "installs, or raise the range's lower bound to a fixed version by hand",
        ),
    )
    assert plan.step("skip:credentials@main").kind is StepKind.SKIP


def test_branches_pinning_the_same_old_version_share_one_backport() -> None:
    dependents = (
        branch("edx-platform", "2.5.0"),
        branch("credentials", "2.4.0", name="open-release/yew.master"),
        branch("ecommerce", "2.5.0"),
    )
    plan = plan_backports(animals(), dependents)
    kinds = [step.kind for step in plan.steps]
    assert kinds.count(StepKind.CREATE_BRANCH) == 2
    assert plan.fixed_versions == ("3.1.1", "2.5.1", "2.4.1")
    assert [step.id for step in plan.steps if step.after == ("release:2.5.1",)] == [
        f"bump:edx-platform@{ZEBRAWOOD}",
        f"bump:ecommerce@{ZEBRAWOOD}",
    ]


def test_npm_semver_and_pre_releases() -> None:
    package = animals(
        main_version="3.2.0-rc.1",
        released=("2.5.0", "3.1.0", "3.2.0-rc.1"),
        ecosystem=Ecosystem.NPM,
        name="@openedx/animals",
    )
    dependents = (branch("frontend", "3.2.0-rc.1", line=None), branch("frontend", "2.5.0"))
    plan = plan_backports(package, dependents)
    assert plan.fixed_versions == ("3.2.0", "2.5.1")
    assert plan.step("bump:frontend@main").old_version == "3.2.0-rc.1"


def test_a_pre_release_pinned_on_a_release_line_gets_its_final_as_the_backport() -> None:
    dependents = (branch("edx-platform", "2.5.0rc2"),)
    plan = plan_backports(animals(released=("2.5.0rc2", "3.1.0")), dependents)
    assert plan.step("branch:security/2.5.0").base == "v2.5.0rc2"
    assert plan.fixed_versions == ("3.1.1", "2.5.0")


def test_a_bad_pin_names_the_dependent_and_branch() -> None:
    with pytest.raises(VersionError, match=f"credentials@{ZEBRAWOOD} pins: 'two'"):
        plan_backports(animals(), (branch("credentials", "two"),))


def test_a_bad_main_version_names_the_package() -> None:
    with pytest.raises(VersionError, match="openedx-animals on main"):
        plan_backports(animals(main_version="latest"), SEED_DEPENDENTS)


def test_a_branch_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        plan_backports(animals(), (branch("a", "2.5.0"), branch("a", "2.4.0")))


def test_a_top_level_repository_merges_then_cherry_picks_onto_its_release_branch_oedx_2() -> None:
    """OEDX-2, OEDX-3: no dependents, its own open-release/<xyz>.master branch named."""
    package = animals(name="edx-platform")
    own = (DependentBranch("edx-platform", ZEBRAWOOD, "zebrawood", None, ()),)
    plan = plan_backports(package, own)
    assert plan.steps == (
        plan.step("merge"),
        Step(
            f"pick:{ZEBRAWOOD}",
            StepKind.CHERRY_PICK,
            "edx-platform",
            ZEBRAWOOD,
            f"cherry-pick the fix from main onto the release branch {ZEBRAWOOD} (OEDX-2)",
            commits=FIX,
            after=("merge",),
        ),
    )
    assert plan.fixed_versions == ()


def test_a_package_nobody_depends_on_gets_only_the_merge_oedx_4() -> None:
    plan = plan_backports(animals(), ())
    assert [step.id for step in plan.steps] == ["merge"]


def test_a_pin_of_a_version_never_released_has_no_tag_to_branch_from() -> None:
    plan = plan_backports(animals(released=("3.1.0",)), (branch("credentials", "2.5.0"),))
    (problem,) = plan.problems
    assert "2.5.0 was never released (no tag v2.5.0)" in problem.reason
    assert [step.id for step in plan.steps] == ["merge", "release:3.1.1"]


@pytest.mark.parametrize(
    ("ecosystem", "pinned", "released", "base"),
    [
        (Ecosystem.PYPI, "2.5", "2.5.0", "v2.5.0"),
        (Ecosystem.PYPI, "2.5.0", "2.5", "v2.5"),
        (Ecosystem.NPM, "2.5.0", "2.5.0+build.7", "v2.5.0+build.7"),
    ],
)
def test_a_backport_branches_from_the_tag_as_it_was_made_not_as_the_pin_spells_it_oedx_10(
    ecosystem: Ecosystem, pinned: str, released: str, base: str
) -> None:
    package = animals(released=(released, "3.1.0"), ecosystem=ecosystem)
    plan = plan_backports(package, (branch("credentials", pinned),))
    assert plan.step("branch:security/2.5.1").base == base
    assert plan.step(f"bump:credentials@{ZEBRAWOOD}").old_version == pinned


def test_a_line_pinning_an_older_0_x_minor_gets_a_backport_saying_why() -> None:
    package = animals(main_version="0.5.0", released=("0.2.3", "0.5.0"))
    plan = plan_backports(package, (branch("credentials", "0.2.3"),))
    assert plan.fixed_versions == ("0.5.1", "0.2.4")
    assert plan.step("branch:security/0.2.4").reason.startswith(
        "0.2.3 is a minor release behind 0.5.1, and before 1.0 a minor release may break (OEDX-9)"
    )


def test_a_release_above_mains_version_is_a_problem_and_the_fix_release_is_not_latest() -> None:
    """OEDX-6 makes the main release the latest; with 3.2.0 already out and main stating 3.1.0
    (its metadata behind its tags), 3.1.1 would not be, and a branch pinning 3.2.0 does not
    carry the fix."""
    package = animals(released=("2.5.0", "3.1.0", "3.2.0", "3.3.0rc1"))
    plan = plan_backports(package, (branch("credentials", "3.2.0", line=None),))
    assert plan.step("release:3.1.1").latest is False
    (problem,) = plan.problems
    assert (problem.repository, problem.branch) == ("openedx-animals", "main")
    assert "3.2.0 is already released, above 3.1.1" in problem.reason
    assert "set the version on main" in problem.reason
