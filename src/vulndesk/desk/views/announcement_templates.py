"""A project's announcement templates: the security team edits the text of each kind, checked
against the report fields a template may name before it is kept."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from vulndesk.desk.models import Project
from vulndesk.desk.views.common import acting_user
from vulndesk.desk.views.projects import managed_project
from vulndesk.notify.announcements import (
    ALLOWED,
    DEFAULTS,
    FIELDS,
    TemplateProblem,
    save_template,
    template_for,
)
from vulndesk.notify.models import OutboundEmail

BAD_INPUT = 400


class TemplateForm(forms.Form):
    subject = forms.CharField(max_length=300)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 14, "cols": 80}), strip=False)


@login_required
@never_cache
def announcement_template(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    project = managed_project(request.user, slug)
    if kind not in DEFAULTS:
        raise Http404("no such announcement kind")
    if request.method != "POST":
        subject, body = template_for(project, kind)
        form = TemplateForm(initial={"subject": subject, "body": body})
        return _page(request, project, kind, form)
    form = TemplateForm(request.POST)
    if form.is_valid():
        try:
            save_template(project, kind, actor=acting_user(request), **form.cleaned_data)
        except TemplateProblem as exc:
            for problem in exc.problems:
                part, _, text = problem.partition(": ")
                form.add_error(part if part in form.fields else None, text or problem)
        else:
            messages.success(request, f"The {OutboundEmail.Kind(kind).label} template is saved.")
            return redirect("project-announcement-template", slug=project.slug, kind=kind)
    return _page(request, project, kind, form, status=BAD_INPUT)


def _page(
    request: HttpRequest, project: Project, kind: str, form: TemplateForm, status: int = 200
) -> HttpResponse:
    context = {
        "project": project,
        "kind": OutboundEmail.Kind(kind),
        "kinds": [(k, k.label) for k in DEFAULTS],
        # A notice that goes public before the Release Date lists only what it may name.
        "fields": {
            name: meaning
            for name, meaning in FIELDS.items()
            if name in ALLOWED[OutboundEmail.Kind(kind)]
        },
        "form": form,
    }
    return render(request, "desk/project/announcement_template.html", context, status=status)
