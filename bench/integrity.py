"""How long does the release-day integrity check take, against the bare `git patch-id` pipeline?

Builds once, in a new temporary directory and in one `git fast-import`, a repository with a
base commit of --files files and --branches release branches; on each, a fix branch of
--commits commits (each changing a few lines of one file) and the same changes landed under
other shas (another committer date), the last one with a typo fixed, so every branch has one
difference to find. Then times, --rounds times each, taking the median:

- vulndesk: `gitops.patch_ids` of the sent and of the landed range of every branch (subjects,
  merges left out, binary changes counted) and `process.integrity.compare`;
- the floor: per range, `git log -p RANGE` piped into `git patch-id --stable` (two processes,
  no subjects) and a set difference of the patch-ids.

    .venv/bin/python bench/integrity.py [--branches 8] [--commits 40] [--files 400]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from vulndesk.gitops import patch_ids
from vulndesk.process.integrity import compare

STAMP_SENT = "1767225600 +0000"
STAMP_LANDED = "1767312000 +0000"


def run(cwd: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(  # noqa: S603 - a fixed argument list
        ["git", *args],  # noqa: S607
        cwd=cwd,
        input=data,
        capture_output=True,
        check=True,
    ).stdout


def _blob(path: str, text: str) -> bytes:
    data = text.encode()
    return f"M 100644 inline {path}\n".encode() + b"data %d\n%s\n" % (len(data), data)


def _commit(ref: str, mark: int, parent: int, stamp: str, message: str, change: bytes) -> bytes:
    return (
        f"commit {ref}\nmark :{mark}\ncommitter Bench <bench@example.org> {stamp}\n".encode()
        + b"data %d\n%s\n" % (len(message), message.encode())
        + f"from :{parent}\n".encode()
        + change
        + b"\n"
    )


def source(number: int, variant: str = "") -> str:
    lines = [f"def handler_{number}_{k}(request):\n    return {k}\n" for k in range(40)]
    return "".join(lines) + variant


def build(root: Path, branches: int, commits: int, files: int) -> list[tuple[str, str, str]]:
    """The repository; (base, sent head, landed head) per branch."""
    run(root, "init", "--quiet", "--bare")
    base = b"".join(_blob(f"src/mod{k}.py", source(k)) for k in range(files))
    stream = [
        b"commit refs/heads/main\nmark :1\n"
        + f"committer Bench <bench@example.org> {STAMP_SENT}\n".encode()
        + b"data 4\nBase\n"
        + base
        + b"\n"
    ]
    mark = 1
    ranges = []
    for branch in range(branches):
        stream.append(f"reset refs/heads/release-{branch}\nfrom :1\n\n".encode())
        tips = []
        for ref, stamp in ((f"fix/{branch}", STAMP_SENT), (f"landed/{branch}", STAMP_LANDED)):
            parent = 1
            for number in range(commits):
                file = (branch * commits + number) % files
                typo = ref.startswith("landed") and number == commits - 1
                text = source(file, f"# fix {branch}.{number}{' (typo fixed)' if typo else ''}\n")
                mark += 1
                message = f"Fix {branch}.{number}: escape the handler's input"
                change = _blob(f"src/mod{file}.py", text)
                stream.append(_commit(f"refs/heads/{ref}", mark, parent, stamp, message, change))
                parent = mark
            tips.append(f"refs/heads/{ref}")
        ranges.append((f"refs/heads/release-{branch}", tips[0], tips[1]))
    run(root, "fast-import", "--quiet", data=b"".join(stream))
    return ranges


def with_vulndesk(repo: Path, ranges: list[tuple[str, str, str]]) -> int:
    found = 0
    for base, sent, landed in ranges:
        found += len(compare(patch_ids(repo, base, sent), patch_ids(repo, base, landed)))
    return found


def floor_ids(repo: Path, base: str, head: str) -> set[str]:
    log = run(repo, "log", "-p", "--no-merges", f"{base}..{head}")
    output = run(repo, "patch-id", "--stable", data=log).decode()
    return {line.split()[0] for line in output.splitlines()}


def floor(repo: Path, ranges: list[tuple[str, str, str]]) -> int:
    found = 0
    for base, sent, landed in ranges:
        sent_ids, landed_ids = floor_ids(repo, base, sent), floor_ids(repo, base, landed)
        found += len(sent_ids - landed_ids) + len(landed_ids - sent_ids)
    return found


def timed(rounds: int, work: Callable[[], int]) -> tuple[float, int]:
    seconds, result = [], 0
    for _ in range(rounds):
        start = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--branches", type=int, default=8)
    parser.add_argument("--commits", type=int, default=40)
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vulndesk-bench-integrity-") as scratch:
        repo = Path(scratch) / "repo.git"
        repo.mkdir()
        ranges = build(repo, options.branches, options.commits, options.files)
        floor_seconds, floor_found = timed(options.rounds, lambda: floor(repo, ranges))
        ours_seconds, ours_found = timed(options.rounds, lambda: with_vulndesk(repo, ranges))
    # The floor counts a changed commit twice (its two patch-ids); vulndesk pairs them by subject.
    if (ours_found, floor_found) != (options.branches, 2 * options.branches):
        raise SystemExit(f"expected one difference per branch: {ours_found}, {floor_found}")
    print(
        f"{options.branches} branches x {options.commits} commits sent and landed, "
        f"{options.files} files; median of {options.rounds}"
    )
    print(f"floor (git log -p | git patch-id, set difference): {floor_seconds * 1000:8.1f} ms")
    print(f"vulndesk (patch_ids + compare):                   {ours_seconds * 1000:8.1f} ms")
    print(f"ratio vulndesk/floor: {ours_seconds / floor_seconds:.2f}")


if __name__ == "__main__":
    main()
