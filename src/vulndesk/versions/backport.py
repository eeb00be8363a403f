"""The backport plan of a security fix in a package: the Open edX playbook (OEDX-4 to OEDX-14) as
ordered steps.

1. MERGE_FIX: the fix commits on the package's main branch (OEDX-5); every step comes after it.
2. RELEASE the next patch of the main version from main, as "latest" (OEDX-6); when that number
   is already released, the next free patch number.
3. BUMP_PIN on each dependent's main branch to that release (OEDX-7).
4. For each dependent's release-line branch, is its pinned version compatible with the new
   release (OEDX-8)? By default when it has the same major version (OEDX-9); a person's answer in
   `decisions` overrides the default.
   - yes: BUMP_PIN to the main release (OEDX-14);
   - no: CREATE_BRANCH security/X.Y.Z from the pinned version's tag (OEDX-10), CHERRY_PICK the
     fix (OEDX-11), RELEASE X.Y.Z — the next free patch of the pinned version, strictly below the
     main release, not "latest" (OEDX-12) — and BUMP_PIN to it (OEDX-13). Branches pinning the
     same version share one backport.

A branch already pinning the main release or later is skipped. A branch pinning no single
version, or one whose backport would find no free number below the main release, is a Problem
that says what to do. A repository with no dependents, given only its own release-line branches
(entries whose repository is the package itself), is a top-level repository (OEDX-2, OEDX-3): the
fix is merged to main and cherry-picked onto each of those branches, with no release.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from vulndesk.versions.ecosystems import (
    VersionError,
    canonical,
    compare,
    is_compatible,
    is_prerelease,
    next_patch,
    parse_version,
    release_line,
    tag_for,
)
from vulndesk.versions.plan import (
    Compatibility,
    DependentBranch,
    Ecosystem,
    PackageFacts,
    Plan,
    Problem,
    Step,
    StepKind,
)

__all__ = ["plan_backports"]

MERGE = "merge"


@dataclass
class _Backport:
    """One backport release shared by every release branch pinning the same old version."""

    pinned: str
    base: str  # the tag of the pinned version, as it was made
    version: str
    why: str  # why the release lines pinning it are not upgraded to the main release
    members: list[DependentBranch] = field(default_factory=list)

    @property
    def branch(self) -> str:
        return f"security/{self.version}"


def _where(dependent: DependentBranch) -> str:
    return f"{dependent.repository}@{dependent.branch}"


def _canonical(ecosystem: Ecosystem, version: str, what: str) -> str:
    """The version's canonical spelling, so 3.1 and 3.1.0 count as one number."""
    try:
        return canonical(ecosystem, version)
    except VersionError as error:
        raise VersionError(f"{what}: {error}") from error


class _Numbers:
    """Version numbers already released or given to a release of this plan."""

    def __init__(self, ecosystem: Ecosystem, released: frozenset[str]) -> None:
        self.ecosystem = ecosystem
        # each released version as its tag spells it, by canonical spelling: a pin of 2.5 is
        # the release tagged v2.5.0
        self.released = {
            _canonical(ecosystem, version, "released version"): version
            for version in sorted(released, reverse=True)
        }
        self.taken = set(self.released)

    def next_free(self, after: str) -> str:
        candidate = next_patch(self.ecosystem, after)
        while _canonical(self.ecosystem, candidate, "version") in self.taken:
            candidate = next_patch(self.ecosystem, candidate)
        return candidate

    def take(self, version: str) -> None:
        self.taken.add(_canonical(self.ecosystem, version, "version"))


def plan_backports(
    package: PackageFacts,
    dependents: Sequence[DependentBranch],
    *,
    compatibility: Compatibility = Compatibility.SAME_MAJOR,
    decisions: Mapping[str, bool] | None = None,
) -> Plan:
    """The ordered steps that carry `package`'s fix to every dependent branch (see the module).
    `decisions` maps a pinned version to a person's answer to "compatible with the new release?"
    (OEDX-8), overriding the default of `compatibility`."""
    ecosystem = package.ecosystem
    main_version = _canonical(ecosystem, package.main_version, f"{package.name} on main")
    _check_unique(dependents)
    for dependent in dependents:
        if dependent.pinned is not None:
            _canonical(ecosystem, dependent.pinned, f"{_where(dependent)} pins")
    answers = {
        _canonical(ecosystem, version, f"decision for {version!r}"): answer
        for version, answer in (decisions or {}).items()
    }
    merge = Step(
        MERGE,
        StepKind.MERGE_FIX,
        package.name,
        package.main_branch,
        f"merge the fix into {package.name}'s {package.main_branch} branch first (OEDX-5)",
        commits=package.fix_commits,
    )
    own = [dependent for dependent in dependents if dependent.repository == package.name]
    if len(own) == len(dependents):
        return _top_level(package, merge, own)
    if own:
        raise ValueError(
            f"{package.name} is listed as its own dependent ({', '.join(map(_where, own))}); "
            "list its own release branches only when no other repository depends on it"
        )
    numbers = _Numbers(ecosystem, package.released)
    main_release = numbers.next_free(main_version)
    numbers.take(main_release)
    ahead = _released_above(package, numbers, main_release)
    release = Step(
        f"release:{main_release}",
        StepKind.RELEASE,
        package.name,
        package.main_branch,
        f"release {main_release} from {package.main_branch} with the fix (OEDX-6)",
        version=main_release,
        old_version=package.main_version,
        tag=tag_for(package.tag_pattern, main_release),
        latest=ahead is None,
        after=(MERGE,),
    )
    planner = _Planner(package, main_release, release.id, numbers)
    for dependent in dependents:
        if dependent.line is None:
            planner.main_branch(dependent)
    for dependent in dependents:
        if dependent.line is not None:
            planner.release_branch(dependent, compatibility, answers)
    return Plan(
        package,
        (merge, release, *planner.steps()),
        (*([] if ahead is None else [ahead]), *planner.problems),
        (main_release, *(backport.version for backport in planner.backports.values())),
    )


def _released_above(package: PackageFacts, numbers: _Numbers, main_release: str) -> Problem | None:
    """Main's metadata behind its tags: a final release above the fix release from main, which
    then is not the latest (OEDX-6)."""
    ecosystem = package.ecosystem
    above = [
        version
        for version in numbers.released.values()
        if not is_prerelease(ecosystem, version) and compare(ecosystem, version, main_release) > 0
    ]
    if not above:
        return None
    highest = max(above, key=lambda version: parse_version(ecosystem, version))
    return Problem(
        package.name,
        package.main_branch,
        f"{highest} is already released, above {main_release}, the fix release from "
        f"{package.main_branch} (which states {package.main_version}), so {main_release} would "
        f"not be the latest release and branches pinning {highest} do not get the fix; set the "
        f"version on {package.main_branch} to the latest release it carries and plan again",
    )


def _check_unique(dependents: Sequence[DependentBranch]) -> None:
    seen: set[tuple[str, str]] = set()
    for dependent in dependents:
        key = (dependent.repository, dependent.branch)
        if key in seen:
            raise ValueError(f"{_where(dependent)} is listed twice; list each branch once")
        seen.add(key)


def _top_level(package: PackageFacts, merge: Step, own: list[DependentBranch]) -> Plan:
    picks = [
        Step(
            f"pick:{branch.branch}",
            StepKind.CHERRY_PICK,
            package.name,
            branch.branch,
            f"cherry-pick the fix from {package.main_branch} onto the release branch "
            f"{branch.branch} (OEDX-2)",
            commits=package.fix_commits,
            after=(MERGE,),
        )
        for branch in own
        if branch.line is not None
    ]
    return Plan(package, (merge, *picks))


class _Planner:
    """Collects the steps for the dependents' branches, in the order they are met."""

    def __init__(
        self, package: PackageFacts, main_release: str, release_id: str, numbers: _Numbers
    ) -> None:
        self.package = package
        self.ecosystem = package.ecosystem
        self.main_release = main_release
        self.release_id = release_id
        self.numbers = numbers
        # each entry: a single step, or the key of a backport whose steps go there
        self.order: list[Step | str] = []
        self.backports: dict[str, _Backport] = {}
        self.problems: list[Problem] = []

    def _bump(self, dependent: DependentBranch, version: str, after: str, reason: str) -> Step:
        return Step(
            f"bump:{_where(dependent)}",
            StepKind.BUMP_PIN,
            dependent.repository,
            dependent.branch,
            reason,
            version=version,
            old_version=dependent.pinned,
            files=dependent.files,
            after=(after,),
        )

    def _to_plan(self, dependent: DependentBranch) -> str | None:
        """The version the branch pins when it needs a bump; None when it was skipped or is a
        problem."""
        name = self.package.name
        if dependent.pinned is None:
            if dependent.files:
                self.problems.append(
                    Problem(
                        dependent.repository,
                        dependent.branch,
                        f"pins {name} with a range, not one version; pin the exact version it "
                        f"installs, or raise the range's lower bound to a fixed version by hand",
                    )
                )
            else:
                self.order.append(
                    Step(
                        f"skip:{_where(dependent)}",
                        StepKind.SKIP,
                        dependent.repository,
                        dependent.branch,
                        f"no file pins {name}; nothing to bump (check that it installs "
                        f"{self.main_release} or a backport)",
                        after=(MERGE,),
                    )
                )
            return None
        if compare(self.ecosystem, dependent.pinned, self.main_release) >= 0:
            self.order.append(
                Step(
                    f"skip:{_where(dependent)}",
                    StepKind.SKIP,
                    dependent.repository,
                    dependent.branch,
                    f"already pins {name} {dependent.pinned}, at or above the fixed "
                    f"{self.main_release}",
                    old_version=dependent.pinned,
                    after=(MERGE,),
                )
            )
            return None
        return dependent.pinned

    def main_branch(self, dependent: DependentBranch) -> None:
        if self._to_plan(dependent) is None:
            return
        self.order.append(
            self._bump(
                dependent,
                self.main_release,
                self.release_id,
                f"upgrade {self.package.name} on {dependent.repository}'s main branch from "
                f"{dependent.pinned} to the fixed {self.main_release} (OEDX-7)",
            )
        )

    def release_branch(
        self, dependent: DependentBranch, compatibility: Compatibility, answers: dict[str, bool]
    ) -> None:
        pinned = self._to_plan(dependent)
        if pinned is None:
            return
        key = _canonical(self.ecosystem, pinned, "pin")
        if key in answers:
            compatible = answers[key]
            why = f"a person answered that {pinned} is{'' if compatible else ' not'} compatible"
        else:
            compatible = is_compatible(self.ecosystem, pinned, self.main_release, compatibility)
            why = _default_reason(
                self.ecosystem, pinned, self.main_release, compatibility, compatible
            )
        if compatible:
            self.order.append(
                self._bump(
                    dependent,
                    self.main_release,
                    self.release_id,
                    f"{why}: upgrade {self.package.name} on {dependent.branch} from {pinned} to "
                    f"{self.main_release} (OEDX-14)",
                )
            )
            return
        if key not in self.backports:
            if key not in self.numbers.released:
                base = tag_for(self.package.tag_pattern, pinned)
                self.problems.append(
                    Problem(
                        dependent.repository,
                        dependent.branch,
                        f"{why}, but {pinned} was never released (no tag {base}), so there is "
                        "nothing to branch a backport from (OEDX-10); pin a released version, "
                        f"or answer that {pinned} is compatible to upgrade it to "
                        f"{self.main_release}",
                    )
                )
                return
            version = self.numbers.next_free(pinned)
            if compare(self.ecosystem, version, self.main_release) >= 0:
                self.problems.append(
                    Problem(
                        dependent.repository,
                        dependent.branch,
                        f"{why}, but there is no free version number above {pinned} and below "
                        f"the fixed {self.main_release} for a backport (OEDX-12); answer that "
                        f"{pinned} is compatible to upgrade it to {self.main_release}, or "
                        "release a backport by hand",
                    )
                )
                return
            self.numbers.take(version)
            base = tag_for(self.package.tag_pattern, self.numbers.released[key])
            self.backports[key] = _Backport(pinned, base, version, why)
            self.order.append(key)
        self.backports[key].members.append(dependent)

    def steps(self) -> list[Step]:
        steps: list[Step] = []
        for entry in self.order:
            if isinstance(entry, Step):
                steps.append(entry)
            else:
                steps += self._backport_steps(self.backports[entry])
        return steps

    def _backport_steps(self, backport: _Backport) -> list[Step]:
        name, pinned, version, base = (
            self.package.name,
            backport.pinned,
            backport.version,
            backport.base,
        )
        branch_id, pick_id, release_id = (
            f"branch:{backport.branch}",
            f"pick:{backport.branch}",
            f"release:{version}",
        )
        steps = [
            Step(
                branch_id,
                StepKind.CREATE_BRANCH,
                name,
                backport.branch,
                f"{backport.why}: branch {backport.branch} from {base}, the version the release "
                "lines use (OEDX-10)",
                base=base,
                after=(MERGE,),
            ),
            Step(
                pick_id,
                StepKind.CHERRY_PICK,
                name,
                backport.branch,
                f"backport the fix onto {backport.branch} (OEDX-11)",
                commits=self.package.fix_commits,
                after=(branch_id,),
            ),
            Step(
                release_id,
                StepKind.RELEASE,
                name,
                backport.branch,
                f"release {version} from {backport.branch}, lower than {self.main_release} so "
                "it does not become the latest release (OEDX-12)",
                version=version,
                old_version=pinned,
                tag=tag_for(self.package.tag_pattern, version),
                after=(pick_id,),
            ),
        ]
        for dependent in backport.members:
            steps.append(
                self._bump(
                    dependent,
                    version,
                    release_id,
                    f"upgrade {name} on {dependent.branch} from {dependent.pinned} to the "
                    f"backport {version} (OEDX-13)",
                )
            )
        return steps


def _default_reason(
    ecosystem: Ecosystem, pinned: str, new: str, compatibility: Compatibility, compatible: bool
) -> str:
    if compatibility is Compatibility.NEVER:
        return "every release line gets its own backport"
    # before 1.0 the minor version counts as the major one (see is_compatible)
    before_1_0 = compatibility is Compatibility.SAME_MAJOR and (
        release_line(ecosystem, pinned)[1] == 0 == release_line(ecosystem, new)[1]
    )
    level = "minor" if before_1_0 else _LEVEL[compatibility]
    if compatible:
        return f"{pinned} has the same {level} version as {new}"
    why = ", and before 1.0 a minor release may break" if before_1_0 else ""
    return f"{pinned} is a {level} release behind {new}{why} (OEDX-9)"


_LEVEL = {Compatibility.SAME_MAJOR: "major", Compatibility.SAME_MINOR: "minor"}
