"""Publishing an advisory and what follows: the guards' facts (the Release Date, the tags of
every fixed version), a forced publish's checks, withdrawal and later revisions.

Which repository a fixed version is looked up in: an affect of a registered package uses that
package's repository and tag pattern; an affect of the project itself (no package), or the
report's own fixed version when no affect names one, uses the project's repository URL with
the tag `v{version}` or `{version}` (the project registers no pattern of its own). A fixed
version with no repository to look in fails the guard: nothing can show that it was released.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from vulndesk import gitops
from vulndesk.desk.access import can_force_publish, can_manage_advisory
from vulndesk.desk.models import AdvisoryRevision, AffectStatus, Project, Report
from vulndesk.desk.models import Package as PackageRow
from vulndesk.desk.services import audit
from vulndesk.desk.services.reports import lock_report
from vulndesk.process.lifecycle import State
from vulndesk.process.publication import FixedTag, PublicationFacts
from vulndesk.versions.ecosystems import tag_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PROJECT_TAGS = ("v{version}", "{version}")
MAX_REASON = 2000
FIRST_SUMMARY = "Published."


@dataclass(frozen=True)
class RevisionEntry:
    """One line of an advisory's revision history: revision 1 is its publication."""

    number: int
    at: datetime
    summary: str


def publication_facts(
    report: Report, tags_read: PublicationFacts | None = None
) -> PublicationFacts:
    """What the publication guards judge, read now: the clock and each repository's tags.

    `tags_read`, an earlier reading, stands in for reading the tags again when it looked for the
    same fixed versions in the same repositories (a transition reads them before its lock).
    """
    wanted_now = _fixed_versions(report)
    if tags_read is not None and _asked(tags_read.fixed) == _asked(wanted_now):
        return replace(_read(report, []), fixed=tags_read.fixed)
    return _read(report, wanted_now)


def _asked(fixed: Iterable[FixedTag]) -> list[tuple[str, tuple[str, ...], str]]:
    return [(f.what, f.tags, gitops.display_remote(f.repository)) for f in fixed]


def _read(report: Report, wanted_now: list[FixedTag]) -> PublicationFacts:
    tags_of: dict[str, frozenset[str] | str] = {}  # repository -> its tags, or why unreadable
    fixed = []
    for wanted in wanted_now:
        if not wanted.repository:
            fixed.append(wanted)
            continue
        if wanted.repository not in tags_of:
            try:
                tags_of[wanted.repository] = gitops.remote_tags(wanted.repository)
            except (gitops.GitError, gitops.RemoteError) as exc:
                tags_of[wanted.repository] = str(exc)
        tags = tags_of[wanted.repository]
        shown = gitops.display_remote(wanted.repository)
        if isinstance(tags, str):
            fixed.append(replace(wanted, repository=shown, error=tags))
        else:
            found = any(name in tags for name in wanted.tags)
            fixed.append(replace(wanted, repository=shown, found=found))
    return PublicationFacts(
        now=timezone.now(),
        release_date=report.release_date,
        on_public_path=report.on_public_path,
        fixed=tuple(fixed),
    )


def _fixed_versions(report: Report) -> list[FixedTag]:
    """Every fixed version the advisory names, with the repository (unread) and tags to look for."""
    project = report.project
    packages: dict[str, PackageRow] = {row.name: row for row in project.packages.all()}
    found: list[FixedTag] = []
    seen: set[tuple[str, str]] = set()
    rows = report.affects.select_related("release_line").order_by("pk")
    for affect in rows.exclude(status=AffectStatus.NOT_AFFECTED).exclude(fixed_version=""):
        version = affect.fixed_version.strip()
        name = affect.package or project.name
        if (name, version) in seen:
            continue
        seen.add((name, version))
        line = f" ({affect.release_line.name})" if affect.release_line else ""
        what = f"{name} {version}{line}"
        row = packages.get(affect.package) if affect.package else None
        if row is not None:
            found.append(FixedTag(what, (tag_for(row.tag_pattern, version),), row.repository))
        elif affect.package:
            found.append(
                FixedTag(
                    f"{what}, a package {project.name} has not registered",
                    (tag_for("v{version}", version),),
                    register=f"register {affect.package} with its repository and tag pattern",
                )
            )
        else:
            found.append(_own(project, what, version))
    if not found and report.fixed_version.strip():
        version = report.fixed_version.strip()
        found.append(_own(project, f"{project.name} {version}", version))
    return found


def _own(project: Project, what: str, version: str) -> FixedTag:
    """A release of the project itself, tagged in the project's repository."""
    return FixedTag(
        what,
        tuple(tag_for(pattern, version) for pattern in PROJECT_TAGS),
        project.repository_url,
        register=(
            f"set {project.name}'s repository URL, or record the fix in a registered package"
        ),
    )


def check_forced_publish(report: Report, target: State, *, actor: User | None, reason: str) -> None:
    """A forced publish needs a reason and the permission (the project's security team or an
    operator; `actor` None is the server's operator at the command line)."""
    if target is not State.PUBLISHED:
        raise ValueError(
            f"force: only publishing can be forced, not a move to {target}; "
            "make that move without force"
        )
    if not reason.strip():
        raise ValueError(
            "reason: a forced publish needs one: say why the advisory goes out before its "
            "guards pass (it is kept in the audit trail)"
        )
    if actor is not None and not can_force_publish(actor, report):
        raise PermissionDenied(
            f"only {report.project.name}'s security team or an operator may publish anyway"
        )


def revision_history(report: Report) -> list[RevisionEntry]:
    """The published advisory's revisions, oldest first; empty while it is unpublished."""
    if report.published_at is None:
        return []
    later = [
        RevisionEntry(r.number, r.made_at, r.summary)
        for r in report.advisory_revisions.order_by("number")
    ]
    return [RevisionEntry(1, report.published_at, FIRST_SUMMARY), *later]


def revise(
    report: Report,
    summary: str,
    *,
    actor: User | None,
    expected_version: int | None = None,
) -> Report:
    """Note a later change to the published advisory: a numbered revision with its summary."""
    summary = _text(summary, "summary", "what changed in the advisory, e.g. 'Added CVE ID.'")
    with transaction.atomic():
        locked = _locked_published(report, actor, expected_version, "revise")
        if locked.withdrawn_at is not None:
            raise ValueError(f"{locked.key}'s advisory is withdrawn; a withdrawn one is final")
        revision = _add_revision(locked, summary, actor)
        audit.record(
            "advisory.revised",
            actor=actor,
            report=locked,
            data={"revision": revision.number, "summary": summary},
        )
    return locked


def withdraw(
    report: Report,
    reason: str,
    *,
    actor: User | None,
    expected_version: int | None = None,
) -> Report:
    """Withdraw the published advisory: it stays public, marked withdrawn with the reason."""
    reason = _text(reason, "reason", "why the advisory is withdrawn, e.g. 'Not a vulnerability.'")
    with transaction.atomic():
        locked = _locked_published(report, actor, expected_version, "withdraw")
        if locked.withdrawn_at is not None:
            raise ValueError(
                f"{locked.key}'s advisory was withdrawn already, on {locked.withdrawn_at:%Y-%m-%d}"
            )
        revision = _add_revision(locked, f"Withdrawn: {reason}", actor)
        locked.withdrawn_at = revision.made_at
        locked.withdrawn_reason = reason
        locked.save(update_fields=["withdrawn_at", "withdrawn_reason", "version", "updated_at"])
        audit.record(
            "advisory.withdrawn",
            actor=actor,
            report=locked,
            data={"revision": revision.number, "reason": reason},
        )
    return locked


def _text(value: str, name: str, example: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(f"{name}: required: {example}")
    if len(value) > MAX_REASON:
        raise ValueError(f"{name}: at most {MAX_REASON} characters (this one has {len(value)})")
    return value


def _locked_published(
    report: Report, actor: User | None, expected_version: int | None, doing: str
) -> Report:
    locked = lock_report(report, expected_version)
    if actor is not None and not can_manage_advisory(actor, locked):
        raise PermissionDenied(
            f"only {locked.project.name}'s security team or an operator may {doing} an advisory"
        )
    if locked.published_at is None:
        raise ValueError(f"{locked.key} is not published: there is no advisory to {doing} yet")
    return locked


def _add_revision(report: Report, summary: str, actor: User | None) -> AdvisoryRevision:
    last = report.advisory_revisions.aggregate(last=Max("number"))["last"] or 1
    report.version += 1
    report.save(update_fields=["version", "updated_at"])
    return AdvisoryRevision.objects.create(
        report=report, number=last + 1, made_at=timezone.now(), summary=summary, made_by=actor
    )
