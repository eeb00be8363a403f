"""`vulndesk deadlines`: what is due and overdue, soonest first; pause, resume and meet."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management.base import CommandError

from tests.cli.helpers import vulndesk, vulndesk_json
from tests.desk.factories import make_member, make_project, make_user
from vulndesk.desk.models import AuditEvent, Deadline, DeadlinePause, Project, Report

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def traveller(time_machine: time_machine.TimeMachineFixture) -> time_machine.TimeMachineFixture:
    time_machine.move_to(T0, tick=False)
    return time_machine


@pytest.fixture
def emissary() -> Project:
    return make_project("emissary", preset="envoy")


@pytest.fixture
def alice(emissary: Project) -> User:
    """Security Team member and Fix Lead of Emissary-ingress."""
    user = make_user("alice")
    make_member(emissary, user)
    return user


def received(project: Project, at: datetime) -> Report:
    """A report recorded with `vulndesk report new`, received at `at`."""
    data = vulndesk_json(
        "report", "new", "--project", project.slug, "--title", "RCE in the admin API",
        "--received-at", at.isoformat(),
    )  # fmt: skip
    return Report.objects.get(project=project, number=int(data["key"].rpartition("-")[2]))


@pytest.fixture
def older(emissary: Project) -> Report:
    """EMISSARY-1, received two days ago: its Fix Team was due yesterday."""
    return received(emissary, T0 - timedelta(days=2))


@pytest.fixture
def newer(emissary: Project, older: Report) -> Report:
    """EMISSARY-2, received now."""
    return received(emissary, T0)


def due_at(report: Report, name: str) -> datetime | None:
    return Deadline.objects.get(report=report, name=name).due_at


def listed() -> list[tuple[str, str]]:
    return [(row["report"], row["name"]) for row in vulndesk_json("deadlines")]


# The listing


def test_emi_27_lists_due_and_overdue_deadlines_soonest_first(older: Report, newer: Report) -> None:
    rows = vulndesk_json("deadlines")

    assert [(row["report"], row["name"], row["status"]) for row in rows] == [
        ("EMISSARY-1", "fix_team_formed", "overdue"),
        ("EMISSARY-2", "fix_team_formed", "due"),
        ("EMISSARY-1", "fix_developed", "due"),
        ("EMISSARY-1", "forthcoming_fix_announced", "due"),
        ("EMISSARY-2", "fix_developed", "due"),
        ("EMISSARY-2", "forthcoming_fix_announced", "due"),
    ]
    assert rows[1]["rule"] == "EMI-27"
    assert datetime.fromisoformat(rows[1]["due_at"]) == T0 + timedelta(hours=24)
    due_times = [datetime.fromisoformat(row["due_at"]) for row in rows]
    assert due_times == sorted(due_times)


def test_within_widens_the_horizon(older: Report, newer: Report) -> None:
    """fix_released (EMI-40) is due 21 days after disclosure, outside the default 7 days."""
    assert ("EMISSARY-1", "fix_released") not in listed()
    rows = vulndesk_json("deadlines", "--within", "P30D")
    assert ("EMISSARY-1", "fix_released") in [(row["report"], row["name"]) for row in rows]


@pytest.mark.parametrize("within", ["banana", "7 days", "P1M"])
def test_a_bad_within_says_how_to_write_a_duration(within: str) -> None:
    with pytest.raises(CommandError) as refused:
        vulndesk("deadlines", "--within", within)
    message = str(refused.value)
    assert message.startswith("--within: ")
    assert repr(within) in message


def test_the_table_for_people_names_report_deadline_and_rule(older: Report) -> None:
    out = vulndesk("deadlines")
    assert "due and overdue deadlines" in out
    assert "EMISSARY-1" in out
    assert "fix_team_formed" in out
    assert "overdue" in out
    assert "EMI-27" in out


def test_with_nothing_due_the_table_says_none() -> None:
    assert vulndesk("deadlines").strip() == "due and overdue deadlines: none"


def test_project_limits_the_listing_to_one_project(older: Report) -> None:
    received(make_project("vitess"), T0)
    assert {row["report"] for row in vulndesk_json("deadlines", "--project", "vitess")} == {
        "VITESS-1"
    }


def test_an_unknown_project_is_refused_rather_than_shown_as_nothing_due(older: Report) -> None:
    with pytest.raises(CommandError, match="no project 'emisary'; projects: emissary"):
        vulndesk("deadlines", "--project", "emisary")


# Pause, resume and meet


def test_a_paused_deadline_is_not_listed_as_due(older: Report, alice: User) -> None:
    out = vulndesk(
        "deadlines", "--as", "alice", "pause", "EMISSARY-1", "fix_team_formed",
        "--reason", "the reporter asked for more time",
    )  # fmt: skip
    assert out.strip() == "EMISSARY-1 fix_team_formed: paused"
    assert ("EMISSARY-1", "fix_team_formed") not in listed()
    assert ("EMISSARY-1", "fix_developed") in listed()


def test_pause_without_a_reason_is_refused(older: Report) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="required: --reason"):
        vulndesk("deadlines", "pause", "EMISSARY-1", "fix_team_formed")
    with pytest.raises(CommandError, match="say why the deadline is paused"):
        vulndesk("deadlines", "pause", "EMISSARY-1", "fix_team_formed", "--reason", "  ")
    assert not DeadlinePause.objects.exists()
    assert AuditEvent.objects.count() == events
    assert ("EMISSARY-1", "fix_team_formed") in listed()


def test_resume_moves_the_due_time_later_by_the_time_it_stood_still(
    newer: Report, alice: User, traveller: time_machine.TimeMachineFixture
) -> None:
    due_before = due_at(newer, "fix_team_formed")
    assert due_before == T0 + timedelta(hours=24)
    vulndesk(
        "deadlines", "--as", "alice", "pause", "EMISSARY-2", "fix_team_formed",
        "--reason", "embargo extended at the reporter's request",
    )  # fmt: skip
    traveller.shift(timedelta(hours=4))

    out = vulndesk("deadlines", "--as", "alice", "resume", "EMISSARY-2", "fix_team_formed")

    assert out.strip() == "EMISSARY-2 fix_team_formed: resumed"
    assert due_at(newer, "fix_team_formed") == due_before + timedelta(hours=4)
    # Other deadlines keep their time.
    assert due_at(newer, "fix_developed") == T0 + timedelta(days=7)
    pause = DeadlinePause.objects.get()
    assert (pause.started_at, pause.ended_at) == (T0, T0 + timedelta(hours=4))
    assert pause.reason == "embargo extended at the reporter's request"
    assert pause.created_by == alice
    events = AuditEvent.objects.filter(report=newer, action__startswith="deadline.")
    assert [(e.action, e.actor_label, e.data) for e in events.order_by("seq")] == [
        (
            "deadline.paused",
            "alice",
            {"deadline": "fix_team_formed", "reason": "embargo extended at the reporter's request"},
        ),
        ("deadline.resumed", "alice", {"deadline": "fix_team_formed", "paused_for": "4:00:00"}),
    ]
    assert ("EMISSARY-2", "fix_team_formed") in listed()


def test_a_second_pause_keeps_the_history_of_the_first(
    newer: Report, traveller: time_machine.TimeMachineFixture
) -> None:
    for hours in (2, 3):
        vulndesk("deadlines", "pause", "EMISSARY-2", "fix_team_formed", "--reason", "asked")
        traveller.shift(timedelta(hours=hours))
        vulndesk("deadlines", "resume", "EMISSARY-2", "fix_team_formed")
    assert due_at(newer, "fix_team_formed") == T0 + timedelta(hours=24 + 2 + 3)
    assert DeadlinePause.objects.count() == 2


def test_pausing_twice_or_resuming_a_running_clock_is_refused(newer: Report) -> None:
    with pytest.raises(CommandError, match="fix_team_formed is not paused"):
        vulndesk("deadlines", "resume", "EMISSARY-2", "fix_team_formed")
    vulndesk("deadlines", "pause", "EMISSARY-2", "fix_team_formed", "--reason", "asked")
    with pytest.raises(CommandError, match="already paused; resume it first"):
        vulndesk("deadlines", "pause", "EMISSARY-2", "fix_team_formed", "--reason", "again")
    assert DeadlinePause.objects.count() == 1


def test_meet_records_the_time_and_takes_it_off_the_list(older: Report, alice: User) -> None:
    out = vulndesk("deadlines", "--as", "alice", "meet", "EMISSARY-1", "fix_team_formed")

    assert out.strip() == "EMISSARY-1 fix_team_formed: met"
    assert Deadline.objects.get(report=older, name="fix_team_formed").met_at == T0
    assert ("EMISSARY-1", "fix_team_formed") not in listed()
    event = AuditEvent.objects.order_by("seq").last()
    assert event is not None
    assert (event.action, event.actor, event.data["deadline"]) == (
        "deadline.met", alice, "fix_team_formed",
    )  # fmt: skip
    with pytest.raises(CommandError, match="fix_team_formed was already met at 2024-03-01 10:00"):
        vulndesk("deadlines", "meet", "EMISSARY-1", "fix_team_formed")


def test_an_unknown_deadline_lists_the_report_s_deadlines(older: Report) -> None:
    with pytest.raises(CommandError) as refused:
        vulndesk("deadlines", "meet", "EMISSARY-1", "fix_team")
    assert str(refused.value) == (
        "EMISSARY-1 has no deadline 'fix_team'; it has: fix_developed, fix_released, "
        "fix_team_formed, forthcoming_fix_announced, retrospective_sent"
    )


def test_a_missing_report_is_named(emissary: Project) -> None:
    with pytest.raises(CommandError, match="no report EMISSARY-7"):
        vulndesk("deadlines", "meet", "EMISSARY-7", "fix_team_formed")
