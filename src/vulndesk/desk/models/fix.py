"""The fix as it exists in the private security repository: branches, test runs and reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class FixBranch(models.Model):
    """A branch of the report's private repository that carries the fix for one line."""

    report = models.ForeignKey("desk.Report", on_delete=models.CASCADE, related_name="fix_branches")
    name = models.CharField(max_length=300)
    # The line the branch fixes; None for the project's main branch.
    release_line = models.ForeignKey(
        "desk.ReleaseLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fix_branches",
    )
    head_sha = models.CharField(max_length=64, blank=True)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "name"], name="desk_fixbranch_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} of report {self.report_id}"


class TestRun(models.Model):
    """The project's test command run on one commit of a fix branch, in a clean worktree."""

    __test__ = False  # a model, not a class for pytest to collect

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        PASSED = "passed"
        FAILED = "failed"
        ERROR = "error", "could not run"

    fix_branch = models.ForeignKey(FixBranch, on_delete=models.CASCADE, related_name="test_runs")
    sha = models.CharField(max_length=64)
    command = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    exit_code = models.IntegerField(null=True, blank=True)
    log = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"tests on {self.sha[:12]}: {self.status}"


class Review(models.Model):
    """A maintainer's verdict on one commit of a fix branch (the Vitess "LGTM", OEDX-18)."""

    fix_branch = models.ForeignKey(FixBranch, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sha = models.CharField(max_length=64)
    approved = models.BooleanField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["fix_branch", "reviewer", "sha"], name="desk_review_one_per_commit"
            )
        ]

    def __str__(self) -> str:
        verdict = "approved" if self.approved else "changes requested"
        return f"{self.reviewer} {verdict} {self.sha[:12]}"


class FixFreeze(models.Model):
    """The fix as reviewed and sent to distributors: each target branch, its tip then and the
    patch-id of every fix commit for it (EMI-42, KAR-41). Release day compares what landed with
    the latest freeze; a new one replaces it, and the audit log keeps every one."""

    report = models.ForeignKey("desk.Report", on_delete=models.CASCADE, related_name="fix_freezes")
    frozen_at = models.DateTimeField(default=timezone.now)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # [{"branch": "release-1.13", "base": sha, "fix_branches": [names],
    #   "commits": [{"sha", "subject", "patch_id"}, ...] oldest first}, ...]
    branches = models.JSONField(default=list)
    # The latest check of what landed: {"repository", "branches": [{"branch", "landed",
    # "findings", "problem"}], "problems": [sentences]}; empty until checked.
    check_result = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        get_latest_by = ("frozen_at", "pk")

    def __str__(self) -> str:
        return f"fix of report {self.report_id} frozen at {self.frozen_at:%Y-%m-%d %H:%M}"
