"""The Release Date form of the report page: the date in UTC, why, and the override."""

from __future__ import annotations

from django import forms

from vulndesk.desk.forms import ReportForm


class ReleaseDateForm(ReportForm):
    id_prefix = "release"
    release_date = forms.DateTimeField(
        label="Release Date (UTC)",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="When the world hears: e.g. 2024-06-10 16:00, in UTC.",
    )
    reason = forms.CharField(
        label="Why this date",
        max_length=2000,
        help_text="Kept in the audit timeline (EMI-13).",
    )
    override = forms.BooleanField(
        label="Set it even where it breaks the policy's rules",
        required=False,
        help_text="For the Fix Lead or the security team; the rules it breaks are audited.",
    )
