"""The values a backport plan is made of: what the planner is told, and the ordered steps it
answers with (the Open edX playbook, OEDX-4 to OEDX-14).

These are plain frozen dataclasses shared by the planner (`versions.backport`), the code that
carries a plan out on git (`gitops.backport`) and the desk, which stores each step's status.
A step's `id` is stable across runs of the planner on the same facts, so a re-run can match the
steps it has already done.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Ecosystem(StrEnum):
    """Whose version rules apply: PEP 440 for PyPI, semver for npm."""

    PYPI = "PyPI"
    NPM = "npm"


class Compatibility(StrEnum):
    """When a release line's pinned version may simply move to the new main release instead of
    getting a backport release of its own (OEDX-8, OEDX-9)."""

    SAME_MAJOR = "same_major"  # the default: 2.5.0 → 3.1.1 is not compatible (OEDX-9)
    SAME_MINOR = "same_minor"
    NEVER = "never"  # every release line gets its own backport release


class StepKind(StrEnum):
    MERGE_FIX = "merge_fix"  # the fix commits are on the package's main branch (OEDX-5)
    RELEASE = "release"  # set the version in the metadata, commit, tag (OEDX-6, OEDX-12)
    CREATE_BRANCH = "create_branch"  # security/X.Y.Z from the old version's tag (OEDX-10)
    CHERRY_PICK = "cherry_pick"  # the fix commits onto that branch, with -x (OEDX-11)
    BUMP_PIN = "bump_pin"  # a dependent branch's pins to the fixed version (OEDX-7/13/14)
    SKIP = "skip"  # a dependent branch already pins a fixed version; nothing to do


@dataclass(frozen=True)
class PackageFacts:
    name: str  # as published: openedx-animals
    ecosystem: Ecosystem
    main_branch: str  # main
    main_version: str  # the version on main before the fix release: 3.1.0
    tag_pattern: str  # how a version is tagged: v{version}
    released: frozenset[str]  # every version already released (from the tags): taken numbers
    fix_commits: tuple[str, ...]  # the fix as merged on main, oldest first


@dataclass(frozen=True)
class DependentBranch:
    repository: str  # the dependent's name: edx-platform
    branch: str  # main, open-release/zebrawood.master
    line: str | None  # the release line it belongs to; None for the dependent's main branch
    pinned: str | None  # the exact version it pins; None when it pins no single version
    files: tuple[str, ...]  # the files that pin the package on that branch


@dataclass(frozen=True)
class Step:
    id: str  # stable: "release:2.5.1", "bump:edx-platform@open-release/zebrawood.master"
    kind: StepKind
    repository: str  # the package's name, or the dependent's
    branch: str  # the branch acted on (the one created, for CREATE_BRANCH)
    reason: str  # one readable sentence: why this step, e.g. "2.5.0 is a major release behind"
    version: str | None = None  # RELEASE: the version released; BUMP_PIN: the new pin
    old_version: str | None = None  # BUMP_PIN: the pin it replaces; RELEASE: the version before
    base: str | None = None  # CREATE_BRANCH: the tag it starts from (v2.5.0)
    tag: str | None = None  # RELEASE: the tag it makes (v2.5.1)
    commits: tuple[str, ...] = ()  # MERGE_FIX and CHERRY_PICK: the fix commits, oldest first
    files: tuple[str, ...] = ()  # BUMP_PIN: the files whose pins change
    latest: bool = False  # RELEASE: whether this release becomes the package's "latest"
    after: tuple[str, ...] = ()  # ids of the steps that must be done first


@dataclass(frozen=True)
class Problem:
    """A dependent branch the plan cannot serve, and why (e.g. no version number left below the
    new main release for a backport)."""

    repository: str
    branch: str
    reason: str


@dataclass(frozen=True)
class Plan:
    package: PackageFacts
    steps: tuple[Step, ...]  # in the order to carry them out; `after` never points forward
    problems: tuple[Problem, ...] = ()
    fixed_versions: tuple[str, ...] = field(default=())  # every version that carries the fix

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)
