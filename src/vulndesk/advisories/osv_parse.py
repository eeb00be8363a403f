"""An OSV 1.7 record (https://ossf.github.io/osv-schema/) read into the advisory value.

Fields OSV does not define are refused, as are bad versions and CVSS vectors, each with its JSON
path. What OSV defines but the value cannot hold (`related`, `upstream`, `limit` events, CVSS 2,
aliases of other databases, per-package severity) is listed in `Parsed.not_kept`.
`database_specific` is OSV's free-form field: only the keys vulndesk writes are read from it.
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
from vulndesk.advisories.osv import ECOSYSTEM, ID_PREFIX, REFERENCE_TYPES, SEMVER
from vulndesk.advisories.reader import Parsed, Reader, finish

FORMAT = "OSV"
TOP = frozenset(
    {
        "schema_version", "id", "modified", "published", "withdrawn", "aliases", "related",
        "upstream", "summary", "details", "severity", "affected", "references", "credits",
        "database_specific",
    }
)  # fmt: skip
AFFECTED = frozenset(
    {"package", "severity", "ranges", "versions", "ecosystem_specific", "database_specific"}
)
PACKAGE = frozenset({"ecosystem", "name", "purl"})
RANGE = frozenset({"type", "repo", "events", "database_specific"})
EVENTS = frozenset({"introduced", "fixed", "last_affected", "limit"})
SEVERITY = frozenset({"type", "score"})
REFERENCE = frozenset({"type", "url"})
CREDIT = frozenset({"name", "contact", "type"})
CVSS_TYPES = {"CVSS_V3": "3", "CVSS_V4": "4"}
OSV_REFERENCES = frozenset(REFERENCE_TYPES.values())


def parse(data: object, *, vendor: str) -> Parsed:
    """The advisory an OSV record states; InvalidRecord lists every problem with its path.

    `vendor` names who makes the product (OSV does not say): the importing project.
    """
    read = Reader(FORMAT)
    top = read.obj(data, "$", TOP)
    record_id = read.string(top, "id", "$", required=True)
    if record_id and not ID_PREFIX.match(record_id):
        read.problem("$.id", f"{record_id!r} does not start with a prefix OSV knows (CVE-, GHSA-…)")
    modified = read.timestamp(top, "modified", "$", required=True)
    published = read.timestamp(top, "published", "$")
    withdrawn = read.timestamp(top, "withdrawn", "$")
    summary = read.string(top, "summary", "$")
    details = read.string(top, "details", "$")
    aliases = _aliases(read, top, record_id)
    for key in ("related", "upstream"):
        for where, _ in read.strings(top, key, "$"):
            read.drop(where, f"{key} ids are not kept")
    specific = read.obj(top.get("database_specific", {}), "$.database_specific", TOP, free=True)
    cwes = []
    for where, cwe in read.strings(specific, "cwe_ids", "$.database_specific"):
        if CWE_ID.match(cwe):
            cwes.append(cwe)
        else:
            read.problem(where, f"{cwe!r} is not a CWE ID such as CWE-79")
    own_id = read.string(specific, "vulndesk_id", "$.database_specific")
    severity = severities(read, top, "$")
    affected = [
        (where, item)
        for where, entry in read.array(top, "affected", "$")
        if (item := _affected(read, entry, where, vendor)) is not None
    ]
    references = [
        reference
        for where, entry in read.array(top, "references", "$")
        if (reference := _reference(read, entry, where)) is not None
    ]
    credits = [
        credit
        for where, entry in read.array(top, "credits", "$")
        if (credit := _credit(read, entry, where)) is not None
    ]
    return finish(
        read,
        record_id,
        affected,
        merge_repeats=False,
        id=own_id or record_id,
        vendor=vendor,
        summary=summary,
        details=details,
        modified=modified,
        published=published,
        withdrawn=withdrawn,
        aliases=tuple(aliases),
        severity=tuple(severity),
        cwes=tuple(cwes),
        credits=tuple(credits),
        references=tuple(references),
    )


def _aliases(read: Reader, top: dict[str, Any], record_id: str) -> list[str]:
    found = [record_id] if CVE_ID.match(record_id) or GHSA_ID.match(record_id) else []
    for where, alias in read.strings(top, "aliases", "$"):
        if CVE_ID.match(alias) or GHSA_ID.match(alias):
            found.append(alias)
        else:
            read.drop(where, f"{alias!r}: only CVE and GHSA ids are kept as aliases")
    return found


def severities(read: Reader, data: dict[str, Any], path: str) -> list[Cvss]:
    """The CVSS 3 and 4 vectors of an OSV `severity` array (also GHSA's shape of it)."""
    found: list[Cvss] = []
    for where, entry in read.array(data, "severity", path):
        item = read.obj(entry, where, SEVERITY)
        kind = read.string(item, "type", where, required=True)
        vector = read.string(item, "score", where, required=True)
        if kind in {"CVSS_V2", "Ubuntu"}:
            read.drop(where, f"{kind} severity is not kept")
            continue
        if kind and kind not in CVSS_TYPES:
            read.problem(f"{where}.type", f"{kind!r}: expected CVSS_V2, CVSS_V3, CVSS_V4 or Ubuntu")
            continue
        cvss = read.build(f"{where}.score", Cvss, vector) if vector else None
        if cvss is None:
            continue
        if cvss.scored.version[0] != CVSS_TYPES[kind]:
            read.problem(f"{where}.score", f"a CVSS {cvss.scored.version} vector under {kind}")
        elif any(s.scored.version[0] == cvss.scored.version[0] for s in found):
            read.problem(where, f"a second CVSS {cvss.scored.version[0]} vector; give one")
        else:
            found.append(cvss)
    return found


def _affected(read: Reader, entry: object, path: str, vendor: str) -> Affected | None:
    data = read.obj(entry, path, AFFECTED)
    package = None
    if "package" in data:
        fields = read.obj(data["package"], f"{path}.package", PACKAGE)
        ecosystem = read.string(fields, "ecosystem", f"{path}.package", required=True)
        name = read.string(fields, "name", f"{path}.package", required=True)
        purl = read.string(fields, "purl", f"{path}.package")
        if ecosystem and not ECOSYSTEM.match(ecosystem):
            read.problem(
                f"{path}.package.ecosystem", f"{ecosystem!r} is not an ecosystem OSV knows"
            )
        elif ecosystem and name:
            package = read.build(f"{path}.package", Package, ecosystem, name, purl)
    for key in ("severity", "ecosystem_specific"):
        if data.get(key):
            read.drop(f"{path}.{key}", "not kept")
    ecosystem = package.ecosystem if package else ""
    ranges: list[Range] = []
    for where, item in read.array(data, "ranges", path):
        ranges += _ranges(read, item, where, ecosystem)
    versions = [
        version
        for where, version in read.strings(data, "versions", path)
        if read.version(where, version, ecosystem)
    ]
    specific = read.obj(
        data.get("database_specific", {}), f"{path}.database_specific", AFFECTED, free=True
    )
    line = read.string(specific, "release_line", f"{path}.database_specific")
    repo = next((r.repo for r in ranges if r.repo), "")
    return read.build(
        path,
        Affected,
        product=package.name if package else repo or vendor,
        package=package,
        line=line,
        ranges=tuple(ranges),
        versions=tuple(versions),
    )


def _ranges(read: Reader, entry: object, path: str, ecosystem: str) -> list[Range]:
    data = read.obj(entry, path, RANGE)
    kind = read.string(data, "type", path, required=True)
    if kind not in {"", "GIT", "SEMVER", "ECOSYSTEM"}:
        read.problem(f"{path}.type", f"{kind!r}: expected GIT, SEMVER or ECOSYSTEM")
    repo = read.string(data, "repo", path)
    if kind == "GIT" and not repo:
        read.problem(f"{path}.repo", "a GIT range names its repository")
    found: list[dict[str, str]] = []
    events = read.array(data, "events", path)
    if not events:
        read.problem(f"{path}.events", "give at least one event")
    for where, event in events:
        fields = read.obj(event, where, EVENTS)
        if len(fields) != 1:
            read.problem(where, "give exactly one of introduced, fixed, last_affected or limit")
            continue
        (key, value) = next(iter(fields.items()))
        if not isinstance(value, str) or not value:
            read.problem(f"{where}.{key}", "expected a version or commit as a string")
            continue
        if key == "limit":
            read.drop(f"{where}.limit", "limit events are not kept")
            continue
        if kind == "SEMVER" and value != "0" and not SEMVER.match(value):
            read.problem(f"{where}.{key}", f"{value!r} is not a semantic version such as 1.2.3")
            continue
        if kind != "GIT" and value != "0" and not read.version(f"{where}.{key}", value, ecosystem):
            continue
        if key == "introduced":
            found.append({"introduced": value})
        elif not found or set(found[-1]) != {"introduced"}:
            read.problem(
                f"{where}.{key}", f"{key} closes a range: put an introduced event before it"
            )
        else:
            found[-1][key] = value
    return [
        r
        for bounds in found
        if (r := read.build(path, Range, repo=repo if kind == "GIT" else "", **bounds))
    ]


def _reference(read: Reader, entry: object, path: str) -> Reference | None:
    data = read.obj(entry, path, REFERENCE)
    kind = read.string(data, "type", path, required=True)
    url = read.string(data, "url", path, required=True)
    if kind and kind not in OSV_REFERENCES:
        read.problem(f"{path}.type", f"{kind!r} is not a reference type OSV knows")
        return None
    if not (kind and url):
        return None
    return read.build(f"{path}.url", Reference, url, ReferenceKind(kind))


def _credit(read: Reader, entry: object, path: str) -> Credit | None:
    data = read.obj(entry, path, CREDIT)
    name = read.string(data, "name", path, required=True)
    kind = read.string(data, "type", path) or CreditKind.OTHER
    contact = tuple(c for _, c in read.strings(data, "contact", path))
    if kind not in CreditKind.__members__:
        read.problem(f"{path}.type", f"{kind!r} is not a credit type OSV knows")
        return None
    return read.build(path, Credit, name, CreditKind(kind), contact) if name else None
