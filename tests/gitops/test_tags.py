"""Reading a repository's tags without cloning it, as the publication guard does."""

from pathlib import Path

import pytest

from tests.gitops.repos import git, released_repository
from vulndesk.gitops import GitError, Identity, RemoteError, remote_tags, tagged_repository


def test_it_reads_the_tags_of_a_local_path_and_of_a_file_url(tmp_path: Path) -> None:
    repository = released_repository(tmp_path / "proxy", "v1.13.3", "v1.13.4")
    git(repository, "tag", "lightweight")
    expected = frozenset({"v1.13.3", "v1.13.4", "lightweight"})
    assert remote_tags(str(repository)) == expected
    assert remote_tags(f"file://{repository}") == expected


def test_a_repository_without_tags_has_none(tmp_path: Path) -> None:
    assert remote_tags(str(released_repository(tmp_path / "proxy"))) == frozenset()


def test_a_missing_repository_or_a_command_remote_is_an_error_not_a_crash(
    tmp_path: Path,
) -> None:
    with pytest.raises(RemoteError, match="does not exist on this server"):
        remote_tags(str(tmp_path / "gone"))
    with pytest.raises(RemoteError, match="ext:: remotes run a transport helper"):
        remote_tags("ext::sh -c touch% /tmp/pwned")
    (tmp_path / "plain").mkdir()
    with pytest.raises((RemoteError, GitError)):
        remote_tags(f"file://{tmp_path / 'plain'}")


def test_a_stand_in_repository_carries_its_tags_and_is_kept_when_made_again(
    tmp_path: Path,
) -> None:
    identity = Identity("vulndesk demo", "demo@vulndesk.invalid")
    path = tagged_repository(tmp_path / "demo.git", ["v1.0.1"], identity)
    assert remote_tags(str(path)) == frozenset({"v1.0.1"})
    assert tagged_repository(path, ["v2.0.0"], identity) == path
    assert remote_tags(str(path)) == frozenset({"v1.0.1"})
