"""A report as the API shows it in full; also the `current` state a stale write is sent back."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Count, Min, Q
from django.http import HttpRequest
from ninja import Path

from vulndesk.accounts.models import ApiToken
from vulndesk.api.errors import ApiError
from vulndesk.desk.access import get_report_for_user
from vulndesk.desk.markdown import render
from vulndesk.desk.models import Deadline, Report

SLUG = r"^[-a-zA-Z0-9_]+$"
# Path values the database can compare: a larger number is refused, not sent to PostgreSQL.
ProjectSlug = Annotated[str, Path(pattern=SLUG, max_length=50)]
ReportNumber = Annotated[int, Path(ge=1, le=2**31 - 1)]


def report_for(request: HttpRequest, project: str, number: int) -> Report:
    """The report if the token's owner may see it; a 404 otherwise, whether it exists or not."""
    return get_report_for_user(token_of(request).user, project, number)


def token_of(request: HttpRequest) -> ApiToken:
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    return token


def require(allowed: bool, doing: str) -> None:
    if not allowed:
        raise ApiError(403, "forbidden", f"you may see this report but not {doing}")


def require_project(allowed: bool, doing: str) -> None:
    if not allowed:
        raise ApiError(403, "forbidden", f"you may see this project but not {doing}")


def find_user(username: str, field: str) -> User:
    """The user of that name; a 422 at `field` if there is none."""
    user: User | None = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ApiError(422, "unknown_user", f"there is no user {username!r}", field=field)
    return user


def key(slug: str, number: int) -> str:
    return f"{slug.upper()}-{number}"


def deadline_summary(report: Report, now: datetime) -> dict[str, Any]:
    return (
        Deadline.objects.running()
        .filter(report=report)
        .aggregate(
            running=Count("pk"),
            overdue=Count("pk", filter=Q(due_at__lt=now)),
            next_due_at=Min("due_at"),
        )
    )


def report_detail(report: Report, now: datetime) -> dict[str, Any]:
    handling = report.handling()
    severity = report.effective_severity
    return {
        "project": report.project.slug,
        "number": report.number,
        "key": report.key,
        "title": report.title,
        "state": report.state,
        "severity": None if severity is None else str(severity),
        "cvss_score": report.base_score,
        "embargoed": report.is_embargoed,
        "received_at": report.received_at,
        "version": report.version,
        "description": report.description,
        "description_html": str(render(report.description)),
        "cvss_vector": report.cvss_vector,
        "cvss_version": report.cvss_version,
        "disclosure_level": report.disclosure_level,
        "public_disclosure_at": report.public_disclosure_at,
        "cve_id": report.cve_id,
        "release_date": report.release_date,
        "fixed_version": report.fixed_version,
        "fix_lead": report.fix_lead.get_username() if report.fix_lead else None,
        "published_at": report.published_at,
        "withdrawn_at": report.withdrawn_at,
        "withdrawn_reason": report.withdrawn_reason,
        "handling": {
            "slow_down": vars(handling.slow_down),
            "semi_public": vars(handling.semi_public),
            "release": handling.release,
            "asap": handling.asap,
        },
        "release_plan": asdict(report.release_plan()),
        "deadlines": deadline_summary(report, now),
    }
