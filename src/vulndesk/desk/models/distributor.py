"""Distributors: organisations on a project's private list, and the notices addressed to them.

An organisation (`Distributor`) may sit on several projects' lists; its place on one list is a
`DistributorMembership`: its application, the security team's decision, and the version of the
project's embargo terms it accepted. Only an approved member that accepted the current terms is
sent anything embargoed (KAR-36, FOLIO-6).

A distributor's people see the notices sent to their organisation and nothing else of a report.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone


class Distributor(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, help_text="where notices to this organisation go")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="distributors"
    )

    def __str__(self) -> str:
        return self.name


def terms_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class DistributorTerms(models.Model):
    """The embargo terms a project asks of its distributors. A changed text is a new version,
    and an acceptance counts for the version accepted only."""

    project = models.ForeignKey(
        "desk.Project", on_delete=models.PROTECT, related_name="distributor_terms"
    )
    version = models.PositiveIntegerField()
    text = models.TextField(help_text="Markdown: what a member promises while an embargo runs")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the text, as accepted")
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "version"], name="desk_one_terms_version_per_project"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project} embargo terms v{self.version}"


class MembershipState(models.TextChoices):
    APPLIED = "applied", "applied, waiting for the security team"
    APPROVED = "approved", "approved"
    DECLINED = "declined", "declined"


class DistributorMembership(models.Model):
    project = models.ForeignKey(
        "desk.Project", on_delete=models.PROTECT, related_name="distributor_memberships"
    )
    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="memberships"
    )
    state = models.CharField(max_length=10, choices=MembershipState.choices)
    statement = models.TextField(blank=True, help_text="why the organisation asks to join")
    applied_at = models.DateTimeField(default=timezone.now)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    terms = models.ForeignKey(
        DistributorTerms, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    terms_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "distributor"], name="desk_one_membership_per_list"
            )
        ]

    def __str__(self) -> str:
        return f"{self.distributor} on {self.project}'s list ({self.state})"

    def may_receive(self, current: DistributorTerms | None) -> bool:
        """Approved, and bound by the terms in force: an older version binds to nothing new."""
        return (
            self.state == MembershipState.APPROVED
            and current is not None
            and self.terms_id == current.pk
        )


class Answer(models.TextChoices):
    AFFECTED = "affected", "affected"
    NOT_AFFECTED = "not_affected", "not affected"


class NoticeStatus(models.TextChoices):
    """Where an organisation stands on a notice. Silence is never an answer: "not read" and
    "read, no answer" are their own states, never counted as "not affected"."""

    NOT_READ = "not_read", "not read yet"
    READ = "read", "read, no answer yet"
    ACKNOWLEDGED = "acknowledged", "acknowledged, not assessed yet"
    AFFECTED = "affected", "affected"
    NOT_AFFECTED = "not_affected", "not affected"


class DistributorNotice(models.Model):
    report = models.ForeignKey(
        "desk.Report", on_delete=models.PROTECT, related_name="distributor_notices"
    )
    distributor = models.ForeignKey(Distributor, on_delete=models.PROTECT, related_name="notices")
    subject = models.CharField(max_length=300)
    body = models.TextField(help_text="Markdown: what the organisation may know, and by when")
    sent_at = models.DateTimeField(default=timezone.now)
    first_read_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answer = models.CharField(max_length=12, choices=Answer.choices, blank=True)
    statement = models.TextField(blank=True, help_text="the organisation's own words")
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.subject} → {self.distributor}"

    @property
    def status(self) -> NoticeStatus:
        if self.answer:
            return NoticeStatus(self.answer)
        if self.acknowledged_at is not None:
            return NoticeStatus.ACKNOWLEDGED
        if self.first_read_at is not None:
            return NoticeStatus.READ
        return NoticeStatus.NOT_READ

    @property
    def silent(self) -> bool:
        """No acknowledgement and no answer: a reminder is due."""
        return self.acknowledged_at is None and not self.answer
