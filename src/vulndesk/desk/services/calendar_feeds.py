"""Calendar feeds: issue and revoke their secret addresses, and say what a feed holds —
Release Dates, public merges and deadlines of the reports its owner may see, read again on
every request so that lost access drops the events at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from vulndesk.accounts.models import CALENDAR_PREFIX, CalendarFeed
from vulndesk.desk.access import projects_visible_to, reports_visible_to
from vulndesk.desk.models import Deadline, Project, Report
from vulndesk.desk.services import audit
from vulndesk.lib.tokens import new_token
from vulndesk.process.deadlines import Miss, Status
from vulndesk.process.ical import Event, render_calendar

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Events further back than this are history a calendar no longer needs: the feed stays small
# however many reports the desk has closed.
HISTORY = timedelta(days=90)


def issue_feed(user: User, *, project: Project | None = None) -> tuple[CalendarFeed, str]:
    """A new feed of everything the user may see, or of one project they are on a team of, and
    its secret, which is shown to the user once and never stored."""
    if project is not None and not projects_visible_to(user).filter(pk=project.pk).exists():
        raise ValueError(f"project: you are on no team of {project.slug}; choose one you are on")
    raw, token_digest = new_token(CALENDAR_PREFIX)
    with transaction.atomic():
        feed = CalendarFeed.objects.create(
            user=user, project=project, digest=token_digest, hint=raw[: len(CALENDAR_PREFIX) + 5]
        )
        audit.record(
            "calendar_feed.issued",
            actor=user,
            project=project,
            data={"feed": feed.pk, "project": project.slug if project else None},
        )
    return feed, raw


def revoke_feed(feed: CalendarFeed, *, actor: User) -> None:
    with transaction.atomic():
        updated = CalendarFeed.objects.filter(pk=feed.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if updated:
            audit.record("calendar_feed.revoked", actor=actor, data={"feed": feed.pk})


def feed_reports(feed: CalendarFeed) -> QuerySet[Report]:
    """The reports whose dates the feed shows: never more than its owner may open now."""
    reports = reports_visible_to(feed.user)
    return reports.filter(project=feed.project) if feed.project else reports


def render_feed(feed: CalendarFeed, *, now: datetime, base_url: str, host: str) -> str:
    """The feed as iCalendar text; `base_url` prefixes links, `host` ends every UID."""
    scope = feed.project.name if feed.project else "all your projects"
    events = sorted(
        feed_events(feed_reports(feed), now=now, base_url=base_url, host=host),
        key=lambda event: (event.start, event.uid),
    )
    return render_calendar(f"vulndesk: {scope}", events, stamp=now)


def feed_events(
    reports: QuerySet[Report], *, now: datetime, base_url: str, host: str
) -> Iterator[Event]:
    since = now - HISTORY
    dated = reports.filter(Q(release_date__gte=since) | Q(planned_merge_at__gte=since))
    for report in dated.select_related("project"):
        link = base_url + report.get_absolute_url()
        about = f"{report.key}: {report.title}\nState: {report.state}\n{link}"
        if report.release_date and report.release_date >= since:
            yield Event(
                uid=f"report-{report.pk}-release-date@{host}",
                start=report.release_date,
                summary=f"{report.key} Release Date: {report.title}",
                description=about,
                url=link,
            )
        if report.planned_merge_at and report.planned_merge_at >= since:
            yield Event(
                uid=f"report-{report.pk}-public-merge@{host}",
                start=report.planned_merge_at,
                summary=f"{report.key} fix merged in public: {report.title}",
                description=f"The fix is merged in public (OEDX-20).\n{about}",
                url=link,
            )
    deadlines = (
        Deadline.objects.filter(report__in=reports, due_at__gte=since)
        .select_related("report__project")
        .prefetch_related("pauses")
    )
    for deadline in deadlines:
        event = deadline_event(deadline, now=now, base_url=base_url, host=host)
        if event is not None:
            yield event


def deadline_event(deadline: Deadline, *, now: datetime, base_url: str, host: str) -> Event | None:
    """A dated deadline with its rule, quote and status; none once its report concluded unmet
    (it no longer binds anyone)."""
    status = deadline.status(now)
    if status == Status.DROPPED or deadline.due_at is None:
        return None
    report = deadline.report
    link = base_url + report.get_absolute_url()
    name = deadline.name.replace("_", " ")
    state = describe_status(deadline, status)
    rule = f"Rule {deadline.rule_id}" if deadline.rule_id else "Rule"
    lines = [
        f"{report.key}: {report.title}",
        f"Deadline: {name} ({'advisory: warns when missed' if deadline.advisory else 'blocks'})",
        f"Status: {state}",
        f"{rule}: {deadline.quote}" if deadline.quote else rule,
        link,
    ]
    return Event(
        uid=f"report-{report.pk}-deadline-{deadline.pk}@{host}",
        start=deadline.due_at,
        summary=f"{report.key} deadline: {name} ({state})",
        description="\n".join(lines),
        url=link,
    )


def describe_status(deadline: Deadline, status: Status) -> str:
    if status == Status.MET and deadline.met_at is not None:
        met = f"{deadline.met_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        miss = deadline.miss
        if miss == Miss.LATE:
            return f"missed: met late, {met}"
        if miss == Miss.EARLY:
            return f"met too early, {met}"
        return f"met on time, {met}"
    words = {Status.DUE: "due", Status.OVERDUE: "missed: overdue", Status.PAUSED: "paused"}
    return words.get(status, str(status))
