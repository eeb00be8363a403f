"""What a team does on the report page. Each view: the report through `desk.access` (404 for
outsiders), the right to act (403), the form, one service call, then back to the page
(POST-redirect-GET) with a message; a refusal shows the page again with the user's input."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vulndesk.desk.access import (
    can_comment,
    can_edit_affects,
    can_message_reporter,
    can_triage,
    get_report_for_user,
    reports_visible_to,
)
from vulndesk.desk.forms import (
    AffectForm,
    CommentForm,
    CvssForm,
    FixExceptionForm,
    PrivateHandlingForm,
    PublishAnywayForm,
    RemoveAffectForm,
    ReporterReplyForm,
    ReportForm,
    TransitionForm,
    TriageForm,
)
from vulndesk.desk.models import Report
from vulndesk.desk.noise import DuplicateForm, RejectForm
from vulndesk.desk.services.affects import add_affect, remove_affect
from vulndesk.desk.services.comments import add_comment
from vulndesk.desk.services.errors import StaleReportError
from vulndesk.desk.services.noise import mark_duplicate, reject
from vulndesk.desk.services.reporter import (
    ask_to_go_private,
    post_to_reporter,
    record_private_handling,
)
from vulndesk.desk.services.reporter_links import revoke_all_reporter_links
from vulndesk.desk.services.reports import record_triage, score_report
from vulndesk.desk.services.schedule import ReleaseDateRefused, record_fix_exception
from vulndesk.desk.services.transitions import transition
from vulndesk.desk.views.common import acting_user
from vulndesk.desk.views.cvss import CvssPreview
from vulndesk.desk.views.report_page import conflict, render_report_page
from vulndesk.process.lifecycle import TRIAGE_FIELDS, TransitionError

# A refused request is the user's to fix: the page again, the problem next to the field.
BAD_INPUT = 400
CONFLICT = 409
# Where on the page each form sits, to come back to it.
ANCHORS = {
    "transition": "state",
    "cvss": "cvss",
    "triage": "triage",
    "affect": "affects",
    "remove": "affects",
    "comment": "comments",
    "duplicate": "noise",
    "reject": "noise",
    "reply": "reporter",
    "private": "handling",
    "exception": "release-plan",
    "force": "state",
    "withdraw": "advisory-history",
    "revision": "advisory-history",
    "release_date": "release-date",
}


def _report(request: HttpRequest, project: str, number: int, may: Callable[..., bool]) -> Report:
    report = get_report_for_user(request.user, project, number)
    if not may(request.user, report):
        raise PermissionDenied("you may read this report but not do this to it")
    return report


def _add_problems(form: forms.Form, exc: ValueError, field: str | None) -> None:
    """Put each "field: message" of a service's refusal next to its field; the rest on `field`."""
    if isinstance(exc, ReleaseDateRefused):  # each policy rule the date breaks, at the date
        for broken in exc.problems:
            form.add_error("release_date", broken.message)
        return
    # The services' field checks join their problems with "; "; a rule's refusal lists its own.
    problems = exc.problems if isinstance(exc, TransitionError) else str(exc).split("; ")
    for problem in problems:
        name, found, message = problem.partition(": ")
        if found and name in form.fields:
            form.add_error(name, message)
        else:
            form.add_error(field, problem)


def _act(
    request: HttpRequest,
    report: Report,
    name: str,
    form: forms.Form,
    change: Callable[[], str],
    *,
    field: str | None = None,
) -> HttpResponse:
    """Run `change` (one service call, returning what to tell the user) if `form` is valid."""
    if not form.is_valid():
        return render_report_page(request, report, status=BAD_INPUT, bound={name: form})
    try:
        done = change()
    except StaleReportError:
        if not isinstance(form, ReportForm):
            raise  # only the versioned forms pass an expected version
        current = get_report_for_user(request.user, report.project.slug, report.number)
        problem = conflict(current, seen_version=form.cleaned_data["version"])
        form.show_version(current.version)
        return render_report_page(
            request, current, status=CONFLICT, bound={name: form}, problem=problem
        )
    except ValueError as exc:  # TransitionError, CvssError and the services' field checks
        _add_problems(form, exc, field)
        return render_report_page(request, report, status=BAD_INPUT, bound={name: form})
    messages.success(request, done)
    return redirect(f"{report.get_absolute_url()}#{ANCHORS[name]}")


@login_required
@require_POST
@never_cache
def transition_report(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = _report(request, project, number, can_triage)
    forced = request.POST.get("force") in {"True", "true", "on", "1"}
    form_class = PublishAnywayForm if forced else TransitionForm
    form = form_class(request.POST, version=report.version)

    def change() -> str:
        moved = transition(
            report,
            form.cleaned_data["target"],
            actor=acting_user(request),
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
            force=forced,
        )
        anyway = " anyway; the guards it overrode are in the audit trail" if forced else ""
        return f"{moved.key} moved to {moved.get_state_display()}{anyway}."

    return _act(request, report, "force" if forced else "transition", form, change)


@login_required
@require_POST
@never_cache
def score(request: HttpRequest, project: str, number: int) -> HttpResponse:
    """Save a vector, or (Preview) show its score without saving: the calculator without JS."""
    report = _report(request, project, number, can_triage)
    form = CvssForm(request.POST, version=report.version)
    if form.is_valid() and form.cleaned_data["action"] != "save":
        shown = CvssForm(version=form.cleaned_data["version"], vector=form.score.vector)
        preview = CvssPreview(score=form.score)
        return render_report_page(request, report, bound={"cvss": shown}, preview=preview)

    def change() -> str:
        scored = score_report(
            report,
            form.score.vector,
            actor=acting_user(request),
            expected_version=form.cleaned_data["version"],
        )
        shown = f"{scored.cvss_score} ({scored.severity}), CVSS {scored.cvss_version}"
        return f"{scored.key} scored {shown}."

    return _act(request, report, "cvss", form, change, field="vector")


@login_required
@require_POST
@never_cache
def triage(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = _report(request, project, number, can_triage)
    required = report.project.policy().triage.required_fields
    form = TriageForm(
        request.POST,
        report=report,
        others=reports_visible_to(request.user),
        required={name: TRIAGE_FIELDS[name] for name in required},
    )

    def change() -> str:
        answers, original = form.answers(), form.new_duplicate_of()
        if not answers and original is None:
            return "Nothing changed in the questionnaire."
        record_triage(
            report,
            answers,
            actor=acting_user(request),
            duplicate_of=original,
            expected_version=form.cleaned_data["version"],
        )
        return f"Triage answers recorded for {report.key}."

    return _act(request, report, "triage", form, change)


@login_required
@require_POST
@never_cache
def affect_add(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = _report(request, project, number, can_edit_affects)
    form = AffectForm(request.POST, report=report)

    def change() -> str:
        affect = add_affect(
            report,
            release_line=form.cleaned_data["release_line"],
            package=form.cleaned_data["package"],
            affected_range=form.cleaned_data["affected_range"],
            fixed_version=form.cleaned_data["fixed_version"],
            status=form.cleaned_data["status"],
            actor=acting_user(request),
            expected_version=form.cleaned_data["version"],
        )
        return f"Affect added: {affect}."

    return _act(request, report, "affect", form, change)


@login_required
@require_POST
@never_cache
def affect_remove(request: HttpRequest, project: str, number: int, affect: int) -> HttpResponse:
    report = _report(request, project, number, can_edit_affects)
    gone = get_object_or_404(report.affects.select_related("release_line"), pk=affect)
    form = RemoveAffectForm(request.POST, version=report.version)

    def change() -> str:
        version = form.cleaned_data["version"]
        remove_affect(gone, actor=acting_user(request), expected_version=version)
        return f"Affect removed: {gone}."

    return _act(request, report, "remove", form, change)


@login_required
@require_POST
@never_cache
def comment_add(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = _report(request, project, number, can_comment)
    form = CommentForm(request.POST)

    def change() -> str:
        add_comment(report, author=acting_user(request), body=form.cleaned_data["body"])
        return "Comment added."

    return _act(request, report, "comment", form, change, field="body")


@login_required
@require_POST
@never_cache
def duplicate(request: HttpRequest, project: str, number: int) -> HttpResponse:
    """Mark the report a duplicate of one of the similar reports, in one action."""
    report = _report(request, project, number, can_triage)
    form = DuplicateForm(request.POST, report=report, others=reports_visible_to(request.user))

    def change() -> str:
        original = form.cleaned_data["original"]
        version = form.cleaned_data["version"]
        moved = mark_duplicate(
            report, original, actor=acting_user(request), expected_version=version
        )
        return f"{moved.key} marked as a duplicate of {original.key}."

    return _act(request, report, "duplicate", form, change, field="original")


@login_required
@require_POST
@never_cache
def reject_report(request: HttpRequest, project: str, number: int) -> HttpResponse:
    """Reject the report with a canned, polite reason (and the triager's note), in one action."""
    report = _report(request, project, number, can_triage)
    form = RejectForm(request.POST, version=report.version)

    def change() -> str:
        version = form.cleaned_data["version"]
        reason = form.reason_text()
        moved = reject(report, reason, actor=acting_user(request), expected_version=version)
        return f"{moved.key} rejected."

    return _act(request, report, "reject", form, change, field="reason")


@login_required
@require_POST
@never_cache
def reporter_reply(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = _report(request, project, number, can_message_reporter)
    form = ReporterReplyForm(request.POST)

    def change() -> str:
        post_to_reporter(report, author=acting_user(request), body=form.cleaned_data["body"])
        if report.reporter_email:
            return f"Message sent to the reporter of {report.key}, on their link and by email."
        return f"Message added to {report.key}'s thread; the reporter reads it on their link."

    return _act(request, report, "reply", form, change, field="body")


@login_required
@require_POST
@never_cache
def private_handling(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = _report(request, project, number, can_message_reporter)
    form = PrivateHandlingForm(request.POST, version=report.version)

    def change() -> str:
        action, version = form.cleaned_data["action"], form.cleaned_data["version"]
        if action == "ask":
            ask_to_go_private(report, actor=acting_user(request), expected_version=version)
            return "The reporter was asked whether it can be handled privately."
        done = record_private_handling(
            report, action, actor=acting_user(request), expected_version=version
        )
        return f"Recorded: the reporter {done.get_private_handling_display()}."

    return _act(request, report, "private", form, change)


@login_required
@require_POST
@never_cache
def reporter_links_revoke(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = _report(request, project, number, can_message_reporter)
    closed = revoke_all_reporter_links(report, actor=acting_user(request))
    messages.success(request, f"{closed} private link(s) of {report.key} revoked.")
    return redirect(f"{report.get_absolute_url()}#reporter")


@login_required
@require_POST
@never_cache
def fix_exception(request: HttpRequest, project: str, number: int) -> HttpResponse:
    report = _report(request, project, number, can_triage)
    form = FixExceptionForm(request.POST, version=report.version)

    def change() -> str:
        record_fix_exception(
            report,
            reason=form.cleaned_data["reason"],
            actor=acting_user(request),
            expected_version=form.cleaned_data["version"],
        )
        return f"{report.key} will be fixed despite affecting unsupported lines only (VIT-12)."

    return _act(request, report, "exception", form, change, field="reason")
