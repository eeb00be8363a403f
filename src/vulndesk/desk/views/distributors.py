"""A project's private distributors list: the public page where organisations read the
requirements and apply (KAR-36), accept the embargo terms, and see the published members; the
security team's page where it decides on applications and publishes the terms; and the report
page's actions that send a notice and remind the silent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vulndesk.desk.access import can_send_notices, get_report_for_user, memberships_spoken_for
from vulndesk.desk.distributor_forms import (
    AcceptTermsForm,
    ApplyForm,
    DecisionForm,
    InviteForm,
    NoticeForm,
    RemindForm,
    TermsForm,
)
from vulndesk.desk.models import Project, Report
from vulndesk.desk.models.distributor import DistributorMembership, MembershipState
from vulndesk.desk.services import distributors, notices
from vulndesk.desk.services.distributors import DistributorError
from vulndesk.desk.views.common import acting_user
from vulndesk.desk.views.projects import add_field_errors, managed_project
from vulndesk.desk.views.report_page import render_report_page

BAD_INPUT = 400
ANCHOR = "distributors"  # the report page's section


def _submit(
    request: HttpRequest,
    form: forms.Form,
    change: Callable[[], str],
    *,
    done_url: str,
    refused: Callable[[], HttpResponse],
) -> HttpResponse:
    """Run `change` (one service call, returning what to tell the user) if `form` is valid and go
    to `done_url`; otherwise, or if the service refuses, `refused` shows the form again with each
    problem at its field, keeping what was typed."""
    if form.is_valid():
        try:
            done = change()
        except DistributorError as exc:
            add_field_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(done_url)
    return refused()


def join_page(
    request: HttpRequest, project: Project, *, status: int = 200, **forms: Any
) -> HttpResponse:
    section = project.policy().distributors
    context = {
        "project": project,
        "section": section,
        "terms": distributors.current_terms(project),
        "members": distributors.published_members(project),
        "mine": memberships_spoken_for(request.user, project)
        .select_related("distributor", "terms")
        .order_by("distributor__name"),
        "apply_form": forms.get("apply_form") or ApplyForm(),
        "accept_form": forms.get("accept_form"),
    }
    return render(request, "desk/distributors/join.html", context, status=status)


@never_cache
def join(request: HttpRequest, project: str) -> HttpResponse:
    """Public: the list's requirements and terms, its members if published, how to apply."""
    return join_page(request, get_object_or_404(Project, slug=project))


@login_required
@require_POST
def apply(request: HttpRequest, project: str) -> HttpResponse:
    chosen = get_object_or_404(Project, slug=project)
    form = ApplyForm(request.POST)

    def change() -> str:
        distributors.apply(chosen, **form.cleaned_data, actor=acting_user(request))
        return "Your application is with the security team."

    return _submit(
        request,
        form,
        change,
        done_url=reverse("distributors-join", kwargs={"project": chosen.slug}),
        refused=lambda: join_page(request, chosen, status=BAD_INPUT, apply_form=form),
    )


@login_required
@require_POST
def accept_terms(request: HttpRequest, project: str) -> HttpResponse:
    chosen = get_object_or_404(Project, slug=project)
    form = AcceptTermsForm(request.POST)

    def change() -> str:
        membership = get_object_or_404(
            memberships_spoken_for(request.user, chosen), pk=form.cleaned_data["membership"]
        )
        distributors.accept_terms(
            membership, digest=form.cleaned_data["digest"], actor=acting_user(request)
        )
        return f"{membership.distributor.name} accepted the terms."

    return _submit(
        request,
        form,
        change,
        done_url=reverse("distributors-join", kwargs={"project": chosen.slug}),
        refused=lambda: join_page(request, chosen, status=BAD_INPUT, accept_form=form),
    )


def _team_url(project: Project) -> str:
    return reverse("project-distributors", kwargs={"slug": project.slug})


def team_page(
    request: HttpRequest, project: Project, *, status: int = 200, **forms: Any
) -> HttpResponse:
    memberships = (
        DistributorMembership.objects.filter(project=project)
        .select_related("distributor", "terms", "decided_by", "terms_accepted_by")
        .order_by("state", "distributor__name")
    )
    terms = distributors.current_terms(project)
    context = {
        "project": project,
        "section": project.policy().distributors,
        "terms": terms,
        "applications": [m for m in memberships if m.state == MembershipState.APPLIED],
        "members": [(m, m.may_receive(terms)) for m in memberships if m.state != "applied"],
        "terms_form": forms.get("terms_form")
        or TermsForm(initial={"text": terms.text if terms else ""}),
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "decision_for": forms.get("decision_for"),
        "invite_form": forms.get("invite_form") or InviteForm(),
    }
    return render(request, "desk/distributors/team.html", context, status=status)


@login_required
@never_cache
def team(request: HttpRequest, slug: str) -> HttpResponse:
    return team_page(request, managed_project(request.user, slug))


@login_required
@require_POST
def publish_terms(request: HttpRequest, slug: str) -> HttpResponse:
    project = managed_project(request.user, slug)
    form = TermsForm(request.POST)

    def change() -> str:
        terms = distributors.publish_terms(
            project, form.cleaned_data["text"], actor=acting_user(request)
        )
        return f"Embargo terms version {terms.version} are in force."

    return _submit(
        request,
        form,
        change,
        done_url=_team_url(project),
        refused=lambda: team_page(request, project, status=BAD_INPUT, terms_form=form),
    )


@login_required
@require_POST
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    project = managed_project(request.user, slug)
    form = InviteForm(request.POST)

    def change() -> str:
        made = distributors.invite(project, **form.cleaned_data, actor=acting_user(request))
        return f"{made.distributor.name} is on the list."

    return _submit(
        request,
        form,
        change,
        done_url=_team_url(project),
        refused=lambda: team_page(request, project, status=BAD_INPUT, invite_form=form),
    )


@login_required
@require_POST
def decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = managed_project(request.user, slug)
    membership = get_object_or_404(DistributorMembership, project=project, pk=pk)
    form = DecisionForm(request.POST)

    def change() -> str:
        decided = distributors.decide(membership, **form.cleaned_data, actor=acting_user(request))
        return f"{decided.distributor.name}: {decided.get_state_display()}."

    return _submit(
        request,
        form,
        change,
        done_url=_team_url(project),
        refused=lambda: team_page(
            request, project, status=BAD_INPUT, decision_form=form, decision_for=membership.pk
        ),
    )


def _report_act(
    request: HttpRequest,
    project: str,
    number: int,
    name: str,
    form: forms.Form,
    change: Callable[[Report], str],
) -> HttpResponse:
    report = get_report_for_user(request.user, project, number)
    if not can_send_notices(request.user, report):
        raise PermissionDenied("Only those who triage this report send its distributor notices.")
    return _submit(
        request,
        form,
        lambda: change(report),
        done_url=f"{report.get_absolute_url()}#{ANCHOR}",
        refused=lambda: render_report_page(request, report, status=BAD_INPUT, bound={name: form}),
    )


@login_required
@require_POST
@never_cache
def send_notice(request: HttpRequest, project: str, number: int) -> HttpResponse:
    form = NoticeForm(request.POST)

    def change(report: Report) -> str:
        sent = notices.send_notice(report, **form.cleaned_data, actor=acting_user(request))
        return (
            f"Notice sent to {sent.count} organisations; {len(sent.held)} not sent: "
            "terms not accepted."
        )

    return _report_act(request, project, number, "notice", form, change)


@login_required
@require_POST
@never_cache
def remind(request: HttpRequest, project: str, number: int) -> HttpResponse:
    form = RemindForm(request.POST)

    def change(report: Report) -> str:
        reminded = notices.remind_silent(report, actor=acting_user(request))
        unreachable = (
            f" No notice address, so not reminded: {', '.join(reminded.no_address)}."
            if reminded.no_address
            else ""
        )
        return f"Reminded {len(reminded.sent)} organisations that have not answered.{unreachable}"

    return _report_act(request, project, number, "remind", form, change)
