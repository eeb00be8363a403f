"""An affected range as people write it on the desk ("<1.13.4", ">=3.0,<3.9.2", "2.5.0 || 2.6.0")
read into the advisory's ranges and listed versions.

Only bounds an advisory format can state are accepted: `>=` opens a range, `<` closes it at the
fixed version, `<=` at the last affected one, and `==` (or a bare version) lists one version.
`>` is refused: no format has an exclusive lower bound, and the next version is the honest one.
"""

from __future__ import annotations

import re

from vulndesk.advisories.model import Range

_CLAUSE = re.compile(r"^(>=|<=|==|=|<|>)?\s*([0-9A-Za-z][^\s<>=!~^,|]*)$")
_SPLIT = re.compile(r"\s*\|\|?\s*")


def parse_range(text: str, fixed_version: str = "") -> tuple[tuple[Range, ...], tuple[str, ...]]:
    """The ranges and listed versions `text` states; ValueError saying what to write instead.

    `fixed_version` closes a range that names no upper bound of its own, and alone (no text)
    means "affected from the start until it".
    """
    text, fixed_version = text.strip(), fixed_version.strip()
    if not text:
        return ((Range(fixed=fixed_version),) if fixed_version else ()), ()
    ranges: list[Range] = []
    versions: list[str] = []
    for alternative in _SPLIT.split(text):
        bounds: dict[str, str] = {}
        for clause in _clauses(alternative):
            match = _CLAUSE.match(clause)
            if match is None:
                raise ValueError(f"cannot read {clause!r} in {text!r}: {_HOW}")
            operator, version = match[1] or "==", match[2]
            if operator == ">":
                raise ValueError(
                    f"'>{version}' in {text!r}: advisories state the first affected version;"
                    f" write '>=' and that version"
                )
            if operator in {"==", "="}:
                versions.append(version)
                continue
            if operator in bounds:
                raise ValueError(f"{text!r} gives '{operator}' twice in one range: {_HOW}")
            bounds[operator] = version
        if bounds:
            ranges.append(_range(bounds, fixed_version, text))
    return tuple(ranges), tuple(versions)


_HOW = "write bounds such as '>=1.2.0, <1.2.5' (or '<=1.2.4'), '||' between ranges"


def _clauses(alternative: str) -> list[str]:
    # "< 1.2" and "<1.2" alike: join an operator written apart from its version.
    tokens = [t for t in re.split(r"[,\s]+", alternative.strip()) if t]
    clauses: list[str] = []
    for token in tokens:
        if clauses and clauses[-1] in {">=", "<=", "==", "=", "<", ">"}:
            clauses[-1] += token
        else:
            clauses.append(token)
    return clauses


def _range(bounds: dict[str, str], fixed_version: str, text: str) -> Range:
    if "<" in bounds and "<=" in bounds:
        raise ValueError(f"{text!r} has both '<' and '<=': keep the one that is true")
    fixed = bounds.get("<", "")
    last_affected = bounds.get("<=", "")
    if not (fixed or last_affected):
        fixed = fixed_version
    return Range(introduced=bounds.get(">=", "0"), fixed=fixed, last_affected=last_affected)
