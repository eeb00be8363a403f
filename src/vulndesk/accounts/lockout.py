"""What django-axes asks of us: the client's address, and the page a locked-out login gets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def client_address(request: HttpRequest) -> str | None:
    """The address the login came from.

    Behind VULNDESK_PROXY_COUNT reverse proxies, each appends the address it saw to
    X-Forwarded-For, so the entry that many places from the end is the one our outermost proxy
    saw; anything to its left came from the client and may be forged.
    """
    count: int = settings.PROXY_COUNT
    if count:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        addresses = [part.strip() for part in forwarded if part.strip()]
        if len(addresses) >= count:
            address: str = addresses[-count]
            return address
    remote: str | None = request.META.get("REMOTE_ADDR")
    return remote


def lockout_ends(username: str, address: str | None) -> datetime:
    """When this username may log in again from this address.

    Failures during a lockout are not recorded (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT
    is off), so the last recorded failure is the one that locked the pair out.
    """
    cool_off = get_cool_off()
    last = AccessAttempt.objects.filter(username=username, ip_address=address).aggregate(
        last=Max("attempt_time")
    )["last"]
    started: datetime = last or timezone.now()
    ends: datetime = started + cool_off
    return ends


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    username = get_client_username(request, credentials) or ""
    until = lockout_ends(username, getattr(request, "axes_ip_address", client_address(request)))
    response = render(
        request,
        "accounts/locked_out.html",
        {"username": username, "until": until, "limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    wait = max(0, int((until - timezone.now()).total_seconds()))
    response["Retry-After"] = str(wait)
    return response
