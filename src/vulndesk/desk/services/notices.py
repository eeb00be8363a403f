"""What a distributor does with a notice addressed to it: acknowledge that it has read it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from vulndesk.desk.models import DistributorNotice
from vulndesk.desk.services import audit

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def acknowledge_notice(notice: DistributorNotice, *, actor: User) -> DistributorNotice:
    """The first acknowledgement counts; a second click changes and records nothing."""
    with transaction.atomic():
        locked = (
            DistributorNotice.objects.select_for_update(of=("self",))
            .select_related("report", "distributor")
            .get(pk=notice.pk)
        )
        if locked.acknowledged_at is None:
            locked.acknowledged_at, locked.acknowledged_by = timezone.now(), actor
            locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
            audit.record(
                "notice.acknowledged",
                actor=actor,
                report=locked.report,
                data={"notice": locked.pk, "distributor": locked.distributor.slug},
            )
    return locked
