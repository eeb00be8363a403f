"""Backports (the Open edX playbook, OEDX-4 to OEDX-14): the packages a project publishes, the
repositories that install them with the branches that matter, and each report's plan for a
package with the status of every step."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from vulndesk import gitops
from vulndesk.versions.ecosystems import tag_for
from vulndesk.versions.plan import Compatibility, Ecosystem

# What a package or dependent may be called: it names a directory in the data directory too.
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
NAME_HELP = "letters, digits, '.', '_' and '-', starting with a letter or digit"


def check_optional_repository(value: str) -> str:
    return check_repository(value) if value.strip() else ""


def check_name(value: str) -> str:
    value = value.strip()
    if not NAME.match(value) or value in {".", ".."}:
        raise ValueError(f"{value!r} is not a name vulndesk accepts: {NAME_HELP}")
    return value


def check_tag_pattern(value: str) -> str:
    value = value.strip()
    tag = tag_for(value, "1.2.3")  # ValueError when {version} is not there exactly once
    try:
        gitops.check_branch_name(tag)  # a tag name follows the same rules as a branch's
    except ValueError:
        raise ValueError(f"{value!r} would make tags such as {tag!r}, which git refuses") from None
    return value


def check_repository(value: str) -> str:
    """The repository as vulndesk fetches it; ValueError saying why not (ext:: and the like)."""
    try:
        return gitops.check_remote(value)
    except gitops.RemoteError as exc:
        raise ValueError(str(exc)) from None


def _validate(checks: dict[str, tuple[Callable[[str], str], str]]) -> None:
    """Run each `field: (check, value)`; one ValidationError naming every field at fault."""
    errors = {}
    for name, (check, value) in checks.items():
        try:
            check(value)
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise ValidationError(errors)


class Package(models.Model):
    """A package the project publishes (PyPI, npm) and where its code lives."""

    project = models.ForeignKey("desk.Project", on_delete=models.CASCADE, related_name="packages")
    name = models.CharField(max_length=100, help_text="as published, e.g. openedx-animals")
    ecosystem = models.CharField(
        max_length=10, choices=[(e.value, e.value) for e in Ecosystem], default=Ecosystem.PYPI.value
    )
    repository = models.CharField(max_length=500, help_text="URL or path of its git repository")
    tag_pattern = models.CharField(max_length=100, default="v{version}")
    main_branch = models.CharField(max_length=200, default="main")
    private_remote = models.CharField(
        max_length=500, blank=True, help_text="where backports are pushed; blank: the report's"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="desk_package_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ecosystem})"

    def clean(self) -> None:
        _validate(
            {
                "name": (check_name, self.name),
                "repository": (check_repository, self.repository),
                "tag_pattern": (check_tag_pattern, self.tag_pattern),
                "main_branch": (gitops.check_branch_name, self.main_branch),
                "private_remote": (check_optional_repository, self.private_remote),
            }
        )


class Dependent(models.Model):
    """A repository that installs the project's packages (edx-platform, credentials)."""

    project = models.ForeignKey("desk.Project", on_delete=models.CASCADE, related_name="dependents")
    name = models.CharField(max_length=100)
    repository = models.CharField(max_length=500, help_text="URL or path of its git repository")
    private_remote = models.CharField(
        max_length=500, blank=True, help_text="where its pin bumps are pushed; blank: not pushed"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="desk_dependent_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        _validate(
            {
                "name": (check_name, self.name),
                "repository": (check_repository, self.repository),
                "private_remote": (check_optional_repository, self.private_remote),
            }
        )


class DependentBranch(models.Model):
    """A branch of a dependent that installs the package: its main branch (no release line) or
    a release line's branch, such as open-release/zebrawood.master."""

    dependent = models.ForeignKey(Dependent, on_delete=models.CASCADE, related_name="branches")
    branch = models.CharField(max_length=200)
    release_line = models.ForeignKey(
        "desk.ReleaseLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dependent_branches",
        help_text="blank: the dependent's main branch",
    )
    pin_files = models.JSONField(
        default=list, blank=True, help_text="the files that pin the package; empty: discover"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dependent", "branch"], name="desk_dependentbranch_unique_branch"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dependent.name}@{self.branch}"

    def clean(self) -> None:
        _validate({"branch": (gitops.check_branch_name, self.branch)})
        files = self.pin_files
        if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
            raise ValidationError({"pin_files": "a list of file paths, e.g. requirements.txt"})


class Backport(models.Model):
    """A report's backport plan for one package, as last planned."""

    class Job(models.TextChoices):
        NONE = "", "none"
        PLAN = "plan", "plan"
        DRY_RUN = "dry_run", "dry run"
        EXECUTE = "execute", "execute"

    report = models.ForeignKey("desk.Report", on_delete=models.CASCADE, related_name="backports")
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="backports")
    fix_commits = models.JSONField(default=list)
    compatibility = models.CharField(
        max_length=20,
        choices=[(c.value, c.value.replace("_", " ")) for c in Compatibility],
        default=Compatibility.SAME_MAJOR.value,
    )
    # A person's answer per pinned version to "compatible with the new release?" (OEDX-8).
    decisions = models.JSONField(default=dict, blank=True)
    plan = models.JSONField(default=dict)
    planned_at = models.DateTimeField(default=timezone.now)
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The work waiting for (or being done by) the worker; a second one is refused meanwhile.
    job = models.CharField(max_length=10, choices=Job.choices, default=Job.NONE, blank=True)
    job_push = models.BooleanField(default=False)
    job_tests = models.BooleanField(default=False)
    job_error = models.TextField(blank=True, help_text="why the last queued job did not run")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "package"], name="desk_backport_one_per_package"
            )
        ]

    def __str__(self) -> str:
        return f"backport of {self.package.name} for report {self.report_id}"


class StepStatus(models.TextChoices):
    PENDING = "pending"
    DONE = "done"
    ALREADY_DONE = "already_done", "already done"
    SKIPPED = "skipped"
    CONFLICT = "conflict"
    FAILED = "failed"
    BLOCKED = "blocked"


class BackportStep(models.Model):
    """One step of the plan, in order, with what happened the last time it was tried."""

    backport = models.ForeignKey(Backport, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    step_id = models.CharField(max_length=300)
    kind = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=StepStatus.choices, default=StepStatus.PENDING)
    detail = models.TextField(blank=True)
    # The last dry run's or execution's conflicts: [{"path": …, "hunks": […]}].
    conflicts = models.JSONField(default=list, blank=True)
    # The last dry run of a cherry-pick: "clean", "conflict", or "" when not tried.
    checked = models.CharField(max_length=10, blank=True)
    check_detail = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["backport", "step_id"], name="desk_backportstep_unique_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.step_id}: {self.status}"
