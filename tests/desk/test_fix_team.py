"""A report's Fix Team: invited, accepted, given repo access, removed, and ended at release."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from time_machine import TimeMachineFixture

from tests.accounts.helpers import sign_in
from tests.api.conftest import Api, token_for
from tests.cli.helpers import vulndesk
from tests.desk.factories import make_member, make_project, make_report, make_user
from vulndesk.desk.access import reports_visible_to
from vulndesk.desk.models import AuditEvent, Deadline, FixTeamMember, Project, Report
from vulndesk.desk.services import fix_team
from vulndesk.desk.services.fix_team import FixTeamError
from vulndesk.desk.services.transitions import transition
from vulndesk.process.lifecycle import State

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def emissary() -> Project:
    return make_project("emissary", preset="envoy")


@pytest.fixture
def lead(emissary: Project) -> User:
    """bob leads the fix; he is on no team."""
    return make_user("bob")


@pytest.fixture
def report(emissary: Project, lead: User) -> Report:
    return make_report(emissary, fix_lead=lead, state="fixing")


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


def test_an_invited_user_sees_nothing_until_they_accept_and_then_that_report_only(
    client: Client, emissary: Project, report: Report, lead: User
) -> None:
    """EMI-11, EMI-28: the invitee gets that report and nothing else of the project."""
    sibling = make_report(emissary)
    erin = make_user("erin")
    invitation = fix_team.invite(report, actor=lead, username="erin")
    assert list(reports_visible_to(erin)) == []
    sign_in(client, erin)
    assert client.get(report.get_absolute_url()).status_code == 404
    page = client.get(reverse("report-fix-team-accept", args=["emissary", report.number]))
    assert page.status_code == 200
    assert report.title not in page.content.decode()  # the key, not the details, before yes

    response = client.post(
        reverse("report-fix-team-accept", args=["emissary", report.number]), {"action": "accept"}
    )
    assert response.status_code == 302
    assert response["Location"] == report.get_absolute_url()
    assert list(reports_visible_to(erin)) == [report]
    assert client.get(report.get_absolute_url()).status_code == 200
    assert client.get(sibling.get_absolute_url()).status_code == 404
    invitation.refresh_from_db()
    assert invitation.accepted_at == T0
    assert actions()[-3:] == ["fix_team.invited", "fix_team.accepted", "deadline.met"]


def test_emi_27_the_first_acceptance_meets_fix_team_formed(
    report: Report, lead: User, time_machine: TimeMachineFixture
) -> None:
    """EMI-27: the "fix team formed" deadline (T0 + 24 h) is met by the first acceptance."""
    formed = Deadline.objects.get(report=report, name="fix_team_formed")
    assert formed.met_at is None
    erin, finn = make_user("erin"), make_user("finn")
    first = fix_team.invite(report, actor=lead, username="erin")
    second = fix_team.invite(report, actor=lead, username="finn")
    time_machine.move_to(datetime(2024, 3, 1, 20, tzinfo=UTC))
    fix_team.accept(first, user=erin)
    formed.refresh_from_db()
    assert formed.met_at == datetime(2024, 3, 1, 20, tzinfo=UTC)
    time_machine.move_to(datetime(2024, 3, 2, 20, tzinfo=UTC))
    fix_team.accept(second, user=finn)
    formed.refresh_from_db()
    assert formed.met_at == datetime(2024, 3, 1, 20, tzinfo=UTC)
    assert actions().count("deadline.met") == 1


def test_someone_else_cannot_answer_an_invitation(
    client: Client, report: Report, lead: User
) -> None:
    make_user("erin")
    fix_team.invite(report, actor=lead, username="erin")
    mallory = make_user("mallory")
    url = reverse("report-fix-team-accept", args=["emissary", report.number])
    assert sign_in(client, mallory).post(url, {"action": "accept"}).status_code == 404
    assert list(reports_visible_to(mallory)) == []


def test_a_declined_invitation_ends_and_gives_no_access(
    client: Client, report: Report, lead: User
) -> None:
    erin = make_user("erin")
    invitation = fix_team.invite(report, actor=lead, username="erin")
    url = reverse("report-fix-team-accept", args=["emissary", report.number])
    response = sign_in(client, erin).post(url, {"action": "decline"})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert (invitation.ended_at, invitation.ended_reason) == (T0, "declined")
    assert list(reports_visible_to(erin)) == []
    assert client.get(url).status_code == 404


def test_access_ends_for_the_whole_team_at_release_and_each_end_is_audited(
    emissary: Project, lead: User
) -> None:
    """The Emissary rule: at release, every Fix Team member loses the report."""
    report = make_report(
        emissary, fix_lead=lead, state="scheduled", fixed_version="1.2.3", fix_released_at=T0
    )
    erin, finn = make_user("erin"), make_user("finn")
    fix_team.accept(fix_team.invite(report, actor=lead, username="erin"), user=erin)
    waiting = fix_team.invite(report, actor=lead, email="gus@example.org")
    assert list(reports_visible_to(erin)) == [report]
    transition(report, State.RELEASED, actor=lead)
    assert list(reports_visible_to(erin)) == []
    assert list(reports_visible_to(finn)) == []
    ended = FixTeamMember.objects.filter(report=report).values_list("ended_reason", flat=True)
    assert list(ended) == ["released", "released"]
    waiting.refresh_from_db()
    assert waiting.ended_at == T0
    events = AuditEvent.objects.filter(action="fix_team.ended").order_by("seq")
    assert [(e.data["who"], e.data["reason"]) for e in events] == [
        ("erin", "released"),
        ("gus@example.org", "released"),
    ]
    with pytest.raises(FixTeamError, match="is released: its Fix Team's work is over"):
        fix_team.invite(report, actor=lead, username="finn")


def test_emi_29_the_lead_records_repo_access_and_removes_a_member(
    client: Client, report: Report, lead: User
) -> None:
    erin = make_user("erin")
    member = fix_team.accept(fix_team.invite(report, actor=lead, username="erin"), user=erin)
    url = reverse("report-fix-team-member", args=["emissary", report.number])
    sign_in(client, lead)
    assert client.post(url, {"member": member.pk, "action": "grant"}).status_code == 302
    member.refresh_from_db()
    assert member.repo_access_granted_at == T0
    again = client.post(url, {"member": member.pk, "action": "grant"})
    assert again.status_code == 400
    assert "was given access already" in again.content.decode()
    assert client.post(url, {"member": member.pk, "action": "remove"}).status_code == 302
    member.refresh_from_db()
    assert (member.ended_at, member.ended_reason) == (T0, "removed")
    assert list(reports_visible_to(erin)) == []
    granted = AuditEvent.objects.get(action="fix_team.repo_access_granted")
    assert (granted.actor, granted.data["who"]) == (lead, "erin")
    assert AuditEvent.objects.get(action="fix_team.ended").data["reason"] == "removed"


def test_repo_access_waits_for_acceptance(report: Report, lead: User) -> None:
    make_user("erin")
    invitation = fix_team.invite(report, actor=lead, username="erin")
    with pytest.raises(FixTeamError, match="member: erin is not an active member"):
        fix_team.grant_repo_access(invitation, actor=lead)


def test_the_page_invites_by_username_and_shows_each_state(
    client: Client, report: Report, lead: User
) -> None:
    erin = make_user("erin")
    make_user("finn")
    url = reverse("report-fix-team-invite", args=["emissary", report.number])
    sign_in(client, lead)
    assert client.post(url, {"username": "erin"}).status_code == 302
    assert client.post(url, {"username": "finn"}).status_code == 302
    fix_team.accept(FixTeamMember.objects.get(user=erin), user=erin)
    page = client.get(report.get_absolute_url()).content.decode()
    section = page.split('id="fix-team"')[1].split("</section>")[0]
    assert re.search(r"erin\s*<span>accepted 2024-03-01 10:00 UTC", section)
    assert re.search(r"finn\s*<span class=\"due\">invited 2024-03-01 10:00 UTC by bob", section)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({}, "give a username or an email address"),
        ({"username": "erin", "email": "e@example.org"}, "give a username or an email address"),
        ({"username": "nobody"}, "there is no user &#x27;nobody&#x27;"),
        ({"email": "not-an-address"}, "is not an email address"),
        ({"username": "bob"}, "bob leads this fix already"),
    ],
)
def test_a_bad_invitation_is_a_400_saying_what_to_fix(
    client: Client, report: Report, lead: User, data: dict[str, str], problem: str
) -> None:
    make_user("erin")
    url = reverse("report-fix-team-invite", args=["emissary", report.number])
    response = sign_in(client, lead).post(url, data)
    assert response.status_code == 400
    assert problem in response.content.decode()
    assert not FixTeamMember.objects.exists()


def test_inviting_twice_is_refused(report: Report, lead: User) -> None:
    make_user("erin")
    fix_team.invite(report, actor=lead, username="erin")
    with pytest.raises(FixTeamError, match="erin is already on, or invited to"):
        fix_team.invite(report, actor=lead, username="erin")
    fix_team.invite(report, actor=lead, email="Gus@Example.org")
    with pytest.raises(FixTeamError, match=r"gus@example\.org is already waiting"):
        fix_team.invite(report, actor=lead, email="gus@example.org")


def test_a_fix_team_member_may_not_invite_and_an_outsider_learns_nothing(
    client: Client, report: Report, lead: User
) -> None:
    erin = make_user("erin")
    fix_team.accept(fix_team.invite(report, actor=lead, username="erin"), user=erin)
    url = reverse("report-fix-team-invite", args=["emissary", report.number])
    assert sign_in(client, erin).post(url, {"username": "erin"}).status_code == 403
    assert sign_in(Client(), make_user("charlie")).post(url, {"username": "x"}).status_code == 404


def test_a_made_up_link_is_a_404(client: Client) -> None:
    sign_in(client, make_user("gus"))
    url = reverse("fix-team-accept-invite", args=["vdi_madeup"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "accept"}).status_code == 404


def test_the_security_team_may_manage_the_fix_team_too(emissary: Project, report: Report) -> None:
    alice = make_user("alice")
    make_member(emissary, alice)
    make_user("erin")
    invitation = fix_team.invite(report, actor=alice, username="erin")
    assert invitation.invited_by == alice


def test_the_command_invites_by_username_or_email(report: Report) -> None:
    make_user("erin")
    vulndesk("report", "invite", report.key, "erin")
    vulndesk("report", "invite", report.key, "gus@example.org")
    invited = FixTeamMember.objects.filter(report=report).order_by("pk")
    assert [fix_team.who(member) for member in invited] == ["erin", "gus@example.org"]
    with pytest.raises(CommandError, match="there is no user 'nobody'"):
        vulndesk("report", "invite", report.key, "nobody")


def test_the_api_invites_and_says_which_field_is_wrong(report: Report, lead: User) -> None:
    make_user("erin")
    api = Api(token_for(lead))
    path = f"/reports/emissary/{report.number}/fix-team"
    created = api.post(path, {"username": "erin"})
    assert created.status_code == 201
    assert (created.json()["who"], created.json()["state"]) == ("erin", "invited")
    bad = api.post(path, {"email": "nope"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "body.email"
