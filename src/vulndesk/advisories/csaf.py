"""The advisory as a CSAF 2.0 document with the VEX profile (category "csaf_vex").

The product tree names, under the vendor, each affected product with its affected version
ranges (as `vers:` ranges), the versions listed as affected and the fixed versions; the
vulnerability says which of them are known affected and which fixed, and gives every affected
one a remediation: the fixed versions where they exist, else that none is available yet.

CSAF 2.0 has no field for CVSS 4.0, so a 4.0 vector is stated in a note and only a 3.x vector
becomes a score; an advisory scored by 4.0 alone has no `scores`. CSAF gives one weakness per
vulnerability: the first CWE is the `cwe`, the others are named in a note. The value holds no
not-affected products, so the document has no `known_not_affected` (which VEX would require to
carry a justification flag or impact statement).

The publisher (who issues the document: its name and namespace URL) is no fact of the advisory,
so `render` takes it as `Publisher`, as the CVE renderer takes its CNA. Like the other renderers,
`render` raises `IncompleteAdvisory` with every problem when the document could not be valid
yet, and `problems` lists them without raising.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from vulndesk.advisories.cve5 import timestamp
from vulndesk.advisories.cwe_names import CWE_VERSION, NAMES
from vulndesk.advisories.errors import IncompleteAdvisory
from vulndesk.advisories.model import URL, Advisory, Affected, Range, ReferenceKind

CSAF_VERSION = "2.0"
PUBLISHER_CATEGORIES = frozenset(
    {"coordinator", "discoverer", "other", "translator", "user", "vendor"}
)
# The vers scheme (https://github.com/package-url/purl-spec, VERSION-RANGE-SPEC) of each
# ecosystem; the project itself and unlisted ecosystems use the generic one.
VERS_SCHEMES = {
    "PyPI": "pypi",
    "npm": "npm",
    "Go": "golang",
    "crates.io": "cargo",
    "Maven": "maven",
    "RubyGems": "gem",
    "NuGet": "nuget",
    "Packagist": "composer",
    "Hex": "hex",
    "Pub": "pub",
}
REFERENCE_SUMMARIES = {
    ReferenceKind.ADVISORY: "Advisory",
    ReferenceKind.ARTICLE: "Article",
    ReferenceKind.DETECTION: "Detection",
    ReferenceKind.DISCUSSION: "Discussion",
    ReferenceKind.REPORT: "Report",
    ReferenceKind.FIX: "Fix commit",
    ReferenceKind.INTRODUCED: "Commit introducing the flaw",
    ReferenceKind.GIT: "Repository",
    ReferenceKind.PACKAGE: "Package",
    ReferenceKind.EVIDENCE: "Evidence",
    ReferenceKind.RELEASE_NOTES: "Release notes",
    ReferenceKind.WEB: "Web page",
}


@dataclass(frozen=True)
class Publisher:
    """Who issues the document: CSAF's publisher, named and with a namespace URL it owns."""

    name: str
    namespace: str
    category: str = "vendor"


def cwe_number(cwe: str) -> int:
    return int(cwe.removeprefix("CWE-"))


def problems(advisory: Advisory, publisher: Publisher) -> tuple[str, ...]:
    found: list[str] = []
    if not publisher.name.strip():
        found.append("no publisher: name who issues the CSAF document")
    if not URL.match(publisher.namespace):
        found.append(
            f"the publisher's namespace {publisher.namespace!r} is not an http(s) URL: give the"
            " publisher's web address"
        )
    if publisher.category not in PUBLISHER_CATEGORIES:
        found.append(
            f"the publisher's category {publisher.category!r} is none of CSAF's:"
            f" {', '.join(sorted(PUBLISHER_CATEGORIES))}"
        )
    if not (advisory.details.strip() or advisory.summary.strip()):
        found.append("no description: write the report's title or description")
    unknown = [cwe for cwe in advisory.cwes if cwe_number(cwe) not in NAMES]
    if unknown:
        found.append(
            f"{', '.join(unknown)} not in the CWE list (version {CWE_VERSION}): CSAF names a"
            " weakness as the list does; give a CWE ID the list has"
        )
    if not advisory.affected:
        found.append(
            "nothing affected is known: record the packages or release lines it affects and"
            " where each is fixed"
        )
    for affected in advisory.affected:
        if not (affected.version_ranges or affected.versions):
            found.append(
                f"{affected.where} is known only by commits: CSAF names affected versions;"
                " record the affected range of versions"
            )
    tree = _Tree(advisory)
    for product_id in sorted(set(tree.affected) & set(tree.fixed)):
        product = tree.products[product_id]
        found.append(
            f"{product['name']} is listed as affected and named as a fixed version: correct"
            " the affected versions or the fixed one"
        )
    return tuple(found)


def render(advisory: Advisory, publisher: Publisher) -> dict[str, Any]:
    found = problems(advisory, publisher)
    if found:
        raise IncompleteAdvisory("CSAF 2.0 VEX", found)
    tree = _Tree(advisory)
    return {
        "document": _document(advisory, publisher),
        "product_tree": {"branches": [tree.vendor_branch()]},
        "vulnerabilities": [_vulnerability(advisory, tree)],
    }


def _document(advisory: Advisory, publisher: Publisher) -> dict[str, Any]:
    document: dict[str, Any] = {
        "category": "csaf_vex",
        "csaf_version": CSAF_VERSION,
        "lang": "en",
        # Before publication the document speaks of an embargoed flaw: for the participants only.
        "distribution": {"tlp": {"label": "WHITE" if advisory.published else "AMBER"}},
        "publisher": {
            "category": publisher.category,
            "name": publisher.name.strip(),
            "namespace": publisher.namespace,
        },
        "title": advisory.summary.strip() or advisory.id,
        "tracking": _tracking(advisory),
    }
    notes = []
    if advisory.summary.strip():
        notes.append({"category": "summary", "title": "Summary", "text": advisory.summary})
    if advisory.withdrawn is not None:
        notes.append(
            {
                "category": "general",
                "title": "Withdrawn",
                "text": f"This advisory was withdrawn on {timestamp(advisory.withdrawn)}"
                + (f": {advisory.withdrawn_reason}" if advisory.withdrawn_reason else "."),
            }
        )
    if notes:
        document["notes"] = notes
    return document


def _tracking(advisory: Advisory) -> dict[str, Any]:
    """Revisions numbered 1, 2, … by date; an advisory without any has its first one at
    publication, or, unpublished, a draft revision at its last change."""
    revisions = sorted(advisory.revisions, key=lambda revision: revision.date)
    history = [
        {"number": str(number), "date": timestamp(revision.date), "summary": revision.summary}
        for number, revision in enumerate(revisions, start=1)
    ]
    if not history:
        first = advisory.published or advisory.modified
        summary = "Initial release." if advisory.published else "Draft."
        history = [{"number": "1", "date": timestamp(first), "summary": summary}]
    dates = [revision.date for revision in revisions]
    initial = advisory.published or min(dates, default=advisory.modified)
    current = max([advisory.modified, initial, *dates])
    return {
        "id": advisory.id,
        "status": "final" if advisory.published else "draft",
        "version": history[-1]["number"],
        "revision_history": history,
        "initial_release_date": timestamp(initial),
        "current_release_date": timestamp(current),
        "generator": {"engine": {"name": "vulndesk"}},
    }


@dataclass
class _Product:
    """One affected product's branch: its ranges and versions, each a product of the tree."""

    name: str
    slug: str
    scheme: str
    purl: str
    leaves: dict[str, dict[str, Any]] = field(default_factory=dict)  # product id -> branch


class _Tree:
    """The product tree and which of its products are affected or fixed, with stable product
    ids made of the product's name and the version or range (openedx-animals:<3.1.1)."""

    def __init__(self, advisory: Advisory) -> None:
        self.vendor = advisory.vendor.strip()
        self.by_key: dict[tuple[str, str, str], _Product] = {}
        self.products: dict[str, dict[str, Any]] = {}  # product id -> full product name
        self.affected: dict[str, None] = {}
        self.fixed: dict[str, None] = {}
        self.remediations: dict[tuple[str, str], dict[str, None]] = {}
        fixes: dict[tuple[str, str, str], list[str]] = {}
        for affected in advisory.affected:
            fixes.setdefault(self._key(affected), []).extend(
                r.fixed for r in affected.version_ranges if r.fixed
            )
        for affected in advisory.affected:
            self._add(affected, list(dict.fromkeys(fixes[self._key(affected)])))

    @staticmethod
    def _key(affected: Affected) -> tuple[str, str, str]:
        package = affected.package
        return (
            affected.product,
            package.ecosystem if package else "",
            package.name if package else "",
        )

    def _product(self, affected: Affected) -> _Product:
        key = self._key(affected)
        if key not in self.by_key:
            slug = re.sub(r"[^a-z0-9.+_-]+", "-", affected.product.lower()).strip("-") or "product"
            taken = {p.slug for p in self.by_key.values()}
            unique, n = slug, 1
            while unique in taken:
                n += 1
                unique = f"{slug}-{n}"
            package = affected.package
            scheme = VERS_SCHEMES.get(package.ecosystem, "generic") if package else "generic"
            purl = package.purl if package else ""
            self.by_key[key] = _Product(affected.product, unique, scheme, purl)
        return self.by_key[key]

    def _leaf(self, product: _Product, category: str, name: str, constraint: str) -> str:
        product_id = f"{product.slug}:{constraint}"
        if product_id not in product.leaves:
            full: dict[str, Any] = {
                "name": f"{product.name} {name}",
                "product_id": product_id,
            }
            if category == "product_version" and product.purl:
                purl = f"{product.purl}@{_percent_encoded(name)}"
                full["product_identification_helper"] = {"purl": purl}
            self.products[product_id] = full
            product.leaves[product_id] = {"category": category, "name": name, "product": full}
        return product_id

    def _add(self, affected: Affected, product_fixes: list[str]) -> None:
        product = self._product(affected)
        ids = []
        for bounds in affected.version_ranges:
            constraints = _constraints(bounds)
            vers = f"vers:{product.scheme}/{constraints}"
            ids.append(self._leaf(product, "product_version_range", vers, constraints))
        ids += [self._leaf(product, "product_version", v, v) for v in affected.versions]
        own = [r.fixed for r in affected.version_ranges if r.fixed]
        for version in own:
            self.fixed[self._leaf(product, "product_version", version, version)] = None
        self.affected.update(dict.fromkeys(ids))
        line = f" on the {affected.line} line" if affected.line else ""
        if own:
            remedy = ("vendor_fix", f"Update {affected.product}{line} to {_either(own)}.")
        elif product_fixes:
            remedy = (
                "vendor_fix",
                f"No fix was released{line}: update {affected.product} to"
                f" {_either(product_fixes)}.",
            )
        else:
            remedy = ("none_available", f"No fixed version of {affected.product} is known yet.")
        self.remediations.setdefault(remedy, {}).update(dict.fromkeys(ids))

    def vendor_branch(self) -> dict[str, Any]:
        return {
            "category": "vendor",
            "name": self.vendor,
            "branches": [
                {
                    "category": "product_name",
                    "name": product.name,
                    "branches": list(product.leaves.values()),
                }
                for product in self.by_key.values()
            ],
        }


def _constraints(bounds: Range) -> str:
    """A vers range's constraints: >=introduced, then <fixed or <=last_affected; "*" for all."""
    found = [f">={bounds.introduced}"] if bounds.introduced != "0" else []
    if bounds.fixed:
        found.append(f"<{bounds.fixed}")
    elif bounds.last_affected:
        found.append(f"<={bounds.last_affected}")
    return "|".join(found) or "*"


def _percent_encoded(version: str) -> str:
    """A version as a purl spells it: percent-encoded, by hand as the pure core keeps out urllib."""
    return "".join(
        char if re.match(r"[A-Za-z0-9.+_~-]", char) else "".join(f"%{b:02X}" for b in char.encode())
        for char in version
    )


def _either(versions: list[str]) -> str:
    if len(versions) == 1:
        return versions[0]
    return f"{', '.join(versions[:-1])} or {versions[-1]}"


def _vulnerability(advisory: Advisory, tree: _Tree) -> dict[str, Any]:
    vulnerability: dict[str, Any] = {}
    if advisory.cve_id:
        vulnerability["cve"] = advisory.cve_id
    # The advisory's own id is unscoped too: VEX asks for a CVE or such an id, and the
    # advisory names the flaw even before it has a CVE.
    ids = [{"system_name": advisory.vendor.strip(), "text": advisory.id}]
    if advisory.ghsa_id:
        ids.append({"system_name": "GitHub Security Advisory", "text": advisory.ghsa_id})
    vulnerability["ids"] = ids
    if advisory.cwes:
        first = cwe_number(advisory.cwes[0])
        vulnerability["cwe"] = {"id": f"CWE-{first}", "name": NAMES[first]}
    if advisory.summary.strip():
        vulnerability["title"] = advisory.summary
    vulnerability["notes"] = _notes(advisory)
    if advisory.published is not None:
        vulnerability["release_date"] = timestamp(advisory.published)
    product_status: dict[str, list[str]] = {"known_affected": list(tree.affected)}
    if tree.fixed:
        product_status["fixed"] = list(tree.fixed)
    vulnerability["product_status"] = product_status
    vulnerability["remediations"] = [
        {"category": category, "details": details, "product_ids": list(ids)}
        for (category, details), ids in tree.remediations.items()
    ]
    cvss3 = [cvss.scored for cvss in advisory.severity if cvss.scored.version.startswith("3")]
    if cvss3:
        vulnerability["scores"] = [
            {
                "products": list(tree.affected),
                "cvss_v3": {
                    "version": scored.version,
                    "vectorString": scored.vector,
                    "baseScore": scored.base_score,
                    "baseSeverity": scored.severity.value.upper(),
                },
            }
            for scored in cvss3
        ]
    if advisory.credits:
        vulnerability["acknowledgments"] = [
            {"names": [credit.name], "summary": credit.kind.value.lower().replace("_", " ")}
            for credit in advisory.credits
        ]
    if advisory.references:
        vulnerability["references"] = [
            {
                "category": "external",
                "summary": REFERENCE_SUMMARIES[reference.kind],
                "url": reference.url,
            }
            for reference in advisory.references
        ]
    return vulnerability


def _notes(advisory: Advisory) -> list[dict[str, str]]:
    text = advisory.details.strip() or advisory.summary.strip()
    notes = [{"category": "description", "title": "Description", "text": text}]
    for cvss in advisory.severity:
        scored = cvss.scored
        if scored.version == "4.0":
            notes.append(
                {
                    "category": "other",
                    "title": "CVSS 4.0",
                    "text": f"{scored.vector} (base score {scored.base_score},"
                    f" {scored.severity.value.lower()}). CSAF 2.0 has no field for CVSS 4.0"
                    " scores, so the vector is given here.",
                }
            )
    if len(advisory.cwes) > 1:
        further = [f"{cwe} {NAMES[cwe_number(cwe)]}" for cwe in advisory.cwes[1:]]
        notes.append(
            {"category": "other", "title": "Further weaknesses", "text": "; ".join(further)}
        )
    return notes
