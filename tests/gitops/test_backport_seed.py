"""The Open edX playbook's worked example end to end on git: openedx-animals 3.1.0 on main and
2.5.0 in Zebrawood, installed in edx-platform and credentials (OEDX-4 to OEDX-13).

Every part is vulndesk's own: workspace clones, pins discovered from git objects, the package's
facts from its repository, the plan, the dry run, and execute with --push."""

from pathlib import Path

from tests.gitops.animals import (
    CREDENTIALS_PYPROJECT,
    CREDENTIALS_SETUP_CFG,
    EDX_BASE,
    PACKAGE,
    ZEBRAWOOD,
    add_fix,
    build_animals,
)
from tests.gitops.repos import git
from vulndesk.gitops import (
    DiscoveryJob,
    Identity,
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
from vulndesk.versions.plan import Ecosystem, StepKind

LINES = {"main": None, ZEBRAWOOD: "zebrawood"}


def test_the_seed_example_from_discovery_to_the_private_remotes(tmp_path: Path) -> None:
    upstream = build_animals(tmp_path / "upstream")
    fix = add_fix(upstream.package)
    clones = {
        name: workspace(str(path), tmp_path / "clones" / name)
        for name, path in upstream.repos.items()
    }
    private = {name: tmp_path / "private" / f"{name}.git" for name in clones}
    for path in private.values():
        git(tmp_path, "init", "--quiet", "--bare", str(path))

    jobs = [
        DiscoveryJob(name, clones[name], tuple(LINES), PACKAGE, Ecosystem.PYPI)
        for name in ("edx-platform", "credentials")
    ]
    dependents = [
        dependent_branch(result.job.repository, branch, LINES[branch], pins)
        for result in discover_many(jobs)
        for branch, pins in result.pins.items()
    ]
    facts = package_facts(
        clones[PACKAGE],
        name=PACKAGE,
        ecosystem=Ecosystem.PYPI,
        main_branch="main",
        tag_pattern="v{version}",
        fix_commits=[fix],
    )
    plan = plan_backports(facts, dependents)

    # The document's process, step by step.
    assert [(s.kind, s.repository, s.branch, s.version, s.old_version) for s in plan.steps] == [
        (StepKind.MERGE_FIX, PACKAGE, "main", None, None),
        (StepKind.RELEASE, PACKAGE, "main", "3.1.1", "3.1.0"),
        (StepKind.BUMP_PIN, "edx-platform", "main", "3.1.1", "3.1.0"),
        (StepKind.BUMP_PIN, "credentials", "main", "3.1.1", "3.1.0"),
        (StepKind.CREATE_BRANCH, PACKAGE, "security/2.5.1", None, None),
        (StepKind.CHERRY_PICK, PACKAGE, "security/2.5.1", None, None),
        (StepKind.RELEASE, PACKAGE, "security/2.5.1", "2.5.1", "2.5.0"),
        (StepKind.BUMP_PIN, "edx-platform", ZEBRAWOOD, "2.5.1", "2.5.0"),
        (StepKind.BUMP_PIN, "credentials", ZEBRAWOOD, "2.5.1", "2.5.0"),
    ]

    [check] = dry_run(plan, clones)
    assert check.clean

    outcomes = execute(
        plan,
        clones,
        identity=Identity("Rita Release", "rita@example.org"),
        message="GHSA-abcd-efgh-ijkl",
        push={name: str(path) for name, path in private.items()},
    )
    assert {outcome.status for outcome in outcomes} == {"done"}, outcomes

    package = refs(private[PACKAGE])
    assert {"refs/tags/v3.1.1", "refs/tags/v2.5.1", "refs/heads/security/2.5.1"} <= set(package)
    # OEDX-10: the security branch starts from the v2.5.0 tag: the pick, then the release.
    start = git(clones[PACKAGE], "rev-parse", "v2.5.0^{commit}")
    assert git(private[PACKAGE], "rev-parse", "v2.5.1^{commit}~2") == start
    expected = {
        ("edx-platform", "main", "requirements/base.txt"): EDX_BASE.format(version="3.1.1"),
        ("edx-platform", ZEBRAWOOD, "requirements/base.txt"): EDX_BASE.format(version="2.5.1"),
        ("credentials", "main", "pyproject.toml"): CREDENTIALS_PYPROJECT.format(version="3.1.1"),
        ("credentials", ZEBRAWOOD, "setup.cfg"): CREDENTIALS_SETUP_CFG.format(version="2.5.1"),
    }
    for (name, branch, file), text in expected.items():
        assert read_blobs(private[name], branch, [file]) == {file: text}
        message = git(private[name], "log", "-1", "--format=%B", branch)
        assert "GHSA-abcd-efgh-ijkl" in message
