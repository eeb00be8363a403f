"""The forms of a project's distributors list and of a distributor notice."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import User

from vulndesk.desk.models.distributor import Answer
from vulndesk.desk.team_forms import user_named


class ApplyForm(forms.Form):
    organisation = forms.CharField(max_length=200, help_text="the organisation that applies")
    email = forms.EmailField(
        required=False, help_text="where the organisation's notices go (a team address)"
    )
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="who you are, what you ship to whom, and how you keep an embargo",
    )


class InviteForm(forms.Form):
    organisation = forms.CharField(max_length=200)
    email = forms.EmailField(required=False, help_text="where the organisation's notices go")
    member = forms.CharField(
        max_length=150, help_text="the username of a person who speaks for the organisation"
    )

    def clean_member(self) -> User:
        return user_named(self.cleaned_data["member"])


class AcceptTermsForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)
    digest = forms.CharField(max_length=64, widget=forms.HiddenInput)


class TermsForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown; a changed text is a new version every member accepts again",
    )


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("yes", "approve"), ("no", "decline")], coerce=lambda value: value == "yes"
    )
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="required to decline: the applicant reads it",
    )


class NoticeForm(forms.Form):
    subject = forms.CharField(max_length=300)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown: patches or links, mitigations, the timeline (KAR-35)",
    )


class RemindForm(forms.Form):
    """No fields: the silent are those with neither an acknowledgement nor an answer."""


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=Answer.choices, widget=forms.RadioSelect)
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="which of your products or versions, and why",
    )
