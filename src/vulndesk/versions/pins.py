"""The pins of one package in a dependent's files, found and rewritten from the text alone.

Formats: pip requirements files (`-r`/`-c` includes, extras, markers, `--hash`, continuation
lines, comments), pyproject.toml (PEP 621 `dependencies` and `optional-dependencies`, PEP 735
`dependency-groups`), setup.cfg (`install_requires`, `extras_require`) and package.json
(dependencies, devDependencies, peerDependencies, optionalDependencies).

`bump_pins` changes only the characters of the package's version specifiers. An exact pin moves
to the new version; a range keeps its operators and has its lower bound raised to the new version
(`>=3.1.0,<4` → `>=3.1.1,<4`, `^3.1.0` → `^3.1.1`, `~=2.5.0` → `~=2.5.1`; a `>` becomes `>=`, and
a range with no lower bound gains one; a clause whose rewrite would lower its upper bound stays
and gains one too: `~=2.5` → `~=2.5,>=2.5.1`, npm `3.1` → `>=3.1.1 3.1`), so the fixed release
is required. It refuses what it cannot do correctly (a `--hash` pin, a URL, a range that
excludes the new version) with a `PinError`, never a file that is half right.
"""

from __future__ import annotations

import configparser
import functools
import json
import posixpath
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version as Pep440Version

from vulndesk.versions import spans
from vulndesk.versions.ecosystems import VersionError, compare, parse_version
from vulndesk.versions.plan import Ecosystem

__all__ = ["Pin", "PinError", "bump_pins", "find_pins", "is_pin_file"]

_NPM_GROUPS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")
_NAME = re.compile(r"[ \t]*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)[ \t]*(\[[^\]]*\])?[ \t]*")
_PEP440_CLAUSE = re.compile(r"(~=|===|==|!=|<=|>=|<|>)([ \t]*)([^\s,;()]+)")
_NPM_CLAUSE = re.compile(r"(\^|~|>=|<=|>|<|=)?(v?)(\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z.-]+)?)")
_INCLUDE = re.compile(r"(-r|--requirement|-c|--constraint)(?:[ \t]*=[ \t]*|[ \t]*)(\S+)")
_NOT_A_NAME = re.compile(r"(\.|/|[A-Za-z][A-Za-z0-9+.-]*://|git\+)|\S*\.(whl|zip|tar\.gz)(\s|$)")


class PinError(ValueError):
    """A pin file that cannot be read or rewritten; the message names the file and the fix."""


@dataclass(frozen=True)
class Pin:
    path: str
    line: int  # 1-based, where the requirement starts
    name: str  # as written
    spec: str  # as written: "==3.1.0", "^3.1.0", ">=3.0,<4"; "" when unconstrained
    version: str | None  # the exact version pinned; None for a range
    hashed: bool = False  # a requirements line carrying --hash
    group: str = "requirements"  # dependencies, devDependencies, optional-dependencies.test…


@dataclass(frozen=True)
class _Found:
    pin: Pin
    start: int  # the spec's span in the file's text
    end: int
    editable: str | None  # why the spec cannot be edited in place, when it cannot


def is_pin_file(path: str) -> bool:
    """Whether a repository path is a file whose pins vulndesk reads."""
    name = posixpath.basename(path)
    if name in ("pyproject.toml", "setup.cfg", "package.json"):
        return True
    if not name.endswith((".txt", ".in")):
        return False
    in_requirements_dir = "requirements" in path.split("/")[:-1]
    stem = name.rsplit(".", 1)[0]
    return (
        name.startswith(("requirements", "constraints"))
        or stem.endswith(("-requirements", "_requirements", "-constraints", "_constraints"))
        or in_requirements_dir
    )


def _ecosystem_of(path: str) -> Ecosystem:
    return Ecosystem.NPM if posixpath.basename(path) == "package.json" else Ecosystem.PYPI


def _same_name(ecosystem: Ecosystem, written: str, package: str) -> bool:
    if ecosystem is Ecosystem.NPM:
        return written == package
    return canonicalize_name(written) == canonicalize_name(package)


# --- PEP 508 requirement strings (requirements files, setup.cfg, pyproject.toml) -------------


def _requirement(
    text: str, start: int, end: int, path: str, group: str, *, hashed: bool = False
) -> _Found | None:
    """The requirement written in text[start:end] (without options or comments), or None when it
    names no package (a path or URL to install)."""
    written = text[start:end]
    if _NOT_A_NAME.match(written.strip()):
        return None
    line = spans.line_of(text, start)
    requirement = _parse(written)
    if isinstance(requirement, str):
        raise PinError(
            f"{path}, line {line}: {written.strip()!r} is not a requirement ({requirement})"
        )
    match = _NAME.match(written)
    if match is None:  # packaging accepted it, so a name is there
        raise PinError(f"{path}, line {line}: cannot read the package name of {written!r}")
    marker = written.find(";", match.end())
    spec_end = start + (marker if marker >= 0 else len(written))
    spec_start = start + match.end()
    while spec_end > spec_start and text[spec_end - 1] in " \t\r":
        spec_end -= 1
    version = None
    specifiers = list(requirement.specifier)
    exact = len(specifiers) == 1 and specifiers[0].operator in ("==", "===")
    if exact and requirement.url is None and not specifiers[0].version.endswith(".*"):
        version = specifiers[0].version
    pin = Pin(path, line, match.group(1), text[spec_start:spec_end], version, hashed, group)
    editable = None
    if requirement.url is not None:
        editable = f"it is installed from a URL ({requirement.url}); point it at the new release"
    return _Found(pin, spec_start, spec_end, editable)


@functools.lru_cache(maxsize=16384)
def _parse(written: str) -> Requirement | str:
    """The requirement, or why it is not one. Cached: the same lines recur across the branches
    and dependents of one discovery run, and parsing dominates its time."""
    try:
        return Requirement(written)
    except InvalidRequirement as error:
        return str(error)


def _outside_quotes(text: str, pattern: re.Pattern[str]) -> int:
    """The offset of the first match of `pattern` outside quoted text, or len(text)."""
    if '"' not in text and "'" not in text:
        found = pattern.search(text)
        return len(text) if found is None else found.start()
    quote = ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif pattern.match(text, index):
            return index
    return len(text)


_OPTION = re.compile(r"(?<=\s)--?[A-Za-z]")
_COMMENT = re.compile(r"(?:(?<=\s)|^)#")


def _logical_lines(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of each logical line: physical lines joined where one ends in a
    backslash. Offsets are into `text`, so a joined line still contains its backslash-newlines."""
    lines = []
    start = 0
    position = 0
    while position < len(text):
        newline = text.find("\n", position)
        end = len(text) if newline < 0 else newline
        if text[position:end].rstrip("\r").endswith("\\") and newline >= 0:
            position = newline + 1
            continue
        lines.append((start, end))
        start = position = end + 1
    if start < len(text):
        lines.append((start, len(text)))
    return lines


def _requirements_file(
    text: str, path: str, group: str
) -> tuple[list[_Found], list[tuple[str, str]]]:
    """The requirements of one requirements file, and the files it includes with the group their
    pins belong to ("requirements" for -r, "constraints" for -c)."""
    found: list[_Found] = []
    includes: list[tuple[str, str]] = []
    for start, end in _logical_lines(text):
        content = text[start:end]
        # A comment ends the line for pip; in a joined line, so does everything after it.
        content = content[: _outside_quotes(content, _COMMENT)]
        stripped = content.strip()
        if not stripped.replace("\\", "").strip():
            continue
        if stripped.startswith("-"):
            include = _INCLUDE.fullmatch(stripped.split("\\")[0].strip())
            if include is not None:
                constraint = include.group(1) in ("-c", "--constraint")
                includes.append((include.group(2), "constraints" if constraint else group))
            continue
        option = _outside_quotes(content, _OPTION)
        requirement_text = content[:option]
        first_break = requirement_text.find("\\")
        if first_break >= 0:
            if requirement_text[first_break:].replace("\\", "").strip():
                raise PinError(
                    f"{path}, line {spans.line_of(text, start)}: a requirement split over "
                    "several lines; write the name and version on one line"
                )
            requirement_text = requirement_text[:first_break]
        requirement_text = requirement_text.rstrip()
        hashed = "--hash" in content[option:]
        requirement = _requirement(
            text, start, start + len(requirement_text), path, group, hashed=hashed
        )
        if requirement is not None:
            found.append(requirement)
    return found, includes


def _include_path(path: str, reference: str) -> str:
    if "://" in reference:
        raise PinError(
            f"{path}: includes {reference}, a URL that cannot be read from the repository; "
            "vendor the file or pin the package in this file"
        )
    return posixpath.normpath(posixpath.join(posixpath.dirname(path), reference))


def _requirements_tree(
    path: str, read: Callable[[str], str | None], seen: set[str], group: str
) -> list[_Found]:
    seen.add(path)
    text = read(path)
    if text is None:
        raise PinError(f"{path} is included by another requirements file but does not exist")
    found, includes = _requirements_file(text, path, group)
    for reference, child_group in includes:
        child = _include_path(path, reference)
        if child not in seen:
            found += _requirements_tree(child, read, seen, child_group)
    return found


# --- setup.cfg and pyproject.toml ------------------------------------------------------------


def _setup_cfg(text: str, path: str) -> list[_Found]:
    try:
        configparser.ConfigParser(interpolation=None).read_string(text)
    except configparser.Error as error:
        raise PinError(f"{path}: not a valid setup.cfg ({error.message})") from error
    found: list[_Found] = []
    section = key = ""
    offset = 0
    for physical in text.splitlines(keepends=True):
        start, offset = offset, offset + len(physical)
        line = physical.rstrip("\r\n")
        if header := re.fullmatch(r"\[([^\]]+)\][ \t]*", line):
            section, key = header.group(1).strip(), ""
            continue
        if not line.strip() or line.lstrip().startswith(("#", ";")):
            continue
        value_start = start
        if not line[0].isspace():
            assignment = re.match(r"([^=:\s][^=:]*?)[ \t]*[=:][ \t]*", line)
            key = assignment.group(1).strip().lower() if assignment else ""
            value_start = start + (assignment.end() if assignment else len(line))
        if section == "options" and key == "install_requires":
            group = "install_requires"
        elif section == "options.extras_require" and key:
            group = f"extras_require.{key}"
        else:
            continue
        value = text[value_start : start + len(line)]
        value = value[: _outside_quotes(value, _COMMENT)]
        if value.strip():
            requirement = _requirement(
                text, value_start, value_start + len(value.rstrip()), path, group
            )
            if requirement is not None:
                found.append(requirement)
    return found


def _pyproject(text: str, path: str, package: str) -> list[_Found]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PinError(f"{path}: not valid TOML ({error})") from error
    project = data.get("project", {})
    # (table, key, group): where each list of requirement strings sits
    places = [("project", "dependencies", "dependencies")]
    for table_name, groups in (
        ("project.optional-dependencies", project.get("optional-dependencies", {})),
        ("dependency-groups", data.get("dependency-groups", {})),
    ):
        prefix = table_name.removeprefix("project.")
        places += [(table_name, group, f"{prefix}.{group}") for group in groups]
    found: list[_Found] = []
    for table_name, key, group in places:
        values: object = data
        for part in (*table_name.split("."), key):
            values = values.get(part, []) if isinstance(values, dict) else []
        if not isinstance(values, list):
            raise PinError(f"{path}: {table_name}.{key} must be a list of requirement strings")
        strings = [value for value in values if isinstance(value, str)]
        if not any(_names(value, package) for value in strings):
            continue
        try:
            literals = _toml_literals(text, table_name, key)
        except ValueError as error:
            raise PinError(f"{path}: cannot read [{table_name}] {key} ({error})") from error
        if [literal.value for literal in literals] != strings:
            raise PinError(
                f"{path}: cannot find the text of [{table_name}] {key} to rewrite it; write it "
                f"as an array under a [{table_name}] table header"
            )
        for literal in literals:
            requirement = _requirement(literal.value, 0, len(literal.value), path, group)
            if requirement is None:
                continue
            line = spans.line_of(text, literal.start)
            pin = replace(requirement.pin, line=line)
            why = requirement.editable
            if why is None and not literal.raw_is_value:
                why = "the string is written with escapes; write it plainly"
            found.append(
                _Found(pin, literal.start + requirement.start, literal.start + requirement.end, why)
            )
    return found


def _toml_literals(text: str, table_name: str, key: str) -> list[spans.Literal]:
    span = spans.toml_table(text, table_name)
    if span is None:
        return []
    for name, value_start in spans.toml_keys(text, span):
        if name == key:
            return spans.toml_strings(text, value_start)
    return []


def _names(requirement: str, package: str) -> bool:
    match = _NAME.match(requirement)
    return match is not None and _same_name(Ecosystem.PYPI, match.group(1), package)


# --- package.json ----------------------------------------------------------------------------


def _package_json(text: str, path: str) -> list[_Found]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise PinError(f"{path}: not valid JSON ({error})") from error
    if not isinstance(data, dict):
        raise PinError(f"{path}: must be a JSON object")
    literals = spans.json_strings(text)
    found: list[_Found] = []
    for group in _NPM_GROUPS:
        entries = data.get(group, {})
        if not isinstance(entries, dict):
            raise PinError(f'{path}: "{group}" must be an object of package names and versions')
        for name, spec in entries.items():
            if not isinstance(spec, str):
                raise PinError(f'{path}: "{group}" → "{name}" must be a version string')
            literal = literals[(group, name)]
            exact = _NPM_CLAUSE.fullmatch(spec.strip())
            version = None
            if exact and exact.group(1) in (None, "=") and exact.group(3).count(".") == 2:
                version = exact.group(3)
            why = None if literal.raw_is_value else "the version is written with escapes"
            pin = Pin(path, spans.line_of(text, literal.start), name, spec, version, False, group)
            found.append(_Found(pin, literal.start, literal.end, why))
    return found


# --- finding and bumping ---------------------------------------------------------------------


def _scan(text: str, path: str, package: str) -> list[_Found]:
    name = posixpath.basename(path)
    if name == "package.json":
        return _package_json(text, path)
    if name == "pyproject.toml":
        return _pyproject(text, path, package)
    if name == "setup.cfg":
        return _setup_cfg(text, path)
    return _requirements_file(text, path, "requirements")[0]


def find_pins(
    path: str, read: Callable[[str], str | None], package: str, ecosystem: Ecosystem
) -> list[Pin]:
    """Every pin of `package` in the file at `path` (and, for a requirements file, in the files
    it includes), in file and line order. `read(path)` gives a file's text, or None when the file
    does not exist: a missing file pins nothing; a missing include is an error."""
    if _ecosystem_of(path) is not ecosystem or not is_pin_file(path):
        return []
    text = read(path)
    if text is None:
        return []
    if posixpath.basename(path) in ("package.json", "pyproject.toml", "setup.cfg"):
        found = _scan(text, path, package)
    else:
        found = _requirements_tree(
            path, lambda p: text if p == path else read(p), set(), "requirements"
        )
    pins = [item.pin for item in found if _same_name(ecosystem, item.pin.name, package)]
    return sorted(pins, key=lambda pin: (pin.path != path, pin.path, pin.line))


def bump_pins(text: str, path: str, package: str, new_version: str) -> str:
    """The same file with only `package`'s pins moved to `new_version` (see the module's rules).
    A pin already requiring `new_version` or later, or a requirement with no version constraint,
    is left as it is, so bumping twice is bumping once."""
    ecosystem = _ecosystem_of(path)
    parse_version(ecosystem, new_version)
    found = [
        item for item in _scan(text, path, package) if _same_name(ecosystem, item.pin.name, package)
    ]
    if not found:
        raise PinError(f"{path}: no pin of {package} to move to {new_version}")
    # A requirement with no version constraint already allows the new version.
    constrained = [item for item in found if item.pin.spec.strip()]
    for item in reversed(constrained):
        where = f"{path}, line {item.pin.line}"
        if item.pin.hashed:
            raise PinError(
                f"{where}: pins {package} with --hash; regenerate the hashes for the new version "
                "(e.g. pip-compile --generate-hashes) instead"
            )
        if item.editable is not None:
            raise PinError(f"{where}: cannot move the pin of {package}: {item.editable}")
        rewrite = _bump_npm if ecosystem is Ecosystem.NPM else _bump_pep440
        new_spec = rewrite(item.pin.spec, new_version, where, package)
        text = text[: item.start] + new_spec + text[item.end :]
    return text


def _check_not_lower(ecosystem: Ecosystem, old: str, new: str, where: str, package: str) -> None:
    if compare(ecosystem, old, new) > 0:
        raise PinError(
            f"{where}: pins {package} at {old}, above {new}; moving it down is not a fix "
            "(leave it, or change it by hand)"
        )


def _precision(version: str) -> int:
    """How many release numbers a PEP 440 version states: 2 for 2.5, 3 for 2.5.0rc1."""
    return len(Pep440Version(version).release)


def _bump_pep440(spec: str, new: str, where: str, package: str) -> str:
    pieces: list[str] = []
    position = 0
    has_lower_bound = False
    floor = new  # the lowest version the rewritten range must still allow
    for clause in _PEP440_CLAUSE.finditer(spec):
        operator, space, old = clause.groups()
        pieces.append(spec[position : clause.start()])
        position = clause.end()
        if old.endswith(".*") or operator in ("!=", "<", "<="):
            pieces.append(clause.group(0))
            continue
        try:
            raise_it = compare(Ecosystem.PYPI, old, new) < 0
        except VersionError as error:
            raise PinError(f"{where}: {error}") from error
        if operator in ("==", "==="):
            _check_not_lower(Ecosystem.PYPI, old, new, where, package)
        if raise_it and operator == "~=" and _precision(old) != _precision(new):
            # ~=2.5 allows 2.x from 2.5 on: as ~=2.5.1 it would allow 2.5.x only, so it stays
            # and gains a lower bound below
            pieces.append(clause.group(0))
            continue
        operator = ">=" if raise_it and operator == ">" else operator
        pieces.append(f"{operator}{space}{new}" if raise_it else clause.group(0))
        has_lower_bound = True
        if not raise_it and operator != ">" and compare(Ecosystem.PYPI, old, floor) > 0:
            floor = old
    pieces.append(spec[position:])
    result = "".join(pieces)
    if not has_lower_bound:
        separator = ", " if ", " in spec else ","
        closing = result.rstrip().endswith(")")
        body = result.rstrip()[:-1] if closing else result.rstrip()
        result = f"{body}{separator}>={new}{')' if closing else ''}{result[len(result.rstrip()) :]}"
    try:
        allows_new = SpecifierSet(result.strip().strip("()")).contains(floor, prereleases=True)
    except InvalidSpecifier as error:
        raise PinError(f"{where}: {spec!r} is not a version specifier ({error})") from error
    if not allows_new:
        raise PinError(
            f"{where}: the range {spec!r} of {package} excludes {new} even with its lower bound "
            "raised; widen it by hand"
        )
    return result


def _npm_ceiling(operator: str | None, version: str) -> str | None:
    """The version a caret, tilde or x-range clause stops below (^0.2.3 → 0.3.0, ~3 → 4.0.0,
    3.1 → 3.2.0); None for an exact version and for the other operators."""
    numbers = [int(number) for number in version.split("-")[0].split(".")]
    if operator == "^":  # the first number that is not 0, or the last one given
        index = next((i for i, number in enumerate(numbers) if number), len(numbers) - 1)
    elif operator == "~":
        index = min(1, len(numbers) - 1)
    elif operator in (None, "=") and len(numbers) < 3:
        index = len(numbers) - 1
    else:
        return None
    ceiling = [*numbers[:index], numbers[index] + 1, 0, 0][:3]
    return ".".join(map(str, ceiling))


def _bump_npm(spec: str, new: str, where: str, package: str) -> str:
    pieces: list[str] = []
    position = 0
    has_lower_bound = False
    for word in spec.split() or [spec]:
        clause = _NPM_CLAUSE.fullmatch(word)
        if clause is None:
            raise PinError(
                f"{where}: the range {spec!r} of {package} is not one vulndesk rewrites (an "
                "exact version, or ^, ~, >=, >, < or <= with a version); change it to require "
                f"{new} by hand"
            )
        operator, prefix, old = clause.groups()
        start = spec.index(word, position)
        pieces.append(spec[position:start])
        position = start + len(word)
        full = old if old.count(".") == 2 else ".".join([*old.split("."), "0", "0"][:3])
        try:
            older = compare(Ecosystem.NPM, full, new) < 0
        except VersionError as error:
            raise PinError(f"{where}: {error}") from error
        if operator in ("<", "<="):
            bound = compare(Ecosystem.NPM, new, full)
            if bound > 0 or (bound == 0 and operator == "<"):
                raise PinError(
                    f"{where}: the range {spec!r} of {package} excludes {new}; widen it by hand"
                )
            pieces.append(word)
            continue
        ceiling = _npm_ceiling(operator, old)
        if older and ceiling is not None:
            inside = compare(Ecosystem.NPM, new, ceiling) < 0
            if operator in (None, "=") and not inside:
                raise PinError(
                    f"{where}: the range {spec!r} of {package} excludes {new}; widen it by hand"
                )
            if inside and _npm_ceiling(operator, new) != ceiling:
                # rewritten, the clause would narrow the range (~3 is 3.x, ~3.1.1 only 3.1.x;
                # 3.1 is 3.1.x, 3.1.1 one version): it stays, and a lower bound is added below
                pieces.append(word)
                continue
        if operator in (None, "="):
            _check_not_lower(Ecosystem.NPM, full, new, where, package)
        operator = ">=" if older and operator == ">" else operator
        pieces.append(f"{operator or ''}{prefix}{new}" if older else word)
        has_lower_bound = True
    pieces.append(spec[position:])
    result = "".join(pieces)
    return result if has_lower_bound else f">={new} {result}"
