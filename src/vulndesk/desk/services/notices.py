"""Distributor notices: the security team sends one to every organisation bound by the
embargo terms (KAR-46), and each organisation answers on its own page (never a shared forum).

`status_of` gives the desk the state of every organisation on a report in a fixed number of
queries however long the list is (CERT/CC's VINCE slowed to ~10 s a page at 121 vendors).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from vulndesk.desk.models import DistributorNotice, Report
from vulndesk.desk.models.distributor import (
    Answer,
    DistributorMembership,
    MembershipState,
    NoticeStatus,
)
from vulndesk.desk.services import audit
from vulndesk.desk.services.distributors import DistributorError, current_terms, require_list
from vulndesk.notify.reminders import queue_distributor_reminder

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from vulndesk.desk.models import Distributor

NOT_SENT_TERMS = "not sent: terms not accepted"
NOT_SENT_YET = "not sent yet"


@dataclass(frozen=True)
class Row:
    """One organisation on the report's list: its latest notice, or why it has none."""

    distributor: Distributor
    notice: DistributorNotice | None
    not_sent: str = ""
    bound: bool = False  # approved and bound by the embargo terms in force

    @property
    def label(self) -> str:
        return self.notice.status.label if self.notice else self.not_sent

    @property
    def code(self) -> str:
        """The state as a stable word for the API: a notice's status, or why none was sent."""
        if self.notice is not None:
            return str(self.notice.status.value)
        return "not_sent_terms_not_accepted" if self.not_sent == NOT_SENT_TERMS else "not_sent_yet"

    @property
    def since(self) -> datetime | None:
        """When the organisation reached its state: answered, acknowledged, read or sent."""
        if (n := self.notice) is None:
            return None
        return n.answered_at or n.acknowledged_at or n.first_read_at or n.sent_at


@dataclass(frozen=True)
class Status:
    rows: list[Row]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def silent(self) -> int:
        return sum(1 for row in self.rows if row.notice is not None and row.notice.silent)


@dataclass(frozen=True)
class Sent:
    count: int
    held: list[str]  # approved organisations not sent anything: terms not accepted


def send_notice(report: Report, *, subject: str, body: str, actor: User | None) -> Sent:
    """One notice, identical for every approved organisation that accepted the terms in force
    (KAR-46); the others get nothing embargoed and are listed as not sent (KAR-36, FOLIO-6)."""
    require_list(report.project)
    subject, body = subject.strip(), body.strip()
    problems = [
        message
        for value, message in (
            (subject, "subject: give the notice a subject"),
            (body, "body: write what the organisations may know, and by when"),
        )
        if not value
    ]
    if problems:
        raise DistributorError("; ".join(problems))
    with transaction.atomic():
        terms = current_terms(report.project)
        approved = DistributorMembership.objects.filter(
            project=report.project, state=MembershipState.APPROVED
        ).select_related("distributor")
        bound = [m.distributor for m in approved if m.may_receive(terms)]
        held = sorted(m.distributor.name for m in approved if not m.may_receive(terms))
        if not bound:
            raise DistributorError(
                "distributors: no approved organisation has accepted the current embargo "
                "terms, so there is nobody to send this to; nothing was sent"
            )
        now = timezone.now()
        DistributorNotice.objects.bulk_create(
            DistributorNotice(report=report, distributor=d, subject=subject, body=body, sent_at=now)
            for d in bound
        )
        audit.record(
            "notice.sent",
            actor=actor,
            report=report,
            data={
                "subject": subject,
                "to": sorted(d.slug for d in bound),
                "not_sent_terms_not_accepted": held,
                "terms_version": terms.version if terms else None,
            },
        )
    return Sent(len(bound), held)


def status_of(report: Report) -> Status:
    """Every organisation on the project's list, with its latest notice about the report."""
    terms = current_terms(report.project)
    memberships = (
        DistributorMembership.objects.filter(project=report.project, state=MembershipState.APPROVED)
        .select_related("distributor")
        .order_by("distributor__name", "pk")
    )
    latest: dict[int, DistributorNotice] = {}
    for notice in report.distributor_notices.order_by("sent_at", "pk"):
        latest[notice.distributor_id] = notice
    rows = []
    for membership in memberships:
        found = latest.get(membership.distributor_id)
        not_sent = ""
        if found is None:
            not_sent = NOT_SENT_YET if membership.may_receive(terms) else NOT_SENT_TERMS
        bound = membership.may_receive(terms)
        rows.append(Row(membership.distributor, found, not_sent, bound))
    counts = {status.label: 0 for status in NoticeStatus}
    counts |= {NOT_SENT_TERMS: 0, NOT_SENT_YET: 0}
    for row in rows:
        counts[row.label] += 1
    return Status(rows, counts)


@dataclass(frozen=True)
class Reminded:
    sent: list[str]  # the organisations reminded
    no_address: list[str]  # silent, but with no notice address to remind


def remind_silent(report: Report, *, actor: User | None) -> Reminded:
    """Queue a reminder to each organisation whose latest notice has neither an acknowledgement
    nor an answer, while it is bound by the terms in force; those that answered hear nothing
    more, and one whose terms lapsed is sent nothing embargoed, a reminder included."""
    with transaction.atomic():
        silent = [
            (row.distributor, notice)
            for row in status_of(report).rows
            if (notice := row.notice) is not None and notice.silent and row.bound
        ]
        if not silent:
            raise DistributorError(
                "distributors: every organisation sent a notice has acknowledged or answered "
                "it, or no longer accepts the terms in force; there is nobody to remind"
            )
        sent: list[str] = []
        no_address: list[str] = []
        reminded: list[int] = []
        for distributor, notice in silent:
            notice.distributor, notice.report = distributor, report
            if queue_distributor_reminder(notice) is None:
                no_address.append(distributor.name)
            else:
                sent.append(distributor.name)
                reminded.append(notice.pk)
        DistributorNotice.objects.filter(pk__in=reminded).update(reminded_at=timezone.now())
        audit.record(
            "notice.reminded",
            actor=actor,
            report=report,
            data={"reminded": sent, "no_address": no_address},
        )
    return Reminded(sent, no_address)


def _locked(notice: DistributorNotice) -> DistributorNotice:
    return (
        DistributorNotice.objects.select_for_update(of=("self",))
        .select_related("report", "distributor")
        .get(pk=notice.pk)
    )


def mark_read(notice: DistributorNotice) -> None:
    """The first time one of the organisation's people opens the notice: "read", not silent
    about whether it looked. Only the first reading is recorded, and without an audit event
    (reading changes nothing of the report)."""
    if notice.first_read_at is None:
        now = timezone.now()
        DistributorNotice.objects.filter(pk=notice.pk, first_read_at__isnull=True).update(
            first_read_at=now
        )
        notice.first_read_at = now


def acknowledge_notice(notice: DistributorNotice, *, actor: User) -> DistributorNotice:
    """The first acknowledgement counts; a second click changes and records nothing."""
    with transaction.atomic():
        locked = _locked(notice)
        if locked.acknowledged_at is None:
            locked.acknowledged_at, locked.acknowledged_by = timezone.now(), actor
            locked.first_read_at = locked.first_read_at or locked.acknowledged_at
            locked.save(update_fields=["acknowledged_at", "acknowledged_by", "first_read_at"])
            audit.record(
                "notice.acknowledged",
                actor=actor,
                report=locked.report,
                data={"notice": locked.pk, "distributor": locked.distributor.slug},
            )
    return locked


def answer_notice(
    notice: DistributorNotice, *, answer: str, statement: str, actor: User
) -> DistributorNotice:
    """Affected or not affected, each with the organisation's statement; a later answer
    replaces an earlier one (an organisation may find out more), and each is audited."""
    statement = statement.strip()
    problems = []
    if answer not in Answer.values:
        problems.append("answer: choose affected or not affected")
    if not statement:
        problems.append(
            "statement: say what you found (which of your products or versions, and why)"
        )
    if problems:
        raise DistributorError("; ".join(problems))
    with transaction.atomic():
        locked = _locked(notice)
        now = timezone.now()
        locked.answer, locked.statement = answer, statement
        locked.answered_at, locked.answered_by = now, actor
        if locked.acknowledged_at is None:
            locked.acknowledged_at, locked.acknowledged_by = now, actor
        locked.first_read_at = locked.first_read_at or now
        locked.save()
        audit.record(
            "notice.answered",
            actor=actor,
            report=locked.report,
            data={
                "notice": locked.pk,
                "distributor": locked.distributor.slug,
                "answer": answer,
                "statement": statement,
            },
        )
    return locked
