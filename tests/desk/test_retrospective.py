"""The retrospective of a report driven through Emissary's process, read from the audit log
(EMI-46 to EMI-49)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.desk.cast import make_cast
from tests.desk.factories import make_member, make_project, make_report, make_user
from tests.desk.report_page import sign_in, url
from tests.gitops.repos import released_repository
from vulndesk.desk.demo import TRIAGE, approve_demo_fix
from vulndesk.desk.models import AuditEvent, FixTeamMember, Report
from vulndesk.desk.services import deadlines, fix_team, reports, schedule
from vulndesk.desk.services.audit import verify_chain
from vulndesk.desk.services.retrospective import retrospective, retrospective_markdown
from vulndesk.desk.services.transitions import transition
from vulndesk.process.lifecycle import State

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
RELEASED = datetime(2024, 3, 22, 16, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def alice() -> User:
    """Security team member, Fix Lead of the report."""
    return make_user("alice")


@pytest.fixture
def carol() -> User:
    """Security team member who triages and reviews the fix."""
    return make_user("carol")


@pytest.fixture
def bob() -> User:
    """An engineer invited to the Fix Team."""
    return make_user("bob")


def released_report(
    alice: User, bob: User, carol: User, time_machine: object, tmp_path: Path
) -> Report:
    """Received at T0, triaged in 2 h, accepted the next day, fixed in 9 days (two days past
    EMI-30's week), released on the Release Date three weeks in, then published."""
    repository = released_repository(tmp_path / "emissary", "v3.9.1")  # publishing checks it
    project = make_project("emissary", preset="envoy", repository_url=f"file://{repository}")
    for member in (alice, carol):
        make_member(project, member)
    report = make_report(project, actor=carol)

    def at(moment: datetime) -> None:
        time_machine.move_to(moment, tick=False)  # type: ignore[attr-defined]

    at(T0 + timedelta(hours=2))
    report = transition(report, State.TRIAGING, actor=carol, reason="looking")
    report = reports.score_report(
        report, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", actor=carol
    )
    at(T0 + timedelta(hours=20))
    report = reports.record_triage(report, TRIAGE, actor=carol)
    report = transition(report, State.ACCEPTED, actor=carol, reason="reproduced")
    assert report.fix_lead == alice  # the rotation's first turn (EMI-10)
    invitation = fix_team.invite(report, actor=alice, username="bob")
    at(T0 + timedelta(hours=22))
    fix_team.accept(invitation, user=bob)
    report = transition(report, State.FIXING, actor=alice, reason="team formed")
    at(T0 + timedelta(days=9, hours=4))
    approve_demo_fix(report, carol)
    report = transition(report, State.FIX_READY, actor=alice, reason="reviewed")
    report = schedule.schedule_release(
        report, RELEASED, reason="a Tuesday announcement", actor=alice, override=True
    )  # six hours past EMI-40's 21 days: the timelines are advisory
    report = transition(report, State.SCHEDULED, actor=alice, reason="date set")
    deadlines.meet(report, "forthcoming_fix_announced", actor=alice)
    at(RELEASED)
    report = schedule.record_fix_release(report, "3.9.1", released_at=RELEASED, actor=alice)
    report = transition(report, State.RELEASED, actor=alice, reason="shipped")
    at(RELEASED + timedelta(hours=1))
    report = transition(report, State.PUBLISHED, actor=alice, reason="advisory out")
    at(RELEASED + timedelta(days=2))
    return report


def test_the_retrospective_lists_each_transition_and_deadline(
    alice: User, bob: User, carol: User, time_machine: object, tmp_path: Path
) -> None:
    """EMI-48: participants, the timeline, commits and critique; EMI-46's own deadline open."""
    report = released_report(alice, bob, carol, time_machine, tmp_path)
    text = retrospective_markdown(report, introduced_by=["3F2A9C1"])

    transitions = AuditEvent.objects.filter(report=report, action="report.transition")
    for event in transitions:
        line = f"moved from {event.data['from']} to {event.data['to']}"
        assert text.count(line) == 1, line
    assert "| 2024-03-01 12:00 UTC | 2 h | moved from received to triaging | security team |" in (
        text
    )
    assert "| 2024-03-22 16:00 UTC | 21 d 6 h | moved from scheduled to released | Fix Lead |" in (
        text
    )
    assert "fix released in 3.9.1" in text
    for deadline in report.deadlines.all():
        assert text.count(f"- {deadline.name} ({deadline.rule_id}): due") == 1
    assert "- fix_team_formed (EMI-27): due 2024-03-02 10:00 UTC, met 2 h early" in text
    assert "- fix_developed (EMI-30): due 2024-03-08 10:00 UTC, missed by 2 d 4 h" in text
    assert "- fix_released (EMI-40): due 2024-03-22 10:00 UTC, missed by 6 h" in text
    assert "- retrospective_sent (EMI-46): due 2024-03-25 16:00 UTC, open, due in 1 d" in text
    assert "- Time to acknowledge: 2 h" in text
    assert "- Time to release: 21 d 6 h" in text
    assert "- Fix Lead: alice\n- Fix Team: bob\n- security team: carol\n" in text
    assert "Introduced by:\n\n- `3f2a9c1`\n" in text
    assert f"Fixed by:\n\n- `{report.pk:040x}` (fix branch fix/demo)\n" in text


def test_the_timeline_names_roles_never_people(
    alice: User, bob: User, carol: User, time_machine: object, tmp_path: Path
) -> None:
    """EMI-47: blameless; names appear only in the list of who was involved."""
    report = released_report(alice, bob, carol, time_machine, tmp_path)
    text = retrospective_markdown(report)
    timeline = text.split("## Timeline")[1].split("## Deadlines")[0]
    for name in ("alice", "bob", "carol"):
        assert name not in timeline
    assert "Introduced by:\n\nNot recorded." in text


def test_writing_it_changes_nothing(
    alice: User, bob: User, carol: User, time_machine: object, tmp_path: Path
) -> None:
    """Read only: the audit chain is as long and as intact after as before."""
    report = released_report(alice, bob, carol, time_machine, tmp_path)
    before = (AuditEvent.objects.count(), report.version)
    retrospective(report)
    report.refresh_from_db()
    assert (AuditEvent.objects.count(), report.version) == before
    assert verify_chain() == []


def test_it_counts_what_happened(
    alice: User, bob: User, carol: User, time_machine: object, tmp_path: Path
) -> None:
    report = released_report(alice, bob, carol, time_machine, tmp_path)
    counts = dict(retrospective(report).counts)
    assert counts["events in the audit trail"] == report.audit_events.count()
    assert counts["people involved"] == 3
    # fix_developed, forthcoming_fix_announced and fix_released
    assert counts["deadlines missed"] == 3


def test_an_introduced_by_value_that_is_not_a_commit_is_refused() -> None:
    report = make_report(make_project("emissary", preset="envoy"))
    with pytest.raises(ValueError, match="'HEAD~1' is not a commit id"):
        retrospective(report, introduced_by=["HEAD~1"])


def test_the_report_page_offers_the_download_to_the_security_team_and_fix_lead(
    client: Client,
) -> None:
    cast = make_cast()
    dave = make_user("dave")
    FixTeamMember.objects.create(report=cast.crash, user=dave, accepted_at=T0)
    download = url("report-retrospective", cast.crash)
    for user in (cast.alice, cast.bob):
        sign_in(client, user)
        assert download in client.get(url("report-detail", cast.crash)).content.decode()
        answer = client.get(download)
        assert answer.status_code == 200
        assert answer["Content-Type"] == "text/markdown; charset=utf-8"
        assert answer["Content-Disposition"] == (
            'attachment; filename="EMISSARY-2-retrospective.md"'
        )
        assert answer.content.decode().startswith("# Retrospective: EMISSARY-2: ")
    sign_in(client, dave)  # on the Fix Team: reads the report, not the retrospective
    assert download not in client.get(url("report-detail", cast.crash)).content.decode()
    assert client.get(download).status_code == 403
    sign_in(client, cast.charlie)
    assert client.get(download).status_code == 404
