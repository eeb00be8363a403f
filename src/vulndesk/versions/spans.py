"""Where a value sits in a TOML or JSON file's text, so a rewrite can change those characters and
keep every other byte (quotes, spacing, comments, indentation, key order).

tomllib and json read the data; these scanners only find the positions, and the callers check that
what they found decodes to the same data, so an unusual layout is refused rather than misread.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass

# `\r?$`: a file with CRLF line endings has its headers found too.
_TOML_HEADER = re.compile(
    r"^[ \t]*\[(\[?)([^\[\]\r\n]+)\]\]?[ \t]*(?:#[^\r\n]*)?\r?$", re.MULTILINE
)


@dataclass(frozen=True)
class Literal:
    """One string literal: its decoded value and the span of its raw text inside the quotes."""

    value: str
    start: int
    end: int

    @property
    def raw_is_value(self) -> bool:
        """Whether the raw text is the value as is (no escapes), so it can be edited in place."""
        return self.end - self.start == len(self.value)


def line_of(text: str, offset: int) -> int:
    """The 1-based line number of a character offset."""
    return text.count("\n", 0, offset) + 1


def _table_name(raw: str) -> str:
    parts = [part.strip().strip("\"'") for part in raw.split(".")]
    return ".".join(parts)


def toml_table(text: str, name: str) -> tuple[int, int] | None:
    """The span of a `[name]` table's body (after its header, up to the next header), or of the
    top-level keys for name ""."""
    headers = [
        (match.start(), match.end(), _table_name(match.group(2)), bool(match.group(1)))
        for match in _TOML_HEADER.finditer(text)
    ]
    if name == "":
        return 0, headers[0][0] if headers else len(text)
    for index, (_, end, header, is_array) in enumerate(headers):
        if header == name and not is_array:
            following = headers[index + 1][0] if index + 1 < len(headers) else len(text)
            return end, following
    return None


def toml_keys(text: str, span: tuple[int, int]) -> list[tuple[str, int]]:
    """The keys assigned at the start of a line inside a table's body, with the offset just after
    their `=`."""
    pattern = re.compile(r"^[ \t]*(\"[^\"\n]*\"|'[^'\n]*'|[A-Za-z0-9_-]+)[ \t]*=[ \t]*", re.M)
    found = []
    position = span[0]
    while (match := pattern.search(text, position, span[1])) is not None:
        found.append((match.group(1).strip("\"'"), match.end()))
        position = _skip_value(text, match.end())
    return found


def _skip_value(text: str, start: int) -> int:
    """The offset after the value starting at `start` (a string, an array, or anything up to the
    end of its line)."""
    if text.startswith("[", start):
        return _scan_array(text, start)[1]
    for quotes in ('"""', "'''"):
        if text.startswith(quotes, start):
            closing = text.find(quotes, start + 3)
            if closing < 0:
                raise ValueError("an unterminated multi-line string")
            return closing + 3
    if text.startswith(('"', "'"), start):
        return _scan_string(text, start).end + 1
    newline = text.find("\n", start)
    return len(text) if newline < 0 else newline


def _scan_string(text: str, start: int) -> Literal:
    quote = text[start]
    if text.startswith(quote * 3, start):
        raise ValueError("a multi-line string where a single-line one was expected")
    index = start + 1
    while index < len(text) and text[index] != quote and text[index] != "\n":
        index += 2 if quote == '"' and text[index] == "\\" else 1
    if index >= len(text) or text[index] != quote:
        raise ValueError("an unterminated string")
    value = tomllib.loads(f"v = {text[start : index + 1]}")["v"]
    return Literal(value, start + 1, index)


def _scan_array(text: str, start: int) -> tuple[list[Literal], int]:
    """The string literals directly inside the array opening at `start`, and the offset after its
    closing bracket."""
    literals: list[Literal] = []
    depth = braces = 0  # strings inside an inline table are not items of the array
    index = start
    while index < len(text):
        char = text[index]
        if char in "\"'":
            literal = _scan_string(text, index)
            if depth == 1 and braces == 0:
                literals.append(literal)
            index = literal.end + 1
            continue
        if char == "#":
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
            continue
        if char == "{":
            braces += 1
        elif char == "}":
            braces -= 1
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return literals, index + 1
        index += 1
    raise ValueError("an unterminated array")


def toml_strings(text: str, value_start: int) -> list[Literal]:
    """The string, or the strings of the array, assigned at `value_start`."""
    if text.startswith("[", value_start):
        return _scan_array(text, value_start)[0]
    if text.startswith(('"', "'"), value_start):
        return [_scan_string(text, value_start)]
    return []


def json_strings(text: str) -> dict[tuple[str, ...], Literal]:
    """Every string value of a JSON document by its path of keys (array items by index)."""
    found: dict[tuple[str, ...], Literal] = {}
    end = _json_value(text, _skip_space(text, 0), (), found)
    if _skip_space(text, end) != len(text):
        raise ValueError("text after the JSON value")
    return found


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _json_string(text: str, start: int) -> Literal:
    index = start + 1
    while text[index] != '"':
        index += 2 if text[index] == "\\" else 1
    return Literal(json.loads(text[start : index + 1]), start + 1, index)


def _json_value(
    text: str, index: int, path: tuple[str, ...], found: dict[tuple[str, ...], Literal]
) -> int:
    char = text[index]
    if char == '"':
        literal = _json_string(text, index)
        found[path] = literal
        return literal.end + 1
    if char in "{[":
        closing = "}" if char == "{" else "]"
        index = _skip_space(text, index + 1)
        count = 0
        while text[index] != closing:
            if char == "{":
                key = _json_string(text, index)
                index = _skip_space(text, key.end + 1) + 1  # past the colon
                child = (*path, key.value)
            else:
                child = (*path, str(count))
            index = _skip_space(text, _json_value(text, _skip_space(text, index), child, found))
            count += 1
            if text[index] == ",":
                index = _skip_space(text, index + 1)
        return index + 1
    while index < len(text) and text[index] not in ",]} \t\r\n":
        index += 1
    return index


def replace(text: str, literal: Literal, value: str) -> str:
    """The text with one literal's raw characters replaced by `value` (already raw)."""
    return text[: literal.start] + value + text[literal.end :]
