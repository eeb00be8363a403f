"""The review gate on `fix_ready`: every fix branch needs the policy's approvals on its current
head (VIT-18, OEDX-18); a document that gives no number sets no gate."""

import pytest

from vulndesk.process.lifecycle import (
    BranchApprovals,
    State,
    TransitionError,
    TransitionFacts,
    check_transition,
)
from vulndesk.process.policy import PolicyError, resolve_policy


def ready(facts: TransitionFacts) -> None:
    check_transition(State.FIXING, State.FIX_READY, facts, required_triage_fields=[])


def refusal(facts: TransitionFacts) -> list[str]:
    with pytest.raises(TransitionError) as caught:
        ready(facts)
    return caught.value.problems


def test_vitess_needs_the_number_of_lgtms_the_project_sets_VIT_18() -> None:
    review = resolve_policy("vitess").fix_review
    assert (review.required_approvals, review.reviewers, review.rules) == (
        None,
        "maintainers",
        ["VIT-18"],
    )
    assert review.note
    assert "does not say how many" in review.note
    two = resolve_policy("vitess", {"fix_review": {"required_approvals": 2}}).fix_review
    assert two.required_approvals == 2


def test_open_edx_needs_one_approving_review_OEDX_18() -> None:
    review = resolve_policy("openedx").fix_review
    assert (review.required_approvals, review.rules) == (1, ["OEDX-18"])


@pytest.mark.parametrize("preset", ["envoy", "karmada", "folio"])
def test_documents_without_a_number_set_no_gate_and_say_so_EMI_32(preset: str) -> None:
    review = resolve_policy(preset).fix_review
    assert review.required_approvals is None
    assert review.note


def test_zero_approvals_is_refused_as_a_number() -> None:
    with pytest.raises(PolicyError, match=r"fix_review\.required_approvals"):
        resolve_policy("vitess", {"fix_review": {"required_approvals": 0}})


def test_one_approval_short_is_refused_naming_the_branch_and_how_many_VIT_18() -> None:
    facts = TransitionFacts(
        required_approvals=2,
        review_rules=("VIT-18",),
        branch_approvals=(
            BranchApprovals("fix/header-main", 2),
            BranchApprovals("fix/header-1.13", 1),
        ),
    )
    assert refusal(facts) == [
        "cannot mark the fix ready: fix branch fix/header-1.13 needs 1 more approving review "
        "on its current head (1 of 2) (VIT-18)"
    ]


def test_every_branch_with_enough_approvals_is_ready_VIT_18() -> None:
    ready(
        TransitionFacts(
            required_approvals=2,
            branch_approvals=(BranchApprovals("a", 2), BranchApprovals("b", 3)),
        )
    )


def test_a_gate_with_no_fix_branch_at_all_is_refused_OEDX_18() -> None:
    [problem] = refusal(TransitionFacts(required_approvals=1, review_rules=("OEDX-18",)))
    assert problem.startswith("cannot mark the fix ready: no fix branch is known")
    assert problem.endswith("get 1 approving review on each fix branch (OEDX-18)")


def test_without_a_gate_no_review_is_needed() -> None:
    ready(TransitionFacts(required_approvals=None))


def test_the_gate_is_only_on_fix_ready() -> None:
    facts = TransitionFacts(required_approvals=3, release_date_set=True)
    check_transition(State.FIX_READY, State.SCHEDULED, facts, required_triage_fields=[])
