"""Which announcements a report owes, to whom and when, read from its policy (issue 8), and
queueing them in the outbox.

Each message's idempotency key names the date it was planned for (the Release Date, or the
planned merge for Open edX's pre-merge notice), so planning again after nothing changed queues
nothing, and a moved date owes new messages. An unsent message whose key is no longer owed
(waiting for its time, or given up on) is superseded: the worker never sends it, nobody can send
it again, and the desk shows the message for the current date that replaces it. Whoever was
already told the old date is told the new one at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from vulndesk.desk.models import AuditEvent, Report
from vulndesk.desk.models.distributor import DistributorMembership, MembershipState
from vulndesk.desk.services import audit
from vulndesk.desk.services.distributors import current_terms
from vulndesk.desk.services.retrospective import retrospective_markdown
from vulndesk.notify.announcements import TemplateProblem, render, template_for
from vulndesk.notify.models import OutboundEmail, claim_lease
from vulndesk.notify.outbox import AnnouncementError, queue_announcement
from vulndesk.notify.tasks import send_outbound_email
from vulndesk.process.lifecycle import State
from vulndesk.process.policy import Policy
from vulndesk.process.release_lines import Case

Kind, Audience = OutboundEmail.Kind, OutboundEmail.Audience

# The kinds this module plans; the outbox's other messages (acknowledgements, reminders …) are
# never superseded here.
PLANNED = frozenset(
    {
        Kind.FORTHCOMING_FIX,
        Kind.DISTRIBUTOR_NOTICE,
        Kind.DISTRIBUTOR_24H_NOTICE,
        Kind.PRE_MERGE_NOTICE,
        Kind.RELEASE,
        Kind.COURTESY_NOTICE,
        Kind.UNSUPPORTED_NOTICE,
        Kind.RETROSPECTIVE,
    }
)
# Notices that name a date: whoever received one for another date hears the new one at once.
DATED = frozenset(
    {
        Kind.FORTHCOMING_FIX,
        Kind.DISTRIBUTOR_NOTICE,
        Kind.DISTRIBUTOR_24H_NOTICE,
        Kind.PRE_MERGE_NOTICE,
    }
)
# A fix, or at least a mitigation, exists from here on (EMI-36, VIT-20, KAR-31).
FIXED_STATES = frozenset({State.FIX_READY, State.SCHEDULED, State.RELEASED, State.PUBLISHED})
RELEASED_STATES = frozenset({State.RELEASED, State.PUBLISHED, State.CLOSED})


@dataclass(frozen=True)
class Owed:
    """One announcement the report owes now: its kind, audience and recipient, when it goes,
    and the date it was planned for (part of its key)."""

    kind: OutboundEmail.Kind
    audience: OutboundEmail.Audience
    send_after: datetime
    planned_for: datetime
    to: str = ""
    url: str = ""

    @property
    def recipient(self) -> str:
        return self.to or self.url

    def key(self, report: Report) -> str:
        recipient = self.recipient
        if len(recipient) > 60:  # webhook URLs: the key has 200 characters
            recipient = hashlib.sha256(recipient.encode()).hexdigest()[:24]
        return f"{report.key}:{self.kind}:{recipient}:{self.planned_for.isoformat()}"[:200]


@dataclass(frozen=True)
class Planned:
    queued: list[OutboundEmail]
    superseded: list[int]
    not_queued: list[str]  # each: the kind, recipient and why


def owed(report: Report, *, now: datetime) -> list[Owed]:
    """Every announcement the report owes now by its policy."""
    policy = report.project.policy()
    steps = dict(policy.steps(cve_assigned=bool(report.cve_id)))
    state = State(report.current_state)
    release_date = report.release_date
    fixed = state in FIXED_STATES or bool(report.mitigation.strip())
    result: list[Owed] = []

    def public(kind: OutboundEmail.Kind, at: datetime, planned_for: datetime) -> None:
        result.extend(_to_public(policy, kind, at, planned_for))

    case = report.release_plan().case
    # A fix on the main branch only, or none for unsupported releases, gets its own notice and
    # no other (VIT-11: exactly two announcements; VIT-13).
    courtesy_only = case is Case.DEVELOPMENT_ONLY and _has_courtesy(policy)
    unsupported_only = case is Case.UNSUPPORTED_ONLY and policy.announcements.unsupported_notice
    if release_date is not None and report.published_at is None and fixed:
        forthcoming = "forthcoming_fix_announced" in steps
        if forthcoming and not (courtesy_only or unsupported_only):  # EMI-37, VIT-21: at once
            public(Kind.FORTHCOMING_FIX, now, release_date)
        retell = _told_before_the_date(report)
        advance = steps.get("distributor_advance_notice")
        bound = _distributors(report) if advance is not None else []
        for address in sorted(set(bound) | retell):
            # KAR-33, KAR-34: from the window's opening, by the deadline; whoever the desk told
            # before the date was last set hears it at once (issue 8, item 1).
            opens = (
                release_date - (advance.window or advance.within or timedelta(0))
                if advance
                else now
            )
            at = now if address in retell else max(now, opens)
            result.append(
                Owed(Kind.DISTRIBUTOR_NOTICE, Audience.DISTRIBUTORS, at, release_date, address)
            )
        release_notice = steps.get("distributor_release_notice")
        if release_notice is not None:  # KAR-43: 24 hours before the release
            at = max(now, release_date - (release_notice.within or timedelta(0)))
            for address in _distributors(report):
                notice = Owed(Kind.DISTRIBUTOR_24H_NOTICE, Audience.DISTRIBUTORS, at, release_date)
                result.append(replace(notice, to=address))
    merge_at = report.planned_merge_at
    if "security_announcement_posted" in steps and merge_at and report.published_at is None:
        public(Kind.PRE_MERGE_NOTICE, now, merge_at)  # OEDX-20: once the merge is planned
    if report.published_at is not None:
        # Public audiences hear of the fix once it is published, at the Release Date at the
        # earliest (EMI-44, VIT-25, KAR-44); a main-only fix gets a courtesy notice instead
        # (VIT-11), unsupported releases a call to upgrade (VIT-13).
        planned_for = release_date or report.published_at
        at = max(planned_for, report.published_at)
        if courtesy_only:
            result.extend(_courtesy(policy, at=at, planned_for=planned_for))
        elif unsupported_only:
            public(Kind.UNSUPPORTED_NOTICE, at, planned_for)
        else:
            public(Kind.RELEASE, at, planned_for)
    if "retrospective_sent" in steps and state in RELEASED_STATES:
        released = report.fix_released_at or release_date or report.state_changed_at or now
        # EMI-46: 1 to 3 days after the Release Date. It holds the title and timeline, so a fix
        # shipped before the Release Date does not bring it forward.
        after = max(released, release_date) if release_date else released
        result.extend(_retrospective(policy, at=after + timedelta(days=1), planned_for=after))
    # Told a date that no longer holds, by an announcement sent earlier: the new one goes now.
    told = {
        (email.kind, email.recipient): email
        for email in report.outbound_emails.filter(kind__in=DATED).exclude(sent_at=None)
    }
    keys = {o.key(report) for o in result}
    return [
        Owed(o.kind, o.audience, now, o.planned_for, o.to, o.url)
        if (o.kind, o.recipient) in told
        and told[(o.kind, o.recipient)].idempotency_key not in keys
        and o.send_after > now
        else o
        for o in result
    ]


def _to_public(
    policy: Policy, kind: OutboundEmail.Kind, at: datetime, planned_for: datetime
) -> list[Owed]:
    where = policy.announcements
    return [
        Owed(kind, Audience.ANNOUNCE_LIST, at, planned_for, to=to, url=url)
        for to, url in ((where.announce_list or "", ""), ("", where.announce_webhook or ""))
        if to or url
    ]


def _has_courtesy(policy: Policy) -> bool:
    return bool(policy.announcements.courtesy_list or policy.announcements.courtesy_webhook)


def _courtesy(policy: Policy, *, at: datetime, planned_for: datetime) -> list[Owed]:
    where = policy.announcements
    return [
        Owed(Kind.COURTESY_NOTICE, Audience.ANNOUNCE_LIST, at, planned_for, to, url)
        for to, url in ((where.courtesy_list or "", ""), ("", where.courtesy_webhook or ""))
        if to or url
    ]


def _retrospective(policy: Policy, *, at: datetime, planned_for: datetime) -> list[Owed]:
    where = policy.announcements
    address = where.retrospective_to or policy.team.email or ""
    return [
        Owed(Kind.RETROSPECTIVE, Audience.TEAM, at, planned_for, to=to, url=url)
        for to, url in ((address, ""), ("", where.retrospective_webhook or ""))
        if to or url
    ]


def _told_before_the_date(report: Report) -> set[str]:
    """The organisations sent a notice from the desk (people_to_retell's) before the Release
    Date was last set: they were told of the report, but not of this date."""
    set_at = (
        AuditEvent.objects.filter(report=report, action="report.release_date_set")
        .order_by("-seq")
        .values_list("created_at", flat=True)
        .first()
    )
    if set_at is None:
        return set()
    notices = report.distributor_notices.filter(sent_at__lt=set_at)
    return set(notices.values_list("distributor__email", flat=True))


def _distributors(report: Report) -> list[str]:
    """The notice address of every approved organisation bound by the terms in force (KAR-36);
    the others are told nothing embargoed."""
    terms = current_terms(report.project)
    members = DistributorMembership.objects.filter(
        project=report.project, state=MembershipState.APPROVED
    ).select_related("distributor")
    return sorted({m.distributor.email for m in members if m.may_receive(terms)})


def plan_announcements(report: Report) -> Planned:
    """Queue every announcement the report owes and supersede the waiting ones it no longer
    owes. Call it in the transaction that changed the report; nothing is queued twice."""
    now = timezone.now()
    report.refresh_from_db()
    due = owed(report, now=now)
    queued: list[OutboundEmail] = []
    not_queued: list[str] = []
    with transaction.atomic():
        for item in due:
            try:
                queued.append(_queue(report, item))
            except (AnnouncementError, TemplateProblem) as exc:
                not_queued.append(f"{item.kind} to {item.recipient}: {exc}")
        owed_again = _owe_again(queued)
        superseded = _supersede(report, queued, now=now)
        new = [email.pk for email in queued if email.created_at >= now]
        if new or superseded or not_queued or owed_again:
            audit.record(
                "announcements.planned",
                actor=None,
                report=report,
                data={
                    "queued": new,
                    "superseded": superseded,
                    "owed_again": owed_again,
                    "not_queued": not_queued,
                },
            )
    return Planned(queued, superseded, not_queued)


def _supersede(report: Report, queued: list[OutboundEmail], *, now: datetime) -> list[int]:
    """Mark each unsent message the report no longer owes superseded, pointing at the message
    owed for the current date to the same recipient, if any. A message a live worker is sending
    is left to finish; the rows are locked so no worker claims one while it is marked."""
    keys = {email.idempotency_key for email in queued}
    current = {(email.kind, email.recipient): email for email in queued}
    waiting = (
        report.outbound_emails.select_for_update()
        .filter(kind__in=PLANNED, sent_at=None, superseded_at=None)
        .exclude(idempotency_key=None)
        .exclude(claimed_at__gt=now - claim_lease())
    )
    superseded = []
    for email in waiting:
        if email.idempotency_key in keys:
            continue
        email.superseded_at = now
        email.replaced_by = current.get((email.kind, email.recipient))
        email.save(update_fields=["superseded_at", "replaced_by"])
        superseded.append(email.pk)
    return superseded


def _owe_again(queued: list[OutboundEmail]) -> list[int]:
    """A superseded message owed again (its date holds again, e.g. a moved date moved back) is
    no longer superseded, and is sent at its time."""
    again = [email for email in queued if email.superseded_at is not None]
    for email in again:
        email.superseded_at, email.replaced_by = None, None
        email.save(update_fields=["superseded_at", "replaced_by"])
        send_outbound_email.using(run_after=email.send_after).enqueue(email.pk)
    return [email.pk for email in again]


def _queue(report: Report, item: Owed) -> OutboundEmail:
    if item.kind == Kind.RELEASE and not report.affects.exclude(fixed_version="").exists():
        raise AnnouncementError(
            "a release announcement lists the fixed versions (FOLIO-36, EMI-44): record each "
            "fixed version on the report's affected lines"
        )
    subject, body = template_for(report.project, item.kind)
    subject, body = render(report, item.kind, subject=subject, body=body)
    if item.kind == Kind.RETROSPECTIVE:
        body = retrospective_markdown(report)  # EMI-48: built from the audit log
    return queue_announcement(
        report,
        kind=item.kind,
        audience=item.audience,
        subject=subject,
        body=body,
        key=item.key(report),
        send_after=item.send_after,
        to=item.to,
        url=item.url,
        planned_for=item.planned_for,
    )
