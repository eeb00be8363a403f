"""The report page's "Distributors" section: every organisation on the project's list with its
answer at a glance (counts and a table), the form that sends the notice, and the reminder to
the silent. Shown to those who send notices (`can_send_notices`); built in a fixed number of
queries however many organisations there are."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from vulndesk.desk.access import AnyUser, can_send_notices
from vulndesk.desk.distributor_forms import NoticeForm, RemindForm
from vulndesk.desk.models import Report
from vulndesk.desk.services import notices


def distributor_section(
    user: AnyUser, report: Report, bound: Mapping[str, forms.Form]
) -> dict[str, Any] | None:
    if not can_send_notices(user, report):
        return None
    section = report.project.policy().distributors
    if not section.enabled:
        return {"enabled": False}
    return {
        "enabled": True,
        "list_name": section.list_name,
        "status": notices.status_of(report),
        "notice_form": bound.get("notice") or NoticeForm(),
        "remind_form": bound.get("remind") or RemindForm(),
    }
