"""vulndesk's URLs plus the benchmark's floor: the report list's first page, written by hand.

The floor does what the API's list must do for the same answer, in the least code: find the
user behind the bearer token, pick the newest reports of the projects whose security team they
are on, and return them as JSON. One SQL statement, `json.dumps`, no ORM, no schema.
"""

import json
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone

from vulndesk.lib.tokens import digest
from vulndesk.urls import urlpatterns as vulndesk_urls

FLOOR_SQL = """
    SELECT r.id, p.slug, r.number, r.title, r.state, r.severity, r.severity_override,
           r.cvss_score, r.published_at, r.received_at
    FROM desk_report r JOIN desk_project p ON p.id = r.project_id
    WHERE r.project_id IN (
        SELECT m.project_id FROM desk_teammember m
        JOIN accounts_apitoken t ON t.user_id = m.user_id
        WHERE t.digest = %s AND t.revoked_at IS NULL AND t.expires_at > %s
          AND m.role = 'security_team' AND m.left_at IS NULL
    )
    ORDER BY r.received_at DESC, r.id DESC
    LIMIT %s
"""


def floor(request: HttpRequest) -> HttpResponse:
    raw = request.headers.get("Authorization", "").removeprefix("Bearer ")
    limit = int(request.GET.get("limit", "50"))
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, [digest(raw), timezone.now(), limit + 1])
        rows = cursor.fetchall()
    items: list[dict[str, Any]] = [
        {
            "project": slug,
            "number": number,
            "key": f"{slug.upper()}-{number}",
            "title": title,
            "state": state,
            "severity": override or severity or None,
            "cvss_score": None if score is None else float(score),
            "embargoed": published_at is None,
            "received_at": str(received_at),
        }
        for (
            _,
            slug,
            number,
            title,
            state,
            severity,
            override,
            score,
            published_at,
            received_at,
        ) in rows[:limit]
    ]
    last = rows[limit - 1] if len(rows) > limit else None
    body = {"items": items, "next": None if last is None else f"{last[9]}|{last[0]}"}
    return HttpResponse(json.dumps(body), content_type="application/json")


urlpatterns = [path("bench/floor", floor), *vulndesk_urls]
