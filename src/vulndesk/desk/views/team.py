"""A project's team page: the roster, leaves, inactivity flags, nominations, removal votes and
components (Karmada governance, FOLIO ownership). The project's team members and operators see
it (404 for anyone else); the security team changes it (403 for the rest of the team), except
what the rules give others: a maintainer nominates (KAR-4), a member steps down or declares
their own leave (KAR-5, KAR-7), an eligible member votes (KAR-9)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vulndesk.desk.access import (
    can_manage_project,
    can_nominate,
    can_triage,
    get_project_for_user,
    get_report_for_user,
)
from vulndesk.desk.models import Nomination, Project, RemovalVote, TeamLeave, TeamMember, TeamRole
from vulndesk.desk.services import components, governance
from vulndesk.desk.services.errors import StaleReportError
from vulndesk.desk.team_forms import (
    ComponentForm,
    LeaveForm,
    NominateForm,
    NominationForm,
    ReportComponentForm,
    StepDownForm,
    VoteForm,
)
from vulndesk.desk.views.common import acting_user
from vulndesk.desk.views.projects import add_field_errors
from vulndesk.desk.views.report_page import conflict, render_report_page

BAD_INPUT = 400
CONFLICT = 409


def vote_rows(project: Project, user_id: int) -> list[dict[str, Any]]:
    threshold = project.policy().team.inactivity.removal_vote.threshold
    rows = []
    votes = RemovalVote.objects.filter(member__project=project, closed_at__isnull=True)
    for vote in votes.select_related("member__user", "member__project", "opened_by"):
        in_favour, against, eligible = governance.count(vote)
        voters = governance.eligible_voters(vote.member)
        voted = vote.ballots.filter(voter_id=user_id).exists()
        rows.append(
            {
                "vote": vote,
                "in_favour": in_favour,
                "against": against,
                "eligible": eligible,
                "threshold": threshold,
                "may_vote": user_id in voters and not voted,
            }
        )
    return rows


def team_page(
    request: HttpRequest, project: Project, *, status: int = 200, **bound: forms.Form
) -> HttpResponse:
    today = timezone.localdate()
    user_id = acting_user(request).pk
    current = governance.current(project).select_related("user").order_by("user__username")
    context = {
        "project": project,
        "today": today,
        "manage": can_manage_project(request.user, project),
        "may_nominate": can_nominate(request.user, project),
        "policy": project.policy().team,
        "standings": governance.standings(project, today),
        "maintainers": current.filter(role=TeamRole.MAINTAINER),
        "release_managers": current.filter(role=TeamRole.RELEASE_MANAGER),
        "mine": current.filter(user_id=user_id),
        "leaves": TeamLeave.objects.filter(
            member__project=project, member__left_at__isnull=True, ends_on__gte=today
        )
        .select_related("member__user", "cover__user")
        .order_by("starts_on"),
        "nominations": Nomination.objects.filter(project=project, decided_at__isnull=True)
        .select_related("nominee", "nominated_by")
        .order_by("created_at"),
        "votes": vote_rows(project, user_id),
        "components": project.components.prefetch_related("owners").order_by("name"),
        "forms": {
            "nominate": NominateForm(project=project),
            "leave": LeaveForm(project=project),
            "component": ComponentForm(project=project),
            **bound,
        },
    }
    return render(request, "desk/team.html", context, status=status)


def _change(
    request: HttpRequest, project: Project, name: str, form: forms.Form, change: Callable[[], str]
) -> HttpResponse:
    """One service call if the form is valid; the page again with the problem if not."""
    if form.is_valid():
        try:
            done = change()
        except ValueError as exc:
            add_field_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("project-team", slug=project.slug)
    return team_page(request, project, status=BAD_INPUT, **{name: form})


def _managed(request: HttpRequest, slug: str) -> Project:
    project = get_project_for_user(request.user, slug)
    if not can_manage_project(request.user, project):
        raise PermissionDenied("Only the project's security team changes its team.")
    return project


@login_required
@never_cache
def team(request: HttpRequest, slug: str) -> HttpResponse:
    return team_page(request, get_project_for_user(request.user, slug))


@login_required
@require_POST
def nominate(request: HttpRequest, slug: str) -> HttpResponse:
    project = get_project_for_user(request.user, slug)
    if not can_nominate(request.user, project):
        raise PermissionDenied("Members of the security team and maintainers nominate (KAR-4).")
    form = NominateForm(request.POST, project=project)

    def change() -> str:
        nominee = form.cleaned_data["username"]
        governance.nominate(
            project,
            nominee,
            kind=form.cleaned_data["kind"],
            nominated_by=acting_user(request),
            reason=form.cleaned_data["reason"],
        )
        return f"{nominee.get_username()} is nominated; the security team decides."

    return _change(request, project, "nominate", form, change)


@login_required
@require_POST
def nomination(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = _managed(request, slug)
    found = get_object_or_404(Nomination, project=project, pk=pk)
    form = NominationForm(request.POST, project=project)

    def change() -> str:
        who = found.nominee.get_username()
        if form.cleaned_data["action"] == "accept":
            member = governance.accept_nomination(
                found, actor=acting_user(request), company=form.cleaned_data["company"]
            )
            return f"{who} joined as {member.get_role_display()}."
        governance.decline_nomination(
            found, actor=acting_user(request), reason=form.cleaned_data["reason"]
        )
        return f"The nomination of {who} is declined."

    return _change(request, project, "nomination", form, change)


@login_required
@require_POST
def step_down(request: HttpRequest, slug: str) -> HttpResponse:
    project = get_project_for_user(request.user, slug)
    form = StepDownForm(request.POST, project=project)

    def change() -> str:
        role = form.cleaned_data["role"]
        own = TeamMember.objects.filter(
            project=project, user=acting_user(request), role=role, left_at__isnull=True
        ).first()
        if own is None:
            raise ValueError(f"role: you are not a current {role.replace('_', ' ')} here")
        governance.step_down(own, actor=acting_user(request))
        return f"You stepped down as {own.get_role_display()}."

    return _change(request, project, "step_down", form, change)


@login_required
@require_POST
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    project = get_project_for_user(request.user, slug)
    form = LeaveForm(request.POST, project=project)

    def change() -> str:
        data = form.cleaned_data
        governance.declare_leave(
            data["member"],
            data["starts_on"],
            data["ends_on"],
            reason=data["reason"],
            cover=data["cover"],
            actor=acting_user(request),
        )
        return f"Leave recorded for {data['member'].user.get_username()}."

    return _change(request, project, "leave", form, change)


@login_required
@require_POST
def vote(request: HttpRequest, slug: str) -> HttpResponse:
    project = get_project_for_user(request.user, slug)
    form = VoteForm(request.POST, project=project)
    if request.POST.get("action") != "cast" and not can_manage_project(request.user, project):
        raise PermissionDenied("The security team opens and closes removal votes.")

    def change() -> str:
        data, actor = form.cleaned_data, acting_user(request)
        if data["action"] == "open":
            opened = governance.open_removal_vote(
                data["member"], opened_by=actor, reason=data["reason"]
            )
            return f"A vote on removing {opened.member.user.get_username()} is open."
        if data["action"] == "cast":
            governance.cast_ballot(data["vote"], actor, data["in_favour"])
            return "Your ballot is counted."
        result = governance.close_removal_vote(data["vote"], actor=actor)
        outcome = "removed" if result.passes else "kept"
        return f"Vote closed: {result.in_favour} of {result.eligible} in favour, {outcome}."

    return _change(request, project, "vote", form, change)


@login_required
@require_POST
def project_components(request: HttpRequest, slug: str) -> HttpResponse:
    project = _managed(request, slug)
    form = ComponentForm(request.POST, project=project)

    def change() -> str:
        data, actor = form.cleaned_data, acting_user(request)
        if data["action"] == "create":
            made = components.create_component(project, data["name"], actor=actor)
            return f"Component {made.name} created."
        if data["action"] == "rename":
            renamed = components.rename_component(data["component"], data["name"], actor=actor)
            return f"Component renamed to {renamed.name}."
        components.set_owners(data["component"], data["owners"], actor=actor)
        return f"Owners of {data['component'].name} saved."

    return _change(request, project, "component", form, change)


@login_required
@require_POST
@never_cache
def report_component(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = get_report_for_user(request.user, project, number)
    if not can_triage(request.user, report):
        raise PermissionDenied("you may read this report but not do this to it")
    form = ReportComponentForm(request.POST, version=report.version, report_project=report.project)
    if not form.is_valid():
        return render_report_page(request, report, status=BAD_INPUT, bound={"component": form})
    try:
        components.set_report_component(
            report,
            form.cleaned_data["component"],
            actor=acting_user(request),
            expected_version=form.cleaned_data["version"],
        )
    except StaleReportError:
        current = get_report_for_user(request.user, project, number)
        problem = conflict(current, seen_version=form.cleaned_data["version"])
        form.show_version(current.version)
        return render_report_page(
            request, current, status=CONFLICT, bound={"component": form}, problem=problem
        )
    except ValueError as exc:
        add_field_errors(form, exc)
        return render_report_page(request, report, status=BAD_INPUT, bound={"component": form})
    messages.success(request, "Component saved.")
    return redirect(f"{report.get_absolute_url()}#component")
