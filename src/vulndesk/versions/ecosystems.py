"""Versions by each ecosystem's own rules: PEP 440 for PyPI, semver 2.0 for npm.

Parsing and ordering come from univers (`PypiVersion`, `SemverVersion`), so a pre-release sorts
below its final release in both (3.2.0rc1 < 3.2.0, 3.2.0-rc.1 < 3.2.0). npm versions are checked
against the strict semver grammar first, because univers would quietly coerce `1.2` or `v1.2.3`,
which npm refuses in a package's `version`.

The next patch release (`next_patch`): a final release X.Y.Z moves to X.Y.(Z+1); a pre-release
(or PEP 440 dev release) of X.Y.Z moves to the final X.Y.Z itself, the first release after it
that is not a pre-release. PEP 440 post releases and local labels, and semver build metadata, are
dropped: 3.1.0.post1 → 3.1.1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.utils import canonicalize_version
from packaging.version import InvalidVersion as PackagingInvalidVersion
from packaging.version import Version as Pep440Version
from univers.versions import InvalidVersion, PypiVersion, SemverVersion, Version

from vulndesk.versions.plan import Compatibility, Ecosystem

__all__ = [
    "VersionError",
    "canonical",
    "compare",
    "is_compatible",
    "is_prerelease",
    "next_patch",
    "parse_version",
    "release_line",
    "tag_for",
    "version_from_tag",
]

# The grammar of semver.org 2.0, as npm reads a package's version (no leading "v", no "1.2").
_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)
_EXAMPLES = {
    Ecosystem.PYPI: "a PEP 440 version such as 3.1.0, 3.2.0rc1 or 1!2.0",
    Ecosystem.NPM: "a semver version such as 3.1.0 or 3.2.0-rc.1 (three numbers, no leading v)",
}
_PLACEHOLDER = "{version}"


class VersionError(ValueError):
    """A version that its ecosystem's rules do not accept; the message says what would be."""


@dataclass(frozen=True)
class _Parts:
    epoch: int
    major: int
    minor: int
    patch: int
    prerelease: bool
    base: str  # the release without pre-release or build parts, as the ecosystem writes it


def _error(ecosystem: Ecosystem, text: str) -> VersionError:
    return VersionError(f"{text!r} is not a valid {ecosystem} version: use {_EXAMPLES[ecosystem]}")


def parse_version(ecosystem: Ecosystem, text: str) -> Version:
    """The version as a comparable univers object; VersionError names the text if it is not one."""
    _parts(ecosystem, text)
    try:
        if ecosystem is Ecosystem.PYPI:
            return PypiVersion(text)
        return SemverVersion(text)
    except (InvalidVersion, ValueError) as error:
        raise _error(ecosystem, text) from error


def _parts(ecosystem: Ecosystem, text: str) -> _Parts:
    if not text or text != text.strip():
        raise _error(ecosystem, text)
    if ecosystem is Ecosystem.PYPI:
        try:
            version = Pep440Version(text)
        except PackagingInvalidVersion as error:
            raise _error(ecosystem, text) from error
        major, minor, patch = (*version.release, 0, 0)[:3]
        return _Parts(
            version.epoch, major, minor, patch, version.is_prerelease, version.base_version
        )
    match = _SEMVER.fullmatch(text)
    if match is None:
        raise _error(ecosystem, text)
    major, minor, patch = (int(match.group(i)) for i in (1, 2, 3))
    return _Parts(0, major, minor, patch, match.group(4) is not None, f"{major}.{minor}.{patch}")


def canonical(ecosystem: Ecosystem, version: str) -> str:
    """One spelling for every way of writing the same version, to use as a key: 3.1 and 3.1.0 are
    one PEP 440 version; semver build metadata does not change a version's precedence."""
    _parts(ecosystem, version)
    if ecosystem is Ecosystem.PYPI:
        return canonicalize_version(version)
    return version.split("+", 1)[0]


def compare(ecosystem: Ecosystem, a: str, b: str) -> int:
    """-1, 0 or 1 as `a` is lower than, equal to or higher than `b`."""
    left, right = parse_version(ecosystem, a), parse_version(ecosystem, b)
    return (left > right) - (left < right)


def is_prerelease(ecosystem: Ecosystem, version: str) -> bool:
    return _parts(ecosystem, version).prerelease


def release_line(ecosystem: Ecosystem, version: str) -> tuple[int, int, int]:
    """(epoch, major, minor): the line whose patch releases a version belongs to."""
    parts = _parts(ecosystem, version)
    return parts.epoch, parts.major, parts.minor


def next_patch(ecosystem: Ecosystem, version: str) -> str:
    """The next patch release after `version`: 3.1.0 → 3.1.1, 2.5 → 2.5.1, 3.2.0rc1 → 3.2.0."""
    parts = _parts(ecosystem, version)
    if parts.prerelease:
        return parts.base
    epoch = f"{parts.epoch}!" if parts.epoch else ""
    return f"{epoch}{parts.major}.{parts.minor}.{parts.patch + 1}"


def is_compatible(
    ecosystem: Ecosystem, pinned: str, new: str, compatibility: Compatibility
) -> bool:
    """Whether a release line pinning `pinned` may simply move to `new` (OEDX-8, OEDX-9): by
    default when both share the major version (2.5.0 vs 3.1.1: no). Before 1.0 the minor
    version counts as the major one (semver: 0.y may break on any minor release; npm's ^0.2.3
    stops below 0.3.0), so 0.2.3 vs 0.5.1 is no."""
    old, fixed = _parts(ecosystem, pinned), _parts(ecosystem, new)
    if compatibility is Compatibility.NEVER:
        return False
    same_major = (old.epoch, old.major) == (fixed.epoch, fixed.major)
    if compatibility is Compatibility.SAME_MINOR or old.major == 0:
        return same_major and old.minor == fixed.minor
    return same_major


def _split_pattern(pattern: str) -> tuple[str, str]:
    if pattern.count(_PLACEHOLDER) != 1:
        raise ValueError(
            f"tag pattern {pattern!r} must contain {_PLACEHOLDER} exactly once, "
            f"e.g. v{_PLACEHOLDER} or release-{_PLACEHOLDER}"
        )
    prefix, suffix = pattern.split(_PLACEHOLDER)
    return prefix, suffix


def tag_for(pattern: str, version: str) -> str:
    """The tag a version gets: tag_for("v{version}", "2.5.0") == "v2.5.0"."""
    prefix, suffix = _split_pattern(pattern)
    return f"{prefix}{version}{suffix}"


def version_from_tag(pattern: str, tag: str) -> str | None:
    """The version a tag names under `pattern`, or None when the tag does not follow it. The text
    is not checked against an ecosystem: parse it to know whether it is a version."""
    prefix, suffix = _split_pattern(pattern)
    if len(tag) <= len(prefix) + len(suffix) or not tag.startswith(prefix):
        return None
    if not tag.endswith(suffix):
        return None
    return tag[len(prefix) : len(tag) - len(suffix)]
