"""Projects: the list of those the user is on a team of, and each one's settings page."""

from __future__ import annotations

import json
from typing import Any

import yaml
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vulndesk.desk.access import (
    AnyUser,
    can_manage_project,
    get_project_for_user,
    projects_managed_by,
    projects_visible_to,
)
from vulndesk.desk.models import Project, ReleaseLine, ReleaseLineStatus
from vulndesk.desk.services import fix_repo
from vulndesk.desk.services import projects as services
from vulndesk.desk.services.fix_lead import next_fix_lead, rotation_members
from vulndesk.desk.views.common import acting_user
from vulndesk.process.policy import PolicyError, preset_names

MAX_OVERRIDES_LENGTH = 100_000


class PolicyForm(forms.Form):
    preset = forms.ChoiceField(choices=lambda: [(name, name) for name in preset_names()])
    overrides = forms.CharField(
        required=False,
        max_length=MAX_OVERRIDES_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text="YAML or JSON: only the fields this project changes; leave empty for none.",
    )

    def clean_overrides(self) -> dict[str, Any]:
        text = self.cleaned_data["overrides"]
        try:
            data = yaml.safe_load(text) if text.strip() else {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
            raise forms.ValidationError(f"not valid YAML or JSON at {where}") from None
        if not isinstance(data, dict):
            raise forms.ValidationError("expected a mapping of fields, such as `timeline: ...`")
        # YAML dates and numbers as keys become what the stored JSON will give back.
        return dict(json.loads(json.dumps(data, default=str)))


class TestingForm(forms.Form):
    """The branch fixes land on, and the command run on each fix branch (OEDX-19)."""

    __test__ = False  # a form, not a class for pytest to collect

    main_branch = forms.CharField(max_length=200)
    test_command = forms.CharField(
        max_length=500,
        required=False,
        help_text=(
            "run in a clean checkout of each fix branch, without a shell (for pipes, give "
            "sh -c '…'); empty: no test runs"
        ),
    )


class ReleaseLineForm(forms.Form):
    name = forms.CharField(max_length=100)
    branch = forms.CharField(max_length=200, required=False)
    status = forms.ChoiceField(choices=ReleaseLineStatus.choices)
    latest_version = forms.CharField(max_length=100, required=False)


def policy_form_for(project: Project) -> PolicyForm:
    overrides = project.policy_overrides
    text = yaml.safe_dump(overrides, sort_keys=False, allow_unicode=True) if overrides else ""
    return PolicyForm(initial={"preset": project.preset, "overrides": text})


def initial_of(line: ReleaseLine) -> dict[str, str]:
    return {field: getattr(line, field) for field in services.RELEASE_LINE_FIELDS}


def line_forms(project: Project, bound: dict[int, ReleaseLineForm]) -> list[Any]:
    return [
        (
            line,
            bound.get(line.pk)
            or ReleaseLineForm(initial=initial_of(line), prefix=f"line{line.pk}"),
        )
        for line in project.release_lines.order_by("name")
    ]


def settings_page(
    request: HttpRequest, project: Project, *, status: int = 200, **forms_given: Any
) -> HttpResponse:
    context = {
        "project": project,
        "policy_form": forms_given.get("policy_form") or policy_form_for(project),
        "new_line_form": forms_given.get("new_line_form") or ReleaseLineForm(prefix="new"),
        "lines": line_forms(project, forms_given.get("line_forms", {})),
        "testing_form": forms_given.get("testing_form")
        or TestingForm(
            initial={"main_branch": project.main_branch, "test_command": project.test_command}
        ),
        "rotation": {"order": rotation_members(project), "next": next_fix_lead(project)},
    }
    return render(request, "desk/project_settings.html", context, status=status)


def managed_project(user: AnyUser, slug: str) -> Project:
    """404 if the user is on no team of it, 403 if they are but may not change it."""
    project = get_project_for_user(user, slug)
    if not can_manage_project(user, project):
        raise PermissionDenied("Only the project's security team changes its settings.")
    return project


@login_required
@never_cache
def project_list(request: HttpRequest) -> HttpResponse:
    managed = set(projects_managed_by(request.user).values_list("pk", flat=True))
    projects = [
        (project, project.pk in managed)
        for project in projects_visible_to(request.user).order_by("name")
    ]
    return render(request, "desk/project_list.html", {"projects": projects})


@login_required
@never_cache
def project_settings(request: HttpRequest, slug: str) -> HttpResponse:
    project = managed_project(request.user, slug)
    if request.method != "POST":
        return settings_page(request, project)
    form = PolicyForm(request.POST)
    if form.is_valid():
        try:
            services.update_policy(
                project,
                preset=form.cleaned_data["preset"],
                overrides=form.cleaned_data["overrides"],
                actor=acting_user(request),
            )
        except PolicyError as exc:
            for problem in exc.problems:
                form.add_error("preset" if problem.startswith("preset:") else "overrides", problem)
        else:
            return redirect("project-settings", slug=project.slug)
    return settings_page(request, project, status=400, policy_form=form)


@login_required
@require_POST
def project_testing(request: HttpRequest, slug: str) -> HttpResponse:
    project = managed_project(request.user, slug)
    form = TestingForm(request.POST)
    if form.is_valid():
        try:
            fix_repo.configure_testing(project, **form.cleaned_data, actor=acting_user(request))
        except ValueError as exc:
            add_field_errors(form, exc)
        else:
            return redirect("project-settings", slug=project.slug)
    return settings_page(request, project, status=400, testing_form=form)


@login_required
@require_POST
def release_line_add(request: HttpRequest, slug: str) -> HttpResponse:
    project = managed_project(request.user, slug)
    form = ReleaseLineForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            services.add_release_line(project, **form.cleaned_data, actor=acting_user(request))
        except ValueError as exc:
            add_field_errors(form, exc)
        else:
            return redirect("project-settings", slug=project.slug)
    return settings_page(request, project, status=400, new_line_form=form)


@login_required
@require_POST
def release_line_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    project = managed_project(request.user, slug)
    line = get_object_or_404(ReleaseLine, project=project, pk=pk)
    form = ReleaseLineForm(request.POST, prefix=f"line{line.pk}")
    if form.is_valid():
        try:
            services.update_release_line(line, **form.cleaned_data, actor=acting_user(request))
        except ValueError as exc:
            add_field_errors(form, exc)
        else:
            return redirect("project-settings", slug=project.slug)
    return settings_page(request, project, status=400, line_forms={line.pk: form})


def add_field_errors(form: forms.Form, exc: ValueError) -> None:
    """The services say "field: message; field: message"; put each on its field."""
    for problem in str(exc).split("; "):
        field, _, message = problem.partition(": ")
        form.add_error(field if field in form.fields else None, message or problem)
