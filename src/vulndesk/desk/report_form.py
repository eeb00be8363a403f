"""The public report form: what a reporter without an account may send, checked before filing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from vulndesk.desk.services.attachments import (
    ALLOWED_NAMES,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    Upload,
    check_upload,
)

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
    public_disclosure_url = forms.URLField(
        label="Where it is public",
        required=False,
        assume_scheme="https",
        help_text="A link to the public discussion.",
    )
    attachments = MultipleFileField(
        required=False,
        help_text=f"Up to {MAX_ATTACHMENTS} files, {MAX_ATTACHMENT_BYTES // 2**20} MiB each: "
        f"{ALLOWED_NAMES}.",
    )
    # The honeypot: hidden by desk.css, so people leave it empty and form-filling robots do not.
    website = forms.CharField(required=False, label="Leave this empty")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("already_public") and not data.get("public_disclosure_url"):
            self.add_error("public_disclosure_url", "Give the link where it is already public.")
        if not data.get("already_public"):
            data["public_disclosure_url"] = ""
        return data
