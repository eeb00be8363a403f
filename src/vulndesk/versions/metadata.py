"""A package's own version in its metadata, read and set from the file's text.

pyproject.toml (`[project] version`, or `[tool.poetry] version`), setup.cfg (`[metadata] version`),
package.json (the top-level "version") and a Python file's `__version__ = "…"`. `set_version`
changes the characters of the version and nothing else.
"""

from __future__ import annotations

import configparser
import json
import posixpath
import re
import tomllib
from collections.abc import Iterable

from vulndesk.versions import spans

__all__ = ["MetadataError", "read_version", "set_version", "version_files"]

_DUNDER = re.compile(
    r"^__version__[ \t]*(?::[ \t]*(?:str|Final(?:\[str\])?)[ \t]*)?=[ \t]*"
    r"(?:(['\"])([^'\"\\\n]*)\1)",
    re.MULTILINE,
)
_SETUP_CFG_METADATA = re.compile(r"^\[metadata\][ \t]*\r?$", re.MULTILINE)
_SETUP_CFG_SECTION = re.compile(r"^\[", re.MULTILINE)
_SETUP_CFG_VERSION = re.compile(
    r"^version[ \t]*[=:][ \t]*(\S[^\r\n]*?)[ \t]*\r?$", re.MULTILINE | re.IGNORECASE
)
_ROOT_FILES = ("pyproject.toml", "setup.cfg", "package.json")
_MODULE_FILES = ("__init__.py", "_version.py", "version.py", "__about__.py")


class MetadataError(ValueError):
    """A metadata file whose version cannot be read or set; the message says why and what to do."""


def _kind(path: str) -> str:
    name = posixpath.basename(path)
    if name in _ROOT_FILES:
        return name
    if name.endswith(".py"):
        return "python"
    raise MetadataError(
        f"{path}: not a metadata file; the version lives in pyproject.toml, setup.cfg, "
        "package.json or a Python file's __version__"
    )


def _locate(text: str, path: str) -> spans.Literal | None:
    """The version's literal, None when the file names no version; MetadataError when it cannot
    be read or is not static."""
    kind = _kind(path)
    if kind == "pyproject.toml":
        return _pyproject(text, path)
    if kind == "setup.cfg":
        return _setup_cfg(text, path)
    if kind == "package.json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise MetadataError(f"{path}: not valid JSON ({error})") from error
        if not isinstance(data, dict) or "version" not in data:
            return None
        if not isinstance(data["version"], str):
            raise MetadataError(f'{path}: "version" must be a string such as "1.2.3"')
        return spans.json_strings(text)[("version",)]
    match = _DUNDER.search(text)
    if match is None:
        if re.search(r"^__version__\s*[:=]", text, re.MULTILINE):
            raise MetadataError(
                f"{path}: __version__ is not a plain string literal; write it as "
                '__version__ = "1.2.3" so the release can set it'
            )
        return None
    return spans.Literal(match.group(2), match.start(2), match.end(2))


def _pyproject(text: str, path: str) -> spans.Literal | None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise MetadataError(f"{path}: not valid TOML ({error})") from error
    project = data.get("project", {})
    poetry = data.get("tool", {}).get("poetry", {})
    if "version" in project:
        table, value = "project", project["version"]
    elif "version" in poetry:
        table, value = "tool.poetry", poetry["version"]
    elif "version" in project.get("dynamic", []):
        raise MetadataError(
            f'{path}: [project] declares the version dynamic (dynamic = ["version"]), so the '
            "build backend reads it from elsewhere; set it there (e.g. the package's "
            "__init__.py or _version.py)"
        )
    else:
        return None
    if not isinstance(value, str):
        raise MetadataError(f'{path}: [{table}] version must be a string such as "1.2.3"')
    span = spans.toml_table(text, table)
    try:
        for key, start in spans.toml_keys(text, span) if span else []:
            if key == "version":
                literals = spans.toml_strings(text, start)
                if len(literals) == 1 and literals[0].value == value:
                    return literals[0]
    except ValueError as error:
        raise MetadataError(f"{path}: cannot read [{table}] ({error})") from error
    raise MetadataError(
        f'{path}: cannot find the text of [{table}] version = "{value}"; write it on its own '
        f'line in the [{table}] table as version = "{value}"'
    )


def _setup_cfg(text: str, path: str) -> spans.Literal | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as error:
        raise MetadataError(f"{path}: not a valid setup.cfg ({error.message})") from error
    value = parser.get("metadata", "version", fallback=None)
    if value is None:
        return None
    if value.startswith(("attr:", "file:")):
        raise MetadataError(
            f"{path}: [metadata] version = {value} is not a static version; set the version "
            "in the file it points to"
        )
    # configparser reads keys in any case and CRLF line endings; the search must too, and must
    # stay inside [metadata] (another section may state a version of its own).
    section = _SETUP_CFG_METADATA.search(text)
    following = _SETUP_CFG_SECTION.search(text, section.end()) if section else None
    end = following.start() if following else len(text)
    match = _SETUP_CFG_VERSION.search(text, section.end(), end) if section else None
    if match is None or match.group(1) != value:
        raise MetadataError(
            f"{path}: cannot find the line version = {value.strip()} under [metadata]; write it "
            f"on one line as version = {value.strip()}"
        )
    return spans.Literal(value, match.start(1), match.end(1))


def read_version(text: str, path: str) -> str | None:
    """The package's version as the file states it, or None when the file names none."""
    literal = _locate(text, path)
    return None if literal is None else literal.value


def set_version(text: str, path: str, new_version: str) -> str:
    """The same text with only the version's characters changed to `new_version`."""
    literal = _locate(text, path)
    if literal is None:
        raise MetadataError(f"{path}: holds no version to set")
    if not literal.raw_is_value:
        raise MetadataError(f"{path}: the version is written with escapes; write it plainly")
    return spans.replace(text, literal, new_version)


def version_files(paths: Iterable[str]) -> list[str]:
    """Which of a repository's paths may hold its version: pyproject.toml, setup.cfg and
    package.json at the root, then a package's __init__.py / _version.py / version.py /
    __about__.py one level down (or under src/), in that order."""
    present = set(paths)
    found = [name for name in _ROOT_FILES if name in present]
    modules = []
    for path in present:
        parts = path.split("/")
        if parts[-1] not in _MODULE_FILES:
            continue
        if len(parts) == 2 or (len(parts) == 3 and parts[0] == "src"):
            modules.append(path)
    return found + sorted(modules)
