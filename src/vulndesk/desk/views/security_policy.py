"""Each project's published process: its SECURITY.md (a page and the file) and security.txt.

Projects are public, as their channels are on the report page; none of this names a report.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from vulndesk.desk.markdown import render as render_markdown
from vulndesk.desk.models import Project
from vulndesk.desk.services import security_policy

TEXT = "text/plain; charset=utf-8"


def security_policy_page(request: HttpRequest, project: str) -> HttpResponse:
    chosen = get_object_or_404(Project, slug=project)
    text = security_policy.security_md(chosen, request.build_absolute_uri)
    context = {"project": chosen, "policy": render_markdown(text)}
    return render(request, "desk/security_policy.html", context)


def security_md(request: HttpRequest, project: str) -> HttpResponse:
    chosen = get_object_or_404(Project, slug=project)
    text = security_policy.security_md(chosen, request.build_absolute_uri)
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="SECURITY.md"'
    return response


def project_security_txt(request: HttpRequest, project: str) -> HttpResponse:
    """The project's own security.txt (RFC 9116), for the project's site to serve or redirect
    to from its /.well-known/security.txt: it names this project's channels only."""
    chosen = get_object_or_404(Project, slug=project)
    text = security_policy.security_txt(
        [(chosen, chosen.intake_channels())],
        request.build_absolute_uri,
        canonical=reverse("project-security-txt", kwargs={"project": chosen.slug}),
        policy=reverse("project-security-policy", kwargs={"project": chosen.slug}),
        acknowledgments=security_policy.advisories_path(chosen),
        now=timezone.now(),
    )
    return _security_txt_response(text, f"{chosen.name} takes no reports here yet.")


def security_txt(request: HttpRequest) -> HttpResponse:
    """RFC 9116's pointer to every project's channels, for tools and researchers that look
    there first."""
    text = security_policy.security_txt(
        security_policy.open_projects(),
        request.build_absolute_uri,
        canonical=reverse("security-txt"),
        policy=reverse("how-to-report"),
        acknowledgments=reverse("advisory-list"),
        now=timezone.now(),
    )
    return _security_txt_response(text, "No project takes reports here yet.")


def _security_txt_response(text: str | None, closed: str) -> HttpResponse:
    if text is None:
        # RFC 9116 requires a Contact: no file is better than one that points nowhere.
        return HttpResponse(f"{closed}\n", status=404, content_type=TEXT)
    return HttpResponse(text, content_type=TEXT)
