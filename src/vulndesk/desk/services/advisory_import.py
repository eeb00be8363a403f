"""An advisory published elsewhere (OSV, GitHub) becomes a past report of a project.

Importing history lets a team keep its earlier vulnerabilities on the desk and score them
retroactively (FOLIO's notes ask for both). The report is made as every report is
(`create_report`, `score_report`, `add_affect`), then set to `published` with the record's
dates, all in one transaction: a refused import leaves nothing behind.

A record already imported (the same id) or naming a CVE or GHSA id a report of the project
already carries is refused with the report's key: an import never makes a duplicate, and it
never overwrites what the team has recorded since. What the desk cannot keep (commit ranges,
a second CVSS vector, the project itself named only by commits) is listed in `not_kept`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from vulndesk.advisories.errors import InvalidRecord
from vulndesk.advisories.model import Affected, Cvss, Range
from vulndesk.advisories.reader import Parsed
from vulndesk.desk.models import AffectStatus, ChannelChoices, Project, Report, StateChoices
from vulndesk.desk.models.report import Affect
from vulndesk.desk.services import audit, deadlines
from vulndesk.desk.services.affects import add_affect
from vulndesk.desk.services.reports import (
    check_fields,
    create_report,
    lock_report,
    score_report,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TITLE_LENGTH = Report._meta.get_field("title").max_length or 0
RANGE_LENGTH = Affect._meta.get_field("affected_range").max_length or 0
# Where each format states the facts the desk judges as a whole.
PATHS = {
    "OSV": {
        "id": "$.id",
        "aliases": "$.aliases",
        "withdrawn": "$.withdrawn",
        "severity": "$.severity",
    },
    "GitHub advisory": {
        "id": "$.ghsa_id",
        "aliases": "$.identifiers",
        "withdrawn": "$.withdrawn_at",
        "severity": "$.cvss_severities",
    },
}


class AlreadyImported(InvalidRecord):
    """The record's vulnerability is on the desk already: its id was imported before, or a
    report of the project carries its CVE or GHSA id. `keys` names those reports; `problems`
    lists every refusal, these and any other."""

    def __init__(self, format_name: str, problems: tuple[str, ...], keys: tuple[str, ...]) -> None:
        super().__init__(format_name, problems)
        self.keys = keys


@dataclass(frozen=True)
class Imported:
    report: Report
    not_kept: tuple[str, ...]  # what the record says that the report does not hold, with paths


@dataclass(frozen=True)
class _Affect:
    package: str
    line: str
    affected_range: str
    fixed_version: str
    status: AffectStatus


def import_advisory(project: Project, parsed: Parsed, *, actor: User | None) -> Imported:
    """The record as a published report of `project`; InvalidRecord lists every refusal
    (AlreadyImported where the desk holds the vulnerability already)."""
    advisory = parsed.advisory
    paths = PATHS[parsed.format_name]
    problems: list[str] = []
    not_kept = list(parsed.not_kept)
    if advisory.withdrawn is not None:
        problems.append(
            f"{paths['withdrawn']}: the advisory was withdrawn; a withdrawn"
            " advisory is not imported as a published report"
        )
    if len(advisory.summary) > TITLE_LENGTH:
        problems.append(f"$.summary: at most {TITLE_LENGTH} characters")
    duplicates = _duplicates(project, parsed)
    problems += [problem for problem, _ in duplicates]
    affects = _affects(project, parsed, problems, not_kept)
    severity = _kept_score(advisory.severity, paths["severity"], not_kept)
    if duplicates:
        keys = tuple(dict.fromkeys(key for _, key in duplicates))
        raise AlreadyImported(parsed.format_name, tuple(problems), keys)
    if problems:
        raise InvalidRecord(parsed.format_name, tuple(problems))
    published = advisory.published or advisory.modified
    title = advisory.summary.strip() or _first_line(advisory.details) or parsed.source_id
    lines = {line.name: line for line in project.release_lines.all()}
    try:
        with transaction.atomic():
            report = create_report(
                project,
                title=title,
                description=advisory.details,
                reporter_name="",
                reporter_email="",
                received_at=published,
                channel=ChannelChoices.API,
                external_ref=parsed.source_id,
                actor=actor,
            )
            if severity is not None:
                report = score_report(report, severity.vector, actor=actor)
            for affect in affects:
                add_affect(
                    report,
                    release_line=lines.get(affect.line),
                    package=affect.package,
                    affected_range=affect.affected_range,
                    fixed_version=affect.fixed_version,
                    status=affect.status,
                    actor=actor,
                )
            report = _publish(report, parsed, published, affects, not_kept, actor=actor)
    except ValueError as exc:
        # A value a column cannot hold (a version longer than the desk stores): nothing stays.
        raise InvalidRecord(parsed.format_name, (f"$: {exc}",)) from None
    except IntegrityError:
        # Another import of the same id committed between the check and the insert.
        if (found := project.reports.filter(external_ref=parsed.source_id).first()) is None:
            raise
        problem = _imported_before(parsed, found)
        raise AlreadyImported(parsed.format_name, (problem,), (found.key,)) from None
    return Imported(report, tuple(not_kept))


def _publish(
    report: Report,
    parsed: Parsed,
    published: datetime,
    affects: list[_Affect],
    not_kept: list[str],
    *,
    actor: User | None,
) -> Report:
    advisory = parsed.advisory
    locked = lock_report(report)
    locked.cve_id = advisory.cve_id
    locked.aliases = [alias for alias in advisory.aliases if alias != advisory.cve_id]
    locked.cwe_ids = list(advisory.cwes)
    locked.other_credits = [
        {"name": c.name, "kind": c.kind.value, "contact": list(c.contact)} for c in advisory.credits
    ]
    locked.references = [{"url": r.url, "kind": r.kind.value} for r in advisory.references]
    fixed = [a.fixed_version for a in affects if a.fixed_version]
    if fixed:
        locked.fixed_version = fixed[0]
        locked.fix_released_at = published
    locked.state = StateChoices.PUBLISHED
    locked.state_changed_at = locked.published_at = published
    locked.version += 1
    check_fields(locked, ["cve_id", "fixed_version"])
    locked.save()
    deadlines.refresh(locked)
    audit.record(
        "report.imported",
        actor=actor,
        report=locked,
        data={
            "format": parsed.format_name,
            "id": parsed.source_id,
            "published_at": published,
            "not_kept": not_kept,
        },
    )
    return locked


def _imported_before(parsed: Parsed, report: Report) -> str:
    return (
        f"{PATHS[parsed.format_name]['id']}: {parsed.source_id} was imported before as"
        f" {report.key}; nothing was imported (change that report on the desk instead)"
    )


def _duplicates(project: Project, parsed: Parsed) -> list[tuple[str, str]]:
    """Each refusal for a report that holds the vulnerability already, with that report's key."""
    found = project.reports.filter(external_ref=parsed.source_id).first()
    if found is not None:
        return [(_imported_before(parsed, found), found.key)]
    ids = set(parsed.advisory.aliases)
    problems = []
    for report in project.reports.only("number", "project", "cve_id", "aliases"):
        shared = sorted(ids & {report.cve_id, *report.aliases})
        if shared:
            verb = "names" if len(shared) == 1 else "name"
            problem = (
                f"{PATHS[parsed.format_name]['aliases']}: {', '.join(shared)} already {verb}"
                f" {report.key}; nothing was imported (the desk keeps one report per"
                " vulnerability)"
            )
            problems.append((problem, report.key))
    return problems


def _affects(
    project: Project, parsed: Parsed, problems: list[str], not_kept: list[str]
) -> list[_Affect]:
    packages = {package.name: package.ecosystem for package in project.packages.all()}
    lines = set(project.release_lines.values_list("name", flat=True))
    found = []
    for path, affected in zip(parsed.affected_paths, parsed.advisory.affected, strict=True):
        if affected.git_ranges:
            not_kept.append(
                f"{path}: commit ranges of {affected.repository} are not kept (the desk records"
                " fix commits with a backport)"
            )
        package = affected.package
        if package is None:
            not_kept.append(f"{path}: {affected.product} is named by commits only; not kept")
            continue
        if packages.get(package.name) != package.ecosystem:
            problems.append(
                f"{path}.package: {package.ecosystem} package {package.name!r} is not a package"
                f" of {project.name}; register it first (vulndesk backport package add)"
            )
        if affected.line and affected.line not in lines:
            problems.append(
                f"{path}.database_specific.release_line: {project.name} has no release line"
                f" {affected.line!r}; add it first, or leave the line out"
            )
        if not affected.version_ranges and not affected.versions:
            continue
        text = _range_text(affected)
        if len(text) > RANGE_LENGTH:
            problems.append(f"{path}.ranges: more than {RANGE_LENGTH} characters as a range")
        closed = all(r.fixed for r in affected.version_ranges) and not affected.versions
        found.append(
            _Affect(
                package=package.name,
                line=affected.line,
                affected_range=text,
                fixed_version=affected.version_ranges[-1].fixed if closed else "",
                status=AffectStatus.FIXED if closed else AffectStatus.AFFECTED,
            )
        )
    return found


def _range_text(affected: Affected) -> str:
    """The ranges as the desk writes them, which `advisories.ranges.parse_range` reads back."""
    return " || ".join(
        [*(_one_range(r) for r in affected.version_ranges), *(f"=={v}" for v in affected.versions)]
    )


def _one_range(bounds: Range) -> str:
    parts = [f">={bounds.introduced}"] if bounds.introduced != "0" else []
    if bounds.fixed:
        parts.append(f"<{bounds.fixed}")
    elif bounds.last_affected:
        parts.append(f"<={bounds.last_affected}")
    return ", ".join(parts) or ">=0"


def _kept_score(severity: tuple[Cvss, ...], path: str, not_kept: list[str]) -> Cvss | None:
    """A report holds one score: the CVSS 3 vector where there are two, the one the policies'
    thresholds were written for."""
    ordered = sorted(severity, key=lambda cvss: cvss.scored.version)
    for dropped in ordered[1:]:
        not_kept.append(f"{path}: {dropped.vector} is not kept; a report holds one score")
    return ordered[0] if ordered else None


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:TITLE_LENGTH]
