"""How long do discovery, plan and execute of a backport take over 200 dependents?

Builds once, in a new temporary directory, one package (zoo-animals) with 4 release lines
(1.4, 2.5, 3.2 and 4.x, 4.1.0 on main) and --dependents repositories with 3 branches each (main
and two release branches), pinning the package in requirements.txt (through a -r include),
pyproject.toml or setup.cfg. Then, each on its own workspace clones, times:

- vulndesk: discover_many, dependent_branch, package_facts, plan_backports and execute (every
  step checks whether it is already done, builds its commit aside and moves refs in a checked
  transaction);
- the floor: a minimal script issuing the same git operations directly (ls-tree and one
  cat-file per repository to find the pins; for execute branch, cherry-pick, commit and tag,
  with the pin and version edits done by plain string replace), no checks.

    .venv/bin/python bench/backport.py [--dependents 200] [--workers 4]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from vulndesk.gitops import (
    DiscoveryJob,
    Identity,
    dependent_branch,
    discover_many,
    execute,
    package_facts,
    refs,
    workspace,
)
from vulndesk.versions.backport import plan_backports
from vulndesk.versions.plan import Ecosystem, Plan, StepKind

PACKAGE = "zoo-animals"
LINES = ("1.4.0", "2.5.0", "3.2.0", "4.0.0")  # what release branches pin; main pins 4.1.0
BRANCHES = ("main", "release-a", "release-b")
WHO = ("-c", "user.name=Bench", "-c", "user.email=bench@example.org", "-c", "commit.gpgSign=false")
STAMP = "1767225600 +0000"
FILLER = 30  # source files per dependent, so a tree is more than its pin files
MESSAGE = "BENCH-1 / CVE-2026-0001"


def run(cwd: Path, *args: str, data: bytes | None = None, index: Path | None = None) -> str:
    env = {**os.environ, "GIT_INDEX_FILE": str(index)} if index is not None else None
    result = subprocess.run(  # noqa: S603 - a fixed argument list
        ["git", *WHO, *args],  # noqa: S607
        cwd=cwd,
        input=data,
        capture_output=True,
        check=True,
        env=env,
    )
    return result.stdout.decode().strip()


# --- building the repositories ----------------------------------------------------------------


def pyproject(version: str) -> str:
    return f'[project]\nname = "{PACKAGE}"\nversion = "{version}"\n'


ANIMALS = 'def greet(name):\n    return "hello " + name\n\n\ndef feed(animal):\n    return animal\n'


def build_package(root: Path) -> tuple[Path, str]:
    repo = root / PACKAGE
    repo.mkdir()
    run(repo, "init", "--quiet", "-b", "main")
    for number, version in enumerate((*LINES, "4.1.0")):
        (repo / "animals.py").write_text(ANIMALS.replace("hello", f"hello v{number}"))
        (repo / "pyproject.toml").write_text(pyproject(version))
        run(repo, "add", "animals.py", "pyproject.toml")
        run(repo, "commit", "--quiet", "-m", f"Release {version}")
        run(repo, "tag", "-a", "-m", f"Release {version}", f"v{version}")
    (repo / "animals.py").write_text(
        ANIMALS.replace("hello", "hello v4").replace("return animal\n", "return escape(animal)\n")
    )
    run(repo, "commit", "--quiet", "-am", "Escape animal names")
    return repo, run(repo, "rev-parse", "HEAD")


def pin_files(index: int, version: str) -> dict[str, str]:
    kind = index % 3
    if kind == 0:
        return {
            "requirements.txt": "# all of it\n-r requirements/base.txt\n",
            "requirements/base.txt": (
                f'Django==4.2.9\n{PACKAGE}=={version} ; python_version >= "3.8"\nrequests\n'
            ),
        }
    if kind == 1:
        return {
            "pyproject.toml": (
                f'[project]\nname = "dep{index}"\n'
                f'dependencies = [\n    "Django==4.2.9",\n    "{PACKAGE}=={version}",\n]\n'
            )
        }
    return {
        "setup.cfg": (
            f"[metadata]\nname = dep{index}\n\n[options]\ninstall_requires =\n"
            f"    Django==4.2.9\n    {PACKAGE}=={version}\n"
        )
    }


def build_dependent(root: Path, index: int) -> Path:
    """One repository in one `git fast-import`: a first commit of filler, then each branch's
    pins on top of it."""
    repo = root / f"dep{index:03d}"
    run(root, "init", "--quiet", "-b", "main", str(repo))
    stream = [
        _commit("refs/heads/main", 1, None, {f"src/mod{k}.py": f"X = {k}\n" for k in range(FILLER)})
    ]
    pins = ("4.1.0", LINES[index % 4], LINES[(index + 1) % 4])
    for mark, (branch, version) in enumerate(zip(BRANCHES, pins, strict=True), start=2):
        stream.append(_commit(f"refs/heads/{branch}", mark, 1, pin_files(index, version)))
    run(repo, "fast-import", "--quiet", data=b"".join(stream))
    return repo


def _commit(ref: str, mark: int, parent: int | None, files: dict[str, str]) -> bytes:
    message = b"Pin the requirements"
    lines = [
        f"commit {ref}\nmark :{mark}\ncommitter Bench <bench@example.org> {STAMP}\n".encode(),
        b"data %d\n%s\n" % (len(message), message),
    ]
    if parent is not None:
        lines.append(f"from :{parent}\n".encode())
    for path, text in files.items():
        blob = text.encode()
        lines.append(f"M 100644 inline {path}\n".encode() + b"data %d\n%s\n" % (len(blob), blob))
    return b"".join(lines) + b"\n"


def clones(sources: dict[str, Path], root: Path) -> dict[str, Path]:
    return {name: workspace(str(path), root / name) for name, path in sources.items()}


# --- vulndesk ---------------------------------------------------------------------------------


def with_vulndesk(repos: dict[str, Path], fix: str, workers: int) -> tuple[Plan, int]:
    jobs = [
        DiscoveryJob(name, path, BRANCHES, PACKAGE, Ecosystem.PYPI)
        for name, path in repos.items()
        if name != PACKAGE
    ]
    dependents = [
        dependent_branch(result.job.repository, branch, None if branch == "main" else branch, pins)
        for result in discover_many(jobs, workers=workers)
        for branch, pins in result.pins.items()
    ]
    facts = package_facts(
        repos[PACKAGE],
        name=PACKAGE,
        ecosystem=Ecosystem.PYPI,
        main_branch="main",
        tag_pattern="v{version}",
        fix_commits=[fix],
    )
    plan = plan_backports(facts, dependents)
    outcomes = execute(
        plan, repos, identity=Identity("Bench", "bench@example.org"), message=MESSAGE
    )
    failed = [outcome for outcome in outcomes if outcome.status != "done"]
    if failed:
        raise SystemExit(f"vulndesk did not do every step: {failed[:3]}")
    return plan, len(outcomes)


# --- the floor --------------------------------------------------------------------------------

PIN = re.compile(re.escape(PACKAGE) + r"\s*==\s*([0-9][0-9.]*)")


def floor_discover(repo: Path) -> dict[str, dict[str, str]]:
    """Per branch, the pin files that name the package: ls-tree, then one cat-file."""
    names = {}
    for branch in BRANCHES:
        listing = run(repo, "ls-tree", "-r", "--name-only", branch).splitlines()
        names[branch] = [
            path
            for path in listing
            if path.endswith(("requirements.txt", "base.txt", "pyproject.toml", "setup.cfg"))
        ]
    specs = [f"{branch}:{path}" for branch in BRANCHES for path in names[branch]]
    output = run(repo, "cat-file", "--batch", data="".join(s + "\n" for s in specs).encode())
    texts = _split_batch(output)
    found: dict[str, dict[str, str]] = {branch: {} for branch in BRANCHES}
    for spec, text in zip(specs, texts, strict=True):
        branch, _, path = spec.partition(":")
        if PIN.search(text):
            found[branch][path] = text
    return found


def _split_batch(output: str) -> list[str]:
    texts, position = [], 0
    data = output.encode() + b"\n"
    while position < len(data) - 1:
        end = data.index(b"\n", position)
        size = int(data[position:end].split()[2])
        texts.append(data[end + 1 : end + 1 + size].decode())
        position = end + 1 + size + 1
    return texts


def floor_commit(repo: Path, branch: str, files: dict[str, str], message: str) -> str:
    """Commit new file texts on `branch` without a checkout, and move the branch."""
    index = repo / ".git" / "floor-index"
    run(repo, "read-tree", branch, index=index)
    for path, text in files.items():
        blob = run(repo, "hash-object", "-w", "--stdin", data=text.encode())
        run(repo, "update-index", "--cacheinfo", f"100644,{blob},{path}", index=index)
    tree = run(repo, "write-tree", index=index)
    commit = run(repo, "commit-tree", tree, "-p", branch, "-m", message)
    run(repo, "update-ref", f"refs/heads/{branch}", commit)
    return commit


def floor_execute(
    plan: Plan, repos: dict[str, Path], found: dict[str, dict[str, dict[str, str]]]
) -> None:
    """The plan's steps as plain git commands; what to do comes from the plan made beforehand."""
    package = repos[PACKAGE]
    for step in plan.steps:
        if step.kind is StepKind.CREATE_BRANCH:
            run(package, "branch", step.branch, f"{step.base}^{{commit}}")
        elif step.kind is StepKind.CHERRY_PICK:
            tree = package.parent / f"floor-pick-{step.branch.replace('/', '-')}"
            run(package, "worktree", "add", "--quiet", str(tree), step.branch)
            run(tree, "cherry-pick", "-x", *step.commits)
            run(package, "worktree", "remove", "--force", str(tree))
        elif step.kind is StepKind.RELEASE:
            text = run(package, "cat-file", "blob", f"{step.branch}:pyproject.toml")
            text = text.replace(f'"{step.old_version}"', f'"{step.version}"') + "\n"
            commit = floor_commit(
                package, step.branch, {"pyproject.toml": text}, f"Release {step.version}"
            )
            run(package, "tag", "-a", "-m", f"Release {step.version}", step.tag or "", commit)
        elif step.kind is StepKind.BUMP_PIN:
            texts = {
                path: text.replace(f"{PACKAGE}=={step.old_version}", f"{PACKAGE}=={step.version}")
                for path, text in found[step.repository][step.branch].items()
            }
            floor_commit(repos[step.repository], step.branch, texts, f"Upgrade {PACKAGE}")


def with_floor(repos: dict[str, Path], plan: Plan, workers: int) -> None:
    names = [name for name in repos if name != PACKAGE]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        found = dict(
            zip(names, pool.map(lambda name: floor_discover(repos[name]), names), strict=True)
        )
    floor_execute(plan, repos, found)


# --- the run ----------------------------------------------------------------------------------


def check_same(ours: dict[str, Path], floor: dict[str, Path], names: Sequence[str]) -> None:
    """Both did the same work: the same branches and tags, each holding the same files."""
    for name in names:
        a, b = refs(ours[name]), refs(floor[name])
        if set(a) != set(b):
            only = sorted(set(a) ^ set(b))
            raise SystemExit(f"{name}: only one of vulndesk and the floor made {only}")
        for ref in a:
            trees = [
                run(repo, "rev-parse", f"{ref}^{{tree}}") for repo in (ours[name], floor[name])
            ]
            if trees[0] != trees[1]:
                raise SystemExit(f"{name}: {ref} differs between vulndesk and the floor")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dependents", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="vulndesk-bench-backport-"))
    started = time.perf_counter()
    (root / "sources").mkdir()
    package, fix = build_package(root / "sources")
    sources = {PACKAGE: package}
    for index in range(args.dependents):
        sources[f"dep{index:03d}"] = build_dependent(root / "sources", index)
    ours, floor = clones(sources, root / "vulndesk"), clones(sources, root / "floor")
    print(
        f"built {PACKAGE} (4 release lines) and {args.dependents} dependents x {len(BRANCHES)} "
        f"branches, cloned twice, in {time.perf_counter() - started:.1f} s"
    )

    started = time.perf_counter()
    plan, steps = with_vulndesk(ours, fix, args.workers)
    vulndesk_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with_floor(floor, plan, args.workers)
    floor_seconds = time.perf_counter() - started
    check_same(ours, floor, [PACKAGE, *list(sources)[1:]])

    kinds = {kind: sum(step.kind is kind for step in plan.steps) for kind in StepKind}
    said = ", ".join(f"{count} {kind.value}" for kind, count in kinds.items() if count)
    print(f"plan: {steps} steps ({said})")
    print(f"floor (git commands, no checks):          {floor_seconds:7.2f} s")
    print(f"vulndesk (discover + plan + execute):     {vulndesk_seconds:7.2f} s")
    print(f"ratio vulndesk/floor: {vulndesk_seconds / floor_seconds:.2f}")
    shutil.rmtree(root)


if __name__ == "__main__":
    main()
