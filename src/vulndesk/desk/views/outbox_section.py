"""The report page's "Messages" section, for the security team only: every message the report
owes or sent with its state (scheduled, sending, sent, superseded, failed) and last error, and a
preview of any announcement as the project's template renders it with the report's fields
now."""

from __future__ import annotations

from typing import Any

from vulndesk.desk.access import AnyUser, can_triage
from vulndesk.desk.models import Report
from vulndesk.notify.announcements import DEFAULTS, FIELDS, TemplateProblem, preview


def outbox_section(
    user: AnyUser, report: Report, preview_kind: str | None
) -> dict[str, Any] | None:
    if not can_triage(user, report):
        return None
    section: dict[str, Any] = {
        "messages": report.outbound_emails.select_related("replaced_by").order_by(
            "send_after", "pk"
        ),
        "kinds": [(kind, kind.label) for kind in DEFAULTS],
        "fields": FIELDS,
        "preview_kind": preview_kind,
    }
    if preview_kind in DEFAULTS:
        try:
            section["preview"] = preview(report, preview_kind)
        except TemplateProblem as exc:
            # A template's mistake shows here, before anything is queued with it.
            section["preview_problem"] = str(exc)
    return section
