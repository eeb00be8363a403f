"""The report page's Embargo break section, for the Fix Lead and the security team: the breaks
recorded, the form to record one, and for a break waiting for a decision the policy's guidance
beside the two decisions (KAR-37, KAR-38)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from vulndesk.desk.access import AnyUser, can_triage
from vulndesk.desk.embargo_break_forms import EmbargoBreakForm, EmbargoDecisionForm
from vulndesk.desk.models import Report
from vulndesk.desk.services import embargo_break


def embargo_break_section(
    user: AnyUser, report: Report, bound: Mapping[str, forms.Form]
) -> dict[str, Any] | None:
    if not can_triage(user, report):
        return None
    breaks = report.embargo_breaks.select_related("recorded_by", "decided_by")
    waiting = embargo_break.pending(report)
    return {
        "breaks": list(breaks.order_by("recorded_at", "pk")),
        "pending": waiting,
        "advice": embargo_break.advice(report) if waiting else None,
        "record": None
        if waiting or not report.is_embargoed
        else bound.get("embargo_break") or EmbargoBreakForm(version=report.version),
        "decide": bound.get("embargo_decision") or EmbargoDecisionForm(version=report.version),
    }
