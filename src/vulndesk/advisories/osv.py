"""The advisory as an OSV 1.7 record (https://ossf.github.io/osv-schema/).

`render` refuses, with `IncompleteAdvisory` listing every problem, a record that could not be
valid or would say less than the advisory knows: no id OSV accepts, nothing affected, or an
affected product OSV has no way to name. `problems` gives the same list without raising.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from vulndesk.advisories.errors import IncompleteAdvisory
from vulndesk.advisories.model import Advisory, Affected, Range, ReferenceKind

SCHEMA_VERSION = "1.7.5"

# The id prefixes OSV 1.7.5 knows; a project's own id fits only if it happens to use one.
ID_PREFIX = re.compile(
    r"^(ASB-A|PUB-A|ALPINE|ALSA|ALBA|ALEA|BELL|BIT|CGA|CLEANSTART|CURL|CVE|DEBIAN|DHI|DRUPAL|"
    r"DSA|DLA|ELA|DTSA|ECHO|EEF|FreeBSD|GHSA|GO|GSD|HSEC|JLSEC|KUBE|LBSEC|LSN|MAL|MINI|MGASA|"
    r"OESA|OSEC|OSV|openSUSE-SU|PHSA|PSF|PYSEC|RHBA|RHEA|RHSA|RLSA|RXSA|RSEC|ROOT|RUSTSEC|"
    r"SUSE-[SRFO]U|UBUNTU|USN|V8)-"
)
ECOSYSTEM = re.compile(
    r"^(AlmaLinux|Alpaquita|Alpine|Android|BellSoft Hardened Containers|Bioconductor|Bitnami|"
    r"Chainguard|CleanStart|ConanCenter|CRAN|crates\.io|Debian|Docker Hardened Images|Echo|"
    r"FreeBSD|GHC|GitHub Actions|Go|Hackage|Hex|Julia|Kubernetes|Linux|Mageia|Maven|MinimOS|npm|"
    r"NuGet|opam|openEuler|openSUSE|OSS-Fuzz|Packagist|Photon OS|Pub|PyPI|Red Hat|Rocky Linux|"
    r"Root|RubyGems|SUSE|SwiftURL|Ubuntu|VSCode|Wolfi|GIT)(:.+)?$"
)
# Ecosystems whose versions are semver; their ranges are SEMVER when every bound is one.
SEMVER_ECOSYSTEMS = frozenset({"Go", "npm", "crates.io", "Hex", "Pub", "SwiftURL"})
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
# OSV has no release-notes kind; WEB is its catch-all.
REFERENCE_TYPES = {kind: kind.value for kind in ReferenceKind} | {
    ReferenceKind.RELEASE_NOTES: "WEB"
}


def timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with a Z, as OSV requires."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def record_id(advisory: Advisory) -> str:
    """The CVE ID, else the GHSA ID, else the project's own id where OSV accepts it ("")."""
    own = advisory.id if ID_PREFIX.match(advisory.id) else ""
    return advisory.cve_id or advisory.ghsa_id or own


def problems(advisory: Advisory) -> tuple[str, ...]:
    found: list[str] = []
    if not record_id(advisory):
        found.append(
            f"no id OSV accepts: {advisory.id!r} does not start with a database prefix such as"
            " CVE- or GHSA-; assign a CVE ID to the report (vulndesk report cve KEY ID)"
        )
    if not advisory.affected:
        found.append(
            "nothing affected is known: record the packages or release lines it affects and"
            " where each is fixed"
        )
    found.extend(_affected_problem(affected) for affected in advisory.affected)
    return tuple(p for p in found if p)


def _affected_problem(affected: Affected) -> str:
    package = affected.package
    if package is not None and not ECOSYSTEM.match(package.ecosystem):
        return f"{affected.where}: {package.ecosystem!r} is not an ecosystem OSV knows"
    if package is None and not affected.git_ranges:
        return (
            f"{affected.where}: OSV states versions only of a package in an ecosystem (PyPI,"
            " npm, Go…); record the affect against a registered package, or give the fix"
            " commits in the project's public repository"
        )
    if not affected.ranges and not affected.versions:
        return (
            f"{affected.where}: no affected versions or fix: give the affected range or the"
            " version that fixes it"
        )
    return ""


def render(advisory: Advisory) -> dict[str, Any]:
    found = problems(advisory)
    if found:
        raise IncompleteAdvisory("OSV", found)
    chosen = record_id(advisory)
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "id": chosen,
        "modified": timestamp(advisory.modified),
    }
    if advisory.published is not None:
        record["published"] = timestamp(advisory.published)
    if advisory.withdrawn is not None:
        record["withdrawn"] = timestamp(advisory.withdrawn)
    aliases = [alias for alias in advisory.aliases if alias != chosen]
    if aliases:
        record["aliases"] = aliases
    record["summary"] = advisory.summary
    record["details"] = advisory.details
    if advisory.severity:
        record["severity"] = [
            {"type": f"CVSS_V{cvss.scored.version[0]}", "score": cvss.vector}
            for cvss in advisory.severity
        ]
    record["affected"] = [_affected(affected) for affected in advisory.affected]
    if advisory.references:
        record["references"] = [
            {"type": REFERENCE_TYPES[reference.kind], "url": reference.url}
            for reference in advisory.references
        ]
    if advisory.credits:
        record["credits"] = [
            _credit(credit.name, credit.kind, credit.contact) for credit in advisory.credits
        ]
    specific: dict[str, Any] = {"vulndesk_id": advisory.id}
    if advisory.cwes:
        specific["cwe_ids"] = list(advisory.cwes)
    record["database_specific"] = specific
    return record


def _credit(name: str, kind: str, contact: tuple[str, ...]) -> dict[str, Any]:
    credit: dict[str, Any] = {"name": name, "type": kind}
    if contact:
        credit["contact"] = list(contact)
    return credit


def _affected(affected: Affected) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    ranges: list[dict[str, Any]] = []
    if affected.package is not None:
        package = affected.package
        entry["package"] = {"ecosystem": package.ecosystem, "name": package.name}
        if package.purl:
            entry["package"]["purl"] = package.purl
        kind = _version_range_type(package.ecosystem, affected.version_ranges)
        ranges.extend(_range(kind, r) for r in affected.version_ranges)
    ranges.extend(_range("GIT", r) for r in affected.git_ranges)
    if ranges:
        entry["ranges"] = ranges
    # Without a package OSV reads listed versions as git tags, which these need not be.
    if affected.versions and affected.package is not None:
        entry["versions"] = list(affected.versions)
    if affected.line:
        entry["database_specific"] = {"release_line": affected.line}
    return entry


def _version_range_type(ecosystem: str, ranges: tuple[Range, ...]) -> str:
    bounds = [b for r in ranges for b in (r.introduced, r.fixed, r.last_affected) if b]
    semver = all(b == "0" or SEMVER.match(b) for b in bounds)
    return "SEMVER" if ecosystem in SEMVER_ECOSYSTEMS and semver else "ECOSYSTEM"


def _range(kind: str, bounds: Range) -> dict[str, Any]:
    events: list[dict[str, str]] = [{"introduced": bounds.introduced}]
    if bounds.fixed:
        events.append({"fixed": bounds.fixed})
    elif bounds.last_affected:
        events.append({"last_affected": bounds.last_affected})
    out: dict[str, Any] = {"type": kind}
    if bounds.is_git:
        out["repo"] = bounds.repo
    out["events"] = events
    return out
