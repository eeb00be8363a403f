"""Which private remotes vulndesk will fetch from, checked before git ever sees them.

A remote is text a user typed, and git reads some remotes as commands (`ext::sh -c …`) or as
options (`--upload-pack=…`). So only these are accepted: an absolute local path to an existing
git repository; an https, ssh or file URL; or scp-like `user@host:path`.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from vulndesk.gitops.git import is_repository

SCHEMES = ("https", "ssh", "file")
MAX_LENGTH = 500
# user@host:path, as `git@github.com:org/repo.git`; the host may not start with "-".
SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9][A-Za-z0-9.-]*:(?!/?-)[^\s]+$")
HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$")
ACCEPTED = (
    "an https://, ssh:// or file:// URL, git@host:path, or the absolute path of a git "
    "repository on this server"
)


class RemoteError(ValueError):
    """A remote vulndesk will not fetch from; the message says why and what is accepted."""


def check_remote(remote: str) -> str:
    """The remote, stripped, if vulndesk may fetch from it; RemoteError saying why not."""
    value = remote.strip()
    if not value:
        raise RemoteError(f"give the private repository: {ACCEPTED}")
    if len(value) > MAX_LENGTH:
        raise RemoteError(f"at most {MAX_LENGTH} characters")
    if value.startswith("-"):
        raise RemoteError(f"{value!r} would be read by git as an option; give {ACCEPTED}")
    if "::" in value.split("/", 1)[0]:
        # git's transport helpers: `ext::` runs any command, the others are not ours to allow.
        raise RemoteError(
            f"{value.split('::', 1)[0]}:: remotes run a transport helper and are refused; "
            f"give {ACCEPTED}"
        )
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise RemoteError("no spaces or control characters")
    if value.startswith("/"):
        return _local(value)
    if "://" in value:
        return _url(value)
    if SCP_LIKE.match(value):
        return value
    raise RemoteError(f"{value!r} is not a remote vulndesk fetches from; give {ACCEPTED}")


def _local(value: str) -> str:
    path = Path(value)
    if not path.is_dir():
        raise RemoteError(f"{value} does not exist on this server (or is not a directory)")
    if not is_repository(path):
        raise RemoteError(f"{value} is not a git repository")
    return value


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in SCHEMES:
        raise RemoteError(
            f"the {parts.scheme or 'empty'}:// scheme is refused; use one of "
            f"{', '.join(s + '://' for s in SCHEMES)}"
        )
    if parts.scheme == "file":
        if parts.netloc or not parts.path.startswith("/"):
            raise RemoteError("a file:// URL names an absolute path: file:///srv/git/repo.git")
        _local(parts.path)
        return value
    if not parts.hostname or not HOST.match(parts.hostname):
        raise RemoteError(f"{parts.scheme}:// needs a host name such as github.com")
    if not parts.path.strip("/"):
        raise RemoteError("name the repository after the host, e.g. /org/repo.git")
    return value


def display_remote(remote: str) -> str:
    """The remote without a password or token in it, for pages, logs and the audit trail."""
    if "://" not in remote:
        return remote
    parts = urlsplit(remote)
    if parts.password is None and not (parts.username and parts.scheme == "https"):
        return remote
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.password is not None else "***@"
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))
