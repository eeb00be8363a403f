"""The report page's "Backports" section: each plan's steps in order with their repository,
branch, versions and status (conflicting files and hunks, failure details), and the forms to
plan, dry-run and execute for those who may (what `report_page` shows)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms

from vulndesk.desk.access import AnyUser, can_run_backports
from vulndesk.desk.backport_json import backport_to_json
from vulndesk.desk.models import Package, Report
from vulndesk.versions.plan import Compatibility

ANCHOR = "backports"
# The names under which a refused form comes back to the page.
PLAN_FORM, EXECUTE_FORM, ACTION_FORM = "backport_plan", "backport_execute", "backport_action"


class PlanForm(forms.Form):
    package = forms.ModelChoiceField(queryset=Package.objects.none(), to_field_name="name")
    fix_commits = forms.CharField(
        label="Fix commits",
        max_length=1000,
        help_text="the fix as merged on the package's main branch, oldest first, space-separated",
    )
    compatibility = forms.ChoiceField(
        choices=[(c.value, c.value.replace("_", " ")) for c in Compatibility],
        initial=Compatibility.SAME_MAJOR.value,
        help_text="when a release line may move to the new release (OEDX-9: same major)",
    )
    decisions = forms.CharField(
        required=False,
        max_length=1000,
        help_text="answers that override it (OEDX-8), e.g. 2.5.0=no 3.0.0=yes",
    )

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        packages = cast(forms.ModelChoiceField[Package], self.fields["package"])
        packages.queryset = report.project.packages.order_by("name")

    def clean_fix_commits(self) -> list[str]:
        return str(self.cleaned_data["fix_commits"]).replace(",", " ").split()

    def clean_decisions(self) -> dict[str, bool]:
        answers = {}
        for item in str(self.cleaned_data["decisions"]).replace(",", " ").split():
            version, _, said = item.partition("=")
            if not version or said.lower() not in {"yes", "no"}:
                raise forms.ValidationError(f"{item!r}: write VERSION=yes or VERSION=no")
            answers[version] = said.lower() == "yes"
        return answers


class ExecuteForm(forms.Form):
    push = forms.BooleanField(required=False, help_text="to the private remotes")
    run_tests = forms.BooleanField(required=False, help_text="on each new branch head")


@dataclass
class BackportsSection:
    plans: list[dict[str, Any]]
    may_run: bool
    has_packages: bool
    forms: dict[str, forms.Form] = field(default_factory=dict)


def backport_section(
    user: AnyUser, report: Report, bound: Mapping[str, forms.Form]
) -> BackportsSection:
    found = report.backports.select_related("package").order_by("package__name")
    plans = [backport_to_json(backport) for backport in found]
    for plan in plans:
        plan["job_label"] = (plan["job"] or "").replace("_", " ")
        for step in plan["steps"]:
            step["kind_label"] = step["kind"].replace("_", " ")
            step["status_label"] = step["status"].replace("_", " ")
    return BackportsSection(
        plans=plans,
        may_run=can_run_backports(user, report),
        has_packages=report.project.packages.exists(),
        forms={
            "plan": bound.get(PLAN_FORM) or PlanForm(report=report),
            "execute": bound.get(EXECUTE_FORM) or ExecuteForm(),
            "action": bound.get(ACTION_FORM) or forms.Form(),
        },
    )
