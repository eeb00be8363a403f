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
    # Fix Lead rotation skips a member who already leads this many open reports; None: no limit.
    max_open_reports = models.PositiveIntegerField(null=True, blank=True)
    # For the policy's optional per-company cap on the team.
    company = models.CharField(max_length=200, blank=True)
    # The last time the member acted or answered (KAR-6): the input to the inactivity flag.
    last_active_at = models.DateTimeField(null=True, blank=True)
    # Who nominated an associate (KAR-4); empty for founding members.
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

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


class TeamLeave(models.Model):
    """A declared leave of absence (KAR-7): rotation skips the member, inactivity is excused."""

    member = models.ForeignKey(TeamMember, on_delete=models.CASCADE, related_name="leaves")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=300, blank=True)
    # An associate onboarded to cover the leave (KAR-7), if any.
    cover = models.ForeignKey(
        TeamMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="covers"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="desk_teamleave_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} on leave {self.starts_on} to {self.ends_on}"


class FixLeadRotation(models.Model):
    """Whose turn it is: the row is locked while a Fix Lead is chosen, so two reports accepted
    at the same moment never get the same member nor skip one (EMI-10)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="rotation")
    # The member the rotation chose last; the next turn is the one after them.
    last_member = models.ForeignKey(
        TeamMember, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Fix Lead rotation of {self.project.slug}"


class Nomination(models.Model):
    """A proposal to add an associate or to promote one to member (KAR-3, KAR-4)."""

    class Kind(models.TextChoices):
        ASSOCIATE = "associate", "become an associate"
        MEMBER = "member", "become a member"

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted"
        DECLINED = "declined"
        WITHDRAWN = "withdrawn"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="nominations")
    nominee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nominations"
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)

    def __str__(self) -> str:
        return f"{self.nominee} to {self.get_kind_display()} of {self.project.slug}"


class RemovalVote(models.Model):
    """A vote of the members of the same role on removing an inactive member (KAR-8, KAR-9)."""

    class Outcome(models.TextChoices):
        REMOVED = "removed"
        KEPT = "kept"

    member = models.ForeignKey(TeamMember, on_delete=models.CASCADE, related_name="removal_votes")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(closed_at__isnull=True),
                name="desk_removalvote_one_open_per_member",
            )
        ]

    def __str__(self) -> str:
        return f"vote on removing {self.member}"


class Ballot(models.Model):
    vote = models.ForeignKey(RemovalVote, on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    in_favour = models.BooleanField(help_text="in favour of removal")
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["vote", "voter"], name="desk_ballot_one_per_voter")
        ]

    def __str__(self) -> str:
        return f"{self.voter} on {self.vote}"


class Component(models.Model):
    """A part of a project with the team responsible for it (FOLIO: every module needs one);
    a report's component proposes its Fix Team, keeping the audience small."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="components")
    name = models.CharField(max_length=200)
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="owned_components"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="desk_component_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.project.slug}/{self.name}"


class FixTeamMemberQuerySet(models.QuerySet["FixTeamMember"]):
    def active(self) -> FixTeamMemberQuerySet:
        """Members who accepted and whose access has not ended: the ones who see the report."""
        return self.filter(accepted_at__isnull=False, ended_at__isnull=True)


class FixTeamMember(models.Model):
    """An engineer invited to one report's Fix Team: they see that report and nothing else."""

    report = models.ForeignKey(
        "desk.Report", on_delete=models.CASCADE, related_name="fix_team_members"
    )
    # None while an invitation by email waits for someone to accept it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="fix_teams",
    )
    invited_email = models.EmailField(blank=True)
    # The invitation link's token, as a digest; the raw token goes only into the invitation mail.
    invite_token_digest = models.CharField(max_length=64, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invited_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # Access ends (at release) instead of the row going: who saw what stays on record.
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=200, blank=True)
    # When the Fix Lead recorded this member's access to the private security repo (EMI-29).
    repo_access_granted_at = models.DateTimeField(null=True, blank=True)

    objects = FixTeamMemberQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"],
                condition=models.Q(ended_at__isnull=True),
                name="desk_fixteammember_one_current_membership",
            ),
            models.UniqueConstraint(
                fields=["invite_token_digest"],
                condition=~models.Q(invite_token_digest=""),
                name="desk_fixteammember_unique_invite",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} on the Fix Team of report {self.report_id}"
