"""Hand-written advisories the renderer tests share."""

from dataclasses import replace
from datetime import UTC, datetime

from vulndesk.advisories.model import (
    Advisory,
    Affected,
    Credit,
    CreditKind,
    Cvss,
    Package,
    Range,
    Reference,
    ReferenceKind,
    Revision,
)

PUBLISHED = datetime(2024, 3, 5, 14, 30, tzinfo=UTC)
MODIFIED = datetime(2024, 3, 6, 9, 0, tzinfo=UTC)
FIX = "a" * 40
ANIMALS = Package("PyPI", "openedx-animals", "pkg:pypi/openedx-animals")

ADVISORY = Advisory(
    id="OPENEDX-7",
    vendor="Open edX",
    summary="Stored XSS in the course description",
    details="A course author can store **script** in a description.",
    modified=MODIFIED,
    published=PUBLISHED,
    aliases=("GHSA-2222-3333-4444", "CVE-2024-12345"),
    # Written out of order on purpose: the renderers must put it in canonical order.
    severity=(Cvss("CVSS:3.1/C:L/AV:N/AC:L/PR:L/UI:R/S:C/I:L/A:N"),),
    cwes=("CWE-79",),
    affected=(
        Affected(
            product="openedx-animals",
            package=ANIMALS,
            line="master",
            ranges=(
                Range("3.0.0", fixed="3.1.1"),
                Range(fixed=FIX, repo="https://github.com/openedx/openedx-animals"),
            ),
        ),
        Affected(
            product="openedx-animals",
            package=ANIMALS,
            line="open-release/zebrawood.master",
            ranges=(Range("2.0.0", last_affected="2.5.0"),),
        ),
    ),
    credits=(Credit("Dana Reporter", CreditKind.REPORTER),),
    references=(
        Reference("https://desk.example.org/advisories/openedx/7/", ReferenceKind.ADVISORY),
        Reference(f"https://github.com/openedx/openedx-animals/commit/{FIX}", ReferenceKind.FIX),
        Reference("https://example.org/release-notes/3.1.1", ReferenceKind.RELEASE_NOTES),
    ),
    revisions=(Revision(PUBLISHED, "Published."),),
)


def without_ids(advisory: Advisory, own_id: str = "OPENEDX-7") -> Advisory:
    return replace(advisory, id=own_id, aliases=())
