from pathlib import Path

import pytest

from tests.gitops.repos import commit, git
from vulndesk.gitops import GitError
from vulndesk.gitops.objects import list_files, read_blobs, read_specs, refs, resolve


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """main: README, requirements/base.txt, a Latin-1 file and a file named with a space;
    tagged v1.0 (annotated) and light; a branch `old` from the first commit."""
    repo = tmp_path / "work"
    repo.mkdir()
    git(repo, "init", "--quiet", "-b", "main")
    first = commit(repo, "README", "hello\n", "Start")
    git(repo, "branch", "old", first)
    (repo / "requirements").mkdir()
    commit(repo, "requirements/base.txt", "django==5.2\n", "Pin Django")
    (repo / "latin.txt").write_bytes("café\n".encode("latin-1"))
    git(repo, "add", "latin.txt")
    commit(repo, "with space.txt", "spaced\n", "Add files")
    git(repo, "tag", "-a", "-m", "First release", "v1.0")
    git(repo, "tag", "light", first)
    return repo


@pytest.fixture
def bare(work: Path, tmp_path: Path) -> Path:
    path = tmp_path / "bare.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(work), str(path))
    return path


def test_it_lists_every_file_of_a_branch_recursively(work: Path) -> None:
    assert sorted(list_files(work, "main")) == [
        "README",
        "latin.txt",
        "requirements/base.txt",
        "with space.txt",
    ]
    assert list_files(work, "old") == ["README"]


def test_it_lists_files_of_a_bare_repository_by_tag(bare: Path) -> None:
    assert "requirements/base.txt" in list_files(bare, "v1.0")


def test_listing_a_missing_branch_names_the_repository_and_the_branch(work: Path) -> None:
    with pytest.raises(GitError, match=r"has no branch, tag or commit 'nope'") as caught:
        list_files(work, "nope")
    assert str(work) in str(caught.value)


def test_an_option_like_ref_is_not_passed_to_git_as_an_option(work: Path) -> None:
    with pytest.raises(GitError, match="has no branch"):
        list_files(work, "--output=/tmp/x")


def test_it_reads_many_files_at_once_and_none_for_missing_ones(bare: Path) -> None:
    blobs = read_blobs(
        bare, "main", ["README", "requirements/base.txt", "nope.txt", "with space.txt"]
    )
    assert blobs == {
        "README": "hello\n",
        "requirements/base.txt": "django==5.2\n",
        "nope.txt": None,
        "with space.txt": "spaced\n",
    }


def test_a_directory_is_not_a_file(work: Path) -> None:
    assert read_blobs(work, "main", ["requirements"]) == {"requirements": None}


def test_text_that_is_not_utf8_is_decoded_with_replacement(work: Path) -> None:
    assert read_blobs(work, "main", ["latin.txt"]) == {"latin.txt": "caf\ufffd\n"}


def test_reading_on_another_branch_sees_that_branch(work: Path) -> None:
    assert read_blobs(work, "old", ["README", "requirements/base.txt"]) == {
        "README": "hello\n",
        "requirements/base.txt": None,
    }


def test_raw_reads_keep_bytes_and_accept_object_names(work: Path) -> None:
    blob = git(work, "rev-parse", "main:latin.txt")
    assert read_specs(work, [blob, "main:latin.txt"]) == ["café\n".encode("latin-1")] * 2


def test_reading_nothing_runs_nothing(tmp_path: Path) -> None:
    assert read_specs(tmp_path / "not-a-repository", []) == []


def test_refs_gives_branches_and_tags_at_their_commits(work: Path) -> None:
    head = git(work, "rev-parse", "main")
    first = git(work, "rev-parse", "old")
    assert refs(work) == {
        "refs/heads/main": head,
        "refs/heads/old": first,
        "refs/tags/v1.0": head,  # the annotated tag, followed to its commit
        "refs/tags/light": first,
    }


def test_resolve_names_the_commit_or_none(work: Path) -> None:
    assert resolve(work, "v1.0") == git(work, "rev-parse", "main")
    assert resolve(work, "nope") is None
    assert resolve(work, "-h") is None
