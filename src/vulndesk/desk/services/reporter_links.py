"""The reporter's private link to their report: issued once, stored as a digest, revocable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from vulndesk.desk.models import Report, ReporterLink
from vulndesk.desk.services import audit
from vulndesk.lib.tokens import new_token

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TOKEN_PREFIX = "vdr"  # noqa: S105  # the token's visible prefix, not a secret


def issue_reporter_link(report: Report, *, actor: User | None) -> tuple[ReporterLink, str]:
    """A new link and its raw token; give the token to the reporter, it is not kept."""
    raw, token_digest = new_token(TOKEN_PREFIX)
    with transaction.atomic():
        link = ReporterLink.objects.create(report=report, token_digest=token_digest)
        audit.record("reporter_link.issued", actor=actor, report=report, data={"link": link.pk})
    return link, raw


def revoke_reporter_link(link: ReporterLink, *, actor: User | None) -> None:
    """From now on the link's token opens nothing; revoking twice records it once."""
    with transaction.atomic():
        revoked = ReporterLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            audit.record(
                "reporter_link.revoked", actor=actor, report=link.report, data={"link": link.pk}
            )
    link.refresh_from_db(fields=["revoked_at"])


def revoke_all_reporter_links(report: Report, *, actor: User | None) -> int:
    """Close every live link of the report (a link was forwarded, or leaked); how many closed."""
    with transaction.atomic():
        links = list(ReporterLink.objects.live().filter(report=report).select_related("report"))
        for link in links:
            revoke_reporter_link(link, actor=actor)
    return len(links)
