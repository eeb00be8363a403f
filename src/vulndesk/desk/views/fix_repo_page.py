"""The report page's "Private repository" section: the remote, its fix branches per release
line, their latest test runs and their reviews, and the fix as frozen for distributors with
the last check of what landed (what `report_page` shows)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django import forms

from vulndesk.desk.access import AnyUser, can_manage_fix, can_review_fix, can_run_fix_tests
from vulndesk.desk.models import FixBranch, FixFreeze, Report, Review, TestRun
from vulndesk.desk.services import fix_integrity, fix_repo
from vulndesk.gitops import Commit, display_remote

ANCHOR = "fix-repo"
BAD_INPUT = 400
# The names under which a refused form comes back to the page.
REMOTE_FORM, REVIEW_FORM, ACTION_FORM = "fix_repo_remote", "fix_repo_review", "fix_repo_action"


class RemoteForm(forms.Form):
    remote = forms.CharField(
        max_length=500,
        help_text="https://, ssh:// or file:// URL, git@host:path, or a path on this server",
    )


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(choices=[("approve", "Approve"), ("changes", "Request changes")])
    comment = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea)


@dataclass
class BranchView:
    branch: FixBranch
    commits: list[Commit]
    latest_run: TestRun | None
    reviews: list[Review]  # on the current head
    older_reviews: int  # on earlier heads: they no longer count

    @property
    def run_is_stale(self) -> bool:
        return self.latest_run is not None and self.latest_run.sha != self.branch.head_sha

    @property
    def approvals(self) -> int:
        return len({review.reviewer_id for review in self.reviews if review.approved})


@dataclass
class Integrity:
    """The fix as frozen for distributors and the last check of what landed (EMI-42, KAR-41)."""

    required: bool  # the policy refuses release without a freeze
    freeze: FixFreeze | None
    problems: list[str]  # what stops the release now


@dataclass
class FixRepoSection:
    remote: str
    groups: list[tuple[str, list[BranchView]]]  # by the line each branch fixes
    required_approvals: int | None
    may_manage: bool
    may_test: bool
    may_review: bool
    integrity: Integrity | None = None  # for those who manage the fix
    forms: dict[str, forms.Form] = field(default_factory=dict)


def branch_view(branch: FixBranch) -> BranchView:
    runs = branch.test_runs.select_related("requested_by").order_by("-created_at", "-pk")
    reviews = list(branch.reviews.select_related("reviewer").order_by("created_at", "pk"))
    current = [review for review in reviews if review.sha == branch.head_sha]
    return BranchView(
        branch, fix_repo.branch_commits(branch), runs.first(), current, len(reviews) - len(current)
    )


def fix_repo_section(
    user: AnyUser, report: Report, bound: Mapping[str, forms.Form]
) -> FixRepoSection:
    fix_repo.recover_abandoned_runs(report)  # a run its worker left "running" reads as an error
    groups: dict[str, list[BranchView]] = {}
    for branch in report.fix_branches.select_related("release_line").order_by("name"):
        line = branch.release_line
        title = line.name if line else f"{report.project.main_branch} (main)"
        groups.setdefault(title, []).append(branch_view(branch))
    remote = report.security_repository
    may_manage = can_manage_fix(user, report)
    integrity = None
    if may_manage:
        integrity = Integrity(
            required=report.project.policy().release_integrity.frozen_fix_required,
            freeze=fix_integrity.latest_freeze(report),
            problems=list(fix_integrity.integrity_facts(report)["integrity_problems"]),
        )
    return FixRepoSection(
        remote=display_remote(remote) if remote else "",
        groups=sorted(groups.items()),
        required_approvals=report.project.policy().fix_review.required_approvals,
        may_manage=may_manage,
        may_test=can_run_fix_tests(user, report),
        may_review=can_review_fix(user, report),
        integrity=integrity,
        forms={
            "remote": bound.get(REMOTE_FORM) or RemoteForm(),
            "review": bound.get(REVIEW_FORM) or ReviewForm(),
            "action": bound.get(ACTION_FORM) or forms.Form(),
        },
    )
