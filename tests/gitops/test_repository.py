"""The mirror of a private remote: its branches, and which line each fix branch fixes."""

from pathlib import Path

import pytest

from tests.gitops.repos import Repos, git
from vulndesk.gitops import GitError, branch_heads, check_branch_name, find_fix_branches, mirror


def test_mirroring_copies_every_branch_and_prunes_deleted_ones(
    repos: Repos, tmp_path: Path
) -> None:
    dest = tmp_path / "data" / "repos" / "emissary-2.git"
    mirror(str(repos.remote), dest)
    heads = branch_heads(dest)
    assert set(heads) == {"main", "release-1.13", "fix/header-main", "fix/header-1.13"}
    assert heads["main"] == git(repos.upstream, "rev-parse", "main")

    git(repos.remote, "branch", "-D", "fix/header-1.13")
    mirror(str(repos.remote), dest)
    assert "fix/header-1.13" not in branch_heads(dest)


def test_each_fix_branch_gets_the_line_it_was_branched_from_and_its_own_commits(
    repos: Repos, tmp_path: Path
) -> None:
    dest = tmp_path / "mirror.git"
    mirror(str(repos.remote), dest)
    found = {info.name: info for info in find_fix_branches(dest, "main", ["release-1.13"])}
    assert set(found) == {"fix/header-main", "fix/header-1.13"}
    on_main, on_line = found["fix/header-main"], found["fix/header-1.13"]
    assert on_main.base == "main"
    assert [c.subject for c in on_main.commits] == ["Reject the crafted header"]
    assert on_main.commits[0].author_email == "fay@example.org"
    assert on_main.head == git(repos.upstream, "rev-parse", "fix/header-main")
    assert on_line.base == "release-1.13"
    assert [c.subject for c in on_line.commits] == [
        "Test the header on 1.13",
        "Reject the header on 1.13",
    ]


def test_a_fix_branch_as_close_to_main_as_to_a_line_fixes_main(
    repos: Repos, tmp_path: Path
) -> None:
    git(repos.upstream, "branch", "release-2.0", "main")
    repos.push("release-2.0")
    dest = tmp_path / "mirror.git"
    mirror(str(repos.remote), dest)
    found = {i.name: i.base for i in find_fix_branches(dest, "main", ["release-2.0"])}
    assert found["fix/header-main"] == "main"


def test_a_line_whose_branch_is_missing_is_skipped(repos: Repos, tmp_path: Path) -> None:
    dest = tmp_path / "mirror.git"
    mirror(str(repos.remote), dest)
    found = {i.name: i.base for i in find_fix_branches(dest, "main", ["release-9.9"])}
    # Without its line in the list, release-1.13 is a branch like any other.
    assert found == {"fix/header-main": "main", "fix/header-1.13": "main", "release-1.13": "main"}


def test_an_unreachable_remote_says_what_git_said(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="git fetch failed"):
        mirror("ssh://nohost.invalid/org/repo.git", tmp_path / "mirror.git")


def test_branch_names_are_checked_as_git_checks_them() -> None:
    assert check_branch_name(" release-1.13 ") == "release-1.13"
    for bad in ("two words", "-x", "a..b", ""):
        with pytest.raises(ValueError, match="branch name"):
            check_branch_name(bad)
