from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms

from vulndesk.accounts.models import TokenScope
from vulndesk.accounts.tokens import MAX_LIFETIME
from vulndesk.desk.models import Project

if TYPE_CHECKING:
    from django.db.models import QuerySet


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        # Apps show the code as "123 456"; people paste it that way.
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not re.fullmatch(r"[0-9]{6}", code):
            raise forms.ValidationError("enter the 6 digits your authenticator app shows")
        return code


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=100, help_text="what the token is for, e.g. “release script”"
    )
    scope = forms.ChoiceField(label="Scope", choices=TokenScope.choices, initial=TokenScope.READ)
    lifetime = forms.IntegerField(
        label="Lifetime (days)",
        min_value=1,
        max_value=MAX_LIFETIME.days,
        initial=90,
        error_messages={
            "min_value": "a token lives at least one day",
            "max_value": f"a token lives at most {MAX_LIFETIME.days} days; issue a new one then",
        },
    )


class CalendarFeedForm(forms.Form):
    project: forms.ModelChoiceField[Project] = forms.ModelChoiceField(
        label="Project",
        queryset=None,
        required=False,
        empty_label="All the reports I may see",
        error_messages={"invalid_choice": "choose one of the projects you are on a team of"},
    )

    def __init__(self, *args: Any, projects: QuerySet[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["project"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 (narrows the type)
        field.queryset = projects.order_by("name")
