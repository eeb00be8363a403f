"""The Fix Lead rotation, without a database: round-robin with leave, load and associates."""

from hypothesis import given
from hypothesis import strategies as st

from vulndesk.process.rotation import (
    Candidate,
    SkipReason,
    associate_may_lead,
    in_turn_order,
    next_lead,
)

A, B, C = Candidate(1, 1), Candidate(2, 2), Candidate(3, 3)


def chosen(candidates: list[Candidate], last: Candidate | None) -> Candidate | None:
    return next_lead(candidates, last.key if last else None, associates_may_lead=False).lead


def test_emi_10_after_a_then_b_comes_c_and_then_a() -> None:
    """EMI-10: order [A, B, C], previous leads A then B: the desk proposes C, then A."""
    team = [B, C, A]  # the order given does not matter; rotation_order does
    assert chosen(team, None) == A
    assert chosen(team, A) == B
    assert chosen(team, B) == C
    assert chosen(team, C) == A


def test_a_member_on_leave_is_passed_over_and_said_why() -> None:
    on_leave = Candidate(3, 3, on_leave=True)
    turn = next_lead([A, B, on_leave], B.key, associates_may_lead=False)
    assert turn.lead == A
    assert [(skip.candidate, skip.reason) for skip in turn.skipped] == [
        (on_leave, SkipReason.ON_LEAVE)
    ]


def test_a_member_at_their_load_limit_is_passed_over_but_not_one_below_it() -> None:
    full = Candidate(2, 2, open_reports=2, load_limit=2)
    turn = next_lead([A, full, C], A.key, associates_may_lead=False)
    assert turn.lead == C
    assert turn.skipped[0].reason is SkipReason.AT_LOAD_LIMIT
    below = Candidate(2, 2, open_reports=1, load_limit=2)
    assert next_lead([A, below, C], A.key, associates_may_lead=False).lead == below


def test_kar_10_an_associate_is_passed_over_unless_the_report_allows_associates() -> None:
    associate = Candidate(2, 2, associate=True)
    refused = next_lead([A, associate, C], A.key, associates_may_lead=False)
    assert refused.lead == C
    assert refused.skipped[0].reason is SkipReason.ASSOCIATE_NOT_ALLOWED
    assert next_lead([A, associate, C], A.key, associates_may_lead=True).lead == associate


def test_kar_10_an_associate_may_lead_only_a_public_or_low_sensitivity_report() -> None:
    may_lead = ["public", "low_sensitivity"]
    assert associate_may_lead(may_lead, publicly_disclosed=True, low_sensitivity=False)
    assert associate_may_lead(may_lead, publicly_disclosed=False, low_sensitivity=True)
    assert not associate_may_lead(may_lead, publicly_disclosed=False, low_sensitivity=False)
    # A policy that lets associates lead nothing keeps them out even of public reports.
    assert not associate_may_lead([], publicly_disclosed=True, low_sensitivity=True)


def test_nobody_available_gives_no_lead_and_every_reason() -> None:
    team = [Candidate(1, 1, on_leave=True), Candidate(2, 2, open_reports=1, load_limit=1)]
    turn = next_lead(team, None, associates_may_lead=False)
    assert turn.lead is None
    assert [skip.reason for skip in turn.skipped] == [
        SkipReason.ON_LEAVE,
        SkipReason.AT_LOAD_LIMIT,
    ]


def test_a_last_lead_who_left_the_team_still_marks_the_place() -> None:
    """B led last and has left: the turn goes to the one after B's place, C."""
    assert next_lead([A, C], B.key, associates_may_lead=False).lead == C


candidate_lists = st.lists(
    st.builds(
        Candidate,
        id=st.integers(1, 50),
        rotation_order=st.integers(0, 5),
        on_leave=st.booleans(),
        open_reports=st.integers(0, 4),
        load_limit=st.none() | st.integers(0, 4),
        associate=st.booleans(),
    ),
    max_size=8,
    unique_by=lambda candidate: candidate.id,
)


@given(candidate_lists, st.none() | st.tuples(st.integers(0, 5), st.integers(1, 50)), st.booleans())
def test_the_rotation_never_picks_someone_on_leave_or_at_their_limit(
    team: list[Candidate], last: tuple[int, int] | None, associates: bool
) -> None:
    turn = next_lead(team, last, associates_may_lead=associates)
    if turn.lead is not None:
        assert not turn.lead.on_leave
        assert turn.lead.load_limit is None or turn.lead.open_reports < turn.lead.load_limit
        assert associates or not turn.lead.associate
        assert turn.lead.skip_reason(associates_may_lead=associates) is None
    else:
        assert len(turn.skipped) == len(team)
    # Those passed over are exactly the ones before the lead in turn order.
    order = in_turn_order(team, last)
    passed = order[: len(turn.skipped)]
    assert [skip.candidate for skip in turn.skipped] == passed


@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=8),
    st.none() | st.tuples(st.integers(0, 5), st.integers(1, 9)),
)
def test_over_a_full_cycle_with_nobody_skipped_each_member_leads_exactly_once(
    orders: list[int], start: tuple[int, int] | None
) -> None:
    team = [Candidate(index + 1, order) for index, order in enumerate(orders)]
    last, leads = start, []
    for _ in team:
        turn = next_lead(team, last, associates_may_lead=False)
        assert turn.lead is not None
        assert turn.skipped == ()
        leads.append(turn.lead.id)
        last = turn.lead.key
    assert sorted(leads) == [candidate.id for candidate in team]
