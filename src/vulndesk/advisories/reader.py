"""Reading untrusted advisory JSON with the JSON path of every problem, for the importers.

A reader walks the record once and collects problems instead of stopping at the first, so an
import that is refused names everything to fix at once. What a format states that the advisory
value has no place for is not a problem: it is listed as not kept, so nobody loses it unawares.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from vulndesk.advisories.errors import InvalidRecord
from vulndesk.advisories.model import Advisory, Affected
from vulndesk.versions.ecosystems import parse_version
from vulndesk.versions.plan import Ecosystem

T = TypeVar("T")

# The desk writes affected ranges as text ("'>=1.0, <1.2 || 1.5"), so a version must be one
# token of it; every ecosystem's versions are.
VERSION_TOKEN = re.compile(r"^[0-9A-Za-z][^\s<>=!~^,|]*$")
CHECKED_ECOSYSTEMS = {e.value: e for e in Ecosystem}


@dataclass(frozen=True)
class Parsed:
    """An imported record as an advisory value, with what the value does not keep."""

    advisory: Advisory
    format_name: str  # "OSV" or "GitHub advisory"
    source_id: str  # the record's own id, as written
    affected_paths: tuple[str, ...]  # the JSON path of each of `advisory.affected`
    not_kept: tuple[str, ...]  # facts of the record the value has no place for, with their path


class Reader:
    """Typed access to a JSON value that records a problem, with its path, for each misfit."""

    def __init__(self, format_name: str) -> None:
        self.format_name = format_name
        self.problems: list[str] = []
        self.not_kept: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def drop(self, path: str, message: str) -> None:
        self.not_kept.append(f"{path}: {message}")

    def check(self) -> None:
        if self.problems:
            raise InvalidRecord(self.format_name, tuple(self.problems))

    def done(self, value: T | None) -> T:
        """`value`, once nothing is wrong (a value not built had its problem recorded)."""
        self.check()
        if value is None:
            raise InvalidRecord(self.format_name, ("$: could not be read",))
        return value

    def obj(
        self, value: object, path: str, known: frozenset[str], *, free: bool = False
    ) -> dict[str, Any]:
        """`value` as an object; each key not in `known` is a problem unless `free`."""
        if not isinstance(value, dict):
            self.problem(path, f"expected an object, not {_kind(value)}")
            return {}
        if not free:
            for key in value:
                if key not in known:
                    self.problem(
                        f"{path}.{key}", f"unknown field; {self.format_name} has {_list(known)}"
                    )
        return value

    def string(self, data: dict[str, Any], key: str, path: str, *, required: bool = False) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(f"{path}.{key}", "missing; give it as a string")
            return ""
        if not isinstance(value, str):
            self.problem(f"{path}.{key}", f"expected a string, not {_kind(value)}")
            return ""
        return value if self._storable(f"{path}.{key}", value) else ""

    def array(self, data: dict[str, Any], key: str, path: str) -> list[tuple[str, Any]]:
        """The items of an array field (absent or null: none), each with its path."""
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(f"{path}.{key}", f"expected an array, not {_kind(value)}")
            return []
        return [(f"{path}.{key}[{index}]", item) for index, item in enumerate(value)]

    def strings(self, data: dict[str, Any], key: str, path: str) -> list[tuple[str, str]]:
        found = []
        for where, item in self.array(data, key, path):
            if isinstance(item, str):
                if self._storable(where, item):
                    found.append((where, item))
            else:
                self.problem(where, f"expected a string, not {_kind(item)}")
        return found

    def _storable(self, path: str, text: str) -> bool:
        # Valid JSON, but PostgreSQL stores no NUL in text, and no advisory needs one.
        if "\x00" in text:
            self.problem(path, "contains a NUL character (\\u0000); remove it")
            return False
        return True

    def timestamp(
        self, data: dict[str, Any], key: str, path: str, *, required: bool = False
    ) -> datetime | None:
        text = self.string(data, key, path, required=required)
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is None or moment.utcoffset() is None:
            self.problem(
                f"{path}.{key}", f"{text!r} is not an RFC 3339 time such as 2024-03-05T14:30:00Z"
            )
            return None
        return moment

    def build(self, path: str, make: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """A value of the advisory model, or None with its refusal recorded at `path`."""
        try:
            return make(*args, **kwargs)
        except ValueError as exc:
            self.problem(path, str(exc))
            return None

    def version(self, path: str, version: str, ecosystem: str) -> bool:
        """Whether `version` is one the ecosystem (where vulndesk knows its rules) accepts."""
        if not VERSION_TOKEN.match(version):
            self.problem(
                path, f"{version!r} is not a version: no spaces, commas, '|', '<', '>' or '='"
            )
            return False
        checked = CHECKED_ECOSYSTEMS.get(ecosystem)
        if checked is not None:
            try:
                parse_version(checked, version)
            except ValueError as exc:
                self.problem(path, str(exc))
                return False
        return True


def finish(
    read: Reader,
    source_id: str,
    affected: list[tuple[str, Affected]],
    *,
    merge_repeats: bool,
    **fields: Any,
) -> Parsed:
    """The advisory the record states once nothing is wrong, `affected` given with the JSON
    path of each entry. An entry stated twice is kept once, at its first path, where
    `merge_repeats`; otherwise the advisory value refuses it, as OSV's schema does.
    """
    read.check()
    first: dict[Affected, str] = {}
    for where, item in affected:
        first.setdefault(item, where)
    entries = tuple(first) if merge_repeats else tuple(item for _, item in affected)
    advisory = read.done(read.build("$", Advisory, affected=entries, **fields))
    return Parsed(
        advisory=advisory,
        format_name=read.format_name,
        source_id=source_id,
        affected_paths=tuple(first[item] for item in advisory.affected),
        not_kept=tuple(read.not_kept),
    )


def _kind(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")


def _list(names: frozenset[str]) -> str:
    return ", ".join(sorted(names))
