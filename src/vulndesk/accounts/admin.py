"""Operators see every API token and calendar feed and may revoke one; nobody creates or edits
them here, because a secret is shown once, to its owner, when they create it on their account
page."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from vulndesk.accounts.models import ApiToken, CalendarFeed
from vulndesk.accounts.tokens import revoke_token
from vulndesk.desk.admin import ReadOnlyAdmin
from vulndesk.desk.services.calendar_feeds import revoke_feed


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "user",
        "hint",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["scope"]
    search_fields = ["name", "user__username", "hint"]
    exclude = ["digest"]
    actions = ["revoke"]

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            revoke_token(token, actor=request.user)  # type: ignore[arg-type]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    list_display = ["user", "project", "hint", "created_at", "revoked_at"]
    # Django's own select_related() skips the nullable project: one query a row without this.
    list_select_related = ["user", "project"]
    search_fields = ["user__username", "hint", "project__slug"]
    exclude = ["digest"]
    actions = ["revoke"]

    @admin.action(description="Revoke the selected calendar feeds")
    def revoke(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> None:
        for feed in queryset.filter(revoked_at__isnull=True):
            revoke_feed(feed, actor=request.user)  # type: ignore[arg-type]
