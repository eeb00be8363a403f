"""Every pin file format and every metadata kind, carried out on real git from discovery to the
files on the branches (OEDX-6, OEDX-7, OEDX-10 to OEDX-13).

Two packages beside the seed's example: zoo-keeper (PyPI) states its version only in setup.cfg
and is pinned in pyproject optional groups and a requirements file reached through `-r` with
extras, markers and a hashed neighbour; @zoo/animals (npm) states its version in package.json and
is pinned in a dependent's dependencies on main and devDependencies on a release line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.gitops.animals import build_dependent
from tests.gitops.repos import FAY, commit, git
from vulndesk.gitops import (
    DiscoveryJob,
    Identity,
    StepOutcome,
    dependent_branch,
    discover_many,
    dry_run,
    execute,
    package_facts,
    read_blobs,
    refs,
    workspace,
)
from vulndesk.versions.backport import plan_backports
from vulndesk.versions.plan import Ecosystem, Plan, StepKind

RELEASER = Identity("Rita Release", "rita@example.org")
ADVISORY = "Security fix: ZOO-4, CVE-2026-0042"
LINE_BRANCH = "release/juniper"
LINES = {"main": None, LINE_BRANCH: "juniper"}

KEEPER = "zoo-keeper"
KEEPER_CODE = "def keep(animal):\n    return animal\n"
KEEPER_FIX = "def keep(animal):\n    return escape(animal)\n"


def setup_cfg(version: str) -> str:
    return (
        "[metadata]\n"
        f"name = {KEEPER}\n"
        f"version = {version}\n"
        "description = Keeps the zoo\n\n"
        "[options]\npackages = find:\n"
    )


# PEP 621 with the package only in optional groups, written two ways.
ECOMMERCE_PYPROJECT = (
    "[project]\n"
    'name = "ecommerce"\n'
    'dependencies = ["Django==4.2.9"]\n\n'
    "[project.optional-dependencies]\n"
    "zoo = [\n"
    "    \"zoo-keeper[cli]=={version} ; python_version >= '3.8'\",  # the keeper\n"
    "]\n"
    'test = ["pytest", "zoo_keeper=={version}"]\n'
)
ECOMMERCE_REQUIREMENTS = "# production\n-r requirements/base.txt\n"
HASH = "sha256:" + "b" * 64
ECOMMERCE_BASE = (
    "# pinned by pip-compile\n"
    f"requests==2.31.0 --hash={HASH}\n"
    'zoo-keeper[cli,extra] == {version} ; sys_platform != "win32"  # keeper\n'
    "six==1.16.0\n"
)

ANIMALS = "@zoo/animals"
ANIMALS_CODE = "export const greet = (name) => `hello ${name}`;\n"
ANIMALS_FIX = "export const greet = (name) => `hello ${escape(name)}`;\n"


def package_json(version: str) -> str:
    # Two-space indentation, key order and no final newline: all must survive the release.
    return f'{{\n  "name": "@zoo/animals",\n  "version": "{version}",\n  "main": "index.js"\n}}'


FRONTEND_MAIN = (
    "{\n"
    '    "name": "frontend-app",\n'
    '    "dependencies": {\n'
    '        "react": "^18.2.0",\n'
    '        "@zoo/animals": "{version}"\n'
    "    },\n"
    '    "devDependencies": {\n'
    '        "jest": "^29.0.0"\n'
    "    }\n"
    "}\n"
)
FRONTEND_LINE = (
    "{\n"
    '  "name": "frontend-app",\n'
    '  "dependencies": {"react": "^17.0.2"},\n'
    '  "devDependencies": {"@zoo/animals": "{version}", "jest": "^27.0.0"}\n'
    "}\n"
)


def release(repo: Path, path: str, text: str, version: str, code: tuple[str, str]) -> None:
    (repo / code[0]).write_text(code[1])
    git(repo, "add", code[0])
    commit(repo, path, text, f"Release {version}")
    git(repo, "tag", "-a", "-m", f"Release {version}", f"v{version}")


@dataclass(frozen=True)
class Case:
    package: str
    ecosystem: Ecosystem
    upstream: dict[str, Path]
    fix: str
    clones: dict[str, Path]
    dependent: str
    old: str  # the version the release line pins, and
    backport: str  # the release made for it on security/X.Y.Z

    def plan(self) -> Plan:
        jobs = [
            DiscoveryJob(name, clone, tuple(LINES), self.package, self.ecosystem)
            for name, clone in self.clones.items()
            if name != self.package
        ]
        dependents = [
            dependent_branch(result.job.repository, branch, LINES[branch], pins)
            for result in discover_many(jobs)
            for branch, pins in result.pins.items()
        ]
        facts = package_facts(
            self.clones[self.package],
            name=self.package,
            ecosystem=self.ecosystem,
            main_branch="main",
            tag_pattern="v{version}",
            fix_commits=[self.fix],
        )
        return plan_backports(facts, dependents)

    def run(self) -> dict[str, StepOutcome]:
        plan = self.plan()
        assert [(s.kind, s.repository, s.branch) for s in plan.steps] == [
            (StepKind.MERGE_FIX, self.package, "main"),
            (StepKind.RELEASE, self.package, "main"),
            (StepKind.BUMP_PIN, self.dependent, "main"),
            (StepKind.CREATE_BRANCH, self.package, f"security/{self.backport}"),
            (StepKind.CHERRY_PICK, self.package, f"security/{self.backport}"),
            (StepKind.RELEASE, self.package, f"security/{self.backport}"),
            (StepKind.BUMP_PIN, self.dependent, LINE_BRANCH),
        ]
        [check] = dry_run(plan, self.clones)
        assert check.clean, check
        outcomes = execute(plan, self.clones, identity=RELEASER, message=ADVISORY)
        assert {o.status for o in outcomes} == {"done"}, outcomes
        return {o.step_id: o for o in outcomes}

    def file(self, repository: str, ref: str, path: str) -> str | None:
        return read_blobs(self.clones[repository], ref, [path])[path]

    def message(self, repository: str, ref: str) -> str:
        return git(self.clones[repository], "log", "-1", "--format=%B", ref)


def make_case(
    root: Path,
    package: str,
    ecosystem: Ecosystem,
    repo: Path,
    fix: str,
    dependent: Path,
    versions: tuple[str, str],
) -> Case:
    upstream = {package: repo, dependent.name: dependent}
    clones = {name: workspace(str(path), root / "clones" / name) for name, path in upstream.items()}
    return Case(package, ecosystem, upstream, fix, clones, dependent.name, *versions)


@pytest.fixture
def keeper(tmp_path: Path) -> Case:
    """zoo-keeper 1.2.0 then 2.0.0 on main, its version in setup.cfg alone; ecommerce pins 2.0.0
    in two optional groups on main and 1.2.0 through `-r` on its release line."""
    repo = tmp_path / KEEPER
    repo.mkdir()
    git(repo, "init", "--quiet", "-b", "main")
    release(repo, "setup.cfg", setup_cfg("1.2.0"), "1.2.0", ("keeper.py", KEEPER_CODE))
    release(repo, "setup.cfg", setup_cfg("2.0.0"), "2.0.0", ("NEWS", "2.0 drops Python 2\n"))
    fix = commit(repo, "keeper.py", KEEPER_FIX, "Escape what the keeper keeps", author=FAY)
    ecommerce = build_dependent(
        tmp_path,
        "ecommerce",
        {
            "main": {"pyproject.toml": ECOMMERCE_PYPROJECT.format(version="2.0.0")},
            LINE_BRANCH: {
                "requirements.txt": ECOMMERCE_REQUIREMENTS,
                "requirements/base.txt": ECOMMERCE_BASE.replace("{version}", "1.2.0"),
            },
        },
    )
    return make_case(tmp_path, KEEPER, Ecosystem.PYPI, repo, fix, ecommerce, ("1.2.0", "1.2.1"))


@pytest.fixture
def animals(tmp_path: Path) -> Case:
    """@zoo/animals 1.4.0 then 2.0.0 on main, its version in package.json; frontend-app pins
    2.0.0 in dependencies on main and 1.4.0 in devDependencies on its release line."""
    repo = tmp_path / "animals-js"
    repo.mkdir()
    git(repo, "init", "--quiet", "-b", "main")
    release(repo, "package.json", package_json("1.4.0"), "1.4.0", ("index.js", ANIMALS_CODE))
    release(repo, "package.json", package_json("2.0.0"), "2.0.0", ("NEWS", "2.0: ESM only\n"))
    fix = commit(repo, "index.js", ANIMALS_FIX, "Escape names in greet", author=FAY)
    frontend = build_dependent(
        tmp_path,
        "frontend-app",
        {
            "main": {"package.json": FRONTEND_MAIN.replace("{version}", "2.0.0")},
            LINE_BRANCH: {"package.json": FRONTEND_LINE.replace("{version}", "1.4.0")},
        },
    )
    return make_case(tmp_path, ANIMALS, Ecosystem.NPM, repo, fix, frontend, ("1.4.0", "1.4.1"))


def check_releases(case: Case, code: str, fixed: str) -> None:
    """2.0.1 from main, and the backport release from security/X.Y.Z, which starts at the old
    version's tag, picks the fix with -x and is tagged; both releases name the advisory."""
    old, backport = case.old, case.backport
    found = refs(case.clones[case.package])
    repo = case.clones[case.package]
    head = found[f"refs/heads/security/{backport}"]
    picked = git(repo, "rev-parse", f"{head}^")
    assert git(repo, "rev-parse", f"{picked}^") == git(repo, "rev-parse", f"v{old}^{{commit}}")
    assert f"(cherry picked from commit {case.fix})" in git(
        repo, "log", "-1", "--format=%B", picked
    )
    assert (case.file(case.package, f"v{backport}", code) or "") == fixed
    for tag, ref in ((f"v{backport}", head), ("v2.0.1", found["refs/heads/main"])):
        assert git(repo, "cat-file", "-t", tag) == "tag"
        assert git(repo, "rev-parse", f"{tag}^{{commit}}") == ref
        assert ADVISORY in git(repo, "tag", "-l", "--format=%(contents)", tag)
        assert ADVISORY in case.message(case.package, ref)


def test_a_setup_cfg_version_and_pins_in_pyproject_groups_and_an_included_requirements_file(
    keeper: Case,
) -> None:
    outcomes = keeper.run()
    assert outcomes["release:2.0.1"].status == "done"
    check_releases(keeper, "keeper.py", KEEPER_FIX)
    # The version changes in setup.cfg and nothing else does.
    assert keeper.file(KEEPER, "v2.0.1", "setup.cfg") == setup_cfg("2.0.1")
    assert keeper.file(KEEPER, "v1.2.1", "setup.cfg") == setup_cfg("1.2.1")
    assert keeper.file(KEEPER, "v1.2.1", "NEWS") is None  # 2.0's change stays on 2.0

    # Both optional groups on main; the file reached through -r on the line, extras, markers,
    # comment and the other line's hash kept byte for byte.
    assert keeper.file("ecommerce", "main", "pyproject.toml") == ECOMMERCE_PYPROJECT.format(
        version="2.0.1"
    )
    assert keeper.file("ecommerce", LINE_BRANCH, "requirements/base.txt") == (
        ECOMMERCE_BASE.replace("{version}", "1.2.1")
    )
    assert keeper.file("ecommerce", LINE_BRANCH, "requirements.txt") == ECOMMERCE_REQUIREMENTS
    for branch, old, new in (("main", "2.0.0", "2.0.1"), (LINE_BRANCH, "1.2.0", "1.2.1")):
        assert keeper.message("ecommerce", branch) == (
            f"Upgrade {KEEPER} from {old} to {new}\n\n{ADVISORY}"
        )


def test_a_package_json_version_and_npm_pins_in_dependencies_and_dev_dependencies(
    animals: Case,
) -> None:
    outcomes = animals.run()
    assert "(not the latest release)" in outcomes["release:1.4.1"].detail
    check_releases(animals, "index.js", ANIMALS_FIX)
    assert animals.file(ANIMALS, "v2.0.1", "package.json") == package_json("2.0.1")
    assert animals.file(ANIMALS, "v1.4.1", "package.json") == package_json("1.4.1")

    main = animals.file("frontend-app", "main", "package.json") or ""
    assert main == FRONTEND_MAIN.replace("{version}", "2.0.1")
    assert json.loads(main)["dependencies"] == {"react": "^18.2.0", ANIMALS: "2.0.1"}
    line = animals.file("frontend-app", LINE_BRANCH, "package.json") or ""
    assert line == FRONTEND_LINE.replace("{version}", "1.4.1")
    assert json.loads(line)["devDependencies"] == {ANIMALS: "1.4.1", "jest": "^27.0.0"}
    assert animals.message("frontend-app", LINE_BRANCH) == (
        f"Upgrade {ANIMALS} from 1.4.0 to 1.4.1\n\n{ADVISORY}"
    )
