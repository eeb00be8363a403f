"""Who leads the fix and who works on it: the report page's Fix Lead & Fix Team actions, and
the invitee's own answer (on the report's address, or through the link mailed to them)."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vulndesk.desk.access import (
    AnyUser,
    can_assign_fix_lead,
    can_manage_fix_team,
    get_report_for_user,
    invitation_for_user,
)
from vulndesk.desk.models import FixTeamMember, Report
from vulndesk.desk.services import fix_team
from vulndesk.desk.services.errors import StaleReportError
from vulndesk.desk.services.fix_lead import assign_fix_lead
from vulndesk.desk.views.common import acting_user
from vulndesk.desk.views.fix_team_section import AnswerForm, FixLeadForm, InviteForm, MemberForm
from vulndesk.desk.views.report_page import conflict, render_report_page
from vulndesk.lib.tokens import digest

ANCHOR = "fix-team"


def _report(
    request: HttpRequest, project: str, number: int, may: Callable[[AnyUser, Report], bool]
) -> Report:
    report = get_report_for_user(request.user, project, number)
    if not may(request.user, report):
        raise PermissionDenied("you may read this report but not do this to it")
    return report


def _act(
    request: HttpRequest, report: Report, name: str, form: forms.Form, change: Callable[[], str]
) -> HttpResponse:
    """Run `change` (one service call) if `form` is valid; else the page with the problem."""
    if form.is_valid():
        try:
            done = change()
        except StaleReportError:
            assert isinstance(form, FixLeadForm)  # noqa: S101 -- the only versioned form here
            current = get_report_for_user(request.user, report.project.slug, report.number)
            problem = conflict(current, seen_version=form.cleaned_data["version"])
            form.show_version(current.version)
            return render_report_page(
                request, current, status=409, bound={name: form}, problem=problem
            )
        except ValueError as exc:  # the services say "field: what is wrong" where one is
            field, found, message = str(exc).partition(": ")
            if found and field in form.fields:
                form.add_error(field, message)
            else:
                form.add_error(None, str(exc))
        else:
            messages.success(request, done)
            return redirect(f"{report.get_absolute_url()}#{ANCHOR}")
    return render_report_page(request, report, status=400, bound={name: form})


@login_required
@require_POST
@never_cache
def fix_lead_assign(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = _report(request, project, number, can_assign_fix_lead)
    form = FixLeadForm(request.POST, version=report.version)

    def change() -> str:
        led = assign_fix_lead(
            report,
            actor=acting_user(request),
            member=form.cleaned_data["member"],
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
        return f"{led.fix_lead} leads the fix of {led.key}."

    return _act(request, report, "fix_lead", form, change)


@login_required
@require_POST
@never_cache
def fix_team_invite(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = _report(request, project, number, can_manage_fix_team)
    form = InviteForm(request.POST)

    def change() -> str:
        invited = fix_team.invite(
            report,
            actor=acting_user(request),
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
        )
        return f"{fix_team.who(invited)} is invited to the Fix Team of {report.key}."

    return _act(request, report, "invite", form, change)


@login_required
@require_POST
@never_cache
def fix_team_member(request: HttpRequest, project: str, number: int) -> HttpResponse:
    """Record a member's private-repo access, or take them off the team."""
    report = _report(request, project, number, can_manage_fix_team)
    form = MemberForm(request.POST, report=report)

    def change() -> str:
        member, actor = form.cleaned_data["member"], acting_user(request)
        if form.cleaned_data["action"] == "grant":
            fix_team.grant_repo_access(member, actor=actor)
            return f"Recorded: {fix_team.who(member)} has access to the private security repo."
        fix_team.remove(member, actor=actor, reason=form.cleaned_data["reason"])
        return f"{fix_team.who(member)} is off the Fix Team of {report.key}."

    return _act(request, report, "member", form, change)


def _answer(request: HttpRequest, invitation: FixTeamMember, form: AnswerForm) -> HttpResponse:
    report, user = invitation.report, acting_user(request)
    try:
        if form.cleaned_data["action"] == "decline":
            fix_team.decline(invitation, user=user)
            messages.success(request, f"You declined the invitation to {report.key}.")
            return redirect("dashboard")
        fix_team.accept(invitation, user=user)
    except ValueError as exc:
        form.add_error(None, str(exc))
        return _invitation_page(request, invitation, form, status=400)
    messages.success(request, f"You are on the Fix Team of {report.key}.")
    return redirect(report.get_absolute_url())


def _invitation_page(
    request: HttpRequest,
    invitation: FixTeamMember,
    form: forms.Form,
    *,
    token: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {"invitation": invitation, "report": invitation.report, "form": form, "token": token}
    return render(request, "desk/fix_team/invitation.html", context, status=status)


@login_required
@never_cache
def fix_team_accept(request: HttpRequest, project: str, number: int) -> HttpResponse:
    """The invitee's answer; until they accept, this is all of the report they may open."""
    invitation = invitation_for_user(request.user, project, number)
    if request.method != "POST":
        return _invitation_page(request, invitation, AnswerForm())
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _invitation_page(request, invitation, form, status=400)
    return _answer(request, invitation, form)


@login_required
@never_cache
def fix_team_accept_invite(request: HttpRequest, token: str) -> HttpResponse:
    """The mailed one-time link: accepting binds the invitation to the signed-in account.

    Opening the link changes nothing (mail scanners open links too); the button accepts.
    """
    invitation = (
        FixTeamMember.objects.filter(
            invite_token_digest=digest(token),
            user__isnull=True,
            accepted_at__isnull=True,
            ended_at__isnull=True,
        )
        .select_related("report__project", "invited_by")
        .first()
    )
    if invitation is None:
        raise Http404("No such invitation: the link was used, withdrawn or mistyped.")
    form = AnswerForm(request.POST or None, initial={"action": "accept"})
    if request.method != "POST":
        return _invitation_page(request, invitation, form, token=token)
    if not form.is_valid() or form.cleaned_data["action"] != "accept":
        form.add_error(None, "this link only accepts; to say no, just leave it unused")
        return _invitation_page(request, invitation, form, token=token, status=400)
    try:
        accepted = fix_team.accept_by_token(token, user=acting_user(request))
    except ValueError as exc:
        form.add_error(None, str(exc))
        return _invitation_page(request, invitation, form, token=token, status=400)
    if accepted is None:
        raise Http404("No such invitation: the link was used, withdrawn or mistyped.")
    messages.success(request, f"You are on the Fix Team of {accepted.report.key}.")
    return redirect(accepted.report.get_absolute_url())
