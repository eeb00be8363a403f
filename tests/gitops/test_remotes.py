"""Only remotes that git reads as remotes are fetched: never a command, never an option."""

from pathlib import Path

import pytest

from tests.gitops.repos import Repos
from vulndesk.gitops import RemoteError, check_remote, display_remote, mirror


@pytest.mark.parametrize(
    "remote",
    [
        "https://github.com/org/project-security.git",
        "ssh://git@github.com/org/project-security.git",
        "git@github.com:org/project-security.git",
    ],
)
def test_network_remotes_of_the_accepted_kinds_pass(remote: str) -> None:
    assert check_remote(f"  {remote} ") == remote


def test_a_local_repository_passes_as_a_path_and_as_a_file_url(repos: Repos) -> None:
    assert check_remote(str(repos.remote)) == str(repos.remote)
    assert check_remote(f"file://{repos.remote}") == f"file://{repos.remote}"


def test_an_ext_remote_that_runs_a_command_is_refused_by_name(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(RemoteError, match=r"ext:: remotes run a transport helper and are refused"):
        check_remote(f"ext::sh -c touch% {marker}")
    assert not marker.exists()


@pytest.mark.parametrize("remote", ["--upload-pack=touch /tmp/pwned", "-oProxyCommand=x"])
def test_an_option_like_remote_is_refused(remote: str) -> None:
    with pytest.raises(RemoteError, match="would be read by git as an option"):
        check_remote(remote)


@pytest.mark.parametrize(
    ("remote", "problem"),
    [
        ("http://example.org/repo.git", "the http:// scheme is refused"),
        ("git://example.org/repo.git", "the git:// scheme is refused"),
        ("ssh://-oProxyCommand=x/repo", "needs a host name"),
        ("https://github.com/", "name the repository after the host"),
        ("relative/path", "is not a remote vulndesk fetches from"),
        ("", "give the private repository"),
        ("file://host/srv/repo.git", "a file:// URL names an absolute path"),
    ],
)
def test_other_remotes_are_refused_saying_why(remote: str, problem: str) -> None:
    with pytest.raises(RemoteError, match=problem):
        check_remote(remote)


def test_a_path_that_is_not_a_repository_is_refused(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(RemoteError, match="is not a git repository"):
        check_remote(str(tmp_path / "plain"))
    with pytest.raises(RemoteError, match="does not exist on this server"):
        check_remote(str(tmp_path / "missing"))


def test_a_directory_inside_a_repository_is_not_taken_for_it(repos: Repos) -> None:
    inside = repos.upstream / "sub"
    inside.mkdir()
    with pytest.raises(RemoteError, match="is not a git repository"):
        check_remote(str(inside))


def test_mirroring_checks_the_remote_too(tmp_path: Path) -> None:
    with pytest.raises(RemoteError):
        mirror("--upload-pack=touch /tmp/pwned", tmp_path / "mirror.git")
    assert not (tmp_path / "mirror.git").exists()


def test_a_password_in_a_url_is_not_shown() -> None:
    shown = display_remote("https://fay:s3cret@github.com/org/repo.git")
    assert shown == "https://fay:***@github.com/org/repo.git"
    assert display_remote("https://ghp_token@github.com/org/repo.git") == (
        "https://***@github.com/org/repo.git"
    )
    assert display_remote("git@github.com:org/repo.git") == "git@github.com:org/repo.git"
