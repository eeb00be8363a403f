"""Who is on a project's teams and on each report's Fix Team, and since when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from vulndesk.desk.models.project import Project


class TeamRole(models.TextChoices):
    SECURITY_TEAM = "security_team"
    ASSOCIATE = "associate"
    MAINTAINER = "maintainer"
    RELEASE_MANAGER = "release_manager"


class TeamMember(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="team_members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=TeamRole.choices)
    joined_at = models.DateTimeField(default=timezone.now)
    # Leaving ends a membership instead of deleting it: past Fix Leads stay on record.
    left_at = models.DateTimeField(null=True, blank=True)
    rotation_order = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user", "role"],
                condition=models.Q(left_at__isnull=True),
                name="desk_teammember_one_current_membership",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}, {self.project.slug})"


class FixTeamMemberQuerySet(models.QuerySet["FixTeamMember"]):
    def active(self) -> FixTeamMemberQuerySet:
        """Members who accepted and whose access has not ended: the ones who see the report."""
        return self.filter(accepted_at__isnull=False, ended_at__isnull=True)


class FixTeamMember(models.Model):
    """An engineer invited to one report's Fix Team: they see that report and nothing else."""

    report = models.ForeignKey(
        "desk.Report", on_delete=models.CASCADE, related_name="fix_team_members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fix_teams"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invited_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # Access ends (at release, EMI-7) instead of the row going: who saw what stays on record.
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = FixTeamMemberQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"],
                condition=models.Q(ended_at__isnull=True),
                name="desk_fixteammember_one_current_membership",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} on the Fix Team of report {self.report_id}"
