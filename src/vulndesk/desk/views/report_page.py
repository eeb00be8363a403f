"""The report page, as `report_detail` shows it and as an action shows it again: with the
user's input, the problem next to the field, or what someone else changed meanwhile."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django import forms
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from vulndesk.desk.access import (
    can_comment,
    can_edit_affects,
    can_message_reporter,
    can_read_retrospective,
    can_triage,
    reports_visible_to,
)
from vulndesk.desk.forms import (
    NOT_ANSWERED,
    QUESTION_CHOICES,
    QUESTION_LABELS,
    QUESTIONNAIRE,
    TRANSITION_BUTTONS,
    AffectForm,
    CommentForm,
    CvssForm,
    FixExceptionForm,
    PrivateHandlingForm,
    ReporterReplyForm,
    TransitionForm,
    TriageForm,
)
from vulndesk.desk.models import AuditEvent, Report
from vulndesk.desk.noise import RejectForm, noise_for
from vulndesk.desk.services.publication import revision_history
from vulndesk.desk.services.transitions import transition_facts
from vulndesk.desk.views.advisory_section import advisory_section
from vulndesk.desk.views.backport_section import backport_section
from vulndesk.desk.views.component_section import component_section
from vulndesk.desk.views.cvss import CvssPreview, preview_of
from vulndesk.desk.views.distributor_section import distributor_section
from vulndesk.desk.views.embargo_break_section import embargo_break_section
from vulndesk.desk.views.fix_repo_page import fix_repo_section
from vulndesk.desk.views.fix_team_section import fix_team_section
from vulndesk.desk.views.outbox_section import outbox_section
from vulndesk.desk.views.publication_section import publication_forms
from vulndesk.desk.views.release_date_section import release_date_section
from vulndesk.process.lifecycle import ALLOWED, TRIAGE_FIELDS, State, check_transition

# Changes listed on the conflict page; more than this and the timeline tells the rest.
CONFLICT_EVENTS = 5


@dataclass(frozen=True)
class Conflict:
    """Someone else changed the report after the user loaded the page."""

    message: str
    events: list[AuditEvent]


def conflict(current: Report, seen_version: int) -> Conflict:
    """Say what the report is now and the changes the user did not see."""
    scored = f", scored {current.cvss_score} ({current.severity})" if current.cvss_vector else ""
    message = (
        f"Someone else changed {current.key} while you had this page open: it is now "
        f"{current.get_state_display()}{scored}. Nothing of yours was saved; your input is kept "
        "below. Check it against the report as it is now, then send it again."
    )
    unseen = max(current.version - seen_version, 1)
    events = (
        current.audit_events.exclude(action="comment.added")  # comments bump no version
        .select_related("actor")
        .order_by("-seq")[: min(unseen, CONFLICT_EVENTS)]
    )
    return Conflict(message=message, events=list(events))


def transitions_now(report: Report) -> tuple[list[State], list[str]]:
    """The moves the rules allow now, and why each other next step is not possible yet."""
    current, facts = report.current_state, transition_facts(report)
    required = report.project.policy().triage.required_fields
    offered, blocked = [], []
    for target in (state for state in State if state in ALLOWED[current]):
        try:
            check_transition(current, target, facts, required_triage_fields=required)
        except ValueError as exc:
            blocked.append(str(exc))
        else:
            offered.append(target)
    return offered, blocked


def triage_answers(report: Report) -> list[tuple[str, str]]:
    """The questionnaire as text, for those who read it but do not triage."""
    rows = []
    for name in QUESTIONNAIRE:
        value = getattr(report, name)
        if value is None or isinstance(value, bool):
            shown = {True: "Yes", False: "No", None: NOT_ANSWERED}[value]
        elif name in QUESTION_CHOICES:
            shown = str(dict(QUESTION_CHOICES[name].choices).get(value, NOT_ANSWERED))
        else:
            shown = value or NOT_ANSWERED
        rows.append((QUESTION_LABELS[name], shown))
    return rows


def blank_forms(
    request: HttpRequest, report: Report, may: Mapping[str, bool]
) -> dict[str, forms.Form]:
    """The forms this user may use on this report, and no others."""
    page_forms: dict[str, forms.Form] = {}
    if may["triage"]:
        required = report.project.policy().triage.required_fields
        page_forms["transition"] = TransitionForm(version=report.version)
        page_forms["cvss"] = CvssForm(version=report.version, vector=report.cvss_vector)
        page_forms["triage"] = TriageForm(
            report=report,
            others=reports_visible_to(request.user),
            required={name: TRIAGE_FIELDS[name] for name in required},
        )
        page_forms["reject"] = RejectForm(version=report.version)
        page_forms["exception"] = FixExceptionForm(version=report.version)
    if may["affects"]:
        page_forms["affect"] = AffectForm(report=report)
    if may["comment"]:
        page_forms["comment"] = CommentForm()
    if may["reply"]:
        page_forms["reply"] = ReporterReplyForm()
        page_forms["private"] = PrivateHandlingForm(version=report.version)
    return page_forms


def render_report_page(
    request: HttpRequest,
    report: Report,
    *,
    status: int = 200,
    bound: Mapping[str, forms.Form] | None = None,
    preview: CvssPreview | None = None,
    problem: Conflict | None = None,
) -> HttpResponse:
    """The page; `bound` replaces the blank forms of those names with the user's own."""
    user = request.user
    may = {
        "triage": can_triage(user, report),
        "affects": can_edit_affects(user, report),
        "comment": can_comment(user, report),
        "reply": can_message_reporter(user, report),
        "retrospective": can_read_retrospective(user, report),
    }
    page_forms = {**blank_forms(request, report, may), **(bound or {})}
    if preview is None:
        # The calculator opens on the stored score; after a refused vector, on nothing.
        preview = CvssPreview() if bound and "cvss" in bound else preview_of(report.cvss_vector)
    now = timezone.now()
    deadlines = [
        (deadline, deadline.status(now))
        for deadline in report.deadlines.prefetch_related("pauses").order_by(
            # Those still waiting for their anchor go last, on SQLite as on PostgreSQL.
            F("due_at").asc(nulls_last=True),
            "name",
        )
    ]
    offered, blocked = transitions_now(report) if may["triage"] else ([], [])
    publish_blocked = State.PUBLISHED in ALLOWED[report.current_state] and bool(blocked)
    page_forms = {**publication_forms(user, report, publish_blocked), **page_forms}
    context = {
        "report": report,
        "handling": report.handling(),
        "plan": report.release_plan(),
        "asks_to_go_private": report.project.policy().public_disclosure.ask_reporter_to_go_private,
        "deadlines": deadlines,
        "events": report.audit_events.select_related("actor").order_by("seq"),
        "comments": report.comments.select_related("author").order_by("created_at", "pk"),
        "affects": report.affects.select_related("release_line").order_by("pk"),
        "thread": report.reporter_messages.select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "pk"),
        "attachments": report.attachments.order_by("created_at", "pk"),
        "live_links": report.reporter_links.live().count(),
        "fix_team": report.fix_team_members.active().select_related("user").order_by("pk"),
        "triage_answers": triage_answers(report),
        "may": may,
        "forms": page_forms,
        "transitions": [(state, TRANSITION_BUTTONS[state]) for state in offered],
        "revisions": revision_history(report),
        "blocked": blocked,
        "preview": preview,
        "conflict": problem,
        "noise": noise_for(user, report),
        "fix_repo": fix_repo_section(user, report, bound or {}),
        "fix_team_section": fix_team_section(user, report, bound or {}),
        "component_section": component_section(user, report, bound or {}),
        "outbox_section": outbox_section(user, report, request.GET.get("preview")),
        "release_date_section": release_date_section(user, report, bound or {}),
        "embargo_break_section": embargo_break_section(user, report, bound or {}),
        "backports": backport_section(user, report, bound or {}),
        "advisory": advisory_section(report),
        "distributor_section": distributor_section(user, report, bound or {}),
    }
    return render(request, "desk/report_detail.html", context, status=status)
