"""Karmada's team governance through /api/v1 (KAR-2 to KAR-9): nominations and decisions,
leaves, stepping down and removal votes. Each step is one audit event; each refusal says why,
at the field at fault, and writes nothing; outsiders get 404, the rest of the team 403 where
the step is not theirs, a read-only token 403."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User

from tests.api.conftest import T0, Api, People, token_for
from tests.desk.factories import make_member, make_project, make_user
from vulndesk.accounts.models import TokenScope
from vulndesk.desk.models import (
    AuditEvent,
    Ballot,
    Nomination,
    Project,
    RemovalVote,
    TeamLeave,
    TeamMember,
    TeamRole,
)

TEAM = "/projects/karmada/team"


@dataclass(frozen=True)
class Karmada:
    project: Project
    kim: Api  # security team
    lee: Api  # security team
    max: Api  # maintainer: nominates (KAR-4), decides nothing
    rob: Api  # release manager: sees the team, nominates no one
    root: Api  # operator: holds no seat
    kim_reader: Api
    members: dict[str, TeamMember]


def joined(member: TeamMember, days_ago: int) -> TeamMember:
    TeamMember.objects.filter(pk=member.pk).update(joined_at=T0 - timedelta(days=days_ago))
    member.refresh_from_db()
    return member


@pytest.fixture
def karmada(people: People) -> Karmada:
    """Karmada's policy: associates serve P3M before membership (KAR-3), P2M without contact
    flags a member (KAR-8); removal needs two thirds of the eligible voters (KAR-9)."""
    project = make_project("karmada")
    project.policy_overrides = {"team": {"inactivity": {"removal_vote": {"threshold": 0.6667}}}}
    project.save()
    users = {name: make_user(name) for name in ("kim", "lee", "max", "rob", "ann", "old", "sam")}
    root = make_user("root")
    User.objects.filter(pk=root.pk).update(is_superuser=True)
    roles = {
        "kim": (TeamRole.SECURITY_TEAM, 10),
        "lee": (TeamRole.SECURITY_TEAM, 10),
        "max": (TeamRole.MAINTAINER, 10),
        "rob": (TeamRole.RELEASE_MANAGER, 10),
        "ann": (TeamRole.ASSOCIATE, 10),  # promotable from T0 + 80 days
        "old": (TeamRole.ASSOCIATE, 100),  # served the three months (KAR-3)
        "sam": (TeamRole.SECURITY_TEAM, 100),  # unreachable for over two months (KAR-8)
    }
    members = {
        name: joined(make_member(project, users[name], role), days)
        for name, (role, days) in roles.items()
    }
    return Karmada(
        project=project,
        kim=Api(token_for(users["kim"])),
        lee=Api(token_for(users["lee"])),
        max=Api(token_for(users["max"])),
        rob=Api(token_for(users["rob"])),
        root=Api(token_for(root)),
        kim_reader=Api(token_for(users["kim"], TokenScope.READ)),
        members=members,
    )


def footprint() -> tuple[int, ...]:
    """Everything a governance step writes."""
    return (
        AuditEvent.objects.count(),
        Nomination.objects.count(),
        Nomination.objects.filter(decided_at__isnull=False).count(),
        TeamMember.objects.filter(left_at__isnull=True).count(),
        TeamLeave.objects.count(),
        RemovalVote.objects.filter(closed_at__isnull=True).count(),
        Ballot.objects.count(),
    )


def refused(api: Api, path: str, data: dict[str, Any], status: int, field: str | None) -> str:
    """Post, check the refusal's status and field and that nothing was written; its message."""
    before = footprint()
    response = api.post(path, data)
    assert response.status_code == status, response.json()
    assert response.json()["field"] == field
    assert footprint() == before
    return str(response.json()["message"])


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-pk")[0]


# -- KAR-3, KAR-4: nominations -----------------------------------------------------------------


def test_kar4_a_member_nominates_an_associate_and_it_is_audited(karmada: Karmada) -> None:
    response = karmada.kim.post(
        f"{TEAM}/nominations", {"nominee": "charlie", "kind": "associate", "reason": "triages"}
    )
    assert response.status_code == 201, response.json()
    made = response.json()
    assert (made["nominee"], made["kind"], made["nominated_by"]) == ("charlie", "associate", "kim")
    assert (made["outcome"], made["decided_at"]) == (None, None)
    event = last_event()
    assert (event.action, str(event.actor)) == ("team.nominated", "kim")
    assert event.data["nominee"] == "charlie"


def test_kar4_a_maintainer_nominates_too(karmada: Karmada) -> None:
    response = karmada.max.post(f"{TEAM}/nominations", {"nominee": "charlie", "kind": "associate"})
    assert response.status_code == 201, response.json()


def test_kar4_a_release_manager_sees_the_team_but_may_not_nominate(karmada: Karmada) -> None:
    data = {"nominee": "charlie", "kind": "associate"}
    message = refused(karmada.rob, f"{TEAM}/nominations", data, 403, None)
    assert "KAR-4" in message


def test_kar4_the_operator_holds_no_seat_and_nominates_no_one(karmada: Karmada) -> None:
    data = {"nominee": "charlie", "kind": "associate"}
    message = refused(karmada.root, f"{TEAM}/nominations", data, 403, None)
    assert "root is neither on Karmada's security team nor one of its maintainers" in message


def test_kar3_an_associate_is_nominated_member_only_after_three_months(
    karmada: Karmada,
) -> None:
    data = {"nominee": "ann", "kind": "member"}
    message = refused(karmada.kim, f"{TEAM}/nominations", data, 422, "body.nominee")
    assert str((T0 + timedelta(days=80)).date()) in message
    response = karmada.kim.post(f"{TEAM}/nominations", {"nominee": "old", "kind": "member"})
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"nominee": "nobody", "kind": "associate"}, "body.nominee"),  # no such user
        ({"nominee": "lee", "kind": "associate"}, "body.nominee"),  # on the team already
        ({"nominee": "charlie", "kind": "member"}, "body.nominee"),  # not an associate (KAR-3)
        ({"nominee": "charlie", "kind": "founder"}, "body.kind"),
        ({"nominee": "charlie"}, "body.kind"),
    ],
)
def test_a_bad_nomination_is_a_422_at_its_field(
    karmada: Karmada, data: dict[str, Any], field: str
) -> None:
    refused(karmada.kim, f"{TEAM}/nominations", data, 422, field)


def test_a_second_open_nomination_of_the_same_person_is_refused(karmada: Karmada) -> None:
    karmada.kim.post(f"{TEAM}/nominations", {"nominee": "charlie", "kind": "associate"})
    data = {"nominee": "charlie", "kind": "associate"}
    assert "open nomination" in refused(
        karmada.lee, f"{TEAM}/nominations", data, 422, "body.nominee"
    )


def test_nominations_list_the_open_and_the_decided(karmada: Karmada) -> None:
    first = karmada.kim.post(f"{TEAM}/nominations", {"nominee": "charlie", "kind": "associate"})
    karmada.kim.post(f"{TEAM}/nominations/{first.json()['id']}/decision", {"decision": "decline"})
    karmada.kim.post(f"{TEAM}/nominations", {"nominee": "old", "kind": "member"})
    listed = karmada.rob.get(f"{TEAM}/nominations").json()
    assert [(n["nominee"], n["outcome"]) for n in listed] == [
        ("old", None),
        ("charlie", "declined"),
    ]


# -- deciding ----------------------------------------------------------------------------------


def test_accepting_a_promotion_makes_the_associate_a_member(karmada: Karmada) -> None:
    made = karmada.kim.post(f"{TEAM}/nominations", {"nominee": "old", "kind": "member"}).json()
    response = karmada.lee.post(
        f"{TEAM}/nominations/{made['id']}/decision", {"decision": "accept", "company": "ACME"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["outcome"] == "accepted"
    roles = TeamMember.objects.filter(user__username="old", left_at__isnull=True)
    assert list(roles.values_list("role", "company")) == [("security_team", "ACME")]
    event = last_event()
    assert (event.action, str(event.actor), event.data["promoted_from"]) == (
        "team.member_added",
        "lee",
        karmada.members["old"].pk,
    )


def test_declining_records_the_reason(karmada: Karmada) -> None:
    made = karmada.max.post(f"{TEAM}/nominations", {"nominee": "charlie", "kind": "associate"})
    path = f"{TEAM}/nominations/{made.json()['id']}/decision"
    response = karmada.kim.post(path, {"decision": "decline", "reason": "not yet"})
    assert response.json()["outcome"] == "declined"
    assert (last_event().action, last_event().data["reason"]) == (
        "team.nomination_declined",
        "not yet",
    )
    again = refused(karmada.kim, path, {"decision": "accept"}, 422, None)
    assert "already declined" in again


def test_only_the_security_team_decides(karmada: Karmada) -> None:
    made = karmada.max.post(f"{TEAM}/nominations", {"nominee": "charlie", "kind": "associate"})
    path = f"{TEAM}/nominations/{made.json()['id']}/decision"
    refused(karmada.max, path, {"decision": "accept"}, 403, None)
    refused(karmada.kim_reader, path, {"decision": "accept"}, 403, None)
    assert karmada.root.post(path, {"decision": "accept"}).status_code == 200  # the operator


def test_what_a_decision_would_not_record_is_refused_rather_than_lost(karmada: Karmada) -> None:
    made = karmada.max.post(f"{TEAM}/nominations", {"nominee": "charlie", "kind": "associate"})
    path = f"{TEAM}/nominations/{made.json()['id']}/decision"
    refused(karmada.kim, path, {"decision": "accept", "reason": "good"}, 422, "body.reason")
    refused(karmada.kim, path, {"decision": "decline", "company": "ACME"}, 422, "body.company")
    refused(karmada.kim, path, {"decision": "maybe"}, 422, "body.decision")


def test_kar3_acceptance_checks_the_service_again(karmada: Karmada) -> None:
    """A promotion nominated in time is still refused if the associate left the role since."""
    made = karmada.kim.post(f"{TEAM}/nominations", {"nominee": "old", "kind": "member"}).json()
    TeamMember.objects.filter(pk=karmada.members["old"].pk).update(left_at=T0)
    path = f"{TEAM}/nominations/{made['id']}/decision"
    assert "KAR-3" in refused(karmada.kim, path, {"decision": "accept"}, 422, None)


def test_another_projects_nomination_is_a_404(karmada: Karmada, people: People) -> None:
    made = karmada.kim.post(f"{TEAM}/nominations", {"nominee": "charlie", "kind": "associate"})
    path = f"/projects/emissary/team/nominations/{made.json()['id']}/decision"
    assert people.alice.post(path, {"decision": "accept"}).status_code == 404


# -- KAR-7: leaves ---------------------------------------------------------------------------


def test_kar7_a_member_declares_their_leave_with_an_associate_as_cover(karmada: Karmada) -> None:
    data = {
        "user": "kim",
        "starts_on": "2024-03-04",
        "ends_on": "2024-03-29",
        "reason": "parental leave",
        "cover": "ann",
    }
    response = karmada.kim.post(f"{TEAM}/leaves", data)
    assert response.status_code == 201, response.json()
    assert response.json() == data
    event = last_event()
    assert (event.action, event.data["cover"], event.data["user"]) == (
        "team.leave_declared",
        "ann",
        "kim",
    )
    assert karmada.kim.get(TEAM).json()["leaves"] == [data]


def test_kar7_the_security_team_declares_anyones_leave_others_only_their_own(
    karmada: Karmada,
) -> None:
    data = {"user": "kim", "starts_on": "2024-03-04", "ends_on": "2024-03-08"}
    refused(karmada.max, f"{TEAM}/leaves", data, 403, None)
    assert karmada.lee.post(f"{TEAM}/leaves", data).status_code == 201
    own = {"user": "max", "starts_on": "2024-03-04", "ends_on": "2024-03-08"}
    assert karmada.max.post(f"{TEAM}/leaves", own).status_code == 201


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_on": "2024-03-01"}, "body.ends_on"),  # before it starts
        ({"starts_on": "2024-03-06", "ends_on": "2024-03-20"}, "body.starts_on"),  # overlaps
        ({"cover": "lee"}, "body.cover"),  # a member, not an associate
        ({"cover": "charlie"}, "body.cover"),  # no role here
        ({"user": "charlie"}, "body.user"),
        ({"starts_on": "next week"}, "body.starts_on"),
    ],
)
def test_a_bad_leave_is_a_422_at_its_field(
    karmada: Karmada, changes: dict[str, str], field: str
) -> None:
    karmada.kim.post(
        f"{TEAM}/leaves", {"user": "kim", "starts_on": "2024-03-04", "ends_on": "2024-03-08"}
    )
    data = {"user": "kim", "starts_on": "2024-04-01", "ends_on": "2024-04-05", **changes}
    refused(karmada.kim, f"{TEAM}/leaves", data, 422, field)


# -- KAR-5: stepping down --------------------------------------------------------------------


def test_kar5_a_member_steps_down_at_once_with_no_vote(karmada: Karmada) -> None:
    response = karmada.kim.post(f"{TEAM}/members/kim/step-down", {})
    assert response.status_code == 200, response.json()
    assert (response.json()["role"], response.json()["left_at"]) == (
        "security_team",
        T0.isoformat(),
    )
    assert (last_event().action, str(last_event().actor)) == ("team.stepped_down", "kim")
    assert not TeamMember.objects.filter(user__username="kim", left_at__isnull=True).exists()
    # Gone from the team, kim no longer sees it.
    assert karmada.kim.get(TEAM).status_code == 404


def test_kar5_one_steps_down_only_oneself(karmada: Karmada) -> None:
    path = f"{TEAM}/members/kim/step-down"
    assert "KAR-9" in refused(karmada.lee, path, {}, 403, None)
    refused(karmada.root, path, {}, 403, None)
    refused(karmada.kim_reader, path, {}, 403, None)


def test_stepping_down_from_a_role_one_does_not_hold_is_a_404(karmada: Karmada) -> None:
    assert (
        karmada.kim.post(f"{TEAM}/members/kim/step-down", {"role": "associate"}).status_code == 404
    )
    assert karmada.kim.post(f"{TEAM}/members/nobody/step-down", {}).status_code == 404


# -- KAR-8, KAR-9: removal votes -------------------------------------------------------------


def open_vote(karmada: Karmada) -> int:
    response = karmada.kim.post(f"{TEAM}/removal-votes", {"member": "sam", "reason": "silent"})
    assert response.status_code == 201, response.json()
    return int(response.json()["id"])


def test_kar8_a_flagged_member_goes_to_a_vote_of_their_role(karmada: Karmada) -> None:
    vote = open_vote(karmada)
    [listed] = karmada.rob.get(f"{TEAM}/removal-votes").json()
    assert (listed["id"], listed["member"], listed["role"], listed["outcome"]) == (
        vote,
        "sam",
        "security_team",
        None,
    )
    assert (listed["in_favour"], listed["against"], listed["eligible"]) == (0, 0, 2)
    assert (last_event().action, last_event().data["reason"]) == (
        "team.removal_vote_opened",
        "silent",
    )


def test_kar8_an_active_member_is_not_put_to_a_vote(karmada: Karmada) -> None:
    data = {"member": "lee", "reason": "silent"}
    assert "not flagged" in refused(karmada.kim, f"{TEAM}/removal-votes", data, 422, "body.member")
    refused(
        karmada.kim, f"{TEAM}/removal-votes", {"member": "sam", "reason": " "}, 422, "body.reason"
    )
    refused(karmada.max, f"{TEAM}/removal-votes", {"member": "sam", "reason": "x"}, 403, None)


def test_kar9_two_of_two_in_favour_remove_the_member(karmada: Karmada) -> None:
    vote = open_vote(karmada)
    for api in (karmada.kim, karmada.lee):
        cast = api.post(f"{TEAM}/removal-votes/{vote}/ballots", {"in_favour": True})
        assert cast.status_code == 201, cast.json()
    assert (last_event().action, last_event().data["in_favour"]) == ("team.ballot_cast", True)
    closed = karmada.kim.post(f"{TEAM}/removal-votes/{vote}/close", {})
    assert closed.status_code == 200, closed.json()
    result = closed.json()
    assert (result["in_favour"], result["eligible"], result["needed"], result["passed"]) == (
        2,
        2,
        2,
        True,
    )
    assert result["vote"]["outcome"] == "removed"
    assert TeamMember.objects.get(pk=karmada.members["sam"].pk).left_at == T0
    assert last_event().action == "team.removal_vote_closed"


def test_kar9_one_of_two_is_short_of_the_super_majority(karmada: Karmada) -> None:
    vote = open_vote(karmada)
    karmada.kim.post(f"{TEAM}/removal-votes/{vote}/ballots", {"in_favour": True})
    karmada.lee.post(f"{TEAM}/removal-votes/{vote}/ballots", {"in_favour": False})
    result = karmada.lee.post(f"{TEAM}/removal-votes/{vote}/close", {}).json()
    assert (result["in_favour"], result["against"], result["needed"], result["passed"]) == (
        1,
        1,
        2,
        False,
    )
    assert result["vote"]["outcome"] == "kept"
    assert TeamMember.objects.get(pk=karmada.members["sam"].pk).left_at is None


def test_kar9_only_the_other_members_of_the_role_vote_once_each(karmada: Karmada) -> None:
    vote = open_vote(karmada)
    path = f"{TEAM}/removal-votes/{vote}/ballots"
    refused(karmada.max, path, {"in_favour": True}, 403, None)  # a maintainer
    refused(karmada.root, path, {"in_favour": True}, 403, None)  # the operator
    karmada.kim.post(path, {"in_favour": True})
    assert "already voted" in refused(karmada.kim, path, {"in_favour": False}, 422, None)
    refused(karmada.kim, path, {"in_favour": "yes"}, 422, "body.in_favour")


def test_kar9_a_vote_does_not_close_without_the_policys_threshold(karmada: Karmada) -> None:
    vote = open_vote(karmada)
    karmada.project.policy_overrides = {}
    karmada.project.save()
    path = f"{TEAM}/removal-votes/{vote}/close"
    assert "threshold is not set" in refused(karmada.kim, path, {}, 422, None)
    refused(karmada.max, path, {}, 403, None)
    assert RemovalVote.objects.get(pk=vote).closed_at is None


def test_a_closed_vote_takes_no_more_ballots(karmada: Karmada) -> None:
    vote = open_vote(karmada)
    karmada.kim.post(f"{TEAM}/removal-votes/{vote}/close", {})
    path = f"{TEAM}/removal-votes/{vote}/ballots"
    assert "it closed" in refused(karmada.lee, path, {"in_favour": True}, 422, None)


# -- who sees and who writes -----------------------------------------------------------------


WRITES = [
    ("nominations", {"nominee": "charlie", "kind": "associate"}),
    ("leaves", {"user": "kim", "starts_on": "2024-03-04", "ends_on": "2024-03-08"}),
    ("members/kim/step-down", {}),
    ("removal-votes", {"member": "sam", "reason": "silent"}),
]


@pytest.mark.parametrize(("path", "data"), WRITES)
def test_outsiders_get_404_and_a_read_only_token_403(
    karmada: Karmada, people: People, path: str, data: dict[str, Any]
) -> None:
    refused(people.charlie, f"{TEAM}/{path}", data, 404, None)
    refused(people.alice, f"{TEAM}/{path}", data, 404, None)  # another project's team
    refused(people.anonymous, f"{TEAM}/{path}", data, 401, None)
    refused(karmada.kim_reader, f"{TEAM}/{path}", data, 403, None)
    assert karmada.kim_reader.post(f"{TEAM}/{path}", data).json()["code"] == "read_only_token"


def test_outsiders_do_not_see_nominations_or_votes(karmada: Karmada, people: People) -> None:
    open_vote(karmada)
    for path in ("nominations", "removal-votes"):
        assert people.charlie.get(f"{TEAM}/{path}").status_code == 404
        assert people.alice.get(f"{TEAM}/{path}").status_code == 404
    vote = RemovalVote.objects.get().pk
    path = f"{TEAM}/removal-votes/{vote}/ballots"
    refused(people.charlie, path, {"in_favour": True}, 404, None)
