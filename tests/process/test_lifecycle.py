"""The report lifecycle: which steps exist, and what each step needs."""

from collections import deque
from typing import get_args

import pytest

from vulndesk.process.lifecycle import (
    ALLOWED,
    TRIAGE_FIELDS,
    DisclosureError,
    DisclosureLevel,
    State,
    TransitionError,
    TransitionFacts,
    check_disclosure_level,
    check_transition,
    default_disclosure_level,
)
from vulndesk.process.policy import Triage

FOLIO_TRIAGE = [
    "reproduced",
    "scope",
    "layer",
    "domain",
    "pii_exposed",
    "privilege_escalation",
    "affected_versions",
]
NOTHING = TransitionFacts()


def refusal(current: State, target: State, facts: TransitionFacts = NOTHING) -> TransitionError:
    with pytest.raises(TransitionError) as caught:
        check_transition(current, target, facts, required_triage_fields=FOLIO_TRIAGE)
    return caught.value


def test_every_state_is_reachable_from_received_and_can_reach_closed() -> None:
    reached, queue = {State.RECEIVED}, deque([State.RECEIVED])
    while queue:
        for following in ALLOWED[queue.popleft()] - reached:
            reached.add(following)
            queue.append(following)
    assert reached == set(State)
    assert all(State.CLOSED in _reachable(state) for state in State if state is not State.CLOSED)


def _reachable(start: State) -> set[State]:
    seen: set[State] = set()
    frontier = set(ALLOWED[start])
    while frontier:
        seen |= frontier
        frontier = {t for s in frontier for t in ALLOWED[s]} - seen
    return seen


def test_kar_16_received_to_released_is_refused_and_says_what_is_allowed() -> None:
    error = refusal(State.RECEIVED, State.RELEASED)
    assert str(error) == "cannot move from received to released; allowed next: triaging"
    assert (error.current, error.target, error.allowed) == (
        State.RECEIVED,
        State.RELEASED,
        [State.TRIAGING],
    )


def test_kar_16_allowed_next_states_are_listed_sorted() -> None:
    error = refusal(State.TRIAGING, State.CLOSED)
    assert error.allowed == [State.ACCEPTED, State.DUPLICATE, State.REJECTED]
    assert str(error).endswith("allowed next: accepted, duplicate, rejected")


def test_closed_is_final() -> None:
    error = refusal(State.CLOSED, State.TRIAGING)
    assert (
        str(error) == "cannot move from closed to triaging; allowed next: nothing (closed is final)"
    )


def test_a_rejected_report_can_be_reopened_for_triage() -> None:
    check_transition(State.REJECTED, State.TRIAGING, NOTHING, required_triage_fields=[])


def test_folio_19_20_accepting_without_scope_and_layer_is_refused_naming_the_rules() -> None:
    filled = frozenset(FOLIO_TRIAGE) - {"scope", "layer"}
    error = refusal(State.TRIAGING, State.ACCEPTED, TransitionFacts(triage_filled=filled))
    assert str(error) == (
        "cannot accept: triage is missing scope, layer "
        "(required by this policy: FOLIO-19, FOLIO-20)"
    )
    assert error.problems == [str(error)]


@pytest.mark.parametrize(
    ("field", "rule"),
    [
        ("reproduced", "FOLIO-16"),
        ("scope", "FOLIO-19"),
        ("layer", "FOLIO-20"),
        ("domain", "FOLIO-21"),
        ("pii_exposed", "FOLIO-22"),
        ("privilege_escalation", "FOLIO-23"),
        ("affected_versions", "FOLIO-24"),
    ],
)
def test_folio_16_to_24_each_triage_answer_is_needed_to_accept(field: str, rule: str) -> None:
    facts = TransitionFacts(triage_filled=frozenset(FOLIO_TRIAGE) - {field})
    error = refusal(State.TRIAGING, State.ACCEPTED, facts)
    assert f"missing {field} (required by this policy: {rule})" in str(error)


def test_folio_16_to_24_a_complete_triage_is_accepted() -> None:
    facts = TransitionFacts(triage_filled=frozenset(FOLIO_TRIAGE))
    check_transition(State.TRIAGING, State.ACCEPTED, facts, required_triage_fields=FOLIO_TRIAGE)


def test_a_policy_without_required_triage_fields_accepts_an_empty_triage() -> None:
    check_transition(State.TRIAGING, State.ACCEPTED, NOTHING, required_triage_fields=[])


def test_a_policy_naming_an_unknown_triage_field_is_an_error() -> None:
    with pytest.raises(
        ValueError, match="unknown triage fields colour; known fields: blast_radius"
    ):
        check_transition(State.TRIAGING, State.ACCEPTED, NOTHING, required_triage_fields=["colour"])


def test_the_triage_fields_are_the_ones_the_policy_schema_knows() -> None:
    (field_literal,) = get_args(Triage.model_fields["required_fields"].annotation)
    assert set(get_args(field_literal)) == set(TRIAGE_FIELDS)


def test_folio_18_a_report_that_may_become_exploitable_cannot_be_rejected() -> None:
    error = refusal(State.TRIAGING, State.REJECTED, TransitionFacts(may_become_exploitable=True))
    assert str(error).startswith("cannot reject: the report may become exploitable")
    assert "(FOLIO-18)" in str(error)


def test_an_ordinary_invalid_report_can_be_rejected() -> None:
    check_transition(State.TRIAGING, State.REJECTED, NOTHING, required_triage_fields=[])


def test_a_duplicate_must_say_which_report_it_duplicates() -> None:
    error = refusal(State.TRIAGING, State.DUPLICATE)
    assert str(error) == "cannot mark as duplicate: say which report it duplicates"
    facts = TransitionFacts(duplicate_of_set=True)
    check_transition(State.TRIAGING, State.DUPLICATE, facts, required_triage_fields=[])


def test_scheduling_needs_a_release_date() -> None:
    error = refusal(State.FIX_READY, State.SCHEDULED)
    assert str(error) == "cannot schedule: set the Release Date first"


def test_folio_34_released_needs_a_fixed_version_and_a_date() -> None:
    error = refusal(State.SCHEDULED, State.RELEASED)
    assert str(error) == (
        "cannot mark released: record the fix release first: fixed version and fix release date "
        "(FOLIO-34)"
    )
    only_version = TransitionFacts(fixed_version_set=True)
    assert "first: fix release date (FOLIO-34)" in str(
        refusal(State.SCHEDULED, State.RELEASED, only_version)
    )
    recorded = TransitionFacts(fixed_version_set=True, fix_released_at_set=True)
    check_transition(State.SCHEDULED, State.RELEASED, recorded, required_triage_fields=[])


def test_the_disclosure_level_starts_private_unless_already_public() -> None:
    assert default_disclosure_level(False) is DisclosureLevel.PRIVATE
    assert default_disclosure_level(True) is DisclosureLevel.PUBLIC


def check_level(
    level: DisclosureLevel,
    *,
    score: float | None = 5.0,
    semi_public_below: float | None = 7.0,
    no_user_harm: bool = True,
    no_user_harm_required: bool = True,
    fix_released: bool = False,
    already_public: bool = False,
) -> None:
    check_disclosure_level(
        level,
        score=score,
        semi_public_below=semi_public_below,
        no_user_harm=no_user_harm,
        no_user_harm_required=no_user_harm_required,
        fix_released=fix_released,
        already_public=already_public,
    )


def test_kar_25_27_semi_public_below_the_threshold_with_a_no_harm_determination() -> None:
    check_level(DisclosureLevel.SEMI_PUBLIC, score=6.9, no_user_harm=True)


def test_kar_25_semi_public_is_refused_at_7() -> None:
    with pytest.raises(DisclosureError) as caught:
        check_level(DisclosureLevel.SEMI_PUBLIC, score=7.0)
    assert caught.value.problems == ["a semi-public fix needs CVSS below 7.0; this report has 7.0"]
    assert str(caught.value).startswith("cannot set the disclosure level to semi_public: ")


def test_kar_27_semi_public_is_refused_without_a_no_harm_determination() -> None:
    with pytest.raises(DisclosureError) as caught:
        check_level(DisclosureLevel.SEMI_PUBLIC, no_user_harm=False)
    assert caught.value.problems == [
        "the Security Team has not recorded that handling the fix publicly causes no user harm "
        "(KAR-27)"
    ]


def test_a_policy_may_waive_the_no_harm_determination() -> None:
    check_level(DisclosureLevel.SEMI_PUBLIC, no_user_harm=False, no_user_harm_required=False)


def test_semi_public_is_refused_where_the_policy_has_no_semi_public_fix() -> None:
    with pytest.raises(DisclosureError, match="this policy does not offer a semi-public fix"):
        check_level(DisclosureLevel.SEMI_PUBLIC, semi_public_below=None)


def test_folio_33_full_disclosure_waits_for_a_released_fix() -> None:
    with pytest.raises(DisclosureError) as caught:
        check_level(DisclosureLevel.PUBLIC)
    assert caught.value.problems == ["full disclosure waits until a fix is released (FOLIO-33)"]
    check_level(DisclosureLevel.PUBLIC, fix_released=True)


def test_folio_33_a_report_public_already_may_be_fully_disclosed_before_the_fix() -> None:
    check_level(DisclosureLevel.PUBLIC, already_public=True)


def test_going_back_to_private_is_always_allowed() -> None:
    check_level(DisclosureLevel.PRIVATE, score=None, semi_public_below=None, no_user_harm=False)
