"""Carrying out a backport plan (`versions.plan.Plan`) on workspace clones.

`dry_run` tries every cherry-pick in a scratch worktree and says which apply cleanly and which
conflict, with the files and their conflict hunks; nothing moves a branch. `execute` carries out
the steps in order. Each step first checks whether it is already done (so a re-run after a person
resolved a conflict continues where it stopped), then builds its commits and tags aside and
moves its refs in one transaction: a step that fails leaves nothing half-applied, and the steps
after it are blocked while independent ones still run. Nothing leaves the clones unless `push`
names where each repository goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from vulndesk.gitops.commits import (
    COMMIT_CONFIG,
    Identity,
    RefUpdate,
    commit_changes,
    has_equivalent,
    is_ancestor,
    is_merge,
    make_tag,
    picked_into,
    scratch_worktree,
    update_refs,
)
from vulndesk.gitops.git import GitError, git, lines
from vulndesk.gitops.objects import git_dir, list_files, read_blobs, refs
from vulndesk.gitops.remotes import check_remote, display_remote
from vulndesk.gitops.testrun import run_tests
from vulndesk.versions.metadata import MetadataError, read_version, set_version, version_files
from vulndesk.versions.pins import PinError, bump_pins
from vulndesk.versions.plan import Plan, Step, StepKind

__all__ = [
    "Conflict",
    "Identity",
    "PickCheck",
    "Status",
    "StepOutcome",
    "dry_run",
    "execute",
]

Status = Literal["done", "already_done", "conflict", "failed", "blocked", "skipped"]
SUCCEEDED = frozenset({"done", "already_done"})
HEADS = "refs/heads/"
TAGS = "refs/tags/"


@dataclass(frozen=True)
class Conflict:
    path: str
    hunks: tuple[str, ...]  # each `<<<<<<< … >>>>>>>` region, markers included


@dataclass(frozen=True)
class PickCheck:
    step_id: str
    clean: bool
    conflicts: tuple[Conflict, ...] = ()
    detail: str = ""  # which commits, onto what; or why it could not be tried


@dataclass(frozen=True)
class StepOutcome:
    step_id: str
    status: Status
    detail: str
    conflicts: tuple[Conflict, ...] = ()


class StepFailed(Exception):
    """A step that cannot be done as planned; the message says why and what to do."""


class PickConflict(Exception):
    def __init__(self, commit: str, conflicts: tuple[Conflict, ...]) -> None:
        super().__init__(commit)
        self.commit = commit
        self.conflicts = conflicts


def dry_run(plan: Plan, repos: Mapping[str, Path]) -> list[PickCheck]:
    """Try each cherry-pick of the plan where it would land; say which apply cleanly."""
    checks = []
    for step in plan.steps:
        if step.kind is not StepKind.CHERRY_PICK:
            continue
        try:
            checks.append(_try_pick(plan, step, _clone(repos, step)))
        except (GitError, StepFailed) as exc:
            checks.append(PickCheck(step.id, clean=False, detail=str(exc)))
    return checks


def _try_pick(plan: Plan, step: Step, repo: Path) -> PickCheck:
    found = refs(repo)
    head = found.get(HEADS + step.branch)
    if head is None:  # not made yet: the pick will start from the tag the branch is made from
        base = _branch_base(plan, step)
        head = found.get(TAGS + base)
        if head is None:
            raise StepFailed(f"{step.repository} has no tag {base} to branch {step.branch} from")
        where = base
    else:
        where = step.branch
    pending = _pending(plan, repo, head, step)
    if not pending:
        return PickCheck(step.id, clean=True, detail=f"already on {step.branch}")
    with scratch_worktree(repo, head) as tree:
        for commit in pending:
            try:
                _pick(tree, commit, repo, None)
            except PickConflict as exc:
                detail = f"{exc.commit[:12]} conflicts on {where} in {_paths(exc.conflicts)}"
                return PickCheck(step.id, clean=False, conflicts=exc.conflicts, detail=detail)
    return PickCheck(step.id, clean=True, detail=f"{_count(pending)} apply cleanly on {where}")


def execute(
    plan: Plan,
    repos: Mapping[str, Path],
    *,
    identity: Identity,
    message: str,
    push: Mapping[str, str] | None = None,
    test_command: str | None = None,
) -> list[StepOutcome]:
    """Carry out every step of the plan in the clones, in order; see the module's description.

    `message` names the advisory (report key, CVE, GHSA) in the release and pin commits.
    With `push` (repository name → private remote), the branches and tags of the steps that
    succeeded are pushed there at the end, one atomic push per repository. With
    `test_command`, it runs on the head of each branch this run changed.
    """
    runner = _Runner(plan, repos, identity, message)
    outcomes: dict[str, StepOutcome] = {}
    for step in plan.steps:
        waiting = [
            f"{after} ({outcomes[after].status if after in outcomes else 'not in the plan'})"
            for after in step.after
            if after not in outcomes or outcomes[after].status not in SUCCEEDED
        ]
        if waiting:
            outcomes[step.id] = StepOutcome(step.id, "blocked", f"waits for {', '.join(waiting)}")
        else:
            outcomes[step.id] = runner.run(step)
    if test_command:
        runner.test_new_heads(outcomes, test_command)
    if push:
        _push(plan, repos, outcomes, push)
    return [outcomes[step.id] for step in plan.steps]


class _Runner:
    def __init__(
        self, plan: Plan, repos: Mapping[str, Path], identity: Identity, message: str
    ) -> None:
        self.plan = plan
        self.repos = repos
        self.identity = identity
        self.message = message.strip()
        # The branches this run moved, by (repository, branch), and the last step that did.
        self.moved: dict[tuple[str, str], str] = {}

    def run(self, step: Step) -> StepOutcome:
        if step.kind is StepKind.SKIP:
            return StepOutcome(step.id, "skipped", step.reason)
        handlers = {
            StepKind.MERGE_FIX: self._merge_fix,
            StepKind.CREATE_BRANCH: self._create_branch,
            StepKind.CHERRY_PICK: self._cherry_pick,
            StepKind.RELEASE: self._release,
            StepKind.BUMP_PIN: self._bump_pin,
        }
        try:
            status, detail = handlers[step.kind](step, _clone(self.repos, step))
        except PickConflict as exc:
            detail = (
                f"{exc.commit[:12]} conflicts on {step.branch} in {_paths(exc.conflicts)}; "
                f"nothing was changed. Resolve it on {step.branch} in the clone "
                f"(git cherry-pick -x {exc.commit[:12]}) or on the private remote, then run again"
            )
            return StepOutcome(step.id, "conflict", detail, exc.conflicts)
        except (StepFailed, GitError) as exc:
            return StepOutcome(step.id, "failed", str(exc))
        if status == "done" and step.kind is not StepKind.MERGE_FIX:
            self.moved[(step.repository, step.branch)] = step.id
        return StepOutcome(step.id, status, detail)

    def _merge_fix(self, step: Step, repo: Path) -> tuple[Status, str]:
        commits = _commits(repo, step)
        main = _branch_head(repo, step)
        missing = [commit for commit in commits if not is_ancestor(repo, commit, main)]
        if missing:
            raise StepFailed(
                f"{_short(missing)} not on {step.branch} of {step.repository} yet: merge the fix "
                f"there first (OEDX-5), then run again"
            )
        return "done", f"the fix ({_count(commits)}) is on {step.branch}"

    def _create_branch(self, step: Step, repo: Path) -> tuple[Status, str]:
        found = refs(repo)
        base = step.base or ""
        start = found.get(TAGS + base)
        if start is None:
            raise StepFailed(f"{step.repository} has no tag {base!r} to branch {step.branch} from")
        head = found.get(HEADS + step.branch)
        if head is not None:
            if is_ancestor(repo, start, head):
                return "already_done", f"{step.branch} exists and starts from {base}"
            raise StepFailed(
                f"{step.branch} already exists in {step.repository} and does not start from "
                f"{base}: rename or delete it in the clone, then run again"
            )
        update_refs(repo, [RefUpdate(HEADS + step.branch, start, None)])
        return "done", f"{step.branch} created from {base} ({start[:12]})"

    def _cherry_pick(self, step: Step, repo: Path) -> tuple[Status, str]:
        _commits(repo, step)
        head = _branch_head(repo, step)
        pending = _pending(self.plan, repo, head, step)
        if not pending:
            return "already_done", f"the fix is already on {step.branch}"
        with scratch_worktree(repo, head) as tree:
            for commit in pending:
                _pick(tree, commit, repo, self.identity)
            new = git(None, "-C", str(tree), "rev-parse", "HEAD", timeout=60).stdout.strip()
        update_refs(repo, [RefUpdate(HEADS + step.branch, new, head)])
        return "done", f"picked {_count(pending)} onto {step.branch} with -x, now {new[:12]}"

    def _release(self, step: Step, repo: Path) -> tuple[Status, str]:
        version, tag = step.version or "", step.tag or ""
        found = refs(repo)
        head = _branch_head(repo, step, found)
        tagged = found.get(TAGS + tag)
        if tagged is not None:
            if is_ancestor(repo, tagged, head) and self._holds(repo, tagged, step):
                return "already_done", f"{tag} already marks {version} on {step.branch}"
            raise StepFailed(
                f"tag {tag} already exists in {step.repository} on {tagged[:12]}, which is not "
                f"{version} on {step.branch}: delete the tag in the clone if it is wrong"
            )
        texts = self._version_texts(repo, head, step)
        if not texts:
            raise StepFailed(
                f"no file on {step.branch} of {step.repository} states the package's version "
                f"(pyproject.toml, setup.cfg, package.json or a __version__)"
            )
        try:
            updated = {path: set_version(text, path, version) for path, text in texts.items()}
        except MetadataError as exc:
            raise StepFailed(f"{step.repository}@{step.branch}: {exc}") from None
        changed = {path: text for path, text in updated.items() if text != texts[path]}
        title = f"Release {version}"
        body = f"{title}\n\n{self.message}" if self.message else title
        commit = head
        if changed:
            commit = commit_changes(repo, head, changed, body, self.identity)
        tag_object = make_tag(repo, tag, commit, body, self.identity)
        updates = [RefUpdate(TAGS + tag, tag_object, None)]
        if commit != head:
            updates.insert(0, RefUpdate(HEADS + step.branch, commit, head))
        update_refs(repo, updates)
        latest = "" if step.latest else " (not the latest release)"
        return (
            "done",
            f"{version} set in {', '.join(sorted(changed)) or 'nothing new'}; tagged {tag}{latest}",
        )

    def _version_texts(self, repo: Path, commit: str, step: Step) -> dict[str, str]:
        """Every metadata file at `commit` that states a version, with its text."""
        paths = version_files(list_files(repo, commit))
        try:
            return {
                path: text
                for path, text in read_blobs(repo, commit, paths).items()
                if text is not None and read_version(text, path) is not None
            }
        except MetadataError as exc:
            raise StepFailed(f"{step.repository}@{step.branch}: {exc}") from None

    def _holds(self, repo: Path, commit: str, step: Step) -> bool:
        texts = self._version_texts(repo, commit, step)
        return bool(texts) and all(
            read_version(text, path) == step.version for path, text in texts.items()
        )

    def _bump_pin(self, step: Step, repo: Path) -> tuple[Status, str]:
        version = step.version or ""
        head = _branch_head(repo, step)
        texts = read_blobs(repo, head, step.files)
        package = self.plan.package.name
        updated = {}
        for path, text in texts.items():
            if text is None:
                raise StepFailed(
                    f"{path} is not on {step.branch} of {step.repository}: discover its pins again"
                )
            try:
                updated[path] = bump_pins(text, path, package, version)
            except PinError as exc:
                raise StepFailed(f"{path} on {step.branch}: {exc}; nothing was changed") from None
        changed = {path: text for path, text in updated.items() if text != texts[path]}
        if not changed:
            return "already_done", f"{', '.join(step.files)} already pin {package} {version}"
        title = f"Upgrade {package} from {step.old_version} to {version}"
        body = f"{title}\n\n{self.message}" if self.message else title
        commit = commit_changes(repo, head, changed, body, self.identity)
        update_refs(repo, [RefUpdate(HEADS + step.branch, commit, head)])
        return "done", f"{', '.join(sorted(changed))} now pin {package} {version}"

    def test_new_heads(self, outcomes: dict[str, StepOutcome], command: str) -> None:
        for (repository, branch), step_id in self.moved.items():
            repo = self.repos[repository]
            head = refs(repo)[HEADS + branch]
            result = run_tests(git_dir(repo), head, command)
            said = (
                result.status
                if result.exit_code is None
                else f"{result.status} (exit {result.exit_code})"
            )
            if result.status != "passed":
                said += ": " + " / ".join(result.log.strip().splitlines()[-3:])
            outcome = outcomes[step_id]
            outcomes[step_id] = StepOutcome(
                step_id,
                outcome.status,
                f"{outcome.detail}; tests on {head[:12]} {said}",
                outcome.conflicts,
            )


def _push(
    plan: Plan,
    repos: Mapping[str, Path],
    outcomes: dict[str, StepOutcome],
    push: Mapping[str, str],
) -> None:
    """One atomic push per repository of the refs its succeeded steps made or moved."""
    for repository, remote in push.items():
        steps = [
            step
            for step in plan.steps
            if step.repository == repository
            and step.kind not in (StepKind.MERGE_FIX, StepKind.SKIP)
            and outcomes[step.id].status in SUCCEEDED
        ]
        names = dict.fromkeys(
            name
            for step in steps
            for name in (HEADS + step.branch, *([TAGS + step.tag] if step.tag else []))
        )
        if not names or repository not in repos:
            continue
        try:
            target = check_remote(remote)
            git(
                git_dir(repos[repository]),
                "push",
                "--atomic",
                "--porcelain",
                "--end-of-options",
                target,
                *(f"{name}:{name}" for name in names),
            )
        except (GitError, ValueError) as exc:
            for step in steps:
                outcome = outcomes[step.id]
                outcomes[step.id] = StepOutcome(
                    step.id,
                    "failed",
                    f"{outcome.detail}; but not pushed to {display_remote(remote)}: {exc}",
                )


def _clone(repos: Mapping[str, Path], step: Step) -> Path:
    repo = repos.get(step.repository)
    if repo is None:
        raise StepFailed(f"no clone of {step.repository} was given")
    return repo


def _branch_head(repo: Path, step: Step, found: Mapping[str, str] | None = None) -> str:
    head = (refs(repo) if found is None else found).get(HEADS + step.branch)
    if head is None:
        raise StepFailed(f"{step.repository} has no branch {step.branch}")
    return head


def _commits(repo: Path, step: Step) -> list[str]:
    """The step's fix commits as full names; StepFailed naming any the clone lacks."""
    found, missing = [], []
    for commit in step.commits:
        result = git(
            git_dir(repo),
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"{commit}^{{commit}}",
            check=False,
            timeout=60,
        )
        if result.returncode == 0:
            found.append(result.stdout.strip())
        else:
            missing.append(commit)
    if missing:
        raise StepFailed(
            f"fix commit {_short(missing)} is not in {step.repository} ({repo}): fetch it into "
            f"the clone, or check the commits the plan was made from"
        )
    return found


def _branch_base(plan: Plan, step: Step) -> str:
    for other in plan.steps:
        if other.kind is StepKind.CREATE_BRANCH and (other.repository, other.branch) == (
            step.repository,
            step.branch,
        ):
            return other.base or ""
    raise StepFailed(f"{step.repository} has no branch {step.branch} and no step creates it")


def _pending(plan: Plan, repo: Path, head: str, step: Step) -> list[str]:
    """The step's commits not yet on the branch: not reachable, not named in a `cherry picked
    from` line (a pick a person finished by hand), and with no commit of the same change."""
    commits = _commits(repo, step)
    picked = picked_into(repo, HEADS + plan.package.main_branch, head)
    return [
        commit
        for commit in commits
        if not is_ancestor(repo, commit, head)
        and commit not in picked
        and (is_merge(repo, commit) or not has_equivalent(repo, head, commit))
    ]


def _pick(tree: Path, commit: str, repo: Path, identity: Identity | None) -> None:
    """Cherry-pick `commit` in the scratch worktree: recorded with -x for real, or only applied
    to the index (`identity` None) for a dry run. PickConflict with the conflicts."""
    if identity is None:
        args = ["cherry-pick", "--no-commit"]
        config: tuple[str, ...] = COMMIT_CONFIG
    else:
        args = ["cherry-pick", "-x", "--keep-redundant-commits"]
        config = identity.config()
    if is_merge(repo, commit):
        args += ["-m", "1"]
    result = git(None, *config, "-C", str(tree), *args, commit, check=False)
    if result.returncode == 0:
        return
    conflicted = lines(git(None, "-C", str(tree), "diff", "--name-only", "--diff-filter=U"))
    if not conflicted:
        raise StepFailed(f"git cherry-pick {commit[:12]} failed: {result.stderr.strip()}")
    raise PickConflict(commit, tuple(Conflict(path, _hunks(tree / path)) for path in conflicted))


def _hunks(path: Path) -> tuple[str, ...]:
    """The conflict regions of a file, markers included; none when the file has no text
    markers (deleted on one side, or binary)."""
    if not path.is_file():
        return ()
    hunks, current = [], list[str]()
    inside = False
    for line in path.read_text(errors="replace").splitlines(keepends=True):
        if line.startswith("<<<<<<< "):
            inside, current = True, []
        if inside:
            current.append(line)
        if inside and line.startswith(">>>>>>> "):
            hunks.append("".join(current))
            inside = False
    return tuple(hunks)


def _count(commits: list[str]) -> str:
    return "1 commit" if len(commits) == 1 else f"{len(commits)} commits"


def _short(commits: list[str]) -> str:
    return ", ".join(commit[:12] for commit in commits)


def _paths(conflicts: tuple[Conflict, ...]) -> str:
    return ", ".join(conflict.path for conflict in conflicts)
