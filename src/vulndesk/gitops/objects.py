"""Reading a repository's files straight from its objects, without a checkout.

Pin discovery reads a handful of small files on a few branches of hundreds of repositories:
one `git ls-tree` per branch and one `git cat-file --batch` per call, whatever the number of
files, keeps that to a few processes per repository. Works on bare and non-bare repositories.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from vulndesk.gitops.git import DEFAULT_TIMEOUT, SAFE_CONFIG, GitError, git, git_environment

# What `cat-file --batch` prints before an object's content; anything else says it has none.
OBJECT_HEADER = re.compile(rb"(?P<sha>[0-9a-f]{40,64}) (?P<type>[a-z]+) (?P<size>[0-9]+)")


def git_dir(repo: Path) -> Path:
    """The git directory of `repo`: itself when bare, its `.git` (a directory, or the file a
    linked worktree has) otherwise."""
    dot_git = repo / ".git"
    return dot_git if dot_git.exists() else repo


def run_bytes(
    repo: Path,
    *args: str,
    input_bytes: bytes | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> bytes:
    """Run `git ARGS` in `repo`, feeding it `input_bytes`, and return its raw output.

    For what `git()` cannot do: binary or NUL-separated output, standard input, and the few
    variables (a temporary index) some plumbing commands read.
    """
    command = ["git", *SAFE_CONFIG, "--git-dir", str(git_dir(repo)), *args]
    environment = git_environment()
    environment.update(env or {})
    try:
        result = subprocess.run(  # noqa: S603 - an argument list, never a shell
            command,
            input=input_bytes if input_bytes is not None else b"",
            capture_output=True,
            timeout=timeout,
            check=False,
            env=environment,
        )
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {timeout:g} s and was stopped") from None
    except FileNotFoundError:
        raise GitError("git is not installed on this machine (no `git` on PATH)") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed: {' / '.join(message[-5:]) or 'no message'}")
    return result.stdout


def resolve(repo: Path, ref: str) -> str | None:
    """The commit `ref` names in `repo` (a branch, tag or sha), or None if there is none."""
    if not ref or ref.startswith("-"):
        return None
    result = git(
        git_dir(repo),
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        f"{ref}^{{commit}}",
        check=False,
        timeout=60,
    )
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None


def list_files(repo: Path, ref: str) -> list[str]:
    """Every file path in the tree of `ref`, recursively, as git stores them."""
    try:
        if ref.startswith("-"):
            raise GitError(ref)
        output = run_bytes(repo, "ls-tree", "-r", "-z", "--name-only", "--end-of-options", ref)
    except GitError:
        raise GitError(f"{repo} has no branch, tag or commit {ref!r}") from None
    return [name.decode("utf-8", errors="surrogateescape") for name in output.split(b"\0") if name]


def read_blobs(repo: Path, ref: str, paths: Sequence[str]) -> dict[str, str | None]:
    """The text of each path in the tree of `ref`, None where there is no such file.

    One `git cat-file --batch` process reads them all. Text that is not UTF-8 is decoded with
    replacement characters: a pin file is read, never written back from here.
    """
    blobs = read_specs(repo, [f"{ref}:{path}" for path in paths])
    return {
        path: None if blob is None else blob.decode("utf-8", errors="replace")
        for path, blob in zip(paths, blobs, strict=True)
    }


def read_specs(repo: Path, specs: Sequence[str]) -> list[bytes | None]:
    """The raw content of each `REF:PATH` (or object name) in `specs`, in order; None for one
    that is missing or is not a file. One `git cat-file --batch -z` for all of them."""
    if not specs:
        return []
    if any("\0" in spec for spec in specs):
        raise GitError("a path to read contains a NUL character")
    request = b"".join(spec.encode("utf-8", errors="surrogateescape") + b"\0" for spec in specs)
    output = run_bytes(repo, "cat-file", "--batch", "-z", input_bytes=request)
    found: list[bytes | None] = []
    position = 0
    for spec in specs:
        end = output.index(b"\n", position)
        line = output[position:end]
        position = end + 1
        header = OBJECT_HEADER.fullmatch(line)
        if header is not None:
            size = int(header["size"])
            content = output[position : position + size]
            position += size + 1  # the content is followed by a newline
            found.append(content if header["type"] == b"blob" else None)
        elif line.endswith((b" missing", b" ambiguous")):
            found.append(None)
        else:
            raise GitError(f"git cat-file answered {spec!r} with {line!r}")
    return found


def refs(repo: Path) -> dict[str, str]:
    """Every branch and tag of `repo` by full name (`refs/heads/main`, `refs/tags/v2.5.0`) and
    the commit it points at (an annotated tag is followed to its commit)."""
    result = git(
        git_dir(repo),
        "for-each-ref",
        "--format=%(refname)%00%(objectname)%00%(*objectname)",
        "refs/heads/",
        "refs/tags/",
        timeout=120,
    )
    found = {}
    for line in result.stdout.splitlines():
        name, sha, peeled = line.split("\0")
        found[name] = peeled or sha
    return found
