"""The API's side of intake: a report imported from another tracker, or filed for a reporter.

An import names its source (`external_ref`, the other tracker's URL or ID); importing the same
reference into the same project again finds the report it made instead of filing a second one,
so a script that stopped half way can simply be run again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from vulndesk.desk.models import ChannelChoices, Project, Report
from vulndesk.desk.services import deadlines
from vulndesk.desk.services.intake import issue_reply_address
from vulndesk.desk.services.reporter import credit_line
from vulndesk.desk.services.reporter_links import issue_reporter_link
from vulndesk.desk.services.reports import create_report
from vulndesk.notify.models import ACKNOWLEDGEMENT_DEADLINE
from vulndesk.notify.outbox import queue_acknowledgement

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class Imported:
    report: Report
    created: bool  # False: this reference was imported before, and `report` is what it made
    reporter_token: str | None  # the private link's token, issued now (never on a re-import)


def imported_before(project: Project, external_ref: str) -> Report | None:
    if not external_ref:
        return None
    return Report.objects.filter(project=project, external_ref=external_ref).first()


def check_import(
    *, received_at: datetime | None, public_disclosure_url: str, third_party: bool, now: datetime
) -> None:
    """Refuse what no schema can say: a T0 still to come, a published dependency without link."""
    if received_at is not None and received_at > now:
        raise ValueError(
            "received_at: is in the future; give when the original tracker received the report"
        )
    if third_party and not public_disclosure_url:
        raise ValueError(
            "third_party: a dependency's published vulnerability needs public_disclosure_url, "
            "the link where it is published"
        )


def import_report(
    project: Project,
    *,
    title: str,
    description: str = "",
    affected_versions: str = "",
    reporter_name: str = "",
    reporter_email: str = "",
    received_at: datetime | None = None,
    public_disclosure_url: str = "",
    third_party: bool = False,
    external_ref: str = "",
    credit_kind: str = "",
    credit_name: str = "",
    acknowledge: bool = True,
    reporter_link: bool = True,
    actor: User,
) -> Imported:
    """File a report through the API as the form and mail do (FOLIO-11), or find its import.

    `received_at` is T0 of every timeline (now if not given). A public disclosure URL means it
    is already public: the report starts on the public path from T0 (EMI-4). The private link
    and the acknowledgement are made in the report's transaction: all of it, or nothing.
    Without `acknowledge` the other tracker has answered the reporter: that deadline is met.
    """
    now = timezone.now()
    check_import(
        received_at=received_at,
        public_disclosure_url=public_disclosure_url,
        third_party=third_party,
        now=now,
    )
    if credit_kind:
        credit_kind, credit_name = credit_line(credit_kind, credit_name)
    elif credit_name.strip():
        raise ValueError("credit_kind: say whether credit_name is a name or a handle")
    external_ref = external_ref.strip()
    if (found := imported_before(project, external_ref)) is not None:
        return Imported(found, created=False, reporter_token=None)
    try:
        # A savepoint: losing a race to an import of the same reference undoes only this.
        with transaction.atomic():
            report = create_report(
                project,
                title=title,
                description=description,
                affected_versions=affected_versions,
                reporter_name=reporter_name,
                reporter_email=reporter_email,
                received_at=received_at,
                public_disclosure_at=(received_at or now) if public_disclosure_url else None,
                public_disclosure_url=public_disclosure_url,
                third_party=third_party,
                channel=ChannelChoices.API,
                external_ref=external_ref,
                credit_kind=credit_kind,
                credit_name=credit_name,
                actor=actor,
            )
            token = issue_reporter_link(report, actor=actor)[1] if reporter_link else None
            if acknowledge:
                reply_to = issue_reply_address(report) if project.security_email else ""
                queue_acknowledgement(report, reply_to=reply_to)
            elif report.deadlines.filter(name=ACKNOWLEDGEMENT_DEADLINE, met_at=None).exists():
                # The other tracker answered the reporter already: nothing is owed them.
                deadlines.meet(report, ACKNOWLEDGEMENT_DEADLINE, actor=actor, at=now)
    except IntegrityError:
        # Another import of this reference committed between the look-up and the insert.
        if (found := imported_before(project, external_ref)) is None:
            raise
        return Imported(found, created=False, reporter_token=None)
    return Imported(report, created=True, reporter_token=token)
