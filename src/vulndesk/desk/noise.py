"""Noise control on the report page: quality signals and similar reports for a new report, and
the one-action forms to mark it a duplicate or reject it politely. The judgement is the
triager's; `vulndesk.process.noise` only gathers the evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Count, Q, QuerySet
from django.http import QueryDict

from vulndesk.desk.access import AnyUser, reports_visible_to
from vulndesk.desk.forms import ReportForm
from vulndesk.desk.models import Report
from vulndesk.process.lifecycle import State
from vulndesk.process.noise import (
    REJECTION_REASONS,
    ReporterHistory,
    Signal,
    quality_signals,
    similar,
)

# Noise control is for reports nobody has judged yet.
UNJUDGED = frozenset({State.RECEIVED, State.TRIAGING})
# Candidates compared, newest first: enough for a project's recent history, bounded per page view.
MAX_CANDIDATES = 500


@dataclass(frozen=True)
class Noise:
    signals: list[Signal]
    similar: list[tuple[Report, int]]  # the report and its similarity in percent


def _text(title: str, description: str) -> str:
    return f"{title}\n{description}"


def history_of(report: Report, visible: QuerySet[Report]) -> ReporterHistory:
    """The reporter's other reports (same address) among those the user may see."""
    if not report.reporter_email:
        return ReporterHistory()
    accepted = Q(accepted_at__isnull=False)
    # A closed report that was never accepted was turned down first.
    turned_down = ~accepted & Q(state__in=[State.REJECTED, State.DUPLICATE, State.CLOSED])
    counts = (
        visible.filter(reporter_email__iexact=report.reporter_email)
        .exclude(pk=report.pk)
        .aggregate(
            others=Count("pk"),
            accepted=Count("pk", filter=accepted),
            turned_down=Count("pk", filter=turned_down),
        )
    )
    return ReporterHistory(**counts)


def noise_for(user: AnyUser, report: Report) -> Noise | None:
    """The evidence for a report still waiting for judgement; None once it is judged."""
    if report.current_state not in UNJUDGED:
        return None
    visible = reports_visible_to(user)
    # Rejected and duplicate reports stay in: a repeat of a rejected report is a duplicate too.
    others = (
        visible.filter(project_id=report.project_id)
        .exclude(pk=report.pk)
        .select_related("project")
        .order_by("-received_at")[:MAX_CANDIDATES]
    )
    candidates = {other: _text(other.title, other.description) for other in others}
    found = similar(_text(report.title, report.description), candidates)
    return Noise(
        signals=quality_signals(report.title, report.description, history_of(report, visible)),
        similar=[(other, round(score * 100)) for other, score in found],
    )


class DuplicateForm(ReportForm):
    id_prefix = "duplicate"

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        report: Report,
        others: QuerySet[Report],
        **kwargs: Any,
    ) -> None:
        super().__init__(data, version=report.version, **kwargs)
        # Only a report the user may see, of the same project: anything else "does not exist".
        self.fields["original"] = forms.ModelChoiceField(
            queryset=others.filter(project_id=report.project_id).exclude(pk=report.pk),
            error_messages={"invalid_choice": "pick one of the similar reports shown"},
        )


class RejectForm(ReportForm):
    id_prefix = "reject"
    reason = forms.ChoiceField(label="Reason", choices=REJECTION_REASONS)
    note = forms.CharField(
        label="Add to the reason (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def reason_text(self) -> str:
        """What the timeline (and the reporter) reads: the canned reason, then the note."""
        text = dict(REJECTION_REASONS)[self.cleaned_data["reason"]]
        note = self.cleaned_data["note"].strip()
        return f"{text}\n\n{note}" if note else text
