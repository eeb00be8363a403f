"""Karmada team governance as the desk runs it: nominations (KAR-3, KAR-4), stepping down
(KAR-5), activity (KAR-6), leaves (KAR-7), inactivity flags (KAR-8) and removal votes (KAR-9),
each membership change audited (KAR-2)."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction

from tests.desk.factories import make_member, make_project, make_user
from vulndesk.desk.models import (
    AuditEvent,
    Nomination,
    Project,
    RemovalVote,
    TeamMember,
    TeamRole,
)
from vulndesk.desk.services import audit
from vulndesk.desk.services import governance as team

pytestmark = pytest.mark.django_db

JAN_15 = datetime(2024, 1, 15, 9, tzinfo=UTC)
TWO_THIRDS = {"team": {"inactivity": {"removal_vote": {"threshold": 0.6667}}}}


@pytest.fixture
def traveller(time_machine: time_machine.TimeMachineFixture) -> time_machine.TimeMachineFixture:
    time_machine.move_to(JAN_15, tick=False)
    return time_machine


@pytest.fixture
def karmada(traveller: time_machine.TimeMachineFixture) -> Project:
    return make_project("karmada", policy_overrides=TWO_THIRDS)


@pytest.fixture
def kim(karmada: Project) -> User:
    """On Karmada's security team."""
    user = make_user("kim")
    make_member(karmada, user)
    return user


@pytest.fixture
def mo(karmada: Project) -> User:
    """A Karmada maintainer, not on the security team."""
    user = make_user("mo")
    make_member(karmada, user, TeamRole.MAINTAINER)
    return user


@pytest.fixture
def nia(karmada: Project, kim: User) -> TeamMember:
    """An associate since 2024-01-15, nominated by kim."""
    nomination = team.nominate(
        karmada, make_user("nia"), kind="associate", nominated_by=kim, reason="triages well"
    )
    return team.accept_nomination(nomination, actor=kim)


def actions(project: Project) -> list[str]:
    return list(
        AuditEvent.objects.filter(project=project).order_by("seq").values_list("action", flat=True)
    )


def test_kar4_a_maintainer_nominates_an_associate_and_it_is_audited(
    karmada: Project, mo: User
) -> None:
    nomination = team.nominate(
        karmada, make_user("nia"), kind="associate", nominated_by=mo, reason="fixes CVEs"
    )
    assert nomination.outcome == ""
    event = AuditEvent.objects.get(action="team.nominated")
    assert event.actor == mo
    assert event.data["nominee"] == "nia"


def test_kar4_a_nomination_by_someone_off_the_team_is_refused(karmada: Project) -> None:
    with pytest.raises(ValueError, match=r"nominated_by: charlie is neither .* \(KAR-4\)"):
        team.nominate(
            karmada,
            make_user("nia"),
            kind="associate",
            nominated_by=make_user("charlie"),
            reason="",
        )
    assert not Nomination.objects.exists()


def test_kar2_an_accepted_associate_joins_with_their_nominator_on_record(
    karmada: Project, kim: User, nia: TeamMember
) -> None:
    assert (nia.role, nia.nominated_by) == (TeamRole.ASSOCIATE, kim)
    assert actions(karmada) == ["team.nominated", "team.member_added"]


def test_kar3_promotion_before_three_months_is_refused_with_the_date_it_becomes_possible(
    karmada: Project, kim: User, nia: TeamMember, traveller: time_machine.TimeMachineFixture
) -> None:
    traveller.move_to(datetime(2024, 4, 14, 12, tzinfo=UTC), tick=False)
    with pytest.raises(ValueError, match=r"nominee: .* from 2024-04-15, not on 2024-04-14"):
        team.nominate(karmada, nia.user, kind="member", nominated_by=kim, reason="ready")


def test_kar3_an_associate_becomes_a_member_from_april_15th_and_leaves_the_associate_role(
    karmada: Project, kim: User, nia: TeamMember, traveller: time_machine.TimeMachineFixture
) -> None:
    traveller.move_to(datetime(2024, 4, 15, 8, tzinfo=UTC), tick=False)
    nomination = team.nominate(karmada, nia.user, kind="member", nominated_by=kim, reason="ok")
    member = team.accept_nomination(nomination, actor=kim)
    nia.refresh_from_db()
    assert nia.left_at is not None
    assert (member.role, member.nominated_by) == (TeamRole.SECURITY_TEAM, kim)
    added = AuditEvent.objects.filter(action="team.member_added").order_by("seq")
    assert [event.data["promoted_from"] for event in added] == [None, nia.pk]


def test_kar3_accepting_an_early_nomination_is_refused_too(
    karmada: Project, kim: User, nia: TeamMember
) -> None:
    early = Nomination.objects.create(
        project=karmada, nominee=nia.user, nominated_by=kim, kind="member"
    )
    with pytest.raises(ValueError, match="from 2024-04-15"):
        team.accept_nomination(early, actor=kim)
    assert not TeamMember.objects.filter(user=nia.user, role=TeamRole.SECURITY_TEAM).exists()


def test_kar3_a_newcomer_is_nominated_as_an_associate_first(karmada: Project, kim: User) -> None:
    with pytest.raises(ValueError, match=r"not an associate .* \(KAR-3\)"):
        team.nominate(karmada, make_user("ola"), kind="member", nominated_by=kim, reason="")


def test_only_the_security_team_accepts_a_nomination(karmada: Project, kim: User, mo: User) -> None:
    nomination = team.nominate(
        karmada, make_user("ola"), kind="associate", nominated_by=mo, reason=""
    )
    with pytest.raises(PermissionDenied):
        team.accept_nomination(nomination, actor=mo)
    team.decline_nomination(nomination, actor=kim, reason="not now")
    nomination.refresh_from_db()
    assert nomination.outcome == Nomination.Outcome.DECLINED
    with pytest.raises(ValueError, match="nomination: it was already declined"):
        team.accept_nomination(nomination, actor=kim)
    assert actions(karmada)[-1] == "team.nomination_declined"


def test_the_per_company_cap_refuses_a_third_person_from_one_company(kim: User, mo: User) -> None:
    capped = make_project(
        "capped", preset="karmada", policy_overrides={"team": {"caps": {"per_company": 2}}}
    )
    make_member(capped, mo, TeamRole.MAINTAINER)
    for name in ("a1", "a2"):
        nomination = team.nominate(
            capped, make_user(name), kind="associate", nominated_by=mo, reason=""
        )
        team.accept_nomination(nomination, actor=None, company="Acme")
    third = team.nominate(capped, make_user("a3"), kind="associate", nominated_by=mo, reason="")
    with pytest.raises(ValueError, match=r"team\.caps\.per_company is 2"):
        team.accept_nomination(third, actor=None, company="ACME")
    team.accept_nomination(third, actor=None, company="Initech")


def test_kar5_a_member_steps_down_at_once_with_no_vote(karmada: Project, kim: User) -> None:
    membership = TeamMember.objects.get(user=kim)
    team.step_down(membership, actor=kim)
    membership.refresh_from_db()
    assert membership.left_at is not None
    assert not karmada.is_security_team_member(kim)
    assert actions(karmada) == ["team.stepped_down"]


def test_kar5_no_one_steps_down_for_someone_else(karmada: Project, kim: User, mo: User) -> None:
    with pytest.raises(PermissionDenied, match="takes a vote"):
        team.step_down(TeamMember.objects.get(user=kim), actor=mo)


def test_kar7_a_member_declares_leave_with_an_associate_as_cover(
    karmada: Project, kim: User, nia: TeamMember
) -> None:
    membership = TeamMember.objects.get(user=kim, role=TeamRole.SECURITY_TEAM)
    leave = team.declare_leave(
        membership, date(2024, 2, 1), date(2024, 5, 31), reason="parental", cover=nia, actor=kim
    )
    assert leave.cover == nia
    event = AuditEvent.objects.get(action="team.leave_declared")
    assert (event.data["cover"], event.data["ends_on"]) == ("nia", "2024-05-31")


def test_kar7_leave_refuses_bad_dates_overlaps_a_non_associate_cover_and_strangers(
    karmada: Project, kim: User, mo: User, nia: TeamMember
) -> None:
    membership = TeamMember.objects.get(user=kim)
    with pytest.raises(ValueError, match="ends_on: the leave ends before it starts"):
        team.declare_leave(membership, date(2024, 3, 1), date(2024, 2, 1), reason="", actor=kim)
    mo_member = TeamMember.objects.get(user=mo)
    with pytest.raises(ValueError, match="cover: mo is not a current associate"):
        team.declare_leave(
            membership, date(2024, 2, 1), date(2024, 3, 1), reason="", cover=mo_member, actor=kim
        )
    with pytest.raises(PermissionDenied):
        team.declare_leave(membership, date(2024, 2, 1), date(2024, 3, 1), reason="", actor=mo)
    team.declare_leave(membership, date(2024, 2, 1), date(2024, 3, 1), reason="", actor=kim)
    with pytest.raises(ValueError, match="already on leave from 2024-02-01 to 2024-03-01"):
        team.declare_leave(membership, date(2024, 3, 1), date(2024, 3, 9), reason="", actor=kim)
    # The team declares a leave for one of its own.
    team.declare_leave(nia, date(2024, 6, 1), date(2024, 6, 9), reason="", actor=kim)


def flagged(project: Project, on: date) -> list[str]:
    return [s.member.user.username for s in team.inactive_members(project, on)]


def test_kar8_a_member_last_heard_of_on_january_1st_is_flagged_on_march_2nd(
    karmada: Project, kim: User
) -> None:
    membership = TeamMember.objects.get(user=kim)
    TeamMember.objects.filter(pk=membership.pk).update(
        joined_at=datetime(2023, 6, 1, tzinfo=UTC), last_active_at=None
    )
    team.record_activity(membership, datetime(2024, 1, 1, 12, tzinfo=UTC))
    team.record_activity(membership, datetime(2023, 12, 1, tzinfo=UTC))  # older: ignored
    assert flagged(karmada, date(2024, 3, 1)) == []
    assert flagged(karmada, date(2024, 3, 2)) == ["kim"]


def test_kar8_a_member_on_declared_leave_is_not_flagged(karmada: Project, kim: User) -> None:
    membership = TeamMember.objects.get(user=kim)
    team.declare_leave(membership, date(2024, 2, 1), date(2024, 4, 30), reason="", actor=kim)
    assert flagged(karmada, date(2024, 4, 1)) == []


def test_kar6_what_a_member_does_on_the_desk_counts_as_activity(
    karmada: Project, kim: User, traveller: time_machine.TimeMachineFixture
) -> None:
    assert flagged(karmada, date(2024, 4, 1)) == ["kim"]
    traveller.move_to(datetime(2024, 2, 20, tzinfo=UTC), tick=False)
    audit_as(kim, karmada)
    assert flagged(karmada, date(2024, 4, 1)) == []
    assert flagged(karmada, date(2024, 4, 21)) == ["kim"]


def a_team_of_seven(project: Project) -> tuple[TeamMember, list[User]]:
    """sam, unreachable since 2024-01-15, and six other members who vote on removing him."""
    voters = [make_user(f"voter{i}") for i in range(6)]
    for voter in voters:
        make_member(project, voter)
    sam = make_member(project, make_user("sam"))
    return sam, voters


def test_kar9_four_of_six_remove_an_inactive_member(
    karmada: Project, traveller: time_machine.TimeMachineFixture
) -> None:
    sam, voters = a_team_of_seven(karmada)
    traveller.move_to(datetime(2024, 4, 1, tzinfo=UTC), tick=False)
    for voter in voters:  # they are active; sam is not
        audit_as(voter, karmada)
    vote = team.open_removal_vote(sam, opened_by=voters[0], reason="no answer since January")
    for voter, in_favour in zip(voters, [True, True, True, True, False, False], strict=True):
        team.cast_ballot(vote, voter, in_favour)
    result = team.close_removal_vote(vote, actor=voters[0])
    assert (result.in_favour, result.eligible, result.passes) == (4, 6, True)
    sam.refresh_from_db()
    vote.refresh_from_db()
    assert sam.left_at is not None
    assert vote.outcome == RemovalVote.Outcome.REMOVED
    closed = AuditEvent.objects.get(action="team.removal_vote_closed")
    assert (closed.data["needed"], closed.data["outcome"]) == (4, "removed")


def test_kar9_three_of_six_keep_the_member(
    karmada: Project, traveller: time_machine.TimeMachineFixture
) -> None:
    sam, voters = a_team_of_seven(karmada)
    traveller.move_to(datetime(2024, 4, 1, tzinfo=UTC), tick=False)
    vote = team.open_removal_vote(sam, opened_by=voters[0], reason="silent")
    for voter in voters[:3]:
        team.cast_ballot(vote, voter, True)
    assert not team.close_removal_vote(vote, actor=voters[0]).passes
    sam.refresh_from_db()
    assert sam.left_at is None


def test_kar9_votes_refuse_the_unflagged_a_second_vote_strangers_and_double_ballots(
    karmada: Project, mo: User, traveller: time_machine.TimeMachineFixture
) -> None:
    sam, voters = a_team_of_seven(karmada)
    with pytest.raises(ValueError, match="member: sam is not flagged as inactive"):
        team.open_removal_vote(sam, opened_by=voters[0], reason="silent")
    traveller.move_to(datetime(2024, 4, 1, tzinfo=UTC), tick=False)
    vote = team.open_removal_vote(sam, opened_by=voters[0], reason="silent")
    with pytest.raises(ValueError, match="already open"):
        team.open_removal_vote(sam, opened_by=voters[1], reason="again")
    with pytest.raises(PermissionDenied, match="only the other current"):
        team.cast_ballot(vote, mo, True)
    with pytest.raises(PermissionDenied):
        team.cast_ballot(vote, sam.user, False)
    team.cast_ballot(vote, voters[1], True)
    with pytest.raises(ValueError, match="voter: voter1 has already voted"):
        team.cast_ballot(vote, voters[1], False)


def test_kar9_a_vote_does_not_close_while_the_policy_sets_no_threshold(
    traveller: time_machine.TimeMachineFixture,
) -> None:
    plain = make_project("plain", preset="karmada")
    sam, voters = a_team_of_seven(plain)
    traveller.move_to(datetime(2024, 4, 1, tzinfo=UTC), tick=False)
    vote = team.open_removal_vote(sam, opened_by=voters[0], reason="silent")
    with pytest.raises(ValueError, match=r"team\.inactivity\.removal_vote\.threshold is not set"):
        team.close_removal_vote(vote, actor=voters[0])
    vote.refresh_from_db()
    assert vote.closed_at is None


def test_stepping_down_drops_the_open_vote_on_them(
    karmada: Project, traveller: time_machine.TimeMachineFixture
) -> None:
    sam, voters = a_team_of_seven(karmada)
    traveller.move_to(datetime(2024, 4, 1, tzinfo=UTC), tick=False)
    vote = team.open_removal_vote(sam, opened_by=voters[0], reason="silent")
    team.step_down(sam, actor=sam.user)
    vote.refresh_from_db()
    assert vote.closed_at is not None


def audit_as(user: User, project: Project) -> None:
    """An action of `user` on the desk, as every service audits one."""
    with transaction.atomic():
        audit.record("comment.added", actor=user, project=project, data={})
