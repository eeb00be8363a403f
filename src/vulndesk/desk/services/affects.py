"""Record which release lines and packages a report affects, and where each is fixed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from vulndesk.desk.models import Affect, AffectStatus, ReleaseLine, Report
from vulndesk.desk.services import audit
from vulndesk.desk.services.reports import check_fields, lock_report

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def add_affect(
    report: Report,
    *,
    release_line: ReleaseLine | None,
    package: str = "",
    affected_range: str = "",
    fixed_version: str = "",
    status: AffectStatus | str = AffectStatus.AFFECTED,
    actor: User | None,
    expected_version: int | None = None,
) -> Affect:
    if release_line is not None and release_line.project_id != report.project_id:
        raise ValueError(f"release_line: {release_line} is not a release line of this project")
    if status not in AffectStatus.values:
        raise ValueError(f"status: expected one of {', '.join(AffectStatus.values)}")
    with transaction.atomic():
        locked = lock_report(report, expected_version)
        affect = Affect(
            report=locked,
            release_line=release_line,
            package=package.strip(),
            affected_range=affected_range.strip(),
            fixed_version=fixed_version.strip(),
            status=status,
        )
        check_fields(affect, ["package", "affected_range", "fixed_version", "status"])
        affect.save()
        locked.version += 1
        locked.save(update_fields=["version", "updated_at"])
        audit.record(
            "affect.added",
            actor=actor,
            report=locked,
            data={
                "affect": affect.pk,
                "release_line": release_line.name if release_line else None,
                "package": affect.package,
                "affected_range": affect.affected_range,
                "fixed_version": affect.fixed_version,
                "status": affect.status,
            },
        )
    return affect


def remove_affect(
    affect: Affect, *, actor: User | None, expected_version: int | None = None
) -> None:
    with transaction.atomic():
        locked = lock_report(affect.report, expected_version)
        Affect.objects.filter(pk=affect.pk).delete()
        locked.version += 1
        locked.save(update_fields=["version", "updated_at"])
        audit.record(
            "affect.removed",
            actor=actor,
            report=locked,
            data={"affect": affect.pk, "was": str(affect)},
        )
