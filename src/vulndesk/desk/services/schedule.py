"""The dated facts a report's deadlines hang on: Release Date, planned merge, fix release, CVE,
public disclosure."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from vulndesk.desk.access import can_triage
from vulndesk.desk.models import Report
from vulndesk.desk.services import announcements, audit, deadlines
from vulndesk.desk.services.reports import check_fields, lock_report
from vulndesk.notify.outbox import queue_already_public_alert
from vulndesk.process.lifecycle import DisclosureLevel
from vulndesk.process.release_date import Problem, Proposal, ReleaseDatePlanner
from vulndesk.process.release_lines import Case

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _record(
    report: Report,
    action: str,
    fields: dict[str, Any],
    *,
    actor: User | None,
    expected_version: int | None,
    reason: str = "",
    refuse: Callable[[Report], str | None] = lambda locked: None,
    extra: Mapping[str, Any] | None = None,
) -> Report:
    """Set `fields`, audit the change with the values they replace, and redate the deadlines.

    `refuse` looks at the report as locked and says why the change may not happen, if it may not.
    `extra` is more audit data, read after `refuse` has run (which may fill it in).
    """
    with transaction.atomic():
        locked = lock_report(report, expected_version)
        if problem := refuse(locked):
            raise ValueError(problem)
        previous = {name: getattr(locked, name) for name in fields}
        for name, value in fields.items():
            setattr(locked, name, value)
        check_fields(locked, fields)
        locked.version += 1
        locked.save()
        data: dict[str, Any] = {**fields, "previous": previous}
        if reason:
            data["reason"] = reason
        data.update(extra or {})
        deadlines.refresh(locked)
        audit.record(action, actor=actor, report=locked, data=data)
    return locked


class ReleaseDateRefused(ValueError):
    """A Release Date that breaks the policy; `problems` names each rule and how to meet it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem.message}" for problem in problems)
        super().__init__(
            f"the Release Date breaks the policy:\n{lines}\n"
            "choose a date that meets every rule, or override them with a reason"
        )


def release_planner(report: Report, *, now: datetime | None = None) -> ReleaseDatePlanner:
    """The rules on the report's Release Date, from its policy, deadlines and notices sent."""
    rows = {row.name: row for row in report.deadlines.prefetch_related("pauses")}
    facts = deadlines.report_facts(report, rows)
    met = dict(facts.met)
    # The first notice to distributors is the advance notice (KAR-33), whether or not anyone
    # ticked its deadline.
    first_notice = (
        report.distributor_notices.order_by("sent_at").values_list("sent_at", flat=True).first()
    )
    if first_notice is not None:
        met.setdefault("distributor_advance_notice", first_notice)
    return ReleaseDatePlanner(
        report.project.policy(),
        replace(facts, met=met),
        now or timezone.now(),
        cve_assigned=bool(report.cve_id),
    )


def propose_release_date(report: Report, *, now: datetime | None = None) -> Proposal:
    """The earliest Release Date every rule allows, the rules that set it, and any conflict."""
    return release_planner(report, now=now).propose()


@dataclass(frozen=True)
class Recipient:
    """An organisation told of the report already, who must hear that its date moved."""

    distributor: str  # slug
    name: str
    email: str
    notices: tuple[int, ...]
    last_sent_at: datetime

    def as_data(self) -> dict[str, Any]:
        return {
            "distributor": self.distributor,
            "name": self.name,
            "email": self.email,
            "notices": list(self.notices),
            "last_sent_at": self.last_sent_at.isoformat(),
        }


def people_to_retell(report: Report) -> list[Recipient]:
    """Everyone told of the report's Release Date so far: each organisation sent a notice.

    A moved date must reach them again; the announcement outbox sends that, and this is the one
    place that says who they are.
    """
    told: dict[int, list[Any]] = {}
    for notice in report.distributor_notices.select_related("distributor").order_by("sent_at"):
        told.setdefault(notice.distributor_id, []).append(notice)
    return [
        Recipient(
            distributor=notices[0].distributor.slug,
            name=notices[0].distributor.name,
            email=notices[0].distributor.email,
            notices=tuple(notice.pk for notice in notices),
            last_sent_at=notices[-1].sent_at,
        )
        for notices in sorted(told.values(), key=lambda found: found[0].distributor.name)
    ]


def schedule_release(
    report: Report,
    release_date: datetime,
    *,
    reason: str,
    actor: User | None,
    expected_version: int | None = None,
    override: bool = False,
) -> Report:
    """Set or move the Release Date; every move says why (EMI-13).

    A date that breaks the policy is refused with each rule it breaks, unless `override`: the
    Fix Lead or the security team may deviate, and the reason and the rules broken are audited.
    Moving a date records who was told the old one, to be told again.
    """
    if not reason.strip():
        raise ValueError("say why the Release Date is set or moved: the reason is audited")
    if override and actor is not None and not can_triage(actor, report):
        raise PermissionDenied("only the Fix Lead or the security team may override the policy")
    extra: dict[str, Any] = {}

    def breaks_policy(locked: Report) -> str | None:
        problems = release_planner(locked).check(release_date)
        if problems and not override:
            raise ReleaseDateRefused(problems)
        if problems:
            extra["overridden"] = [problem.message for problem in problems]
        moved = locked.release_date is not None and locked.release_date != release_date
        if moved and (retell := people_to_retell(locked)):
            extra["retell"] = [recipient.as_data() for recipient in retell]
        return None

    fields = {"release_date": release_date}
    with transaction.atomic():
        locked = _record(
            report, "report.release_date_set", fields,
            actor=actor, expected_version=expected_version, reason=reason.strip(),
            refuse=breaks_policy, extra=extra,
        )  # fmt: skip
        # Everything owed is planned for the new date; those told the old one hear it again.
        announcements.plan_announcements(locked)
    return locked


def plan_merge(
    report: Report,
    merge_at: datetime,
    *,
    reason: str,
    actor: User | None,
    expected_version: int | None = None,
) -> Report:
    """When the fix will be merged in public; Open edX announces 2 business days ahead (OEDX-20)."""
    if not reason.strip():
        raise ValueError("say why the merge is planned for then: the reason is audited")
    fields = {"planned_merge_at": merge_at}
    with transaction.atomic():
        locked = _record(
            report, "report.merge_planned", fields,
            actor=actor, expected_version=expected_version, reason=reason.strip(),
        )  # fmt: skip
        announcements.plan_announcements(locked)  # the pre-merge notice (OEDX-20)
    return locked


def record_fix_release(
    report: Report,
    fixed_version: str,
    *,
    released_at: datetime,
    actor: User | None,
    expected_version: int | None = None,
) -> Report:
    """The fix shipped in this version at this time: what `released` requires (FOLIO-34)."""
    if not fixed_version.strip():
        raise ValueError("give the version that ships the fix, e.g. 1.13.10")
    fields = {"fixed_version": fixed_version.strip(), "fix_released_at": released_at}
    return _record(
        report, "report.fix_released", fields, actor=actor, expected_version=expected_version
    )


def assign_cve(
    report: Report, cve_id: str, *, actor: User | None, expected_version: int | None = None
) -> Report:
    """A CVE ID for the report; under Karmada it starts the distributor notice clock (KAR-33)."""
    fields = {"cve_id": cve_id.strip().upper()}
    return _record(
        report, "report.cve_assigned", fields, actor=actor, expected_version=expected_version
    )


def record_public_disclosure(
    report: Report,
    *,
    url: str,
    at: datetime,
    actor: User | None,
    expected_version: int | None = None,
) -> Report:
    """The vulnerability became public (EMI-4): the report is public from now on, and where the
    policy says so a score of 4.0 or more makes every open timeline ASAP (EMI-14, VIT-8)."""
    if at > timezone.now():
        raise ValueError("a public disclosure is a fact, not a plan: give a time not in the future")

    def already_public(locked: Report) -> str | None:
        since = locked.public_disclosure_at
        if since is None:
            return None
        return f"{locked.key} is already recorded as public since {since:%Y-%m-%d %H:%M} UTC"

    fields = {
        "public_disclosure_at": at,
        "public_disclosure_url": url.strip(),
        "disclosure_level": DisclosureLevel.PUBLIC,
        "disclosure_level_reason": f"publicly disclosed at {url.strip()}",
    }
    with transaction.atomic():
        locked = _record(
            report,
            "report.publicly_disclosed",
            fields,
            actor=actor,
            expected_version=expected_version,
            refuse=already_public,
        )
        queue_already_public_alert(locked)  # at once (EMI-4, VIT-3, KAR-13)
    return locked


def record_fix_exception(
    report: Report, *, reason: str, actor: User | None, expected_version: int | None = None
) -> Report:
    """Fix a report that affects unsupported lines only: VIT-12's exception, with its reason."""
    if not reason.strip():
        raise ValueError("reason: say what makes this an exception, e.g. active exploitation")

    def not_an_exception(locked: Report) -> str | None:
        if locked.release_plan().case is Case.UNSUPPORTED_ONLY:
            return None
        return f"{locked.key} does not affect unsupported lines only: its fix needs no exception"

    return _record(
        report,
        "report.fix_exception_recorded",
        {"fix_exception_reason": reason.strip()},
        actor=actor,
        expected_version=expected_version,
        refuse=not_an_exception,
    )
