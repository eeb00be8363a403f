"""A package's own version in its metadata: read, set byte for byte, refused when not static."""

import pytest

from vulndesk.versions.metadata import MetadataError, read_version, set_version, version_files

PYPROJECT = """\
[build-system]
requires = ["hatchling"]

[project]
name = "openedx-animals"
readme = '''
version = "9.9.9"
'''
version   =   '3.1.0'  # bumped by the release
description = "version = 9"

[tool.other]
version = "0.0.1"
"""

POETRY = """\
[tool.poetry]
name = "animals"
version = "2.5.0"
"""

SETUP_CFG = """\
[metadata]
name = openedx-animals
version = 2.5.0

[options]
packages = find:
"""

PACKAGE_JSON = """\
{
    "name": "@openedx/animals",
    "dependencies": {"version": "1.0.0"},
    "version": "3.1.0",
    "private": false
}
"""

INIT = '''\
"""Animals."""

__version__: str = "3.1.0"
VERSION = __version__
'''


@pytest.mark.parametrize(
    ("path", "text", "old"),
    [
        ("pyproject.toml", PYPROJECT, "3.1.0"),
        ("pyproject.toml", POETRY, "2.5.0"),
        ("setup.cfg", SETUP_CFG, "2.5.0"),
        ("package.json", PACKAGE_JSON, "3.1.0"),
        ("animals/__init__.py", INIT, "3.1.0"),
    ],
)
def test_it_reads_and_sets_the_version_keeping_every_other_byte(
    path: str, text: str, old: str
) -> None:
    assert read_version(text, path) == old
    changed = set_version(text, path, "3.1.1")
    assert changed == text.replace(old, "3.1.1", 1)
    assert read_version(changed, path) == "3.1.1"


@pytest.mark.parametrize(
    ("path", "text", "old"),
    [
        ("pyproject.toml", PYPROJECT, "3.1.0"),
        ("pyproject.toml", POETRY, "2.5.0"),
        ("setup.cfg", SETUP_CFG, "2.5.0"),
        ("package.json", PACKAGE_JSON, "3.1.0"),
        ("animals/__init__.py", INIT, "3.1.0"),
    ],
)
def test_a_file_with_crlf_line_endings_is_read_and_set_keeping_them(
    path: str, text: str, old: str
) -> None:
    crlf = text.replace("\n", "\r\n")
    assert read_version(crlf, path) == old
    assert set_version(crlf, path, "3.1.1") == crlf.replace(old, "3.1.1", 1)


def test_a_setup_cfg_version_key_is_found_in_any_case_as_configparser_reads_it() -> None:
    text = "[metadata]\nname = x\nVersion = 2.5.0\n"
    assert set_version(text, "setup.cfg", "2.5.1") == "[metadata]\nname = x\nVersion = 2.5.1\n"


def test_a_setup_cfg_version_is_looked_for_in_metadata_only() -> None:
    text = "[metadata]\nname = x\nversion =\n  2.5.0\n\n[tool]\nversion = 2.5.0\n"
    with pytest.raises(MetadataError, match=r"write it on one line as version = 2\.5\.0"):
        set_version(text, "setup.cfg", "2.5.1")


def test_it_changes_only_the_project_version_in_pyproject() -> None:
    changed = set_version(PYPROJECT, "pyproject.toml", "3.1.1")
    assert "version   =   '3.1.1'  # bumped by the release" in changed
    assert 'version = "0.0.1"' in changed
    assert 'description = "version = 9"' in changed


def test_a_dynamic_version_is_refused_saying_where_to_set_it() -> None:
    text = '[project]\nname = "x"\ndynamic = ["version"]\n'
    with pytest.raises(MetadataError, match=r"dynamic.*__init__\.py"):
        read_version(text, "pyproject.toml")
    with pytest.raises(MetadataError, match="dynamic"):
        set_version(text, "pyproject.toml", "1.0.1")


def test_a_setup_cfg_version_read_from_an_attribute_is_not_static() -> None:
    text = "[metadata]\nname = x\nversion = attr: animals.__version__\n"
    with pytest.raises(MetadataError, match=r"attr: animals\.__version__"):
        read_version(text, "setup.cfg")


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("pyproject.toml", "[project\nname = 1"),
        ("package.json", '{"version": "1.0.0",}'),
        ("setup.cfg", "version = 1.0\n"),
        ("package.json", '{"version": 3}'),
    ],
)
def test_a_malformed_file_is_refused_naming_it(path: str, text: str) -> None:
    with pytest.raises(MetadataError, match=path.replace(".", r"\.")):
        read_version(text, path)


def test_a_file_without_a_version_reads_none_and_cannot_be_set() -> None:
    assert read_version('"""No version here."""\n', "animals/__init__.py") is None
    assert read_version('{"name": "x"}', "package.json") is None
    with pytest.raises(MetadataError, match="no version"):
        set_version('{"name": "x"}', "package.json", "1.0.0")


def test_a_computed_dunder_version_is_refused() -> None:
    with pytest.raises(MetadataError, match="plain string"):
        read_version("__version__ = get_version()\n", "animals/_version.py")


def test_version_files_lists_root_metadata_then_package_modules() -> None:
    paths = [
        "README.md",
        "animals/__init__.py",
        "animals/zoo/__init__.py",
        "src/cats/_version.py",
        "package.json",
        "pyproject.toml",
        "docs/conf.py",
        "tests/pyproject.toml",
    ]
    assert version_files(paths) == [
        "pyproject.toml",
        "package.json",
        "animals/__init__.py",
        "src/cats/_version.py",
    ]
