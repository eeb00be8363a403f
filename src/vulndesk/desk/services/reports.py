"""Create a report, score it, and decide how publicly it is handled."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Model

from vulndesk.desk.models import ChannelChoices, CreditChoices, Project, Report
from vulndesk.desk.services import audit, deadlines
from vulndesk.desk.services.errors import StaleReportError
from vulndesk.notify.outbox import queue_already_public_alert
from vulndesk.process.lifecycle import (
    TRIAGE_FIELDS,
    DisclosureLevel,
    check_disclosure_level,
    default_disclosure_level,
)
from vulndesk.process.severity import Severity, score

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def lock_report(report: Report, expected_version: int | None = None) -> Report:
    """Re-read the report under a row lock; refuse if it moved past the version the caller saw.

    Call inside transaction.atomic(). The instance passed in is left as it was.
    """
    locked = Report.objects.locked(report.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleReportError(
            f"{locked.key} was changed by someone else (version {expected_version} is now "
            f"{locked.version}); reload it and try again"
        )
    return locked


def check_fields(instance: Model, names: Collection[str]) -> None:
    """Refuse values the model would not store as given, naming each field and what is wrong."""
    exclude = [field.name for field in instance._meta.fields if field.name not in names]
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as exc:
        problems = (f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
        raise ValueError("; ".join(problems)) from None


def create_report(
    project: Project,
    *,
    title: str,
    description: str,
    reporter_name: str,
    reporter_email: str,
    received_at: datetime | None = None,
    public_disclosure_at: datetime | None = None,
    public_disclosure_url: str = "",
    affected_versions: str = "",
    third_party: bool = False,
    channel: ChannelChoices = ChannelChoices.TEAM,
    external_ref: str = "",
    credit_kind: CreditChoices | str = "",
    credit_name: str = "",
    actor: User | None,
) -> Report:
    """A new report in `received`; an already-public one starts at public disclosure (EMI-4).

    Every channel files through here, so each produces the same shape of report (FOLIO-11).
    """
    if not title.strip():
        raise ValueError("a report needs a title")
    with transaction.atomic():
        # The project row is the lock that makes "highest number + 1" safe to take; read whole
        # under it, so the deadlines follow the policy as it stands after any change in flight.
        project = Project.objects.select_for_update().get(pk=project.pk)
        last = Report.objects.filter(project=project).aggregate(last=Max("number"))["last"]
        report = Report(
            project=project,
            number=(last or 0) + 1,
            title=title.strip(),
            description=description,
            reporter_name=reporter_name,
            reporter_email=reporter_email,
            public_disclosure_at=public_disclosure_at,
            public_disclosure_url=public_disclosure_url,
            affected_versions=affected_versions,
            third_party=third_party,
            disclosure_level=default_disclosure_level(public_disclosure_at is not None),
            channel=channel,
            external_ref=external_ref.strip(),
            credit_kind=credit_kind,
            credit_name=credit_name.strip(),
        )
        if received_at is not None:
            report.received_at = received_at
        check_fields(
            report,
            [
                "title",
                "reporter_name",
                "reporter_email",
                "public_disclosure_url",
                "external_ref",
                "credit_kind",
                "credit_name",
            ],
        )
        report.save()
        deadlines.refresh(report)
        audit.record(
            "report.created",
            actor=actor,
            report=report,
            data={
                "number": report.number,
                "received_at": report.received_at,
                "public_disclosure": report.is_publicly_disclosed,
                "third_party": third_party,
                "channel": report.channel,
                **({"external_ref": report.external_ref} if report.external_ref else {}),
            },
        )
        if report.is_publicly_disclosed:
            queue_already_public_alert(report)  # at once, whatever the channel (EMI-4)
    return report


def score_report(
    report: Report, vector: str, *, actor: User | None, expected_version: int | None = None
) -> Report:
    """Store a CVSS vector with its score and severity; a bad vector raises CvssError."""
    scored = score(vector)
    with transaction.atomic():
        locked = lock_report(report, expected_version)
        previous = locked.cvss_vector
        locked.cvss_vector = scored.vector
        locked.cvss_version = scored.version
        locked.cvss_score = Decimal(f"{scored.base_score:.1f}")
        locked.severity = scored.severity
        locked.version += 1
        locked.save()
        deadlines.refresh(locked)
        audit.record(
            "report.scored",
            actor=actor,
            report=locked,
            data={
                "vector": scored.vector,
                "previous_vector": previous,
                "score": scored.base_score,
                "severity": scored.severity,
            },
        )
    return locked


def set_disclosure_level(
    report: Report,
    level: DisclosureLevel | str,
    *,
    reason: str,
    actor: User | None,
    no_user_harm: bool = False,
    expected_version: int | None = None,
) -> Report:
    """Only the Security Team sets how publicly a report is handled (FOLIO-2).

    `no_user_harm` records the Security Team's finding that fixing in public harms no user,
    which a semi-public fix needs (KAR-27); the reason is kept as its written form.
    """
    level, reason = DisclosureLevel(level), reason.strip()
    if not reason:
        raise ValueError("say why the disclosure level changes: the reason is kept on the report")
    with transaction.atomic():
        locked = lock_report(report, expected_version)
        project = locked.project
        if not project.is_security_team_member(actor):
            raise PermissionDenied("only the Security Team sets a report's disclosure level")
        semi_public = project.policy().severity.semi_public
        check_disclosure_level(
            level,
            score=locked.base_score,
            semi_public_below=semi_public.cvss_below,
            no_user_harm=no_user_harm,
            no_user_harm_required=semi_public.requires_no_harm_determination,
            fix_released=locked.fix_released_at is not None,
            already_public=locked.is_publicly_disclosed,
        )
        previous = locked.disclosure_level
        locked.disclosure_level = level
        locked.disclosure_level_reason = reason
        locked.no_user_harm_determined = no_user_harm
        locked.version += 1
        locked.save()
        audit.record(
            "report.disclosure_level",
            actor=actor,
            report=locked,
            data={
                "from": previous,
                "to": level,
                "reason": reason,
                "no_user_harm": no_user_harm,
            },
        )
    return locked


def override_severity(
    report: Report,
    severity: Severity | str | None,
    *,
    reason: str,
    actor: User | None,
    expected_version: int | None = None,
) -> Report:
    """The Security Team's own severity class, whatever the score (KAR-30); None removes it.

    Only under a policy that gives the Security Team the score; where the Fix Lead owns it
    (EMI-31, VIT-16) the score alone decides.
    """
    chosen, reason = (Severity(severity) if severity else None), reason.strip()
    if not reason:
        raise ValueError("say why the severity is overridden: the reason is kept on the report")
    with transaction.atomic():
        locked = lock_report(report, expected_version)
        project = locked.project
        if project.policy().severity.score_owner != "security_team":
            raise PermissionDenied(
                "this policy has no severity override: the Fix Lead's score decides"
            )
        if not project.is_security_team_member(actor):
            raise PermissionDenied("only the Security Team overrides a report's severity")
        previous = locked.severity_override
        locked.severity_override = chosen or ""
        locked.severity_override_reason = reason if chosen else ""
        locked.version += 1
        locked.save()
        audit.record(
            "report.severity_override",
            actor=actor,
            report=locked,
            data={"from": previous, "to": chosen or "", "reason": reason},
        )
    return locked


# Answers the triage form may record, beside the questionnaire of `lifecycle.TRIAGE_FIELDS`.
TRIAGE_EXTRAS = ("evidence", "may_become_exploitable", "assessed_risk", "mitigation")


def record_triage(
    report: Report,
    answers: dict[str, Any],
    *,
    actor: User | None,
    duplicate_of: Report | None = None,
    expected_version: int | None = None,
) -> Report:
    """Record triage answers (the FOLIO questionnaire and the like) in one audited change."""
    unknown = sorted(set(answers) - set(TRIAGE_FIELDS) - set(TRIAGE_EXTRAS))
    if unknown:
        known = ", ".join([*TRIAGE_FIELDS, *TRIAGE_EXTRAS])
        raise ValueError(f"unknown triage answers {', '.join(unknown)}; known: {known}")
    with transaction.atomic():
        locked = lock_report(report, expected_version)
        if duplicate_of is not None:
            if duplicate_of.pk == locked.pk or duplicate_of.project_id != locked.project_id:
                raise ValueError("a report duplicates another report of the same project")
            locked.duplicate_of = duplicate_of
        for name, value in answers.items():
            setattr(locked, name, value)
        check_fields(locked, answers)
        locked.version += 1
        locked.save()
        data = dict(answers)
        if duplicate_of is not None:
            data["duplicate_of"] = duplicate_of.key
        audit.record("report.triaged", actor=actor, report=locked, data=data)
    return locked
