"""The report page's "Fix Lead & Fix Team" section: what it shows, and the forms it offers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from vulndesk.desk.access import AnyUser, can_assign_fix_lead, can_manage_fix_team
from vulndesk.desk.forms import ReportForm
from vulndesk.desk.models import FixTeamMember, Report
from vulndesk.desk.services.fix_lead import NextLead, next_fix_lead


class FixLeadForm(ReportForm):
    """Assign by rotation (no member), or name a member with a reason (a manual override)."""

    id_prefix = "fixlead"
    member = forms.CharField(
        label="Member",
        required=False,
        max_length=150,
        help_text="A username; leave empty to let the rotation choose.",
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=2000,
        help_text="Needed when you name a member; kept in the audit timeline.",
    )

    def clean_member(self) -> User | None:
        username = self.cleaned_data["member"].strip()
        if not username:
            return None
        user: User | None = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(f"there is no user {username!r}")
        return user


class InviteForm(forms.Form):
    username = forms.CharField(label="Username", required=False, max_length=150)
    email = forms.CharField(
        label="or email address",
        required=False,
        max_length=254,
        help_text="They get a one-time link by mail and accept once signed in.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "invite_%s")
        super().__init__(*args, **kwargs)


class MemberForm(forms.Form):
    """Record a member's private-repo access (EMI-29), or take them off the team."""

    action = forms.ChoiceField(choices=[("grant", "grant"), ("remove", "remove")])
    member = forms.ModelChoiceField(queryset=FixTeamMember.objects.none())
    reason = forms.CharField(required=False, max_length=150)

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 -- declared just above
        field.queryset = report.fix_team_members.filter(ended_at__isnull=True)


class AnswerForm(forms.Form):
    action = forms.ChoiceField(choices=[("accept", "accept"), ("decline", "decline")])


@dataclass(frozen=True)
class FixTeamSection:
    may_assign: bool
    may_manage: bool
    next_lead: NextLead | None  # shown while the report has no lead
    members: list[FixTeamMember]
    lead_form: forms.Form | None
    invite_form: forms.Form | None
    member_form: forms.Form | None


def fix_team_section(
    user: AnyUser, report: Report, bound: Mapping[str, forms.Form]
) -> FixTeamSection:
    may_assign, may_manage = can_assign_fix_lead(user, report), can_manage_fix_team(user, report)
    members = report.fix_team_members.select_related("user", "invited_by").order_by("pk")
    return FixTeamSection(
        may_assign=may_assign,
        may_manage=may_manage,
        next_lead=next_fix_lead(report.project, report) if report.fix_lead_id is None else None,
        members=list(members),
        lead_form=bound.get("fix_lead") or FixLeadForm(version=report.version)
        if may_assign
        else None,
        invite_form=bound.get("invite") or InviteForm() if may_manage else None,
        member_form=bound.get("member") if may_manage else None,
    )
