"""Which release lines get a fix, and what that means for the report (the release-line policy).

From the lines a report affects and the project's lines, the policy's support rule decides one of
three cases, each with its reasons:

- only the development line (master/main) is affected: the fix lands there and goes out with the
  next regular release; no patch release, no backports (EMI-18, VIT-10), a courtesy notice
  (VIT-11);
- a supported line is affected: a patch release per affected supported line (1.13.9 → 1.13.10)
  plus the fix on the development line, and the fix is a release blocker (EMI-17, EMI-19, VIT-5,
  VIT-14);
- only unsupported lines are affected: no fix and no release (EMI-20, VIT-12) unless an exception
  records its reason (VIT-12), a public notice urging users to upgrade (VIT-13, EMI-21), and a
  CVE if the severity clears the policy's threshold (EMI-21).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

SupportRule = Literal["latest_minor", "latest_minors", "latest_named", "explicit"]

# The last run of digits in a version is its patch number: 1.13.9, v1.13.9, 2.5.0-security.
_PATCH = re.compile(r"^(?P<head>.*?)(?P<patch>\d+)(?P<tail>\D*)$")
_MINOR = re.compile(r"^v?(\d+)\.(\d+)$")


class Status(StrEnum):
    SUPPORTED = "supported"
    UNSUPPORTED = "unsupported"
    DEVELOPMENT = "development"


class Case(StrEnum):
    NOTHING_AFFECTED = "nothing_affected"
    DEVELOPMENT_ONLY = "development_only"
    SUPPORTED = "supported"
    UNSUPPORTED_ONLY = "unsupported_only"


@dataclass(frozen=True)
class Line:
    """A release line as the project keeps it, in the order the project added them."""

    name: str
    status: Status
    latest_version: str = ""


@dataclass(frozen=True)
class PatchRelease:
    line: str
    from_version: str  # "" when the line's latest release is not known
    version: str  # the next patch release, or "" when it cannot be told


@dataclass(frozen=True)
class ReleasePlan:
    case: Case
    supported_lines: tuple[str, ...]  # under the policy's rule, whatever is affected
    patch_releases: tuple[PatchRelease, ...] = ()
    fix_on_development: bool = False
    release_blocker: bool = False
    courtesy_notice: bool = False
    upgrade_notice: bool = False
    # True or False where the policy sets a CVSS threshold and the report is scored; else None.
    cve_warranted: bool | None = None
    fix_issued: bool = False
    reasons: tuple[str, ...] = field(default=())


def next_patch(version: str) -> str:
    """The next patch release after `version`: 1.13.9 → 1.13.10; "" if it has no number."""
    found = _PATCH.match(version.strip())
    if found is None:
        return ""
    return f"{found['head']}{int(found['patch']) + 1}{found['tail']}"


def supported_lines(lines: Sequence[Line], rule: SupportRule | None, count: int = 1) -> list[str]:
    """The lines the policy supports.

    `latest_minor` (EMI-16): the highest `X.Y` line; `latest_minors`: the highest `count`;
    `latest_named`: the line added last (Open edX names its releases, so only their order tells
    which is newest); `explicit` or no rule: the lines the project marked supported.
    """
    releases = [line for line in lines if line.status != Status.DEVELOPMENT]
    if rule in ("latest_minor", "latest_minors"):
        numbered = [(minor, line.name) for line in releases if (minor := _minor(line.name))]
        numbered.sort(reverse=True)
        keep = 1 if rule == "latest_minor" else count
        return [name for _, name in numbered[:keep]]
    if rule == "latest_named":
        return [releases[-1].name] if releases else []
    return [line.name for line in releases if line.status == Status.SUPPORTED]


def _minor(name: str) -> tuple[int, int] | None:
    found = _MINOR.match(name.strip())
    return (int(found[1]), int(found[2])) if found else None


def plan_release(
    lines: Sequence[Line],
    affected: Sequence[str],
    *,
    rule: SupportRule | None,
    count: int = 1,
    cvss_score: float | None = None,
    cve_at_least: float | None = None,
    exception_reason: str = "",
) -> ReleasePlan:
    """Decide the case for a report affecting the lines named in `affected`."""
    by_name = {line.name: line for line in lines}
    unknown = sorted(set(affected) - set(by_name))
    if unknown:
        raise ValueError(f"affected lines the project does not have: {', '.join(unknown)}")
    supported = supported_lines(lines, rule, count)
    rule_text = _rule_text(rule, count, supported)
    hit = [by_name[name] for name in dict.fromkeys(affected)]
    development = [line.name for line in hit if line.status == Status.DEVELOPMENT]
    hit_supported = [line for line in hit if line.name in supported]
    hit_unsupported = [
        line.name for line in hit if line.status != Status.DEVELOPMENT and line not in hit_supported
    ]
    if not hit:
        return ReleasePlan(
            Case.NOTHING_AFFECTED,
            tuple(supported),
            reasons=("no affected release line is recorded yet: add the affects to decide",),
        )
    if hit_supported:
        patches = tuple(
            PatchRelease(line.name, line.latest_version, next_patch(line.latest_version))
            for line in hit_supported
        )
        names = ", ".join(patch.line for patch in patches)
        reasons = [
            f"supported line(s) {names} affected ({rule_text}): a patch release for each, "
            "and the fix also on the development line (EMI-17, VIT-5, VIT-14)",
            "the fix is a release blocker until it is merged (EMI-19)",
        ]
        if hit_unsupported:
            reasons.append(
                f"also affected but unsupported: {', '.join(hit_unsupported)}; no release for "
                "them (EMI-20)"
            )
        return ReleasePlan(
            Case.SUPPORTED,
            tuple(supported),
            patch_releases=patches,
            fix_on_development=True,
            release_blocker=True,
            fix_issued=True,
            reasons=tuple(reasons),
        )
    if development and not hit_unsupported:
        return ReleasePlan(
            Case.DEVELOPMENT_ONLY,
            tuple(supported),
            fix_on_development=True,
            courtesy_notice=True,
            fix_issued=True,
            reasons=(
                f"only the development line ({', '.join(development)}) is affected: the fix "
                "lands there and ships with the next regular release; no patch release and no "
                "backports (EMI-18, VIT-10)",
                "a courtesy notice tells the community (VIT-11)",
            ),
        )
    return _unsupported_only(
        supported,
        hit_unsupported,
        development,
        rule_text,
        cvss_score=cvss_score,
        cve_at_least=cve_at_least,
        exception_reason=exception_reason,
    )


def _unsupported_only(
    supported: list[str],
    unsupported: list[str],
    development: list[str],
    rule_text: str,
    *,
    cvss_score: float | None,
    cve_at_least: float | None,
    exception_reason: str,
) -> ReleasePlan:
    reasons = [
        f"only unsupported line(s) {', '.join(unsupported)} affected ({rule_text}): no new "
        "release (EMI-20, VIT-12)",
        "a public notice describes the threat and urges users to upgrade to a supported "
        "release (VIT-13, EMI-21)",
    ]
    if development:
        reasons.append(f"the development line ({', '.join(development)}) gets the fix as usual")
    cve: bool | None = None
    if cve_at_least is None:
        reasons.append("whether a CVE is filed is the team's call: the policy sets no threshold")
    elif cvss_score is None:
        reasons.append(f"a CVE is filed if the CVSS score is {cve_at_least} or more; not scored")
    else:
        cve = cvss_score >= cve_at_least
        verdict = "is filed" if cve else "is not filed"
        reasons.append(f"a CVE {verdict}: CVSS {cvss_score} against the threshold {cve_at_least}")
    exception = exception_reason.strip()
    if exception:
        reasons.append(f"an exception issues a fix anyway (VIT-12): {exception}")
    return ReleasePlan(
        Case.UNSUPPORTED_ONLY,
        tuple(supported),
        fix_on_development=bool(development),
        upgrade_notice=True,
        cve_warranted=cve,
        fix_issued=bool(exception),
        reasons=tuple(reasons),
    )


def _rule_text(rule: SupportRule | None, count: int, supported: list[str]) -> str:
    names = ", ".join(supported) or "none"
    described = {
        "latest_minor": "the latest minor line is supported (EMI-16)",
        "latest_minors": f"the latest {count} minor lines are supported",
        "latest_named": "the most recent named release is supported (OEDX-23)",
    }.get(rule or "", "the project lists its supported lines")
    return f"{described}: {names}"
