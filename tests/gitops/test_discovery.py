from pathlib import Path

import pytest

from tests.gitops.animals import (
    PACKAGE,
    ZEBRAWOOD,
    Animals,
    add_fix,
    build_animals,
    build_dependent,
)
from tests.gitops.repos import git
from vulndesk.gitops.discovery import (
    DiscoveryError,
    DiscoveryJob,
    dependent_branch,
    discover_many,
    discover_pins,
    package_facts,
)
from vulndesk.versions.pins import Pin
from vulndesk.versions.plan import DependentBranch, Ecosystem

BRANCHES = ("main", ZEBRAWOOD)


@pytest.fixture
def animals(tmp_path: Path) -> Animals:
    return build_animals(tmp_path)


def summary(found: dict[str, list[Pin]]) -> dict[str, list[tuple[str, int, str | None]]]:
    return {branch: [(p.path, p.line, p.version) for p in pins] for branch, pins in found.items()}


def test_it_follows_a_requirements_include_and_reads_extras_and_markers(animals: Animals) -> None:
    found = discover_pins(animals.edx_platform, BRANCHES, PACKAGE, Ecosystem.PYPI)
    assert summary(found) == {
        "main": [("requirements/base.txt", 3, "3.1.0")],
        ZEBRAWOOD: [("requirements/base.txt", 3, "2.5.0")],
    }
    assert found["main"][0].name == "openedx-animals"


def test_it_reads_pyproject_on_one_branch_and_setup_cfg_on_another(animals: Animals) -> None:
    found = discover_pins(animals.credentials, BRANCHES, PACKAGE, Ecosystem.PYPI)
    assert summary(found) == {
        "main": [("pyproject.toml", 5, "3.1.0")],
        ZEBRAWOOD: [("setup.cfg", 7, "2.5.0")],
    }


def test_it_never_checks_anything_out(animals: Animals) -> None:
    bare = animals.credentials.parent / "credentials.git"
    git(
        animals.credentials.parent,
        "clone",
        "--quiet",
        "--bare",
        str(animals.credentials),
        str(bare),
    )
    found = discover_pins(bare, BRANCHES, PACKAGE, Ecosystem.PYPI)
    assert found[ZEBRAWOOD][0].version == "2.5.0"
    assert not (bare / "setup.cfg").exists()


def test_an_include_not_named_like_a_pin_file_is_read_from_the_same_tree(tmp_path: Path) -> None:
    repo = build_dependent(
        tmp_path,
        "studio",
        {
            "main": {
                "requirements.txt": "-r shared/common.pip\n",
                "shared/common.pip": "openedx-animals==3.1.0 ; python_version > '3'\n",
            },
            "old": {"requirements.txt": "-c shared/common.pip\nopenedx-animals\n"},
        },
    )
    with pytest.raises(DiscoveryError, match=r"studio on old: shared/common.pip is included"):
        discover_pins(repo, ["main", "old"], PACKAGE, Ecosystem.PYPI)
    found = discover_pins(repo, ["main"], PACKAGE, Ecosystem.PYPI)
    assert summary(found) == {"main": [("shared/common.pip", 1, "3.1.0")]}


def test_it_reads_npm_dependencies_and_dev_dependencies(tmp_path: Path) -> None:
    package_json = (
        '{\n  "name": "frontend-app",\n  "dependencies": {"@edx/animals": "1.2.0"},\n'
        '  "devDependencies": {"@edx/animals-testing": "^1.0.0"}\n}\n'
    )
    dev_json = '{\n  "name": "frontend-lib",\n  "devDependencies": {"@edx/animals": "~1.1.0"}\n}\n'
    repo = build_dependent(
        tmp_path,
        "frontend",
        {"main": {"package.json": package_json, "lib/package.json": dev_json}},
    )
    found = discover_pins(repo, ["main"], "@edx/animals", Ecosystem.NPM)
    assert [(p.path, p.group, p.spec, p.version) for p in found["main"]] == [
        ("lib/package.json", "devDependencies", "~1.1.0", None),
        ("package.json", "dependencies", "1.2.0", "1.2.0"),
    ]
    assert discover_pins(repo, ["main"], PACKAGE, Ecosystem.PYPI) == {"main": []}


def test_a_missing_branch_names_the_repository_and_the_branch(animals: Animals) -> None:
    with pytest.raises(DiscoveryError, match=r"edx-platform has no branch 'open-release/ash'"):
        discover_pins(animals.edx_platform, ["main", "open-release/ash"], PACKAGE, Ecosystem.PYPI)


def test_many_repositories_at_once_with_one_broken(animals: Animals, tmp_path: Path) -> None:
    jobs = [
        DiscoveryJob("edx-platform", animals.edx_platform, BRANCHES, PACKAGE, Ecosystem.PYPI),
        DiscoveryJob("gone", tmp_path / "gone", ("main",), PACKAGE, Ecosystem.PYPI),
        DiscoveryJob("credentials", animals.credentials, BRANCHES, PACKAGE, Ecosystem.PYPI),
    ]
    seen: list[str] = []
    results = discover_many(jobs, workers=2, progress=lambda job: seen.append(job.repository))
    assert [result.job.repository for result in results] == ["edx-platform", "gone", "credentials"]
    assert sorted(seen) == ["credentials", "edx-platform", "gone"]
    assert results[1].error is not None
    assert "gone has no branch 'main'" in results[1].error
    assert results[1].pins == {}
    assert results[0].error is None
    assert results[0].pins[ZEBRAWOOD][0].version == "2.5.0"
    assert results[2].pins["main"][0].path == "pyproject.toml"


def test_a_dependent_branch_pins_one_version_only_when_its_pins_agree(animals: Animals) -> None:
    pins = discover_pins(animals.edx_platform, ["main"], PACKAGE, Ecosystem.PYPI)["main"]
    assert dependent_branch("edx-platform", "main", None, pins) == DependentBranch(
        "edx-platform", "main", None, "3.1.0", ("requirements/base.txt",)
    )
    credentials = discover_pins(animals.credentials, BRANCHES, PACKAGE, Ecosystem.PYPI)
    both = [*pins, *credentials[ZEBRAWOOD]]
    mixed = dependent_branch("x", "main", "zebrawood", both)
    assert mixed.pinned is None
    assert mixed.files == ("requirements/base.txt", "setup.cfg")


def test_package_facts_come_from_the_metadata_and_the_tags(animals: Animals) -> None:
    fix = add_fix(animals.package)
    git(animals.package, "tag", "vnext")  # follows the pattern but is no version
    facts = package_facts(
        animals.package,
        name=PACKAGE,
        ecosystem=Ecosystem.PYPI,
        main_branch="main",
        tag_pattern="v{version}",
        fix_commits=[fix[:10]],
    )
    assert facts.main_version == "3.1.0"
    assert facts.released == frozenset({"2.5.0", "3.0.0", "3.1.0"})
    assert facts.fix_commits == (fix,)


def test_package_facts_refuse_metadata_that_disagrees(animals: Animals) -> None:
    (animals.package / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "3.2.0"\n')
    git(animals.package, "commit", "--quiet", "-am", "Half a bump")
    with pytest.raises(DiscoveryError, match=r"disagrees on the version \(pyproject.toml says"):
        package_facts(
            animals.package,
            name=PACKAGE,
            ecosystem=Ecosystem.PYPI,
            main_branch="main",
            tag_pattern="v{version}",
            fix_commits=[],
        )
