"""The report page's embargo-break forms: record one, and decide it (KAR-37, KAR-38)."""

from __future__ import annotations

from django import forms

from vulndesk.desk.forms import ReportForm, reason_field


class EmbargoBreakForm(ReportForm):
    id_prefix = "embargo_break"
    how = forms.CharField(
        label="How it was broken",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="e.g. a vendor shipped the patched package before the date.",
    )
    by_whom = forms.CharField(
        label="Who broke it", max_length=200, help_text="An organisation or a person."
    )
    source_url = forms.URLField(
        label="Where it was seen", max_length=2000, required=False, assume_scheme="https"
    )


class EmbargoDecisionForm(ReportForm):
    id_prefix = "embargo_decision"
    choice = forms.ChoiceField(
        choices=[("release_now", "Release now"), ("keep_date", "Keep the date")]
    )
    reason = reason_field(
        "Damage assessment",
        "What leaked and to whom: kept with the decision and in the audit timeline (KAR-37).",
    )
