"""The report page's Release Date section: the date the policy proposes, the rules that set it
and a button to use it, and the form to set a date, for those who set it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any

from django import forms

from vulndesk.desk.access import AnyUser, can_triage
from vulndesk.desk.models import Report
from vulndesk.desk.release_date_forms import ReleaseDateForm
from vulndesk.desk.services import embargo_break
from vulndesk.desk.services.schedule import propose_release_date


def release_date_section(
    user: AnyUser, report: Report, bound: Mapping[str, forms.Form]
) -> dict[str, Any] | None:
    """For those who set the date: the proposal, a form that uses it, and the date form."""
    if not can_triage(user, report):
        return None
    proposal = propose_release_date(report)
    use = ReleaseDateForm(
        version=report.version,
        initial={
            "release_date": proposal.at.astimezone(UTC),
            "reason": "the earliest date the policy allows",
        },
    )
    form = bound.get("release_date") or ReleaseDateForm(
        version=report.version,
        initial={"release_date": report.release_date.astimezone(UTC)}
        if report.release_date
        else {},
    )
    # KAR-38: with a break undecided, a policy that pushes forward proposes releasing now.
    asap = None
    if embargo_break.pending(report) is not None:
        advice = embargo_break.advice(report)
        asap = advice if advice.guidance.default == "release_now" else None
    return {"proposal": proposal, "use": use, "form": form, "embargo_break": asap}
