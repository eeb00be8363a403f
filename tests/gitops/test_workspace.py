from pathlib import Path

import pytest

from tests.gitops.repos import commit, git
from vulndesk.gitops import GitError, RemoteError
from vulndesk.gitops.objects import refs
from vulndesk.gitops.workspace import workspace


@pytest.fixture
def source(tmp_path: Path) -> Path:
    repo = tmp_path / "source"
    repo.mkdir()
    git(repo, "init", "--quiet", "-b", "main")
    commit(repo, "README", "one\n", "Start")
    git(repo, "tag", "-a", "-m", "Release 1.0.0", "v1.0.0")
    git(repo, "branch", "release-1.0")
    commit(repo, "README", "two\n", "Carry on")
    return repo


def test_it_clones_every_branch_and_tag_as_local_ones(source: Path, tmp_path: Path) -> None:
    clone = workspace(str(source), tmp_path / "clone")
    assert (clone / ".git").is_dir()  # a non-bare clone a person can check a branch out in
    found = refs(clone)
    assert found["refs/heads/main"] == git(source, "rev-parse", "main")
    assert found["refs/heads/release-1.0"] == git(source, "rev-parse", "release-1.0")
    assert found["refs/tags/v1.0.0"] == git(source, "rev-parse", "v1.0.0^{commit}")
    assert git(clone, "cat-file", "-t", "v1.0.0") == "tag"  # still annotated


def test_the_source_is_never_written(source: Path, tmp_path: Path) -> None:
    before = refs(source)
    clone = workspace(str(source), tmp_path / "clone")
    git(clone, "branch", "security/1.0.1", "v1.0.0")
    workspace(str(source), clone)
    assert refs(source) == before


def test_a_refresh_follows_the_source_forward(source: Path, tmp_path: Path) -> None:
    clone = workspace(str(source), tmp_path / "clone")
    head = commit(source, "README", "three\n", "Move on")
    git(source, "tag", "v1.1.0")
    git(source, "branch", "release-1.1")
    workspace(str(source), clone)
    found = refs(clone)
    assert found["refs/heads/main"] == head
    assert found["refs/heads/release-1.1"] == head
    assert found["refs/tags/v1.1.0"] == head


def test_a_refresh_keeps_work_done_in_the_clone(source: Path, tmp_path: Path) -> None:
    clone = workspace(str(source), tmp_path / "clone")
    git(clone, "checkout", "--quiet", "release-1.0")
    resolved = commit(clone, "FIX", "fixed\n", "Resolve the pick by hand")
    git(clone, "checkout", "--quiet", "--detach")
    git(source, "checkout", "--quiet", "release-1.0")
    commit(source, "OTHER", "x\n", "Diverge upstream")
    workspace(str(source), clone)
    assert refs(clone)["refs/heads/release-1.0"] == resolved


def test_it_refuses_a_remote_git_would_run(tmp_path: Path) -> None:
    with pytest.raises(RemoteError, match="ext::"):
        workspace("ext::sh -c touch% /tmp/pwned", tmp_path / "clone")
    assert not (tmp_path / "clone").exists()


def test_it_refuses_a_directory_that_is_not_a_repository(source: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine\n")
    with pytest.raises(GitError, match="is not a git repository"):
        workspace(str(source), other)
