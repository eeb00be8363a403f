"""The report page's "Component" row: the report's component, the Fix Team its owners propose
(FOLIO-27), and for the security team the form to set it. Owners see the report only once
invited: the proposal is a proposal (FOLIO-28)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from vulndesk.desk.access import AnyUser, can_triage
from vulndesk.desk.models import Report
from vulndesk.desk.services.components import proposed_fix_team
from vulndesk.desk.team_forms import ReportComponentForm


def component_section(
    user: AnyUser, report: Report, bound: Mapping[str, forms.Form]
) -> dict[str, Any]:
    form = bound.get("component")
    if form is None and can_triage(user, report):
        form = ReportComponentForm(version=report.version, report_project=report.project)
    return {"proposal": proposed_fix_team(report), "form": form}
