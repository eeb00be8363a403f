"""Reports: the list (filters, search, keyset pages), one report, and moving or scoring it, or
recording that it is fixed despite affecting unsupported lines only (VIT-12)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router

from vulndesk.api import cursor
from vulndesk.api.auth import read_token, write_token
from vulndesk.api.detail import (
    SLUG,
    ProjectSlug,
    ReportNumber,
    key,
    report_detail,
    report_for,
    require,
    token_of,
)
from vulndesk.api.errors import ApiError, refusals
from vulndesk.api.schemas import (
    READ_ERRORS,
    STORABLE,
    WRITE_ERRORS,
    Input,
    ReportDetail,
    ReportPage,
    ScoreIn,
    Storable,
    TransitionIn,
    Version,
    error_responses,
)
from vulndesk.desk.access import can_manage_advisory, can_triage, reports_visible_to
from vulndesk.desk.models import SeverityChoices, StateChoices
from vulndesk.desk.search import ReportFilters, filter_reports
from vulndesk.desk.services import publication
from vulndesk.desk.services.reports import score_report
from vulndesk.desk.services.schedule import record_fix_exception
from vulndesk.desk.services.transitions import transition

router = Router(tags=["reports"])


class FixExceptionIn(Input):
    reason: Storable = Field(max_length=2000, description="e.g. active exploitation")
    version: Version


MAX_PAGE = 200
CURSOR = r"^[-_A-Za-z0-9]+$"

LIST_COLUMNS = (
    "pk",
    "project__slug",
    "number",
    "title",
    "state",
    "severity",
    "severity_override",
    "cvss_score",
    "published_at",
    "received_at",
)


def list_item(row: dict[str, Any]) -> dict[str, Any]:
    score = row["cvss_score"]
    return {
        "project": row["project__slug"],
        "number": row["number"],
        "key": key(row["project__slug"], row["number"]),
        "title": row["title"],
        "state": row["state"],
        "severity": row["severity_override"] or row["severity"] or None,
        "cvss_score": None if score is None else float(score),
        "embargoed": row["published_at"] is None,
        "received_at": row["received_at"],
    }


@router.get("/reports", response={200: ReportPage, **error_responses(401, 422)}, auth=read_token)
def list_reports(
    request: HttpRequest,
    state: StateChoices | None = None,
    severity: SeverityChoices | None = None,
    project: Annotated[str | None, Query(pattern=SLUG, max_length=50)] = None,
    embargoed: bool | None = None,
    overdue: bool | None = None,
    q: Annotated[str, Query(max_length=200, pattern=STORABLE, description="words to find")] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor_: Annotated[str | None, Query(alias="cursor", max_length=200, pattern=CURSOR)] = None,
) -> Any:
    filters = ReportFilters(state, severity, project, embargoed, overdue, q)
    if problems := filters.problems():
        name, message = next(iter(problems.items()))
        raise ApiError(422, "invalid_filter", message, field=f"query.{name}")
    reports = filter_reports(reports_visible_to(token_of(request).user), filters, timezone.now())
    if cursor_ is not None:
        reports = reports.filter(cursor.after(cursor_))
    rows = list(reports.order_by("-received_at", "-pk").values(*LIST_COLUMNS)[: limit + 1])
    last = rows[limit - 1] if len(rows) > limit else None
    page = {
        "items": [list_item(row) for row in rows[:limit]],
        "next": None if last is None else cursor.encode(last["received_at"], last["pk"]),
    }
    # The hot path (bench/api.py): rows built to ReportPage's shape are sent as they are,
    # without validating them again; the schemathesis test checks that they match it.
    return HttpResponse(orjson.dumps(page), content_type="application/json")


@router.get(
    "/reports/{project}/{number}", response={200: ReportDetail, **READ_ERRORS}, auth=read_token
)
def get_report(
    request: HttpRequest,
    project: ProjectSlug,
    number: ReportNumber,
) -> Any:
    return report_detail(report_for(request, project, number), timezone.now())


@router.post(
    "/reports/{project}/{number}/transitions",
    response={200: ReportDetail, **WRITE_ERRORS},
    auth=write_token,
)
def move_report(
    request: HttpRequest,
    payload: TransitionIn,
    project: ProjectSlug,
    number: ReportNumber,
) -> Any:
    """Move the report to `to` if the process allows it now (409 transition_refused if not)."""
    report = report_for(request, project, number)
    require(can_triage(token_of(request).user, report), "move it")
    now = timezone.now()
    with refusals(report, lambda current: report_detail(current, now)):
        moved = transition(
            report,
            payload.to,
            actor=token_of(request).user,
            reason=payload.reason,
            expected_version=payload.version,
            force=payload.force,
        )
    return report_detail(moved, now)


class WithdrawIn(Input):
    reason: Storable = Field(max_length=2000, description="e.g. Not a vulnerability.")
    version: Version


class RevisionIn(Input):
    summary: Storable = Field(max_length=2000, description="what changed, e.g. Added CVE ID.")
    version: Version


@router.post(
    "/reports/{project}/{number}/withdraw",
    response={200: ReportDetail, **WRITE_ERRORS},
    auth=write_token,
)
def withdraw_advisory(
    request: HttpRequest,
    payload: WithdrawIn,
    project: ProjectSlug,
    number: ReportNumber,
) -> Any:
    """Withdraw the published advisory (the project's security team or an operator): it stays
    on the public side, marked withdrawn with the reason; OSV records carry `withdrawn`."""
    report = report_for(request, project, number)
    require(can_manage_advisory(token_of(request).user, report), "withdraw its advisory")
    now = timezone.now()
    with refusals(report, lambda current: report_detail(current, now)):
        withdrawn = publication.withdraw(
            report, payload.reason, actor=token_of(request).user, expected_version=payload.version
        )
    return report_detail(withdrawn, now)


@router.post(
    "/reports/{project}/{number}/revisions",
    response={200: ReportDetail, **WRITE_ERRORS},
    auth=write_token,
)
def revise_advisory(
    request: HttpRequest,
    payload: RevisionIn,
    project: ProjectSlug,
    number: ReportNumber,
) -> Any:
    """Note a later change to the published advisory: the next numbered revision, with its
    summary, in the CSAF revision history and the OSV `modified` time."""
    report = report_for(request, project, number)
    require(can_manage_advisory(token_of(request).user, report), "revise its advisory")
    now = timezone.now()
    with refusals(report, lambda current: report_detail(current, now)):
        revised = publication.revise(
            report, payload.summary, actor=token_of(request).user, expected_version=payload.version
        )
    return report_detail(revised, now)


@router.post(
    "/reports/{project}/{number}/cvss",
    response={200: ReportDetail, **WRITE_ERRORS},
    auth=write_token,
)
def score(
    request: HttpRequest,
    payload: ScoreIn,
    project: ProjectSlug,
    number: ReportNumber,
) -> Any:
    """Score the report with a CVSS 3.x or 4.0 vector (422 naming the metric if it is bad)."""
    report = report_for(request, project, number)
    require(can_triage(token_of(request).user, report), "score it")
    now = timezone.now()
    with refusals(report, lambda current: report_detail(current, now)):
        scored = score_report(
            report, payload.vector, actor=token_of(request).user, expected_version=payload.version
        )
    return report_detail(scored, now)


@router.post(
    "/reports/{project}/{number}/fix-exception",
    response={200: ReportDetail, **WRITE_ERRORS},
    auth=write_token,
)
def record_exception(
    request: HttpRequest,
    payload: FixExceptionIn,
    project: ProjectSlug,
    number: ReportNumber,
) -> Any:
    """Fix it although it affects unsupported lines only (VIT-12), saying why; any other
    report is refused with 422: its fix needs no exception."""
    report = report_for(request, project, number)
    require(can_triage(token_of(request).user, report), "record a fix exception")
    now = timezone.now()
    with refusals(report, lambda current: report_detail(current, now)):
        excepted = record_fix_exception(
            report,
            reason=payload.reason,
            actor=token_of(request).user,
            expected_version=payload.version,
        )
    return report_detail(excepted, now)
