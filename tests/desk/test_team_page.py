"""The team page of a Karmada project: who sees it, and each governance step taken from it."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import sign_in
from tests.desk.factories import make_member, make_project, make_user
from vulndesk.desk.models import Nomination, Project, RemovalVote, TeamLeave, TeamMember, TeamRole

pytestmark = pytest.mark.django_db

THRESHOLD = {"team": {"inactivity": {"removal_vote": {"threshold": 0.6667}}}}


@pytest.fixture
def traveller(time_machine: time_machine.TimeMachineFixture) -> time_machine.TimeMachineFixture:
    time_machine.move_to(datetime(2024, 1, 15, 9, tzinfo=UTC), tick=False)
    return time_machine


@pytest.fixture
def karmada(traveller: time_machine.TimeMachineFixture) -> Project:
    return make_project("karmada", policy_overrides=THRESHOLD)


@pytest.fixture
def kim(karmada: Project) -> User:
    user = make_user("kim")
    make_member(karmada, user)
    return user


def url(name: str, project: Project, *args: object) -> str:
    return reverse(name, args=[project.slug, *args])


def test_the_team_page_is_for_the_projects_team_only(
    client: Client, karmada: Project, kim: User
) -> None:
    assert client.get(url("project-team", karmada)).status_code == 302  # to the login page
    sign_in(client, make_user("charlie"))
    assert client.get(url("project-team", karmada)).status_code == 404
    rita = make_user("rita")
    make_member(karmada, rita, TeamRole.RELEASE_MANAGER)
    sign_in(client, rita)
    page = client.get(url("project-team", karmada)).content.decode()
    assert "kim" in page
    assert "Nominate (KAR-4)" not in page  # a release manager does not nominate


def test_kar3_the_roster_shows_when_an_associate_becomes_promotable(
    client: Client, karmada: Project, kim: User
) -> None:
    make_member(karmada, make_user("nia"), TeamRole.ASSOCIATE)
    sign_in(client, kim)
    assert "promotable from 2024-04-15" in client.get(url("project-team", karmada)).content.decode()


def test_kar4_a_maintainer_nominates_from_the_page_and_the_team_accepts(
    client: Client, karmada: Project, kim: User
) -> None:
    mo = make_user("mo")
    make_member(karmada, mo, TeamRole.MAINTAINER)
    make_user("nia")
    sign_in(client, mo)
    form = {"username": "nia", "kind": "associate", "reason": "triages well"}
    assert client.post(url("project-team-nominate", karmada), form).status_code == 302
    nomination = Nomination.objects.get()
    accept = url("project-team-nomination", karmada, nomination.pk)
    assert client.post(accept, {"action": "accept"}).status_code == 403
    sign_in(client, kim)
    assert client.post(accept, {"action": "accept", "company": "Acme"}).status_code == 302
    member = TeamMember.objects.get(user__username="nia")
    assert (member.role, member.nominated_by, member.company) == ("associate", mo, "Acme")


def test_kar4_a_nomination_of_someone_unknown_names_the_field(
    client: Client, karmada: Project, kim: User
) -> None:
    sign_in(client, kim)
    form = {"username": "ghost", "kind": "associate"}
    response = client.post(url("project-team-nominate", karmada), form)
    assert response.status_code == 400
    assert "no user named &#x27;ghost&#x27;" in response.content.decode()


def test_kar5_a_member_steps_down_from_the_page(
    client: Client, karmada: Project, kim: User
) -> None:
    sign_in(client, kim)
    response = client.post(url("project-team-step-down", karmada), {"role": "associate"})
    assert response.status_code == 400
    assert "you are not a current associate here" in response.content.decode()
    response = client.post(url("project-team-step-down", karmada), {"role": "security_team"})
    assert response.status_code == 302
    assert not karmada.is_security_team_member(kim)


def test_kar7_leave_from_the_page_refuses_an_end_before_the_start(
    client: Client, karmada: Project, kim: User
) -> None:
    sign_in(client, kim)
    member = TeamMember.objects.get(user=kim)
    form = {"member": member.pk, "starts_on": "2024-03-01", "ends_on": "2024-02-01"}
    response = client.post(url("project-team-leave", karmada), form)
    assert response.status_code == 400
    assert "the leave ends before it starts" in response.content.decode()
    form["ends_on"] = "2024-03-31"
    assert client.post(url("project-team-leave", karmada), form).status_code == 302
    assert TeamLeave.objects.get().member == member


def test_kar9_a_removal_vote_is_opened_cast_and_closed_from_the_page(
    client: Client, karmada: Project, kim: User, traveller: time_machine.TimeMachineFixture
) -> None:
    lee = make_user("lee")
    make_member(karmada, lee)
    sam = make_member(karmada, make_user("sam"))
    traveller.move_to(datetime(2024, 4, 1, tzinfo=UTC), tick=False)
    sign_in(client, kim)
    votes = url("project-team-vote", karmada)
    page = client.get(url("project-team", karmada)).content.decode()
    assert "inactive" in page  # everyone is, but kim and lee are about to act
    opened = {"action": "open", "member": sam.pk, "reason": "silent since January"}
    assert client.post(votes, opened).status_code == 302
    vote = RemovalVote.objects.get()
    assert (
        client.post(votes, {"action": "cast", "vote": vote.pk, "in_favour": "yes"}).status_code
        == 302
    )
    page = client.get(url("project-team", karmada)).content.decode()
    assert "1 in favour, 0 against, of 2 eligible" in page
    sign_in(client, lee)
    assert (
        client.post(votes, {"action": "cast", "vote": vote.pk, "in_favour": "yes"}).status_code
        == 302
    )
    assert client.post(votes, {"action": "close", "vote": vote.pk}).status_code == 302
    sam.refresh_from_db()
    assert sam.left_at is not None


def test_kar9_casting_without_choosing_says_what_is_missing(
    client: Client, karmada: Project, kim: User
) -> None:
    sign_in(client, kim)
    response = client.post(url("project-team-vote", karmada), {"action": "cast", "vote": 99})
    assert response.status_code == 400
    body = response.content.decode()
    assert "vote 99 is not a vote of this project" in body
    assert "vote yes (remove) or no (keep)" in body
