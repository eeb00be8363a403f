"""Emissary (preset envoy) end to end on a simulated clock: one report from intake to its
retrospective, the worker delivering to a real SMTP server and a Slack-compatible webhook on
loopback, every message checked for its audience, recipient and time against the document
(EMI-36 to EMI-48)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from time_machine import TimeMachineFixture

from tests.desk.factories import make_member, make_project, make_report, make_user
from tests.gitops.repos import released_repository
from tests.notify.sink import Sink, run_worker, text
from tests.notify.webhook import Hook, webhook_server
from tests.scenarios.outcome import met_at, sent
from vulndesk.desk.demo import TRIAGE, approve_demo_fix
from vulndesk.desk.models import AffectStatus, ReleaseLine
from vulndesk.desk.services import affects, fix_team, reports, schedule
from vulndesk.desk.services.transitions import transition
from vulndesk.notify.models import OutboundEmail
from vulndesk.process.lifecycle import State

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
FIRST_DATE = datetime(2024, 3, 19, 16, tzinfo=UTC)
RELEASE_DATE = datetime(2024, 3, 21, 16, tzinfo=UTC)  # moved two days later
SECALERT = "envoy-security@example.org"
CVE = "CVE-2024-23326"
MITIGATION = "Disable the admin listener on public interfaces."
Kind, Audience = OutboundEmail.Kind, OutboundEmail.Audience


@pytest.fixture
def hook() -> Iterator[Hook]:
    with webhook_server() as server:
        yield server


def test_emissary_announces_on_time_and_retells_a_moved_date(
    sink: Sink, hook: Hook, time_machine: TimeMachineFixture, tmp_path: Path
) -> None:
    def at(moment: datetime) -> None:
        time_machine.move_to(moment, tick=False)

    at(T0)
    project = make_project(
        "emissary",
        preset="envoy",
        repository_url=f"file://{released_repository(tmp_path / 'emissary', 'v3.9.1')}",
        # The document names Slack channels and the secalert address but gives neither.
        policy_overrides={
            "announcements": {"announce_webhook": hook.url, "retrospective_to": SECALERT}
        },
    )
    alice, carol, bob = make_user("alice"), make_user("carol"), make_user("bob")
    for member in (alice, carol):
        make_member(project, member)
    report = make_report(project, actor=carol)

    at(T0 + timedelta(hours=2))
    report = transition(report, State.TRIAGING, actor=carol, reason="looking")
    report = reports.score_report(
        report, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", actor=carol
    )
    at(T0 + timedelta(hours=20))
    report = reports.record_triage(report, {**TRIAGE, "mitigation": MITIGATION}, actor=carol)
    report = transition(report, State.ACCEPTED, actor=carol, reason="reproduced")
    invitation = fix_team.invite(report, actor=alice, username="bob")
    run_worker()
    [invited] = sink.received  # EMI-28: the engineer is CCed into the thread
    assert invited["To"] == "bob@example.org"
    fix_team.accept(invitation, user=bob)
    report = transition(report, State.FIXING, actor=alice, reason="team formed")
    at(T0 + timedelta(days=5))
    approve_demo_fix(report, carol)
    line = ReleaseLine.objects.create(project=project, name="3.9", status="supported")
    affects.add_affect(
        report,
        release_line=line,
        affected_range="<3.9.1",
        fixed_version="3.9.1",
        status=AffectStatus.FIXED,
        actor=alice,
    )
    report = schedule.assign_cve(report, CVE, actor=alice)
    report = transition(report, State.FIX_READY, actor=alice, reason="reviewed")
    run_worker()
    assert hook.received == []  # EMI-36: no Release Date yet, so nothing to announce

    # EMI-36, EMI-37, EMI-38, EMI-39: with a fix and a Release Date, the forthcoming-fix notice
    # goes at once to Slack (before the 7-day deadline), with the date, its zone and mitigation.
    at(T0 + timedelta(days=5, hours=1))
    report = schedule.schedule_release(
        report, FIRST_DATE, reason="a Tuesday", actor=alice, override=True
    )
    run_worker()
    [forthcoming] = hook.received
    assert "Release Date: 2024-03-19 16:00 UTC" in forthcoming["text"]
    assert "+00:00" in forthcoming["text"]
    assert MITIGATION in forthcoming["text"]
    assert report.title not in forthcoming["text"]  # nothing embargoed reaches Slack
    # Issue 8 item 2: sending it meets the step's deadline, at the send time (EMI-37).
    assert met_at(report, "forthcoming_fix_announced") == T0 + timedelta(days=5, hours=1)

    # Issue 8 item 1: moving the date tells everyone already told again, at once.
    at(T0 + timedelta(days=6))
    report = schedule.schedule_release(
        report, RELEASE_DATE, reason="the backport needs two more days", actor=alice
    )
    run_worker()
    assert len(hook.received) == 2
    assert "Release Date: 2024-03-21 16:00 UTC" in hook.received[1]["text"]
    report = transition(report, State.SCHEDULED, actor=alice, reason="date set")
    run_worker()
    assert len(hook.received) == 2  # planning again queues nothing twice

    # EMI-44: the release announcement goes to Slack once the advisory is published.
    at(RELEASE_DATE)
    report = schedule.record_fix_release(report, "3.9.1", released_at=RELEASE_DATE, actor=alice)
    report = transition(report, State.RELEASED, actor=alice, reason="shipped")
    run_worker()
    assert len(hook.received) == 2
    at(RELEASE_DATE + timedelta(hours=1))
    report = transition(report, State.PUBLISHED, actor=alice, reason="advisory out")
    run_worker()
    release = hook.received[2]["text"]
    assert f"Emissary: {CVE} fixed in 3.9 3.9.1" == release.splitlines()[0]
    for expected in (report.title, "upgrade 3.9 3.9.1", "CVSS 7.5 (high)", MITIGATION):
        assert expected in release

    # EMI-46, EMI-48: the retrospective goes to the secalert address a day after the release.
    at(RELEASE_DATE + timedelta(hours=23))
    run_worker()
    assert len(sink.received) == 1
    at(RELEASE_DATE + timedelta(days=1))
    run_worker()
    retrospective = sink.received[1]
    assert retrospective["To"] == SECALERT
    assert "## Timeline" in text(retrospective)
    assert "moved from scheduled to released" in text(retrospective)
    assert met_at(report, "retrospective_sent") == RELEASE_DATE + timedelta(days=1)  # EMI-46
    assert met_at(report, "forthcoming_fix_announced") == T0 + timedelta(days=5, hours=1)

    assert sent(report) == [
        (Kind.FIX_TEAM_INVITATION, Audience.TEAM, "bob@example.org", T0 + timedelta(hours=20)),
        (Kind.FORTHCOMING_FIX, Audience.ANNOUNCE_LIST, hook.url, T0 + timedelta(days=5, hours=1)),
        (Kind.FORTHCOMING_FIX, Audience.ANNOUNCE_LIST, hook.url, T0 + timedelta(days=6)),
        (Kind.RELEASE, Audience.ANNOUNCE_LIST, hook.url, RELEASE_DATE + timedelta(hours=1)),
        (Kind.RETROSPECTIVE, Audience.TEAM, SECALERT, RELEASE_DATE + timedelta(days=1)),
    ]
    assert len(hook.received) == 3
