"""The public report form: what a reporter without an account may send, checked before filing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from vulndesk.desk.models import CreditChoices
from vulndesk.desk.services.attachments import (
    ALLOWED_NAMES,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    Upload,
    check_upload,
)
from vulndesk.desk.services.reporter import MAX_MESSAGE_LENGTH, credit_line

MAX_TEXT = 100_000  # characters in the description or the steps


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, each read whole and checked by `check_upload`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            widget=MultipleFileInput(attrs={"accept": ".txt,.pdf,.png,.jpg,.jpeg,.zip"}), **kwargs
        )

    def clean(self, data: Any, initial: Any = None) -> list[Upload]:
        files: list[UploadedFile] = [f for f in (data or []) if f]
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(f"Attach at most {MAX_ATTACHMENTS} files.")
        uploads = []
        problems = []
        for file in files:
            if (file.size or 0) > MAX_ATTACHMENT_BYTES:
                problems.append(f"{file.name} is larger than {MAX_ATTACHMENT_BYTES // 2**20} MiB")
                continue
            upload = Upload(file.name or "attachment", file.content_type or "", file.read())
            try:
                check_upload(upload)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            uploads.append(upload)
        if problems:
            raise forms.ValidationError([f"{problem}; nothing was filed." for problem in problems])
        return uploads


class ReportForm(forms.Form):
    title = forms.CharField(max_length=300, help_text="One line: what is vulnerable, and how.")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=MAX_TEXT,
        help_text="Markdown. What is the vulnerability and what can an attacker do with it?",
    )
    affected_versions = forms.CharField(
        label="Affected version", max_length=200, required=False, help_text="For example 1.4.2."
    )
    steps_to_reproduce = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), max_length=MAX_TEXT, required=False
    )
    reporter_name = forms.CharField(label="Your name", max_length=200, required=False)
    reporter_email = forms.EmailField(
        label="Your email", help_text="We write to you here; it is not published."
    )
    already_public = forms.BooleanField(label="This is already public", required=False)
    third_party = forms.BooleanField(
        label="It is in a third-party dependency, and already published upstream",
        required=False,
        help_text="For example a library's own advisory; give its link below.",
    )
    public_disclosure_url = forms.URLField(
        label="Where it is public",
        required=False,
        assume_scheme="https",
        help_text="A link to the public discussion or the upstream advisory.",
    )
    attachments = MultipleFileField(
        required=False,
        help_text=f"Up to {MAX_ATTACHMENTS} files, {MAX_ATTACHMENT_BYTES // 2**20} MiB each: "
        f"{ALLOWED_NAMES}.",
    )
    credit_kind = forms.ChoiceField(
        label="Credit in the advisory",
        choices=[("", "decide later"), *CreditChoices.choices],
        required=False,
        help_text="How the advisory names you; you can change it on your private link.",
    )
    credit_name = forms.CharField(label="Name or handle to credit", max_length=200, required=False)
    # The honeypot: hidden by desk.css, so people leave it empty and form-filling robots do not.
    website = forms.CharField(required=False, label="Leave this empty")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        public = data.get("already_public") or data.get("third_party")
        if public and not data.get("public_disclosure_url"):
            self.add_error("public_disclosure_url", "Give the link where it is already public.")
        if not public:
            data["public_disclosure_url"] = ""
        if data.get("credit_kind"):
            add_credit_problems(self, data)
        return data


def add_credit_problems(form: forms.Form, data: dict[str, Any]) -> None:
    """Check the credit line as the service will, and normalise it in `data`."""
    try:
        data["credit_kind"], data["credit_name"] = credit_line(
            data["credit_kind"], data.get("credit_name", "")
        )
    except ValueError as exc:
        field, _, problem = str(exc).partition(": ")
        form.add_error(field, problem)


class ReporterMessageForm(forms.Form):
    """What the reporter adds through their private link: words, files, or both."""

    body = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MAX_MESSAGE_LENGTH,
        required=False,
        help_text="Markdown. New information, an answer to the team, a question.",
    )
    attachments = MultipleFileField(
        required=False,
        help_text=f"Up to {MAX_ATTACHMENTS} files, {MAX_ATTACHMENT_BYTES // 2**20} MiB each: "
        f"{ALLOWED_NAMES}.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not (data.get("body", "").strip() or data.get("attachments")):
            self.add_error("body", "Write a message or attach a file.")
        return data


class CreditForm(forms.Form):
    credit_kind = forms.ChoiceField(label="Credit me by", choices=CreditChoices.choices)
    credit_name = forms.CharField(
        label="Name or handle",
        max_length=200,
        required=False,
        help_text="Printed in the advisory as you write it; left out if you stay anonymous.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "credit_kind" in data:
            add_credit_problems(self, data)
        return data
