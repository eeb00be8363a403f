"""The one-time link of a Fix Team invitation by email, made when the worker sends the mail.

Kept apart from `fix_team` because the worker imports it and `fix_team` imports the outbox.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from vulndesk.desk.models import FixTeamMember, Report
from vulndesk.lib.tokens import new_token

TOKEN_PREFIX = "vdi"  # noqa: S105  # the token's visible prefix, not a secret


def invitation_link_paragraph(report: Report, to: str) -> str:
    """The link paragraph for a mail to `to` about the report's Fix Team.

    A fresh link for the invitation by email waiting at that address, its digest stored in
    place of any earlier one; a line saying so if that invitation ended before the mail went
    out; nothing for an invitation by username (it is answered on the desk).
    Call it in the transaction that sends the mail: a mail that is not sent keeps no link.
    """
    by_email = FixTeamMember.objects.filter(report=report, invited_email=to)
    if not by_email.exists():
        return ""
    invitation = (
        by_email.select_for_update()
        .filter(user__isnull=True, accepted_at__isnull=True, ended_at__isnull=True)
        .first()
    )
    url = None
    if invitation is not None:
        raw, token_digest = new_token(TOKEN_PREFIX)
        invitation.invite_token_digest = token_digest
        invitation.save(update_fields=["invite_token_digest"])
        url = settings.BASE_URL + reverse("fix-team-accept-invite", kwargs={"token": raw})
    return render_to_string("notify/fix_team_link.txt", {"url": url})
