"""`vulndesk team`: a Karmada project's roster, nominations, leaves, inactivity and votes."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management.base import CommandError

from tests.cli.helpers import vulndesk, vulndesk_json
from tests.desk.factories import make_member, make_project, make_user
from vulndesk.desk.models import AuditEvent, Project, TeamLeave, TeamMember, TeamRole

pytestmark = pytest.mark.django_db

THRESHOLD = {"team": {"inactivity": {"removal_vote": {"threshold": 0.6667}}}}


@pytest.fixture
def traveller(time_machine: time_machine.TimeMachineFixture) -> time_machine.TimeMachineFixture:
    time_machine.move_to(datetime(2024, 1, 15, 9, tzinfo=UTC), tick=False)
    return time_machine


@pytest.fixture
def karmada(traveller: time_machine.TimeMachineFixture) -> Project:
    project = make_project("karmada", policy_overrides=THRESHOLD)
    for name in ("kim", "lee"):
        make_member(project, make_user(name))
    make_member(project, make_user("mo"), TeamRole.MAINTAINER)
    make_user("nia")
    return project


def test_kar4_nominate_then_accept_puts_an_associate_on_the_roster(karmada: Project) -> None:
    out = vulndesk("team", "nominate", "karmada", "nia", "--kind", "associate", "--as", "mo")
    number = out.split(":")[0].split()[-1]
    assert "nia joined as associate" in vulndesk("team", "decide", number, "accept", "--as", "kim")
    roster = {row["user"]: row for row in vulndesk_json("team", "list", "karmada")}
    assert roster["nia"]["promotable_from"] == "2024-04-15"
    assert roster["mo"]["role"] == "maintainer"


def test_kar4_a_nomination_by_an_outsider_is_refused(karmada: Project) -> None:
    make_user("charlie")
    with pytest.raises(CommandError, match="nominated_by: charlie is neither"):
        vulndesk("team", "nominate", "karmada", "nia", "--kind", "associate", "--as", "charlie")


def test_kar7_leave_is_recorded_and_refused_when_it_ends_before_it_starts(
    karmada: Project,
) -> None:
    vulndesk("team", "leave", "karmada", "kim", "2024-02-01", "2024-03-31", "--as", "kim")
    assert TeamLeave.objects.get().member.user.username == "kim"
    with pytest.raises(CommandError, match="ends_on: the leave ends before it starts"):
        vulndesk("team", "leave", "karmada", "lee", "2024-03-01", "2024-02-01")


def test_kar8_inactive_lists_who_is_flagged_on_a_day(karmada: Project) -> None:
    vulndesk("team", "leave", "karmada", "kim", "2024-02-01", "2024-06-30")
    assert vulndesk_json("team", "inactive", "karmada", "--on", "2024-03-15") == []
    flagged = vulndesk_json("team", "inactive", "karmada", "--on", "2024-03-16")
    assert [row["user"] for row in flagged] == ["lee"]


def test_kar9_a_vote_from_the_command_line_removes_with_the_super_majority(
    karmada: Project, traveller: time_machine.TimeMachineFixture
) -> None:
    traveller.move_to(datetime(2024, 4, 1, tzinfo=UTC), tick=False)
    out = vulndesk("team", "vote", "open", "karmada:lee", "--reason", "silent", "--as", "kim")
    number = out.split()[1]
    vulndesk("team", "vote", "cast", number, "yes", "--as", "kim")
    assert "1 of 1 in favour (needed 1): removed" in vulndesk(
        "team", "vote", "close", number, "--as", "kim"
    )
    assert TeamMember.objects.get(user__username="lee").left_at is not None
    assert AuditEvent.objects.filter(action="team.removal_vote_closed").exists()
