"""What may go out while a report is embargoed: checked when a message is queued and again
when it is sent, since the Release Date may have moved in between."""

from __future__ import annotations

from datetime import UTC, datetime

from vulndesk.desk.models import Report
from vulndesk.desk.models.distributor import DistributorMembership, DistributorTerms
from vulndesk.notify.models import OutboundEmail

# Public notices that come before the Release Date by design and say only that a fix is coming
# and when (EMI-37, VIT-21) or that one will be merged (OEDX-20, OEDX-22): the embargo on the
# vulnerability's details does not hold them back.
BEFORE_RELEASE = frozenset(
    {OutboundEmail.Kind.FORTHCOMING_FIX, OutboundEmail.Kind.PRE_MERGE_NOTICE}
)


def embargo_refusal(email: OutboundEmail, *, at: datetime) -> str:
    """Why `email` may not go out at `at`, or "" when it may.

    A public audience (the announce list, a public webhook) hears nothing of an embargoed report
    before its Release Date, unless the report is already on the public path; a distributor
    hears nothing embargoed without accepting the project's current embargo terms.
    """
    report = email.report
    if email.is_public and email.kind not in BEFORE_RELEASE:
        return public_refusal(report, at=at)
    if email.audience == OutboundEmail.Audience.DISTRIBUTORS and report.is_embargoed:
        return distributor_refusal(report, email.to)
    return ""


def public_refusal(report: Report, *, at: datetime) -> str:
    if not report.is_embargoed or report.on_public_path:
        return ""
    if report.release_date is None:
        return f"{report.key} is embargoed and has no Release Date: nothing public goes out yet"
    if at < report.release_date:
        return (
            f"{report.key} is embargoed until its Release Date "
            f"{report.release_date.astimezone(UTC):%Y-%m-%d %H:%M} UTC: "
            "a message to a public audience must be scheduled at or after it"
        )
    return ""


def distributor_refusal(report: Report, address: str) -> str:
    """Only a distributor bound by the project's embargo terms is told (KAR-36, FOLIO-6)."""
    if not report.project.policy().distributors.enabled:
        return (
            f"{report.project.slug}'s policy has no distributors list: nothing embargoed goes "
            "to any organisation (VIT-27)"
        )
    if not accepted_embargo_terms(report, address):
        return (
            f"{address} is not an approved distributor of {report.project.slug} bound by its "
            "current embargo terms: it receives nothing embargoed"
        )
    return ""


def accepted_embargo_terms(report: Report, address: str) -> bool:
    """Whether an approved member at `address` accepted the project's current embargo terms."""
    current = DistributorTerms.objects.filter(project=report.project).order_by("-version").first()
    members = DistributorMembership.objects.filter(
        project=report.project, distributor__email__iexact=address
    )
    return any(membership.may_receive(current) for membership in members)
