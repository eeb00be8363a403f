"""Remind an organisation that has not answered a distributor notice, so the security team
knows who is ready before the Release Date (KAR-33, KAR-43). The reminder names the notice and
where to answer it; the notice itself stays on the organisation's own page on the desk."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from vulndesk.desk.models import DistributorNotice
from vulndesk.notify.models import OutboundEmail
from vulndesk.notify.outbox import queue_announcement


def queue_distributor_reminder(notice: DistributorNotice) -> OutboundEmail | None:
    """One reminder to the organisation's notice address; None where it has none.

    Like every message to distributors it goes out only while the organisation is bound by the
    project's current embargo terms (`notify.embargo`). Each request to remind is its own
    message (its key holds the moment), so reminding twice mails twice, and a retry once.
    """
    distributor = notice.distributor
    if not distributor.email:
        return None
    report = notice.report
    team = report.project.policy().team.name
    body = render_to_string(
        "notify/distributor_reminder.txt",
        {
            "notice": notice,
            "team": team,
            "url": settings.BASE_URL + reverse("notice-detail", kwargs={"pk": notice.pk}),
        },
    )
    return queue_announcement(
        report,
        kind=OutboundEmail.Kind.DISTRIBUTOR_REMINDER,
        audience=OutboundEmail.Audience.DISTRIBUTORS,
        subject=f"Reminder: {notice.subject}",
        body=body,
        key=f"distributor-reminder:{notice.pk}:{timezone.now().isoformat()}",
        to=distributor.email,
    )
