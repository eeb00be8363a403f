"""Which branches of which dependents pin a package, read straight from git objects.

Per repository: one `ls-tree` per branch to see its files, then one `cat-file --batch` for every
pin file of every branch; a `-r` include that is not itself a pin file is read on demand from
the same tree. `discover_many` runs several repositories at once in threads (git does the work,
so the threads mostly wait on it) and reports an error for the repository it happened in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from vulndesk.gitops.git import GitError
from vulndesk.gitops.objects import list_files, read_blobs, read_specs, refs, resolve
from vulndesk.versions.ecosystems import VersionError, parse_version, version_from_tag
from vulndesk.versions.metadata import MetadataError, read_version, version_files
from vulndesk.versions.pins import Pin, PinError, find_pins, is_pin_file
from vulndesk.versions.plan import DependentBranch, Ecosystem, PackageFacts


@dataclass(frozen=True)
class DiscoveryJob:
    repository: str  # the dependent's name: edx-platform
    path: Path  # a local clone of it (bare or not)
    branches: tuple[str, ...]
    package: str
    ecosystem: Ecosystem


@dataclass(frozen=True)
class DiscoveryResult:
    job: DiscoveryJob
    pins: dict[str, list[Pin]] = field(default_factory=dict)  # by branch; [] pins nothing
    error: str | None = None  # why the repository could not be read; then `pins` is empty


class DiscoveryError(GitError):
    """A repository or branch that cannot be read; the message names both."""


def discover_pins(
    repo: Path, branches: Sequence[str], package: str, ecosystem: Ecosystem
) -> dict[str, list[Pin]]:
    """Every pin of `package` on each branch, in file and line order, without a checkout."""
    found_refs = refs(repo) if (repo / "HEAD").exists() or (repo / ".git").exists() else {}
    commits = {}
    for branch in branches:
        commit = found_refs.get(f"refs/heads/{branch}")
        if commit is None:
            raise DiscoveryError(f"{repo} has no branch {branch!r}: check the dependent's branches")
        commits[branch] = commit
    candidates = {
        branch: [path for path in list_files(repo, commit) if is_pin_file(path)]
        for branch, commit in commits.items()
    }
    specs = [(branch, path) for branch, paths in candidates.items() for path in paths]
    blobs = read_specs(repo, [f"{commits[branch]}:{path}" for branch, path in specs])
    texts: dict[str, dict[str, str | None]] = {branch: {} for branch in branches}
    for (branch, path), blob in zip(specs, blobs, strict=True):
        texts[branch][path] = None if blob is None else blob.decode("utf-8", errors="replace")
    found = {}
    for branch, commit in commits.items():
        reader = _TreeReader(repo, commit, texts[branch])
        pins: dict[tuple[str, int], Pin] = {}
        for path in candidates[branch]:
            try:
                for pin in find_pins(path, reader.read, package, ecosystem):
                    pins.setdefault((pin.path, pin.line), pin)
            except PinError as exc:
                raise DiscoveryError(f"{repo} on {branch}: {exc}") from None
        found[branch] = sorted(pins.values(), key=lambda pin: (pin.path, pin.line))
    return found


class _TreeReader:
    """Reads files of one commit: from the texts already read, else from git (an include such as
    `-r ../shared/base.in` that is not itself named like a pin file)."""

    def __init__(self, repo: Path, commit: str, texts: dict[str, str | None]) -> None:
        self.repo = repo
        self.commit = commit
        self.texts = texts

    def read(self, path: str) -> str | None:
        if path not in self.texts:
            if path.startswith("../") or path.startswith("/"):
                return None  # outside the repository: find_pins says it is missing
            self.texts.update(read_blobs(self.repo, self.commit, [path]))
        return self.texts[path]


def discover_many(
    jobs: Sequence[DiscoveryJob],
    *,
    workers: int = 8,
    progress: Callable[[DiscoveryJob], None] | None = None,
) -> list[DiscoveryResult]:
    """`discover_pins` for every job, several at once; results in the jobs' order. A repository
    that cannot be read gets its error in its result; the others are unaffected. `progress` is
    called with each job as it finishes, from the calling thread."""
    results: dict[int, DiscoveryResult] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(_discover, job): index for index, job in enumerate(jobs)}
        for future in as_completed(futures):
            index = futures[future]
            results[index] = future.result()
            if progress is not None:
                progress(jobs[index])
    return [results[index] for index in range(len(jobs))]


def _discover(job: DiscoveryJob) -> DiscoveryResult:
    try:
        pins = discover_pins(job.path, job.branches, job.package, job.ecosystem)
    except GitError as exc:
        return DiscoveryResult(job, error=str(exc))
    return DiscoveryResult(job, pins=pins)


def dependent_branch(
    repository: str, branch: str, line: str | None, pins: Sequence[Pin]
) -> DependentBranch:
    """What the planner needs of one dependent branch: the exact version it pins when every pin
    agrees on one (None for a range or pins that disagree) and the files that pin it."""
    versions = {pin.version for pin in pins}
    pinned = versions.pop() if len(versions) == 1 else None
    files = tuple(sorted({pin.path for pin in pins}))
    return DependentBranch(repository, branch, line, pinned, files)


def package_facts(
    repo: Path,
    *,
    name: str,
    ecosystem: Ecosystem,
    main_branch: str,
    tag_pattern: str,
    fix_commits: Sequence[str],
) -> PackageFacts:
    """The package as its repository states it: the version in the metadata on its main branch,
    every released version (its tags under `tag_pattern` that are versions of its ecosystem)
    and the fix commits by their full names."""
    main = resolve(repo, f"refs/heads/{main_branch}")
    if main is None:
        raise DiscoveryError(f"{repo} has no branch {main_branch!r}: check the main branch's name")
    paths = version_files(list_files(repo, main))
    try:
        stated = {
            path: version
            for path, text in read_blobs(repo, main, paths).items()
            if text is not None and (version := read_version(text, path)) is not None
        }
    except MetadataError as exc:
        raise DiscoveryError(f"{repo} on {main_branch}: {exc}") from None
    if len(set(stated.values())) != 1:
        said = ", ".join(f"{path} says {version}" for path, version in stated.items())
        raise DiscoveryError(
            f"{repo} on {main_branch}: "
            + (
                f"the metadata disagrees on the version ({said})"
                if stated
                else "no file states "
                "the version (pyproject.toml, setup.cfg, package.json or a __version__)"
            )
        )
    commits = []
    for commit in fix_commits:
        full = resolve(repo, commit)
        if full is None:
            raise DiscoveryError(f"{repo} has no commit {commit!r}: fetch the fix first")
        commits.append(full)
    return PackageFacts(
        name=name,
        ecosystem=ecosystem,
        main_branch=main_branch,
        main_version=next(iter(stated.values())),
        tag_pattern=tag_pattern,
        released=frozenset(_released(repo, ecosystem, tag_pattern)),
        fix_commits=tuple(commits),
    )


def _released(repo: Path, ecosystem: Ecosystem, tag_pattern: str) -> set[str]:
    released = set()
    for name in refs(repo):
        if not name.startswith("refs/tags/"):
            continue
        version = version_from_tag(tag_pattern, name.removeprefix("refs/tags/"))
        if version is None:
            continue
        try:
            parse_version(ecosystem, version)
        except VersionError:
            continue  # a tag that merely looks like the pattern (v-next, vfinal)
        released.add(version)
    return released
