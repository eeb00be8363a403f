"""The advisory as a CVE JSON 5.1 record: the CNA container inside a published CVE record.

A CVE record names the CNA that provides it (its organisation's UUID from CVE Services), which
is no fact of the advisory, so `render` takes it as `Cna`. Like the OSV renderer, `render`
raises `IncompleteAdvisory` with every problem when the record could not be valid yet (no CVE
ID, nothing affected, no reference), and `problems` lists them without raising.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vulndesk.advisories.errors import IncompleteAdvisory
from vulndesk.advisories.model import Advisory, Affected, Cvss, Range, Reference, ReferenceKind

DATA_VERSION = "5.1"
DESCRIPTION_LIMIT = 4096  # characters of a description's plain-text value
TITLE_LIMIT = 256
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

# Where each ecosystem's packages are listed (collectionURL), and how it orders versions.
COLLECTIONS = {
    "PyPI": "https://pypi.python.org",
    "npm": "https://registry.npmjs.org",
    "Go": "https://pkg.go.dev",
    "crates.io": "https://crates.io",
    "RubyGems": "https://rubygems.org",
    "Maven": "https://repo.maven.apache.org/maven2",
    "NuGet": "https://nuget.org/packages",
    "Packagist": "https://packagist.org",
    "Hex": "https://repo.hex.pm",
    "Pub": "https://pub.dev",
}
VERSION_TYPES = {"PyPI": "python", "npm": "semver", "Go": "semver", "crates.io": "semver"}
REFERENCE_TAGS = {
    ReferenceKind.ADVISORY: "vendor-advisory",
    ReferenceKind.ARTICLE: "technical-description",
    ReferenceKind.DETECTION: "signature",
    ReferenceKind.DISCUSSION: "mailing-list",
    ReferenceKind.REPORT: "issue-tracking",
    ReferenceKind.FIX: "patch",
    ReferenceKind.EVIDENCE: "exploit",
    ReferenceKind.PACKAGE: "product",
    ReferenceKind.RELEASE_NOTES: "release-notes",
}
METRIC_NAMES = {"3.0": "cvssV3_0", "3.1": "cvssV3_1", "4.0": "cvssV4_0"}


@dataclass(frozen=True)
class Cna:
    """The CVE Numbering Authority providing the record, as CVE Services knows it."""

    org_id: str  # its UUID
    short_name: str = ""


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def problems(advisory: Advisory, cna: Cna) -> tuple[str, ...]:
    found: list[str] = []
    if not advisory.cve_id:
        found.append("no CVE ID: assign one to the report (vulndesk report cve KEY ID)")
    if not UUID.match(cna.org_id):
        found.append(
            f"the CNA's organisation id {cna.org_id!r} is not a UUID: give the one CVE Services"
            " lists for the CNA"
        )
    if cna.short_name and not 2 <= len(cna.short_name) <= 32:
        found.append("the CNA's short name has 2 to 32 characters")
    if not advisory.affected:
        found.append(
            "nothing affected is known: record the packages or release lines it affects and"
            " where each is fixed"
        )
    if not advisory.references:
        found.append(
            "no reference: a CVE record links at least one page, such as the advisory's"
            " (set VULNDESK_BASE_URL so vulndesk can link its advisory page)"
        )
    if not (advisory.details.strip() or advisory.summary.strip()):
        found.append("no description: write the report's title or description")
    if len(advisory.details) > DESCRIPTION_LIMIT:
        found.append(
            f"the description has {len(advisory.details)} characters; CVE allows"
            f" {DESCRIPTION_LIMIT}: shorten it"
        )
    if len(advisory.summary) > TITLE_LIMIT:
        found.append(f"the title has more than {TITLE_LIMIT} characters: shorten it")
    return tuple(found)


def render(advisory: Advisory, cna: Cna) -> dict[str, Any]:
    found = problems(advisory, cna)
    if found:
        raise IncompleteAdvisory("CVE JSON 5", found)
    metadata: dict[str, Any] = {
        "cveId": advisory.cve_id,
        "assignerOrgId": cna.org_id,
        # A withdrawn advisory's record stays PUBLISHED: only the CNA that assigned the CVE ID
        # rejects it (REJECTED, with rejectedReasons) through its CVE Services account.
        "state": "PUBLISHED",
        "dateUpdated": timestamp(advisory.modified),
    }
    if cna.short_name:
        metadata["assignerShortName"] = cna.short_name
    if advisory.published is not None:
        metadata["datePublished"] = timestamp(advisory.published)
    return {
        "dataType": "CVE_RECORD",
        "dataVersion": DATA_VERSION,
        "cveMetadata": metadata,
        "containers": {"cna": cna_container(advisory, cna)},
    }


def cna_container(advisory: Advisory, cna: Cna) -> dict[str, Any]:
    """The CNA container alone, as CVE Services takes it when the record is published."""
    provider: dict[str, Any] = {"orgId": cna.org_id, "dateUpdated": timestamp(advisory.modified)}
    if cna.short_name:
        provider["shortName"] = cna.short_name
    container: dict[str, Any] = {"providerMetadata": provider}
    if advisory.summary.strip():
        container["title"] = advisory.summary
    if advisory.published is not None:
        container["datePublic"] = timestamp(advisory.published)
    container["descriptions"] = [_description(advisory)]
    container["affected"] = [_affected(advisory.vendor, affected) for affected in advisory.affected]
    if advisory.cwes:
        container["problemTypes"] = [
            {"descriptions": [{"lang": "en", "cweId": cwe, "description": cwe, "type": "CWE"}]}
            for cwe in advisory.cwes
        ]
    if advisory.severity:
        container["metrics"] = [_metric(cvss) for cvss in advisory.severity]
    if advisory.credits:
        container["credits"] = [
            {
                "lang": "en",
                "value": credit.name,
                "type": credit.kind.value.lower().replace("_", " "),
            }
            for credit in advisory.credits
        ]
    container["references"] = _references(advisory.references)
    return container


def _description(advisory: Advisory) -> dict[str, Any]:
    text = advisory.details.strip() or advisory.summary.strip()
    description: dict[str, Any] = {"lang": "en", "value": text}
    if advisory.details.strip():
        # The plain value is the Markdown source; readers that render Markdown get it marked.
        description["supportingMedia"] = [
            {"type": "text/markdown", "base64": False, "value": advisory.details}
        ]
    return description


def _references(references: tuple[Reference, ...]) -> list[dict[str, Any]]:
    """One entry per URL with every tag its kinds give: CVE 5 refuses a URL listed twice, and an
    advisory may name one page as, say, both the fix and a web page."""
    tags: dict[str, list[str]] = {}
    for reference in references:
        tag = REFERENCE_TAGS.get(reference.kind)
        known = tags.setdefault(reference.url, [])
        if tag and tag not in known:
            known.append(tag)
    return [{"url": url, "tags": found} if found else {"url": url} for url, found in tags.items()]


def _metric(cvss: Cvss) -> dict[str, Any]:
    scored = cvss.scored
    return {
        "format": "CVSS",
        "scenarios": [{"lang": "en", "value": "GENERAL"}],
        METRIC_NAMES[scored.version]: {
            "version": scored.version,
            "vectorString": scored.vector,
            "baseScore": scored.base_score,
            "baseSeverity": scored.severity.value.upper(),
        },
    }


def _affected(vendor: str, affected: Affected) -> dict[str, Any]:
    product: dict[str, Any] = {"vendor": vendor, "product": affected.product}
    package = affected.package
    if package is not None and package.ecosystem in COLLECTIONS:
        product["collectionURL"] = COLLECTIONS[package.ecosystem]
        product["packageName"] = package.name
    if affected.repository:
        product["repo"] = affected.repository
    version_type = VERSION_TYPES.get(package.ecosystem, "custom") if package else "custom"
    versions = [_version(r, version_type) for r in affected.version_ranges]
    versions += [_version(r, "git") for r in affected.git_ranges]
    versions += [{"version": v, "status": "affected"} for v in affected.versions]
    if versions:
        product["versions"] = versions
    # Listed versions are the whole truth; with none listed, nobody has said which are safe.
    product["defaultStatus"] = "unaffected" if versions else "unknown"
    return product


def _version(bounds: Range, version_type: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "version": bounds.introduced,
        "status": "affected",
        "versionType": version_type,
    }
    if bounds.last_affected:
        entry["lessThanOrEqual"] = bounds.last_affected
    else:
        entry["lessThan"] = bounds.fixed or "*"
    return entry
