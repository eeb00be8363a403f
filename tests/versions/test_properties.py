"""Properties of the planner and of pin rewriting that hold for any input (hypothesis)."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from vulndesk.versions.backport import plan_backports
from vulndesk.versions.ecosystems import canonical, compare
from vulndesk.versions.pins import bump_pins, find_pins
from vulndesk.versions.plan import DependentBranch, Ecosystem, PackageFacts, StepKind

PYPI = Ecosystem.PYPI
PACKAGE = "openedx-animals"

versions = st.builds(
    lambda major, minor, patch: f"{major}.{minor}.{patch}",
    st.integers(0, 4),
    st.integers(0, 3),
    st.integers(0, 4),
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[PackageFacts, list[DependentBranch]]:
    package = PackageFacts(
        name=PACKAGE,
        ecosystem=PYPI,
        main_branch="main",
        main_version=draw(versions),
        tag_pattern="v{version}",
        released=frozenset(draw(st.lists(versions, max_size=12))),
        fix_commits=("abc123",),
    )
    branches = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["edx-platform", "credentials", "ecommerce"]),
                st.sampled_from([None, "yew", "zebrawood"]),
            ),
            unique=True,
            min_size=1,  # with none, the package plan is the top-level one (OEDX-4)
            max_size=6,
        )
    )
    dependents = [
        DependentBranch(
            repository,
            f"open-release/{line}.master" if line else "main",
            line,
            pinned := draw(st.one_of(st.none(), versions)),
            draw(st.sampled_from([(), ("requirements.txt",)])) if pinned is None else ("r.txt",),
        )
        for repository, line in branches
    ]
    return package, dependents


@settings(max_examples=300, deadline=None)
@given(scenarios(), st.dictionaries(versions, st.booleans(), max_size=3))
def test_every_plan_keeps_the_playbooks_invariants(
    scenario: tuple[PackageFacts, list[DependentBranch]], decisions: dict[str, bool]
) -> None:
    package, dependents = scenario
    plan = plan_backports(package, dependents, decisions=decisions)
    ids = [step.id for step in plan.steps]
    assert len(ids) == len(set(ids))
    assert plan.steps[0].kind is StepKind.MERGE_FIX

    # every dependent branch appears exactly once, as a bump, a skip or a problem
    outcomes = [
        (step.repository, step.branch)
        for step in plan.steps
        if step.kind in (StepKind.BUMP_PIN, StepKind.SKIP)
    ] + [
        (problem.repository, problem.branch)
        for problem in plan.problems
        if problem.repository != PACKAGE
    ]
    assert sorted(outcomes) == sorted((d.repository, d.branch) for d in dependents)

    # `after` never points forward, and everything but the merge comes after something
    for index, step in enumerate(plan.steps):
        assert set(step.after) <= set(ids[:index])
        assert step.after or index == 0

    main_release, *backports = plan.fixed_versions
    taken = {canonical(PYPI, version) for version in package.released}
    assert canonical(PYPI, main_release) not in taken
    assert compare(PYPI, main_release, package.main_version) > 0
    for version in backports:
        assert compare(PYPI, version, main_release) < 0
        assert canonical(PYPI, version) not in taken
    releases = [step for step in plan.steps if step.kind is StepKind.RELEASE]
    assert [step.version for step in releases] == list(plan.fixed_versions)
    # the main release is the latest unless a release above it is out (main's version is behind)
    behind = any(compare(PYPI, version, main_release) > 0 for version in package.released)
    assert [problem.repository for problem in plan.problems].count(PACKAGE) == behind
    assert [step.latest for step in releases] == [not behind] + [False] * len(backports)

    # every bump moves a pin up to a fixed version
    for step in plan.steps:
        if step.kind is StepKind.BUMP_PIN:
            assert step.version in plan.fixed_versions
            assert step.old_version is not None
            assert compare(PYPI, step.old_version, step.version) < 0


name_spellings = st.sampled_from(["openedx-animals", "openedx_animals", "OpenEdx.Animals"])
operators = st.sampled_from(["==", ">=", "~=", "== "])
suffixes = st.sampled_from(["", ' ; python_version < "3.12"', "  # pinned", ",<9"])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["requests==2.31.0", "# a comment", "", "-r other.txt"]), max_size=4),
    name_spellings,
    st.sampled_from(["", "[zoo]", "[a,b]"]),
    operators,
    versions,
    versions,
    suffixes,
)
def test_a_bumped_requirements_file_pins_the_new_version_and_nothing_else_changes(
    others: list[str],
    name: str,
    extras: str,
    operator: str,
    old: str,
    new: str,
    suffix: str,
) -> None:
    if compare(PYPI, old, new) >= 0 or (suffix == ",<9" and operator.strip() == "=="):
        return
    line = f"{name}{extras}{operator}{old}{suffix}"
    text = "\n".join([*others, line, *others]) + "\n"
    bumped = bump_pins(text, "requirements.txt", PACKAGE, new)
    before, after = text.splitlines(), bumped.splitlines()
    assert [a for a, b in zip(before, after, strict=True) if a != b] == [line]
    files = {"requirements.txt": bumped, "other.txt": ""}
    (pin,) = find_pins("requirements.txt", files.get, PACKAGE, PYPI)
    lowest = pin.spec.replace(" ", "").split(",")[0].lstrip("=~>")
    assert lowest == new
    assert pin.version == (new if operator.strip() == "==" and suffix != ",<9" else None)
    assert bump_pins(bumped, "requirements.txt", PACKAGE, new) == bumped


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["react", "lodash", "@org/x"]), st.just("1.0.0")),
    st.sampled_from(["", "^", "~", "="]),
    versions,
    versions,
    st.sampled_from([2, 4, None]),
)
def test_a_bumped_package_json_pins_the_new_version_and_keeps_everything_else(
    others: dict[str, str], operator: str, old: str, new: str, indent: int | None
) -> None:
    if compare(Ecosystem.NPM, old, new) >= 0:
        return
    data = {"name": "frontend", "dependencies": {**others, "@openedx/animals": operator + old}}
    text = json.dumps(data, indent=indent) + "\n"
    bumped = bump_pins(text, "package.json", "@openedx/animals", new)
    expected = {**data, "dependencies": {**others, "@openedx/animals": operator + new}}
    assert bumped == json.dumps(expected, indent=indent) + "\n"
    (pin,) = find_pins(
        "package.json", {"package.json": bumped}.get, "@openedx/animals", Ecosystem.NPM
    )
    assert pin.spec == operator + new
