"""Versions by each ecosystem's rules: PEP 440 for PyPI, semver for npm, pre-releases included."""

import pytest

from vulndesk.versions.ecosystems import (
    VersionError,
    canonical,
    compare,
    is_compatible,
    next_patch,
    parse_version,
    tag_for,
    version_from_tag,
)
from vulndesk.versions.plan import Compatibility, Ecosystem

PYPI, NPM = Ecosystem.PYPI, Ecosystem.NPM


@pytest.mark.parametrize(
    ("ecosystem", "lower", "higher"),
    [
        (PYPI, "3.2.0rc1", "3.2.0"),
        (PYPI, "3.2.0.dev1", "3.2.0a1"),
        (PYPI, "3.1.0", "3.1.0.post1"),
        (PYPI, "2.10.0", "10.0"),
        (PYPI, "9.0", "1!1.0"),
        (NPM, "3.2.0-rc.1", "3.2.0"),
        (NPM, "3.2.0-alpha", "3.2.0-beta"),
        (NPM, "2.9.9", "2.10.0"),
    ],
)
def test_it_orders_versions_by_the_ecosystems_rules(
    ecosystem: Ecosystem, lower: str, higher: str
) -> None:
    assert compare(ecosystem, lower, higher) == -1
    assert compare(ecosystem, higher, lower) == 1
    assert parse_version(ecosystem, lower) < parse_version(ecosystem, higher)


def test_it_treats_equal_pep_440_spellings_as_equal() -> None:
    assert compare(PYPI, "3.1", "3.1.0") == 0


@pytest.mark.parametrize(
    ("ecosystem", "text"),
    [(PYPI, "three"), (PYPI, ""), (PYPI, " 3.1.0"), (NPM, "1.2"), (NPM, "v1.2.3"), (NPM, "01.2.3")],
)
def test_it_refuses_a_version_naming_the_text_the_ecosystem_and_a_valid_example(
    ecosystem: Ecosystem, text: str
) -> None:
    with pytest.raises(VersionError) as caught:
        parse_version(ecosystem, text)
    message = str(caught.value)
    assert repr(text) in message
    assert str(ecosystem) in message
    assert "3.1.0" in message


@pytest.mark.parametrize(
    ("ecosystem", "version", "expected"),
    [
        (PYPI, "3.1.0", "3.1.1"),  # OEDX-6
        (PYPI, "2.5.0", "2.5.1"),  # OEDX-10
        (PYPI, "2.5", "2.5.1"),
        (PYPI, "3.1.0.post2", "3.1.1"),
        (PYPI, "1!2.0.3", "1!2.0.4"),
        (PYPI, "3.2.0rc1", "3.2.0"),
        (PYPI, "3.2.0.dev4", "3.2.0"),
        (NPM, "3.1.0", "3.1.1"),
        (NPM, "3.2.0-rc.1", "3.2.0"),
        (NPM, "3.1.0+build.5", "3.1.1"),
    ],
)
def test_next_patch_is_the_next_final_release(
    ecosystem: Ecosystem, version: str, expected: str
) -> None:
    assert next_patch(ecosystem, version) == expected
    assert compare(ecosystem, version, expected) == -1


def test_a_major_release_behind_is_not_compatible_by_default_oedx_9() -> None:
    assert not is_compatible(PYPI, "2.5.0", "3.1.1", Compatibility.SAME_MAJOR)
    assert is_compatible(PYPI, "3.0.2", "3.1.1", Compatibility.SAME_MAJOR)
    assert is_compatible(NPM, "3.0.0-rc.1", "3.1.1", Compatibility.SAME_MAJOR)


@pytest.mark.parametrize("ecosystem", [PYPI, NPM])
def test_before_1_0_a_minor_release_is_not_compatible_by_default(ecosystem: Ecosystem) -> None:
    """semver: while the major version is 0, a minor release may break (npm's ^0.2.3 stops
    below 0.3.0), so the same major version 0 is not enough (OEDX-9)."""
    assert not is_compatible(ecosystem, "0.2.3", "0.5.1", Compatibility.SAME_MAJOR)
    assert is_compatible(ecosystem, "0.2.3", "0.2.4", Compatibility.SAME_MAJOR)


def test_same_minor_and_never_are_stricter() -> None:
    assert not is_compatible(PYPI, "3.0.2", "3.1.1", Compatibility.SAME_MINOR)
    assert is_compatible(PYPI, "3.1.0", "3.1.1", Compatibility.SAME_MINOR)
    assert not is_compatible(PYPI, "3.1.0", "3.1.1", Compatibility.NEVER)


def test_tags_follow_the_pattern_both_ways() -> None:
    assert tag_for("v{version}", "2.5.0") == "v2.5.0"
    assert tag_for("release-{version}-final", "2.5.0") == "release-2.5.0-final"
    assert version_from_tag("v{version}", "v2.5.0") == "2.5.0"
    assert version_from_tag("release-{version}-final", "release-2.5.0-final") == "2.5.0"
    assert version_from_tag("v{version}", "2.5.0") is None
    assert version_from_tag("v{version}", "v") is None


@pytest.mark.parametrize("pattern", ["v", "{version}-{version}", "v{ver}"])
def test_a_pattern_without_exactly_one_placeholder_is_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match=r"\{version\}"):
        tag_for(pattern, "1.0.0")
    with pytest.raises(ValueError, match=r"\{version\}"):
        version_from_tag(pattern, "v1.0.0")


@pytest.mark.parametrize(
    ("ecosystem", "a", "b"),
    [(PYPI, "3.1", "3.1.0"), (PYPI, "3.2.0RC1", "3.2.0rc1"), (NPM, "3.1.0+build.5", "3.1.0")],
)
def test_equal_versions_share_one_canonical_spelling(ecosystem: Ecosystem, a: str, b: str) -> None:
    assert canonical(ecosystem, a) == canonical(ecosystem, b)
