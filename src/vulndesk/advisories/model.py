"""One advisory as a plain frozen value: what every renderer (OSV, CVE JSON 5, Markdown) reads.

The value holds facts, not any format's spelling: a range is `introduced`/`fixed`/
`last_affected`, a reference or credit has a kind of its own, and each renderer maps them to
its format. Constructing a value checks what every format needs of a single field (aware
datetimes, CVE and GHSA ids, CWE ids, scoreable CVSS vectors, absolute URLs), so a renderer
only has to judge whether the whole is complete enough for its format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from vulndesk.process.severity import Score, score

CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,}$")
GHSA_ID = re.compile(r"^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$")
CWE_ID = re.compile(r"^CWE-[1-9]\d*$")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


class CreditKind(StrEnum):
    """What someone did for the advisory; the names are OSV's, CVE 5 has the same set."""

    FINDER = "FINDER"
    REPORTER = "REPORTER"
    ANALYST = "ANALYST"
    COORDINATOR = "COORDINATOR"
    REMEDIATION_DEVELOPER = "REMEDIATION_DEVELOPER"
    REMEDIATION_REVIEWER = "REMEDIATION_REVIEWER"
    REMEDIATION_VERIFIER = "REMEDIATION_VERIFIER"
    TOOL = "TOOL"
    SPONSOR = "SPONSOR"
    OTHER = "OTHER"


class ReferenceKind(StrEnum):
    """What a link points at. OSV's kinds plus release notes, which CVE 5 tags and OSV calls WEB."""

    ADVISORY = "ADVISORY"
    ARTICLE = "ARTICLE"
    DETECTION = "DETECTION"
    DISCUSSION = "DISCUSSION"
    REPORT = "REPORT"
    FIX = "FIX"
    INTRODUCED = "INTRODUCED"
    GIT = "GIT"
    PACKAGE = "PACKAGE"
    EVIDENCE = "EVIDENCE"
    RELEASE_NOTES = "RELEASE_NOTES"
    WEB = "WEB"


def _unique(value: object, *names: str) -> None:
    """Drop repeats from the named tuples of a frozen value, keeping the first of each: CVE 5
    wants unique items, and a repeat says nothing new anywhere."""
    for name in names:
        object.__setattr__(value, name, tuple(dict.fromkeys(getattr(value, name))))


def _aware(name: str, value: datetime | None) -> None:
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{name}: give a timezone-aware datetime, not {value.isoformat()}")


@dataclass(frozen=True)
class Cvss:
    """A CVSS 3.0, 3.1 or 4.0 vector, kept in canonical metric order (OSV asks for it)."""

    vector: str

    def __post_init__(self) -> None:
        # process.severity.score raises CvssError (a ValueError) naming the metric at fault.
        object.__setattr__(self, "vector", score(self.vector).vector)

    @property
    def scored(self) -> Score:
        return score(self.vector)


@dataclass(frozen=True)
class Package:
    """Where the affected code is published: an OSV ecosystem name ("PyPI", "npm", "Go")."""

    ecosystem: str
    name: str
    purl: str = ""

    def __post_init__(self) -> None:
        if not self.ecosystem.strip() or not self.name.strip():
            raise ValueError("package: give both its ecosystem and its name")
        if self.purl and not self.purl.startswith("pkg:"):
            raise ValueError(f"package.purl: a package URL starts with 'pkg:', not {self.purl!r}")


@dataclass(frozen=True)
class Range:
    """Affected from `introduced` ("0": from the start) up to `fixed` (excluded) or up to
    `last_affected` (included), or with neither end when no fix exists yet.

    With a `repo` the bounds are commits of that git repository; without, they are versions.
    """

    introduced: str = "0"
    fixed: str = ""
    last_affected: str = ""
    repo: str = ""

    def __post_init__(self) -> None:
        if not self.introduced.strip():
            raise ValueError('range.introduced: give a version or commit, or "0" for the start')
        if self.fixed and self.last_affected:
            raise ValueError(
                "range: give either fixed (the first version without the flaw) or last_affected"
                " (the last with it), not both"
            )
        if self.repo and not URL.match(self.repo):
            raise ValueError(f"range.repo: give the repository's http(s) URL, not {self.repo!r}")

    @property
    def is_git(self) -> bool:
        return bool(self.repo)


@dataclass(frozen=True)
class Affected:
    """One affected product: a published package, or the project itself on a release line."""

    product: str
    package: Package | None = None
    line: str = ""  # the release line, where the affect names one
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()  # affected versions listed one by one
    repo: str = ""  # the product's git repository, where known

    def __post_init__(self) -> None:
        _unique(self, "ranges", "versions")
        if not self.product.strip():
            raise ValueError("affected.product: name the package or project")
        if self.repo and not URL.match(self.repo):
            raise ValueError(f"affected.repo: give an http(s) URL, not {self.repo!r}")
        # A product lives in one repository; CVE 5 gives each product a single `repo`.
        repos = ({self.repo} | {r.repo for r in self.git_ranges}) - {""}
        if len(repos) > 1:
            raise ValueError(
                f"affected: {self.product} has commits in {len(repos)} repositories"
                f" ({', '.join(sorted(repos))}); give one affected entry per repository"
            )

    @property
    def version_ranges(self) -> tuple[Range, ...]:
        return tuple(r for r in self.ranges if not r.is_git)

    @property
    def git_ranges(self) -> tuple[Range, ...]:
        return tuple(r for r in self.ranges if r.is_git)

    @property
    def repository(self) -> str:
        return self.repo or next((r.repo for r in self.git_ranges), "")

    @property
    def where(self) -> str:
        """How a problem message names this entry: "openedx-animals (PyPI) on zebrawood"."""
        name = f"{self.product} ({self.package.ecosystem})" if self.package else self.product
        return f"{name} on {self.line}" if self.line else name


@dataclass(frozen=True)
class Credit:
    name: str
    kind: CreditKind = CreditKind.OTHER
    contact: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("credit.name: give the name to print")


@dataclass(frozen=True)
class Reference:
    url: str
    kind: ReferenceKind = ReferenceKind.WEB

    def __post_init__(self) -> None:
        if not URL.match(self.url):
            raise ValueError(f"reference.url: give an absolute http(s) URL, not {self.url!r}")


@dataclass(frozen=True)
class Revision:
    date: datetime
    summary: str

    def __post_init__(self) -> None:
        _aware("revision.date", self.date)


@dataclass(frozen=True)
class Advisory:
    """The public record of one vulnerability, built from a report."""

    id: str  # the project's own id, e.g. EMISSARY-12
    vendor: str  # who makes the product: the project's name
    summary: str
    details: str  # Markdown
    modified: datetime
    published: datetime | None = None
    withdrawn: datetime | None = None
    withdrawn_reason: str = ""
    aliases: tuple[str, ...] = ()  # CVE and GHSA ids
    severity: tuple[Cvss, ...] = ()
    cwes: tuple[str, ...] = ()
    affected: tuple[Affected, ...] = ()
    credits: tuple[Credit, ...] = ()
    references: tuple[Reference, ...] = ()
    revisions: tuple[Revision, ...] = ()

    def __post_init__(self) -> None:
        _unique(self, "aliases", "severity", "cwes", "affected", "credits", "references")
        if not self.id.strip():
            raise ValueError("id: give the advisory's own id")
        if not self.vendor.strip():
            raise ValueError("vendor: name the project")
        for name in ("modified", "published", "withdrawn"):
            _aware(name, getattr(self, name))
        for alias in self.aliases:
            if not (CVE_ID.match(alias) or GHSA_ID.match(alias)):
                raise ValueError(
                    f"aliases: {alias!r} is neither a CVE ID (CVE-2024-12345) nor a GHSA ID"
                    " (GHSA-xxxx-xxxx-xxxx)"
                )
        for cwe in self.cwes:
            if not CWE_ID.match(cwe):
                raise ValueError(f"cwes: {cwe!r} is not a CWE ID such as CWE-79")
        versions = [s.scored.version[0] for s in self.severity]
        if len(versions) != len(set(versions)):
            raise ValueError("severity: give at most one CVSS 3 and one CVSS 4 vector")

    @property
    def cve_id(self) -> str:
        return next((a for a in self.aliases if CVE_ID.match(a)), "")

    @property
    def ghsa_id(self) -> str:
        return next((a for a in self.aliases if GHSA_ID.match(a)), "")


def purl_for(ecosystem: str, name: str) -> str:
    """The package URL of a PyPI or npm package ("" for other ecosystems: their purls need
    more than a name, such as Maven's group)."""
    if ecosystem == "PyPI":
        # PEP 503 normalisation, as the purl spec asks for the pypi type.
        return f"pkg:pypi/{re.sub(r'[-_.]+', '-', name).lower()}"
    if ecosystem == "npm":
        return f"pkg:npm/{name.replace('@', '%40')}"
    return ""
