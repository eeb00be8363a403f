"""A report as an advisory value, for the renderers in `vulndesk.advisories`.

What the report knows goes in as it is; what it does not know stays out, so a renderer can say
what is missing rather than print a guess. The reporter's credit choice is honoured: only a
name or handle they chose is printed, an anonymous or undecided reporter is credited by nobody.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse

from vulndesk.advisories.model import (
    URL,
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
    purl_for,
)
from vulndesk.advisories.ranges import parse_range
from vulndesk.desk.models import AffectStatus, Backport, CreditChoices, Report
from vulndesk.desk.models import Package as PackageRow
from vulndesk.desk.services.publication import revision_history

# Hosts whose commit pages live at REPO/commit/SHA.
COMMIT_PAGES = ("https://github.com/", "https://gitlab.com/", "https://codeberg.org/")


class AdvisoryDataError(ValueError):
    """A fact of the report that no advisory can carry as written; the message names it."""


def build_advisory(report: Report) -> Advisory:
    project = report.project
    packages = {row.name: row for row in project.packages.all()}
    backports = {
        b.package.name: b for b in report.backports.select_related("package") if b.fix_commits
    }
    affected = [
        *_affects(report, packages, backports),
        *_fallback(report),
    ]
    revisions = tuple(Revision(entry.at, entry.summary) for entry in revision_history(report))
    modified = max(
        filter(None, (report.updated_at, report.published_at, *(r.date for r in revisions)))
    )
    try:
        severity = (Cvss(report.cvss_vector),) if report.cvss_vector else ()
    except ValueError as exc:
        raise AdvisoryDataError(f"cvss_vector: {exc}") from None
    return Advisory(
        id=report.key,
        vendor=project.name,
        summary=report.title,
        details=report.description,
        modified=modified,
        published=report.published_at,
        withdrawn=report.withdrawn_at,
        withdrawn_reason=report.withdrawn_reason,
        aliases=tuple(filter(None, (report.cve_id, *report.aliases))),
        severity=severity,
        cwes=tuple(report.cwe_ids),
        affected=tuple(affected),
        credits=_credits(report),
        references=_references(report, backports.values()),
        revisions=revisions,
    )


def _affects(
    report: Report, packages: dict[str, PackageRow], backports: dict[str, Backport]
) -> list[Affected]:
    project_repo = report.project.repository_url if URL.match(report.project.repository_url) else ""
    commits_given: set[str] = set()
    found = []
    rows = report.affects.select_related("release_line").order_by("pk")
    for affect in rows.exclude(status=AffectStatus.NOT_AFFECTED):
        line = affect.release_line.name if affect.release_line else ""
        where = f"the affect of {affect.package or 'the project'} on {line or 'all lines'}"
        try:
            ranges, versions = parse_range(affect.affected_range, affect.fixed_version)
        except ValueError as exc:
            raise AdvisoryDataError(f"{where}: {exc}") from None
        row = packages.get(affect.package) if affect.package else None
        package = (
            Package(row.ecosystem, row.name, purl_for(row.ecosystem, row.name)) if row else None
        )
        repo = project_repo if not affect.package else ""
        if row is not None and URL.match(row.repository):
            repo = row.repository
            backport = backports.get(row.name)
            # The fix commits are main's; the first affect of the package carries them once.
            if backport is not None and row.name not in commits_given:
                commits_given.add(row.name)
                ranges += (Range(fixed=backport.fix_commits[-1], repo=repo),)
        found.append(
            Affected(
                product=affect.package or report.project.name,
                package=package,
                line=line,
                ranges=ranges,
                versions=versions,
                repo=repo,
            )
        )
    return found


def _fallback(report: Report) -> list[Affected]:
    """With no affects recorded, the release that ships the fix still bounds the project."""
    if report.affects.exists() or not report.fixed_version.strip():
        return []
    repo = report.project.repository_url
    return [
        Affected(
            product=report.project.name,
            ranges=(Range(fixed=report.fixed_version.strip()),),
            repo=repo if URL.match(repo) else "",
        )
    ]


def _credits(report: Report) -> tuple[Credit, ...]:
    named = report.credit_kind in {CreditChoices.NAME, CreditChoices.HANDLE}
    others = tuple(
        Credit(c["name"], CreditKind(c["kind"]), tuple(c["contact"])) for c in report.other_credits
    )
    if named and report.credit_name.strip():
        return (Credit(report.credit_name.strip(), CreditKind.REPORTER), *others)
    return others


def _references(report: Report, backports: Iterable[Backport]) -> tuple[Reference, ...]:
    found = []
    if settings.BASE_URL:
        page = reverse(
            "advisory-detail", kwargs={"project": report.project.slug, "number": report.number}
        )
        found.append(Reference(settings.BASE_URL + page, ReferenceKind.ADVISORY))
    if report.public_disclosure_url:
        found.append(Reference(report.public_disclosure_url, ReferenceKind.REPORT))
    found += [Reference(r["url"], ReferenceKind(r["kind"])) for r in report.references]
    for backport in backports:
        repo = backport.package.repository.removesuffix(".git")
        if repo.startswith(COMMIT_PAGES):
            found += [
                Reference(f"{repo}/commit/{sha}", ReferenceKind.FIX) for sha in backport.fix_commits
            ]
    return tuple(found)
