"""Who is on a project's teams, and since when."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from vulndesk.desk.models.project import Project


class TeamRole(models.TextChoices):
    SECURITY_TEAM = "security_team"
    ASSOCIATE = "associate"
    MAINTAINER = "maintainer"


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
