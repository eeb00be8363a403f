"""What the report page offers around publishing: "Publish anyway" while the publication guards
refuse, then the published advisory's withdrawal and revisions."""

from __future__ import annotations

from django import forms

from vulndesk.desk.access import AnyUser, can_force_publish, can_manage_advisory
from vulndesk.desk.forms import PublishAnywayForm, RevisionForm, WithdrawForm
from vulndesk.desk.models import Report
from vulndesk.process.lifecycle import State


def publication_forms(
    user: AnyUser, report: Report, publish_blocked: bool
) -> dict[str, forms.Form]:
    """ "Publish anyway" only when the publication guards refuse and the user may override
    them; withdraw and revise only for a published advisory not withdrawn, to those allowed."""
    found: dict[str, forms.Form] = {}
    state = report.current_state
    if state is State.RELEASED and publish_blocked and can_force_publish(user, report):
        found["force"] = PublishAnywayForm(version=report.version)
    if report.published_at and not report.withdrawn_at and can_manage_advisory(user, report):
        found["withdraw"] = WithdrawForm(version=report.version)
        found["revision"] = RevisionForm(version=report.version)
    return found
