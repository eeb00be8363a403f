"""Personal API tokens: shown once, stored as a digest, scoped, expiring and revocable."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from vulndesk.lib.tokens import digest

TOKEN_PREFIX = "vdt"  # noqa: S105 (a label, not a secret)


class TokenScope(models.TextChoices):
    READ = "read", "Read only"
    WRITE = "write", "Read and write"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self, now: datetime) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="what the token is for")
    digest = models.CharField(max_length=64, unique=True)
    # The first characters of the token, shown in lists so its owner can tell tokens apart.
    hint = models.CharField(max_length=12)
    scope = models.CharField(max_length=10, choices=TokenScope.choices, default=TokenScope.READ)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE

    @classmethod
    def find(cls, raw: str, now: datetime) -> ApiToken | None:
        """The usable token whose digest matches `raw`, or None.

        Every API request asks this, so it is the cheapest form of `usable`: the owner's
        `is_active` is read off the joined row, and the unique digest needs no ordering.
        """
        found = list(
            cls.objects.select_related("user").filter(
                digest=digest(raw), revoked_at=None, expires_at__gt=now
            )[:1]
        )
        return found[0] if found and found[0].user.is_active else None


CALENDAR_PREFIX = "vdc"


class CalendarFeed(models.Model):
    """A secret feed address for calendar clients, which cannot sign in.

    The address gives only what its owner may see at the time of each request, of one project
    or of all; the secret is stored as a digest and shown once.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    # None: every report the owner may see; else only that project's.
    project = models.ForeignKey(
        "desk.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    digest = models.CharField(max_length=64, unique=True)
    # The first characters of the secret, shown in lists so its owner can tell feeds apart.
    hint = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        scope = self.project.slug if self.project_id else "all projects"  # type: ignore[union-attr]
        return f"calendar of {scope} ({self.hint}…)"
