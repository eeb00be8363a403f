"""A project with a security process, and the release lines it maintains."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from vulndesk.process.policy import Policy


@dataclass(frozen=True)
class IntakeChannels:
    """How the public reaches a project's security team now (FOLIO-11, FOLIO-Q1)."""

    email: str  # the address that files mail as reports; "" when mail is not taken
    form: bool  # the public report form
    already_public_to: str  # whom to tell at once about a public vulnerability (VIT-3, KAR-13)

    @property
    def any(self) -> bool:
        return bool(self.email) or self.form


class Project(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    preset = models.CharField(max_length=50, help_text="the policy preset this project follows")
    policy_overrides = models.JSONField(
        default=dict, blank=True, help_text="fields of the preset this project changes"
    )
    security_email = models.EmailField(blank=True)
    repository_url = models.URLField(blank=True)
    main_branch = models.CharField(max_length=200, default="main")
    # Run on each fix branch in a clean worktree, the CI a private fork lacks (OEDX-19).
    test_command = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """A policy that does not load would break every page of the project: refuse it here."""
        from vulndesk.process.policy import PolicyError, resolve_policy

        try:
            resolve_policy(self.preset, self.policy_overrides)
        except PolicyError as exc:
            field = "preset" if exc.problems[0].startswith("preset:") else "policy_overrides"
            raise ValidationError({field: exc.problems}) from None

    def policy(self) -> Policy:
        # Imported here so that loading the models does not load pydantic and the presets.
        from vulndesk.process.policy import resolve_policy

        return resolve_policy(self.preset, self.policy_overrides)

    def intake_channels(self) -> IntakeChannels:
        """The policy's channels that this project can open: mail needs an address to take it."""
        intake = self.policy().intake
        email = self.security_email if "email" in intake.channels else ""
        return IntakeChannels(
            email=email,
            form="web_form" in intake.channels,
            already_public_to=intake.already_public_alert or email,
        )

    def security_team_roles(self) -> list[str]:
        """The team roles that put someone on the security team: some policies make every
        maintainer a member (EMI-2, VIT-1)."""
        from vulndesk.desk.models.team import TeamRole

        roles: list[str] = [TeamRole.SECURITY_TEAM]
        if self.policy().team.roster == "maintainers":
            roles.append(TeamRole.MAINTAINER)
        return roles

    def is_security_team_member(self, user: User | None) -> bool:
        if user is None or not user.is_authenticated:
            return False
        roles = self.security_team_roles()
        return self.team_members.filter(user=user, role__in=roles, left_at__isnull=True).exists()


class ReleaseLineStatus(models.TextChoices):
    SUPPORTED = "supported"
    UNSUPPORTED = "unsupported"
    DEVELOPMENT = "development"


class ReleaseLine(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="release_lines")
    name = models.CharField(
        max_length=100, help_text='e.g. "1.13" or "open-release/zebrawood.master"'
    )
    branch = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=20, choices=ReleaseLineStatus.choices, default=ReleaseLineStatus.SUPPORTED
    )
    latest_version = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="desk_releaseline_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.project.slug} {self.name}"
