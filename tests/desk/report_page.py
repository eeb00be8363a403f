"""Helpers for the report page's action tests: who is who, and posting a form as the page does.

On top of the cast (alice: security team, bob: Fix Lead of EMISSARY-2, charlie: no role, rita:
release manager), dave is on EMISSARY-2's Fix Team: he reads it, records affects and comments,
and does not triage.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.accounts.helpers import sign_in
from tests.desk.factories import make_user
from vulndesk.desk.models import AuditEvent, FixTeamMember, Report

__all__ = ["add_to_fix_team", "events", "fresh", "post", "sign_in", "url"]


def add_to_fix_team(report: Report, username: str = "dave") -> User:
    user = make_user(username)
    FixTeamMember.objects.create(report=report, user=user, accepted_at=timezone.now())
    return user


def url(name: str, report: Report, **extra: Any) -> str:
    return reverse(name, kwargs={"project": report.project.slug, "number": report.number, **extra})


def post(
    client: Client, user: User | None, name: str, report: Report, data: dict[str, Any], **extra: Any
) -> Any:
    """POST `data` to the action `name` as `user` would from the page (with the page's version)."""
    if user is not None:
        sign_in(client, user)
    data = {"version": report.version, **data}
    return client.post(url(name, report, **extra), data)


def events(report: Report) -> list[str]:
    return list(
        AuditEvent.objects.filter(report=report).order_by("seq").values_list("action", flat=True)
    )


def fresh(report: Report) -> Report:
    return Report.objects.get(pk=report.pk)
