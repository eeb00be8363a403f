"""iCalendar feeds of Release Dates and deadlines, at secret addresses calendar clients poll.

A client cannot sign in, so the address is the key: the feed is found by its token (a wrong or
revoked one is a 404) and holds only what its owner may see at the moment of the request.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from vulndesk.desk.access import calendar_feed_for_token
from vulndesk.desk.services.calendar_feeds import render_feed


# A feed is one person's need-to-know view: @never_cache marks it private and no-store, so no
# shared cache keeps it.
@require_safe
@never_cache
def user_calendar(request: HttpRequest, token: str) -> HttpResponse:
    return _calendar(request, token, None)


@require_safe
@never_cache
def project_calendar(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    return _calendar(request, token, slug)


def _calendar(request: HttpRequest, token: str, slug: str | None) -> HttpResponse:
    feed = calendar_feed_for_token(token, slug)
    base_url = settings.BASE_URL or request.build_absolute_uri("/").rstrip("/")
    host = urlsplit(base_url).hostname or "vulndesk"
    body = render_feed(feed, now=timezone.now(), base_url=base_url, host=host)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Referrer-Policy"] = "no-referrer"
    response["Content-Disposition"] = 'inline; filename="vulndesk.ics"'
    return response
