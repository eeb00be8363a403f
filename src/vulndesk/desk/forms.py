"""The forms of the report page. Each carries the report's `version` as the user saw it, so a
change made on a stale page is refused instead of silently overwriting someone else's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cvss import constants3, constants4
from django import forms
from django.db import models
from django.db.models import QuerySet
from django.forms.models import fields_for_model
from django.http import QueryDict

from vulndesk.desk.models import (
    AffectStatus,
    AssessedRiskChoices,
    DomainChoices,
    EvidenceChoices,
    LayerChoices,
    ReleaseLine,
    Report,
    ScopeChoices,
)
from vulndesk.desk.services.comments import MAX_COMMENT_LENGTH
from vulndesk.desk.services.reporter import MAX_MESSAGE_LENGTH
from vulndesk.process.lifecycle import State
from vulndesk.process.severity import CvssError, Score, score

# The button that moves a report to each state; nothing moves back to `received`.
TRANSITION_BUTTONS: Mapping[State, str] = {
    State.TRIAGING: "Start triage",
    State.ACCEPTED: "Accept",
    State.REJECTED: "Reject",
    State.DUPLICATE: "Mark as duplicate",
    State.FIXING: "Start fixing",
    State.FIX_READY: "Mark fix ready",
    State.SCHEDULED: "Schedule",
    State.RELEASED: "Mark released",
    State.PUBLISHED: "Publish",
    State.CLOSED: "Close",
}


class ReportForm(forms.Form):
    """A form about one report; `id_prefix` keeps element ids unique on a page of several."""

    id_prefix = "report"
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, data: QueryDict | None = None, *, version: int, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        kwargs.setdefault("label_suffix", "")
        initial = {"version": version, **kwargs.pop("initial", {})}
        super().__init__(data, initial=initial, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "version" in self.errors:  # a hidden field: say it where the user will see it
            self.add_error(None, "this page lost track of the report's version: reload it")
        return cleaned

    def show_version(self, version: int) -> None:
        """Carry `version` from now on, keeping the rest of the user's input: the page shown
        after a conflict has the report as it is now, so sending the form again is informed."""
        assert isinstance(self.data, QueryDict)  # noqa: S101 -- only bound forms get here
        data = self.data.copy()
        data["version"] = str(version)
        self.data = data


def reason_field(label: str, help_text: str, *, required: bool = True) -> forms.CharField:
    """A short written reason, kept in the audit timeline and wherever `help_text` says."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=help_text,
    )


class TransitionForm(ReportForm):
    id_prefix = "transition"
    # Every state, not only those offered: a move the rules refuse is answered with the
    # rule's own message rather than a bare "not a valid choice".
    target = forms.ChoiceField(choices=[(s.value, s.value) for s in State])
    reason = reason_field("Reason", "Kept in the audit timeline.", required=False)
    force = forms.BooleanField(required=False, widget=forms.HiddenInput)


class PublishAnywayForm(TransitionForm):
    """Publish although a publication guard fails: the reason is required and audited."""

    id_prefix = "force"
    reason = reason_field(
        "Why publish now", "Kept in the audit timeline with the guards it overrides."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"target": State.PUBLISHED.value, "force": True})
        super().__init__(*args, **kwargs)


class WithdrawForm(ReportForm):
    """Withdraw the published advisory: it stays public, marked withdrawn with the reason."""

    id_prefix = "withdraw"
    reason = reason_field("Why withdraw it", "Shown on the public advisory and in its records.")


class RevisionForm(ReportForm):
    """Note a later change to the published advisory, as its next revision."""

    id_prefix = "revision"
    summary = forms.CharField(
        label="What changed",
        max_length=2000,
        help_text="e.g. Added the CVE ID. Shown in the advisory's revision history.",
    )


class PrivateHandlingForm(ReportForm):
    """Ask the one who made it public to go private, or record their answer (EMI-5, KAR-14)."""

    id_prefix = "private"
    action = forms.ChoiceField(choices=[("ask", "ask"), ("agreed", "agreed"), ("denied", "denied")])


class FixExceptionForm(ReportForm):
    """VIT-12: fix a report on unsupported lines anyway, in extreme circumstances."""

    id_prefix = "exception"
    reason = reason_field(
        "Why fix it anyway",
        "The extreme circumstances (VIT-12); kept on the report and in the audit.",
    )


# --- CVSS ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    key: str  # "AV"
    name: str  # "Attack Vector"
    values: list[tuple[str, str]]  # [("N", "Network"), …]


def _metrics(constants: Any) -> list[Metric]:
    return [
        Metric(
            key,
            constants.METRICS_ABBREVIATIONS[key],
            list(constants.METRICS_VALUE_NAMES[key].items()),
        )
        for key in constants.METRICS_MANDATORY
    ]


# The base metrics, as the `cvss` library names them: the calculator offers what it scores.
CVSS_METRICS: Mapping[str, list[Metric]] = {
    "3.1": _metrics(constants3),
    "4.0": _metrics(constants4),
}
CVSS_EXAMPLE = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def metric_field(version: str, key: str) -> str:
    return f"v{version.replace('.', '')}_{key}"


def metrics_of(vector: str) -> dict[str, str]:
    """The calculator's radio values for `vector`, so the metrics show what the vector says."""
    prefix, _, rest = vector.partition("/")
    version = {"CVSS:3.0": "3.1", "CVSS:3.1": "3.1", "CVSS:4.0": "4.0"}.get(prefix)
    if version is None:
        return {}
    keys = {metric.key for metric in CVSS_METRICS[version]}
    pairs = (part.partition(":") for part in rest.split("/"))
    return {metric_field(version, key): value for key, _, value in pairs if key in keys}


class CvssForm(ReportForm):
    """A vector typed in, or built from one version's metrics; scored by the `cvss` library."""

    id_prefix = "cvss"
    vector = forms.CharField(
        label="CVSS vector",
        required=False,
        max_length=300,
        help_text=f"CVSS 3.1 or 4.0, for example {CVSS_EXAMPLE}",
    )
    # Which button was pressed: preview the typed vector, build one from a metric group, or save.
    action = forms.ChoiceField(
        required=False,
        choices=[("preview", "Preview"), ("save", "Save score")]
        + [(f"build-{version}", f"Build CVSS {version} vector") for version in CVSS_METRICS],
    )

    def __init__(
        self, data: QueryDict | None = None, *, version: int, vector: str = "", **kwargs: Any
    ) -> None:
        initial = {"vector": vector, **metrics_of(vector)}
        super().__init__(data, version=version, initial=initial, **kwargs)
        for cvss_version, metrics in CVSS_METRICS.items():
            for metric in metrics:
                self.fields[metric_field(cvss_version, metric.key)] = forms.ChoiceField(
                    label=f"{metric.name} ({metric.key})",
                    choices=metric.values,
                    required=False,
                    widget=forms.RadioSelect(attrs={"data-cvss-metric": metric.key}),
                )

    def metric_groups(self) -> list[tuple[str, list[forms.BoundField], bool]]:
        """Each version's metrics, and whether to show it open: the vector's version, else 4.0."""
        vector = str(self["vector"].value() or "")
        shown = "3.1" if vector.startswith("CVSS:3") else "4.0"
        return [
            (version, [self[metric_field(version, m.key)] for m in metrics], version == shown)
            for version, metrics in CVSS_METRICS.items()
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action = cleaned.get("action") or "preview"
        cleaned["action"] = action
        if action.startswith("build-"):
            built = self._vector_from_metrics(action.removeprefix("build-"))
            if built is None:
                return cleaned
            cleaned["vector"] = built
        vector = cleaned.get("vector", "").strip()
        if not vector:
            self.add_error(
                "vector",
                f"type a CVSS vector such as {CVSS_EXAMPLE}, "
                "or choose every metric of one version and preview it",
            )
            return cleaned
        try:
            cleaned["score"] = score(vector)
        except CvssError as exc:
            self.add_error("vector", str(exc))
        return cleaned

    def _vector_from_metrics(self, version: str) -> str | None:
        parts = []
        for metric in CVSS_METRICS[version]:
            name = metric_field(version, metric.key)
            if not self.cleaned_data.get(name):
                self.add_error(name, f"choose the {metric.name} to build a CVSS {version} vector")
            parts.append(f"{metric.key}:{self.cleaned_data.get(name)}")
        return None if self.errors else f"CVSS:{version}/" + "/".join(parts)

    @property
    def score(self) -> Score:
        result: Score = self.cleaned_data["score"]
        return result


# --- Triage questionnaire ---------------------------------------------------------------------

# The questionnaire in the order a triager answers it (the policy's names, FOLIO-16…24, KAR-22).
QUESTIONNAIRE = (
    "blast_radius",
    "reproduced",
    "evidence",
    "scope",
    "layer",
    "domain",
    "pii_exposed",
    "privilege_escalation",
    "affected_versions",
    "may_become_exploitable",
    "assessed_risk",
    "remediation_plan",
    "mitigation",
)

QUESTION_LABELS = {
    "blast_radius": "Blast radius",
    "reproduced": "Reproduced",
    "evidence": "How it was confirmed",
    "scope": "Scope",
    "layer": "Layer",
    "domain": "Domain",
    "pii_exposed": "Exposes personal data (PII)",
    "privilege_escalation": "Allows privilege escalation",
    "affected_versions": "Affected versions",
    "may_become_exploitable": "May become exploitable in a future version",
    "assessed_risk": "Assessed risk",
    "remediation_plan": "Remediation plan",
    "mitigation": "Mitigation",
}
QUESTION_HELP = {
    "evidence": "With “Reproduced”, the answer to FOLIO-16; a unit test or a code review is "
    "enough (FOLIO-17).",
    "may_become_exploitable": "Such a report is never rejected (FOLIO-18).",
}
QUESTION_CHOICES: Mapping[str, type[models.TextChoices]] = {
    "evidence": EvidenceChoices,
    "scope": ScopeChoices,
    "layer": LayerChoices,
    "domain": DomainChoices,
    "assessed_risk": AssessedRiskChoices,
}
NOT_ANSWERED = "Not answered"


# A yes/no question may stay unanswered; anything but these three is refused, not guessed.
YES_NO_VALUES: Mapping[bool | None, str] = {None: "unknown", True: "true", False: "false"}


def yes_no(field: forms.Field) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=field.label,
        help_text=field.help_text,
        required=False,
        choices=[("unknown", NOT_ANSWERED), ("true", "Yes"), ("false", "No")],
        coerce=lambda value: {"true": True, "false": False}.get(value),
        empty_value=None,
    )


class TriageForm(ReportForm):
    id_prefix = "triage"
    duplicate_of = forms.IntegerField(
        label="Duplicate of (report number)",
        required=False,
        min_value=1,
        help_text="The number of the earlier report of this project, e.g. 3 for EMISSARY-3.",
    )

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        report: Report,
        others: QuerySet[Report],
        required: Mapping[str, str],
        **kwargs: Any,
    ) -> None:
        """`others`: the reports this user may name as the original; `required`: the answers
        the policy needs before acceptance, each with its rule."""
        initial = {name: getattr(report, name) for name in QUESTIONNAIRE}
        if report.duplicate_of is not None:
            initial["duplicate_of"] = report.duplicate_of.number
        super().__init__(data, version=report.version, initial=initial, **kwargs)
        self.report, self.others, self.required = report, others, required
        questions = fields_for_model(
            Report,
            fields=QUESTIONNAIRE,
            labels=QUESTION_LABELS,
            help_texts=QUESTION_HELP,
            widgets={
                name: forms.Textarea(attrs={"rows": 2})
                for name in ("blast_radius", "affected_versions", "remediation_plan", "mitigation")
            },
        )
        for name, field in questions.items():
            if isinstance(field, forms.NullBooleanField):
                questions[name] = yes_no(field)
                self.initial[name] = YES_NO_VALUES[getattr(report, name)]
            elif name in QUESTION_CHOICES:
                assert isinstance(field, forms.ChoiceField)  # noqa: S101 -- a model choice field
                field.choices = [("", NOT_ANSWERED), *QUESTION_CHOICES[name].choices]
        self.fields = {**questions, **self.fields}

    def questions(self) -> list[tuple[forms.BoundField, str]]:
        """Each question with the rule that makes it compulsory here, or "" if optional."""
        return [(self[name], self.required.get(name, "")) for name in QUESTIONNAIRE]

    def clean_duplicate_of(self) -> Report | None:
        number = self.cleaned_data.get("duplicate_of")
        if number is None:
            if self.report.duplicate_of is not None:
                raise forms.ValidationError("a recorded duplicate cannot be cleared")
            return None
        original = self.others.filter(project=self.report.project, number=number).first()
        if original is None:
            key = f"{self.report.project.slug.upper()}-{number}"
            raise forms.ValidationError(f"{key} is not a report of this project you can see")
        return original

    def answers(self) -> dict[str, Any]:
        """The answers the user changed: the audit records what moved, not the whole form."""
        return {
            name: self.cleaned_data[name] for name in self.changed_data if name in QUESTIONNAIRE
        }

    def new_duplicate_of(self) -> Report | None:
        return self.cleaned_data["duplicate_of"] if "duplicate_of" in self.changed_data else None


# --- Affects and comments ---------------------------------------------------------------------


class AffectForm(ReportForm):
    id_prefix = "affect"
    release_line = forms.ModelChoiceField(
        label="Release line",
        queryset=ReleaseLine.objects.none(),  # the report's project's lines, set per form
        required=False,
        empty_label="— none: every line, or a package —",
    )
    package = forms.CharField(
        label="Package",
        required=False,
        max_length=200,
        help_text="A released package; leave blank for the project itself.",
    )
    affected_range = forms.CharField(
        label="Affected range", required=False, max_length=300, help_text="e.g. >=1.10,<1.13.4"
    )
    fixed_version = forms.CharField(label="Fixed version", required=False, max_length=100)
    status = forms.ChoiceField(label="Status", choices=AffectStatus.choices)

    def __init__(self, data: QueryDict | None = None, *, report: Report, **kwargs: Any) -> None:
        super().__init__(data, version=report.version, **kwargs)
        field = self.fields["release_line"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 -- declared above
        field.queryset = report.project.release_lines.order_by("name")


class RemoveAffectForm(ReportForm):
    id_prefix = "remove"


class CommentForm(forms.Form):
    """No version here: a comment adds to the report and overwrites nothing, so a newer page
    elsewhere is no reason to refuse it (and lose the text)."""

    body = forms.CharField(
        label="Comment",
        max_length=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown. Links work; images and scripts are removed.",
    )

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        super().__init__(data, auto_id="comment_%s", label_suffix="", **kwargs)


class ReporterReplyForm(forms.Form):
    """The team's message to the reporter; no version, for the reason CommentForm has none."""

    body = forms.CharField(
        label="Message to the reporter",
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Markdown. The reporter reads it on their private link and gets it by email.",
    )

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        super().__init__(data, auto_id="reply_%s", label_suffix="", **kwargs)
