"""A report: one vulnerability from intake to closure, and the release lines it affects.

The choices mirror the pure enums of `vulndesk.process` value for value (a test keeps them so);
they are spelled out because the migration and the admin need plain Django choices.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from vulndesk.desk.models.project import Project, ReleaseLine
from vulndesk.process.handling import Handling, handling
from vulndesk.process.lifecycle import State, TransitionFacts
from vulndesk.process.release_lines import Case, Line, ReleasePlan, Status, plan_release
from vulndesk.process.severity import Severity


class StateChoices(models.TextChoices):
    RECEIVED = "received"
    TRIAGING = "triaging"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    FIXING = "fixing"
    FIX_READY = "fix_ready", "Fix ready"
    SCHEDULED = "scheduled"
    RELEASED = "released"
    PUBLISHED = "published"
    CLOSED = "closed"


class SeverityChoices(models.TextChoices):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class CvssVersionChoices(models.TextChoices):
    V3_0 = "3.0", "CVSS 3.0"
    V3_1 = "3.1", "CVSS 3.1"
    V4_0 = "4.0", "CVSS 4.0"


class AssessedRiskChoices(models.TextChoices):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class DisclosureLevelChoices(models.TextChoices):
    PRIVATE = "private"
    SEMI_PUBLIC = "semi_public", "Semi-public"
    PUBLIC = "public", "Public (full disclosure)"


class ChannelChoices(models.TextChoices):
    """How a report arrived; every channel files the same shape of report (FOLIO-11)."""

    EMAIL = "email"
    FORM = "form", "Report form"
    API = "api", "API import"
    TEAM = "team", "Entered by the team"


class CreditChoices(models.TextChoices):
    """How the reporter wants to be credited in the advisory."""

    NAME = "name"
    HANDLE = "handle"
    ANONYMOUS = "anonymous"


class PrivateHandlingChoices(models.TextChoices):
    """Whether the one who made it public agreed to private handling after all (EMI-5, KAR-14)."""

    ASKED = "asked", "asked, no answer yet"
    AGREED = "agreed", "agreed to private handling"
    DENIED = "denied", "denied private handling"


class ScopeChoices(models.TextChoices):
    APP_SPECIFIC = "app_specific", "App-specific"
    SYSTEM_WIDE = "system_wide", "System-wide"


class LayerChoices(models.TextChoices):
    FRONTEND = "frontend"
    BACKEND = "backend"


class DomainChoices(models.TextChoices):
    HOSTING = "hosting"
    SOFTWARE = "software"


class EvidenceChoices(models.TextChoices):
    POC = "poc", "Proof of concept"
    UNIT_TEST = "unit_test", "Unit test"
    CODE_REVIEW = "code_review", "Code review"


# Embargo has one source: a report is need-to-know until it is published (the `published`
# transition sets `published_at`, and nothing clears it). A public disclosure by someone else
# shortens the embargo's timelines; it does not publish the team's own details.
EMBARGOED = models.Q(published_at__isnull=True)


class ReportQuerySet(models.QuerySet["Report"]):
    def embargoed(self) -> ReportQuerySet:
        return self.filter(EMBARGOED)

    def published(self) -> ReportQuerySet:
        return self.exclude(EMBARGOED)

    def locked(self, pk: int) -> Report:
        """The report as stored now, under its row lock; call inside transaction.atomic().

        `of=("self",)` leaves the project row unlocked: writes to two reports of one project
        do not wait for each other.
        """
        return self.select_for_update(of=("self",)).select_related("project").get(pk=pk)


class Report(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="reports")
    number = models.PositiveIntegerField(help_text="per project: EMISSARY-12 is number 12")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True, help_text="Markdown, stored as written")
    state = models.CharField(
        max_length=20, choices=StateChoices.choices, default=StateChoices.RECEIVED
    )
    received_at = models.DateTimeField(default=timezone.now, help_text="T0 of every timeline")
    reporter_name = models.CharField(max_length=200, blank=True)
    reporter_email = models.EmailField(blank=True)
    channel = models.CharField(
        max_length=10, choices=ChannelChoices.choices, default=ChannelChoices.TEAM
    )
    # Blank kind: the reporter has not said yet, and the advisory credits nobody by name.
    credit_kind = models.CharField(max_length=10, choices=CreditChoices.choices, blank=True)
    credit_name = models.CharField(max_length=200, blank=True, help_text="a name or a handle")
    # Where an imported report came from (a tracker's URL or ID): importing it again finds it.
    external_ref = models.CharField(max_length=300, blank=True)

    cvss_vector = models.CharField(max_length=300, blank=True)
    cvss_version = models.CharField(max_length=3, choices=CvssVersionChoices.choices, blank=True)
    # Decimal so that thresholds compare exactly: 3.9 is below 4.0, 4.0 is not.
    cvss_score = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    severity = models.CharField(max_length=10, choices=SeverityChoices.choices, blank=True)
    severity_override = models.CharField(
        max_length=10,
        choices=SeverityChoices.choices,
        blank=True,
        help_text="the Security Team's class, whatever the score (KAR-30)",
    )
    severity_override_reason = models.TextField(blank=True)
    assessed_risk = models.CharField(max_length=10, choices=AssessedRiskChoices.choices, blank=True)

    public_disclosure_at = models.DateTimeField(
        null=True, blank=True, help_text="set when the vulnerability is already public"
    )
    public_disclosure_url = models.URLField(blank=True)
    private_handling = models.CharField(
        max_length=10, choices=PrivateHandlingChoices.choices, blank=True
    )
    third_party = models.BooleanField(
        default=False,
        help_text="a published vulnerability of a third-party dependency (FOLIO-Q6)",
    )
    disclosure_level = models.CharField(
        max_length=20,
        choices=DisclosureLevelChoices.choices,
        default=DisclosureLevelChoices.PRIVATE,
    )
    disclosure_level_reason = models.TextField(blank=True)
    no_user_harm_determined = models.BooleanField(
        default=False, help_text="the Security Team found public handling harms no user (KAR-27)"
    )

    cve_id = models.CharField(
        "CVE ID",
        max_length=30,
        blank=True,
        validators=[RegexValidator(r"^CVE-\d{4}-\d{4,}$", "a CVE ID looks like CVE-2024-12345")],
    )
    # What an advisory says beside the CVE ID, as imported or recorded: GHSA ids, CWE ids,
    # credits other than the reporter's ({name, kind, contact}) and links ({url, kind}), in the
    # advisory model's kinds (vulndesk.advisories.model).
    aliases = models.JSONField(default=list, blank=True)
    cwe_ids = models.JSONField(default=list, blank=True)
    other_credits = models.JSONField(default=list, blank=True)
    references = models.JSONField(default=list, blank=True)
    release_date = models.DateTimeField(null=True, blank=True)
    planned_merge_at = models.DateTimeField(
        null=True, blank=True, help_text="when the fix will be merged in public (OEDX-20)"
    )
    fixed_version = models.CharField(max_length=100, blank=True)
    fix_released_at = models.DateTimeField(null=True, blank=True)
    fix_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_reports",
        db_index=False,  # indexed below, without the reports that have no Fix Lead
    )
    component = models.ForeignKey(
        "desk.Component", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    # Where the fix branches live: a private git remote (URL) or a local path (EMI-29, OEDX-16).
    security_repository = models.CharField(max_length=500, blank=True)
    # A fix for unsupported lines only is an exception that needs its reason (VIT-12).
    fix_exception_reason = models.TextField(blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates"
    )

    # The triage questionnaire (FOLIO-1, FOLIO-16…24, KAR-22); which answers are compulsory
    # before acceptance is the policy's choice. None on a yes/no question means "not answered".
    blast_radius = models.TextField(blank=True)
    reproduced = models.BooleanField(null=True, blank=True)
    evidence = models.CharField(max_length=20, choices=EvidenceChoices.choices, blank=True)
    scope = models.CharField(max_length=20, choices=ScopeChoices.choices, blank=True)
    layer = models.CharField(max_length=20, choices=LayerChoices.choices, blank=True)
    domain = models.CharField(max_length=20, choices=DomainChoices.choices, blank=True)
    pii_exposed = models.BooleanField(null=True, blank=True)
    privilege_escalation = models.BooleanField(null=True, blank=True)
    affected_versions = models.TextField(blank=True)
    may_become_exploitable = models.BooleanField(
        default=False, help_text="may become exploitable later: never rejected (FOLIO-18)"
    )
    remediation_plan = models.TextField(blank=True)
    mitigation = models.TextField(blank=True)

    state_changed_at = models.DateTimeField(null=True, blank=True)
    triage_started_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    fix_ready_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # A withdrawn advisory stays public, marked withdrawn: OSV consumers need the withdrawn record.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)

    # Bumped by every service that changes the report, so an edit made on a stale page is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="desk_report_unique_number"),
            models.UniqueConstraint(
                fields=["project", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="desk_report_unique_external_ref",
            ),
            models.CheckConstraint(
                condition=models.Q(cvss_score__isnull=True)
                | models.Q(cvss_score__gte=0, cvss_score__lte=10),
                name="desk_report_cvss_score_range",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "state"], name="desk_report_project_state"),
            models.Index(fields=["project", "-received_at"], name="desk_report_project_recent"),
            models.Index(fields=["state", "-received_at"], name="desk_report_state_recent"),
            models.Index(fields=["-received_at"], name="desk_report_recent"),
            # Partial: with every report that has no lead in one index entry, the planners
            # (SQLite's above all) judge "reports this user leads" a scan of the whole table.
            models.Index(
                fields=["fix_lead"],
                condition=models.Q(fix_lead__isnull=False),
                name="desk_report_fix_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse(
            "report-detail", kwargs={"project": self.project.slug, "number": self.number}
        )

    @property
    def key(self) -> str:
        return f"{self.project.slug.upper()}-{self.number}"

    @property
    def base_score(self) -> float | None:
        return None if self.cvss_score is None else float(self.cvss_score)

    @property
    def effective_severity(self) -> Severity | None:
        """The Security Team's override where there is one, else the score's (KAR-30)."""
        chosen = self.severity_override or self.severity
        return Severity(chosen) if chosen else None

    @property
    def is_embargoed(self) -> bool:
        """The row-level form of `EMBARGOED`; a test keeps the two in step."""
        return self.published_at is None

    @property
    def is_publicly_disclosed(self) -> bool:
        return self.public_disclosure_at is not None

    @property
    def on_public_path(self) -> bool:
        """Handled as a public disclosure: public, and its reporter did not agree to go private.

        A reporter who agrees (EMI-5, KAR-14) gives the team the private timelines back; one who
        denies keeps the report on the public track (EMI-6, KAR-15).
        """
        return self.is_publicly_disclosed and self.private_handling != PrivateHandlingChoices.AGREED

    def handling(self) -> Handling:
        """What the project's policy lets the team do with this report, and why."""
        return handling(
            self.project.policy(),
            score=self.base_score,
            severity=self.effective_severity,
            assessed_risk=self.assessed_risk or None,
            public=self.on_public_path,
        )

    def triage_filled(self) -> frozenset[str]:
        """The questionnaire answers given, by the names `lifecycle.TRIAGE_FIELDS` uses."""
        answered = {
            "blast_radius": bool(self.blast_radius.strip()),
            # "Reproduced: yes/no and how" (FOLIO-16): both halves make an answer.
            "reproduced": self.reproduced is not None and bool(self.evidence),
            "scope": bool(self.scope),
            "layer": bool(self.layer),
            "domain": bool(self.domain),
            "pii_exposed": self.pii_exposed is not None,
            "privilege_escalation": self.privilege_escalation is not None,
            "affected_versions": bool(self.affected_versions.strip()),
            "remediation_plan": bool(self.remediation_plan.strip()),
        }
        return frozenset(name for name, given in answered.items() if given)

    def transition_facts(self) -> TransitionFacts:
        return TransitionFacts(
            triage_filled=self.triage_filled(),
            may_become_exploitable=self.may_become_exploitable,
            duplicate_of_set=self.duplicate_of_id is not None,
            fixed_version_set=bool(self.fixed_version.strip()),
            fix_released_at_set=self.fix_released_at is not None,
            release_date_set=self.release_date is not None,
            **self._release_plan_facts(),
        )

    def release_plan(self) -> ReleasePlan:
        """Which lines get a fix under the project's support rule, and why."""
        rule = self.project.policy().supported_releases
        lines = [
            Line(line.name, Status(line.status), line.latest_version)
            for line in self.project.release_lines.order_by("pk")
        ]
        affected = [
            affect.release_line.name
            for affect in self.affects.select_related("release_line")
            if affect.release_line is not None and affect.status != AffectStatus.NOT_AFFECTED
        ]
        return plan_release(
            lines,
            affected,
            rule=rule.rule,
            count=rule.count or 1,
            cvss_score=self.base_score,
            cve_at_least=rule.cve_at_least,
            exception_reason=self.fix_exception_reason,
        )

    def _release_plan_facts(self) -> dict[str, Any]:
        plan = self.release_plan()
        no_fix = ""
        if plan.case is Case.UNSUPPORTED_ONLY and not (plan.fix_issued or plan.fix_on_development):
            no_fix = (
                "only unsupported lines are affected, so no fix is issued (EMI-20, VIT-12); "
                "record an exception with its reason to fix it anyway"
            )
        fixed = {
            affect.release_line.name
            for affect in self.affects.select_related("release_line")
            if affect.release_line is not None and affect.status == AffectStatus.FIXED
        }
        unfixed = tuple(p.line for p in plan.patch_releases if p.line not in fixed)
        return {"no_fix_reason": no_fix, "unfixed_supported_lines": unfixed}

    @property
    def current_state(self) -> State:
        return State(self.state)


class AffectStatus(models.TextChoices):
    AFFECTED = "affected"
    NOT_AFFECTED = "not_affected", "Not affected"
    FIXED = "fixed"


class Affect(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="affects")
    release_line = models.ForeignKey(
        ReleaseLine, on_delete=models.PROTECT, null=True, blank=True, related_name="affects"
    )
    package = models.CharField(
        max_length=200, blank=True, help_text="a released package; blank for the project itself"
    )
    affected_range = models.CharField(max_length=300, blank=True)
    fixed_version = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=20, choices=AffectStatus.choices, default=AffectStatus.AFFECTED
    )

    def __str__(self) -> str:
        where = self.release_line.name if self.release_line else "all lines"
        return f"{self.package or 'project'} {where}: {self.status}"
