"""The advisory as Markdown text laid out like a GitHub security advisory.

Markdown is for people, so nothing here is refused: what is not known yet reads as such.
Text the team wrote (summary, details) is kept as written; names and versions that go into the
table are escaped so that a `|` or `*` in them cannot break its layout.
"""

from __future__ import annotations

import re

from vulndesk.advisories.model import Advisory, Affected, Range

# Emphasis, code, links, table cells, and `<` where it would open an HTML tag or autolink.
_SPECIAL = re.compile(r"([\\`*_\[\]|]|<(?=[A-Za-z/!?]))")


def escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def render(advisory: Advisory) -> str:
    lines = [f"# {escape(advisory.summary) or escape(advisory.id)}", ""]
    facts = [f"**{escape(name)}**" for name in (advisory.cve_id, advisory.ghsa_id) if name]
    facts.append(f"vulndesk {escape(advisory.id)}")
    if advisory.severity:
        scored = advisory.severity[0].scored
        facts.append(f"Severity: {scored.severity.value.capitalize()} ({scored.base_score})")
    if advisory.published is not None:
        facts.append(f"Published {advisory.published.date().isoformat()}")
    if advisory.withdrawn is not None:
        facts.append(f"Withdrawn {advisory.withdrawn.date().isoformat()}")
    lines += [" · ".join(facts), ""]
    if advisory.withdrawn is not None:
        why = f": {escape(advisory.withdrawn_reason)}" if advisory.withdrawn_reason else "."
        lines += [f"> **Withdrawn** on {advisory.withdrawn.date().isoformat()}{why}", ""]
    lines += ["## Impact", "", advisory.details.strip() or "-", ""]
    lines += _packages(advisory.affected)
    if advisory.severity:
        lines += ["## Severity", ""]
        for cvss in advisory.severity:
            scored = cvss.scored
            lines.append(
                f"- CVSS {scored.version} `{scored.vector}`: {scored.base_score}"
                f" ({scored.severity.value.capitalize()})"
            )
        lines.append("")
    if advisory.cwes:
        lines += ["## Weaknesses", "", *(f"- {cwe}" for cwe in advisory.cwes), ""]
    if advisory.references:
        lines += ["## References", ""]
        lines += [f"- <{reference.url}>" for reference in advisory.references]
        lines.append("")
    if advisory.credits:
        lines += ["## Credits", ""]
        lines += [
            f"- {escape(credit.name)} ({credit.kind.value.lower().replace('_', ' ')})"
            for credit in advisory.credits
        ]
        lines.append("")
    if advisory.revisions:
        lines += ["## History", ""]
        lines += [
            f"- {revision.date.date().isoformat()}: {escape(revision.summary)}"
            for revision in advisory.revisions
        ]
        lines.append("")
    return "\n".join(lines)


def _packages(affected: tuple[Affected, ...]) -> list[str]:
    lines = ["## Affected versions", ""]
    if not affected:
        return [*lines, "Not known yet.", ""]
    lines += ["| Product | Affected versions | Patched versions |", "| --- | --- | --- |"]
    for entry in affected:
        ranges = entry.version_ranges or entry.git_ranges
        stated = [_bounds(r) for r in ranges] + [f"= {v}" for v in entry.versions]
        patched = [r.fixed for r in ranges if r.fixed and not r.is_git]
        lines.append(
            f"| {escape(entry.where)} | {escape('; '.join(stated)) or 'unknown'}"
            f" | {escape(', '.join(patched)) or 'none yet'} |"
        )
    return [*lines, ""]


def _bounds(bounds: Range) -> str:
    lower = "" if bounds.introduced == "0" else f">= {bounds.introduced}"
    upper = f"< {bounds.fixed}" if bounds.fixed else ""
    if bounds.last_affected:
        upper = f"<= {bounds.last_affected}"
    stated = ", ".join(part for part in (lower, upper) if part) or "all versions"
    return f"{stated} (commits in {bounds.repo})" if bounds.is_git else stated
