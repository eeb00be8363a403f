"""The forms of the team page and of a report's component: each names what is wrong next to
its field, and turns usernames and ids into the objects of this project, or says which is not."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from vulndesk.desk.forms import ReportForm
from vulndesk.desk.models import Component, Nomination, Project, RemovalVote, TeamMember, TeamRole


def user_named(username: str) -> User:
    try:
        user: User = get_user_model().objects.get(username=username.strip())
    except get_user_model().DoesNotExist:
        raise forms.ValidationError(f"no user named {username.strip()!r}") from None
    return user


class ProjectForm(forms.Form):
    """A form about one project: ids it takes must belong to that project."""

    prefix_ids = "team"

    def __init__(self, data: Any = None, *, project: Project, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.prefix_ids}_%s")
        kwargs.setdefault("label_suffix", "")
        self.project = project
        super().__init__(data, **kwargs)

    def current_member(self, pk: int | None, what: str) -> TeamMember | None:
        if pk is None:
            return None
        found = TeamMember.objects.filter(project=self.project, pk=pk, left_at__isnull=True)
        member = found.select_related("user", "project").first()
        if member is None:
            raise forms.ValidationError(f"{what} {pk} is not a current member of this project")
        return member


class NominateForm(ProjectForm):
    prefix_ids = "nominate"
    username = forms.CharField(max_length=150, label="Nominee (username)")
    kind = forms.ChoiceField(choices=Nomination.Kind.choices)
    reason = forms.CharField(max_length=2000, required=False, widget=forms.Textarea({"rows": 2}))

    def clean_username(self) -> User:
        return user_named(self.cleaned_data["username"])


class NominationForm(ProjectForm):
    prefix_ids = "nomination"
    action = forms.ChoiceField(choices=[("accept", "accept"), ("decline", "decline")])
    company = forms.CharField(max_length=200, required=False)
    reason = forms.CharField(max_length=2000, required=False)


class StepDownForm(ProjectForm):
    prefix_ids = "step_down"
    role = forms.ChoiceField(choices=TeamRole.choices)

    def clean_role(self) -> str:
        return str(self.cleaned_data["role"])


class LeaveForm(ProjectForm):
    prefix_ids = "leave"
    member = forms.IntegerField(min_value=1)
    starts_on = forms.DateField(help_text="YYYY-MM-DD")
    ends_on = forms.DateField(help_text="YYYY-MM-DD, the last day of the leave")
    reason = forms.CharField(max_length=300, required=False)
    cover = forms.IntegerField(min_value=1, required=False, help_text="an associate's member id")

    def clean_member(self) -> TeamMember | None:
        return self.current_member(self.cleaned_data["member"], "member")

    def clean_cover(self) -> TeamMember | None:
        return self.current_member(self.cleaned_data["cover"], "member")


class VoteForm(ProjectForm):
    prefix_ids = "vote"
    action = forms.ChoiceField(choices=[("open", "open"), ("cast", "cast"), ("close", "close")])
    member = forms.IntegerField(min_value=1, required=False)
    vote = forms.IntegerField(min_value=1, required=False)
    in_favour = forms.TypedChoiceField(
        choices=[("yes", "in favour of removal"), ("no", "against removal")],
        coerce=lambda value: value == "yes",
        required=False,
    )
    reason = forms.CharField(max_length=2000, required=False)

    def clean_member(self) -> TeamMember | None:
        return self.current_member(self.cleaned_data["member"], "member")

    def clean_vote(self) -> RemovalVote | None:
        pk = self.cleaned_data["vote"]
        if pk is None:
            return None
        vote = RemovalVote.objects.filter(member__project=self.project, pk=pk).first()
        if vote is None:
            raise forms.ValidationError(f"vote {pk} is not a vote of this project")
        return vote

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action = cleaned.get("action")
        if action == "open" and cleaned.get("member") is None and "member" not in self.errors:
            self.add_error("member", "say whose removal the team votes on")
        if (
            action in {"cast", "close"}
            and cleaned.get("vote") is None
            and "vote" not in self.errors
        ):
            self.add_error("vote", "say which vote")
        if action == "cast" and cleaned.get("in_favour") in {None, ""}:
            self.add_error("in_favour", "vote yes (remove) or no (keep)")
        return cleaned


class ComponentForm(ProjectForm):
    prefix_ids = "component"
    action = forms.ChoiceField(
        choices=[("create", "create"), ("rename", "rename"), ("owners", "set owners")]
    )
    component = forms.IntegerField(min_value=1, required=False)
    name = forms.CharField(max_length=200, required=False)
    owners = forms.CharField(
        max_length=2000, required=False, help_text="usernames, separated by spaces or commas"
    )

    def clean_component(self) -> Component | None:
        pk = self.cleaned_data["component"]
        if pk is None:
            return None
        component = Component.objects.filter(project=self.project, pk=pk).first()
        if component is None:
            raise forms.ValidationError(f"component {pk} is not a component of this project")
        return component

    def clean_owners(self) -> list[User]:
        names = self.cleaned_data["owners"].replace(",", " ").split()
        return [user_named(name) for name in dict.fromkeys(names)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action = cleaned.get("action")
        missing = cleaned.get("component") is None and "component" not in self.errors
        if action in {"rename", "owners"} and missing:
            self.add_error("component", "say which component")
        if action in {"create", "rename"} and not cleaned.get("name", "").strip():
            self.add_error("name", "give the component a name")
        return cleaned


class ReportComponentForm(ReportForm):
    id_prefix = "component"
    component = forms.ModelChoiceField(
        queryset=Component.objects.none(), required=False, empty_label="no component"
    )

    def __init__(self, data: Any = None, *, report_project: Project, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        field = self.fields["component"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 -- declared just above
        field.queryset = Component.objects.filter(project=report_project).order_by("name")
