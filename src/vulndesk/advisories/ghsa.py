"""A GitHub security advisory, as the REST API's global advisories endpoint returns it, read
into the advisory value.

Fields the API does not return are refused, as are bad versions, ranges and CVSS vectors, each
with its JSON path. The API's own bookkeeping (its URLs, review dates, EPSS, the severity label
beside a vector) says nothing the advisory keeps and is read past; the advisory's page
(`html_url`) becomes its ADVISORY reference and `source_code_location` its PACKAGE reference.
"""

from __future__ import annotations

from typing import Any

from vulndesk.advisories.model import (
    CVE_ID,
    CWE_ID,
    GHSA_ID,
    Affected,
    Credit,
    CreditKind,
    Cvss,
    Package,
    Range,
    Reference,
    ReferenceKind,
)
from vulndesk.advisories.ranges import parse_range
from vulndesk.advisories.reader import Parsed, Reader, finish

FORMAT = "GitHub advisory"
TOP = frozenset(
    {
        "ghsa_id", "cve_id", "url", "html_url", "repository_advisory_url", "summary",
        "description", "type", "severity", "source_code_location", "identifiers", "references",
        "published_at", "updated_at", "github_reviewed_at", "nvd_published_at", "withdrawn_at",
        "vulnerabilities", "cvss", "cvss_severities", "cwes", "credits", "epss",
    }
)  # fmt: skip
VULNERABILITY = frozenset(
    {"package", "vulnerable_version_range", "first_patched_version", "patched_versions",
     "vulnerable_functions"}
)  # fmt: skip
PACKAGE = frozenset({"ecosystem", "name"})
CVSS = frozenset({"vector_string", "score"})
CVSS_SEVERITIES = frozenset({"cvss_v3", "cvss_v4"})
CWE = frozenset({"cwe_id", "name"})
CREDIT = frozenset({"user", "type"})
IDENTIFIER = frozenset({"type", "value"})
PATCHED = frozenset({"identifier"})
# GitHub's ecosystem names and OSV's.
ECOSYSTEMS = {
    "actions": "GitHub Actions", "composer": "Packagist", "erlang": "Hex", "go": "Go",
    "maven": "Maven", "npm": "npm", "nuget": "NuGet", "pip": "PyPI", "pub": "Pub",
    "rubygems": "RubyGems", "rust": "crates.io", "swift": "SwiftURL",
}  # fmt: skip


def parse(data: object, *, vendor: str) -> Parsed:
    """The advisory a GitHub advisory states; InvalidRecord lists every problem with its path.

    `vendor` names who makes the product: the importing project.
    """
    read = Reader(FORMAT)
    top = read.obj(data, "$", TOP)
    ghsa_id = read.string(top, "ghsa_id", "$", required=True)
    if ghsa_id and not GHSA_ID.match(ghsa_id):
        read.problem("$.ghsa_id", f"{ghsa_id!r} is not a GHSA ID such as GHSA-xxxx-xxxx-xxxx")
    cve_id = read.string(top, "cve_id", "$")
    if cve_id and not CVE_ID.match(cve_id):
        read.problem("$.cve_id", f"{cve_id!r} is not a CVE ID such as CVE-2024-12345")
    for where, entry in read.array(top, "identifiers", "$"):
        read.obj(entry, where, IDENTIFIER)
    summary = read.string(top, "summary", "$", required=True)
    details = read.string(top, "description", "$")
    published = read.timestamp(top, "published_at", "$", required=True)
    modified = read.timestamp(top, "updated_at", "$", required=True)
    withdrawn = read.timestamp(top, "withdrawn_at", "$")
    severity = _severity(read, top)
    cwes = _cwes(read, top)
    affected = [
        (where, item)
        for where, entry in read.array(top, "vulnerabilities", "$")
        if (item := _vulnerability(read, entry, where)) is not None
    ]
    credits = [
        credit
        for where, entry in read.array(top, "credits", "$")
        if (credit := _credit(read, entry, where)) is not None
    ]
    references = _references(read, top)
    return finish(
        read,
        ghsa_id,
        affected,
        merge_repeats=True,
        id=ghsa_id,
        vendor=vendor,
        summary=summary,
        details=details,
        modified=modified,
        published=published,
        withdrawn=withdrawn,
        aliases=(ghsa_id, cve_id) if cve_id else (ghsa_id,),
        severity=tuple(severity),
        cwes=tuple(cwes),
        credits=tuple(credits),
        references=tuple(references),
    )


def _severity(read: Reader, top: dict[str, Any]) -> list[Cvss]:
    """The vectors of `cvss_severities`, and of the older `cvss` where it says something new."""
    given: list[tuple[str, str, str]] = []  # path, vector, the CVSS major version it must be
    if top.get("cvss_severities") is not None:
        both = read.obj(top["cvss_severities"], "$.cvss_severities", CVSS_SEVERITIES)
        for key, major in (("cvss_v3", "3"), ("cvss_v4", "4")):
            where = f"$.cvss_severities.{key}"
            if both.get(key) is not None:
                vector = read.string(read.obj(both[key], where, CVSS), "vector_string", where)
                given.append((f"{where}.vector_string", vector, major))
    if top.get("cvss") is not None:
        vector = read.string(read.obj(top["cvss"], "$.cvss", CVSS), "vector_string", "$.cvss")
        given.append(("$.cvss.vector_string", vector, ""))
    found: list[Cvss] = []
    for where, vector, major in given:
        cvss = read.build(where, Cvss, vector) if vector else None
        if cvss is None or cvss in found:
            continue
        version = cvss.scored.version
        if major and version[0] != major:
            read.problem(where, f"a CVSS {version} vector where CVSS {major} belongs")
        elif any(s.scored.version[0] == version[0] for s in found):
            read.problem(where, f"a second CVSS {version[0]} vector; give one")
        else:
            found.append(cvss)
    return found


def _cwes(read: Reader, top: dict[str, Any]) -> list[str]:
    found = []
    for where, entry in read.array(top, "cwes", "$"):
        cwe = read.string(read.obj(entry, where, CWE), "cwe_id", where, required=True)
        if cwe and not CWE_ID.match(cwe):
            read.problem(f"{where}.cwe_id", f"{cwe!r} is not a CWE ID such as CWE-79")
        elif cwe:
            found.append(cwe)
    return found


def _vulnerability(read: Reader, entry: object, path: str) -> Affected | None:
    data = read.obj(entry, path, VULNERABILITY)
    fields = read.obj(data.get("package"), f"{path}.package", PACKAGE)
    given = read.string(fields, "ecosystem", f"{path}.package", required=True)
    name = read.string(fields, "name", f"{path}.package", required=True)
    ecosystem = ECOSYSTEMS.get(given, "")
    if given and not ecosystem:
        read.problem(
            f"{path}.package.ecosystem",
            f"{given!r}: OSV has no such ecosystem; expected one of {', '.join(ECOSYSTEMS)}",
        )
    patched = data.get("first_patched_version")
    if isinstance(patched, dict):  # the older shape: {"identifier": "1.2.3"}
        patched = read.obj(patched, f"{path}.first_patched_version", PATCHED).get("identifier")
    if patched is not None and not isinstance(patched, str):
        read.problem(f"{path}.first_patched_version", "expected a version as a string")
        patched = None
    patched_path = f"{path}.first_patched_version"
    if patched and not read.version(patched_path, patched, ecosystem):
        patched = None
    text = read.string(data, "vulnerable_version_range", path)
    try:
        ranges, versions = parse_range(text, patched or "")
    except ValueError as exc:
        read.problem(f"{path}.vulnerable_version_range", str(exc))
        return None
    for bounds in ranges:
        for bound in (bounds.introduced, bounds.fixed, bounds.last_affected):
            if bound and bound != "0" and bound != patched:
                read.version(f"{path}.vulnerable_version_range", bound, ecosystem)
    for version in versions:
        read.version(f"{path}.vulnerable_version_range", version, ecosystem)
    if not (ecosystem and name):
        return None
    package = read.build(f"{path}.package", Package, ecosystem, name)
    if package is None:
        return None
    if not ranges and not versions:
        # Nothing stated: every version is affected, as GitHub reads an empty range.
        ranges = (Range(),)
    return read.build(path, Affected, name, package, ranges=ranges, versions=versions)


def _credit(read: Reader, entry: object, path: str) -> Credit | None:
    data = read.obj(entry, path, CREDIT)
    # `user` is GitHub's user object, whose fields GitHub adds to: only two are read.
    user = read.obj(data.get("user"), f"{path}.user", frozenset(), free=True)
    login = read.string(user, "login", f"{path}.user", required=True)
    page = read.string(user, "html_url", f"{path}.user")
    kind = read.string(data, "type", path).upper() or CreditKind.OTHER
    if kind not in CreditKind.__members__:
        read.problem(f"{path}.type", f"{kind.lower()!r} is not a credit type GitHub knows")
        return None
    return (
        read.build(path, Credit, login, CreditKind(kind), (page,) if page else ())
        if login
        else None
    )


def _references(read: Reader, top: dict[str, Any]) -> list[Reference]:
    given = [
        ("$.html_url", read.string(top, "html_url", "$"), ReferenceKind.ADVISORY),
        *((where, url, ReferenceKind.WEB) for where, url in read.strings(top, "references", "$")),
        (
            "$.source_code_location",
            read.string(top, "source_code_location", "$"),
            ReferenceKind.PACKAGE,
        ),
    ]
    return [
        reference
        for where, url, kind in given
        if url and (reference := read.build(where, Reference, url, kind)) is not None
    ]
