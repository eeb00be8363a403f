"""Open edX end to end on a simulated clock: the pre-merge Security Announcement goes out as
soon as the merge is planned, without details, and again when the merge moves; the release
announcement once published. The worker delivers to a real SMTP server on loopback; every
message is checked for its audience, recipient and time (OEDX-20, OEDX-21, OEDX-22)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from time_machine import TimeMachineFixture

from tests.desk.factories import make_member, make_project, make_report, make_user
from tests.gitops.repos import released_repository
from tests.notify.sink import Sink, run_worker, text
from tests.scenarios.outcome import met_at, sent
from vulndesk.desk.demo import TRIAGE, approve_demo_fix
from vulndesk.desk.models import AffectStatus, ReleaseLine
from vulndesk.desk.services import affects, reports, schedule
from vulndesk.desk.services.transitions import transition
from vulndesk.notify.models import OutboundEmail
from vulndesk.process.lifecycle import State

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2023, 7, 10, 13, tzinfo=UTC)
PLANNED = datetime(2023, 7, 20, 14, tzinfo=UTC)  # Thu 10:00 America/New_York
FIRST_MERGE = datetime(2023, 7, 24, 19, tzinfo=UTC)  # Mon 15:00 ET
MOVED = datetime(2023, 7, 21, 14, tzinfo=UTC)  # Fri 10:00 ET
MERGE = datetime(2023, 7, 25, 19, tzinfo=UTC)  # OEDX-20's Tue 15:00 ET
ANNOUNCEMENTS = "security-announcements@openedx.example"
CVE = "CVE-2023-41001"
Kind, Audience = OutboundEmail.Kind, OutboundEmail.Audience


def test_open_edx_posts_the_pre_merge_announcement_and_again_when_the_merge_moves(
    sink: Sink, time_machine: TimeMachineFixture, tmp_path: Path
) -> None:
    def at(moment: datetime) -> None:
        time_machine.move_to(moment, tick=False)

    at(T0)
    project = make_project(
        "openedx",
        repository_url=f"file://{released_repository(tmp_path / 'edx', 'v2.5.1')}",
        # The playbook posts the announcement but names no address; the project sets one.
        policy_overrides={"announcements": {"announce_list": ANNOUNCEMENTS}},
    )
    sarina, feanil = make_user("sarina"), make_user("feanil")
    for member in (sarina, feanil):
        make_member(project, member)
    report = make_report(project, actor=sarina)
    report = transition(report, State.TRIAGING, actor=sarina, reason="looking")
    report = reports.score_report(
        report, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", actor=sarina
    )
    report = reports.record_triage(report, TRIAGE, actor=sarina)
    report = transition(report, State.ACCEPTED, actor=sarina, reason="reproduced")
    report = transition(report, State.FIXING, actor=sarina, reason="on the private fork")
    line = ReleaseLine.objects.create(project=project, name="redwood", status="supported")
    affects.add_affect(
        report,
        release_line=line,
        affected_range="<2.5.1",
        fixed_version="2.5.1",
        status=AffectStatus.FIXED,
        actor=sarina,
    )
    report = schedule.assign_cve(report, CVE, actor=sarina)
    approve_demo_fix(report, feanil)  # OEDX-18
    report = transition(report, State.FIX_READY, actor=sarina, reason="approved")
    run_worker()
    assert sink.received == []

    # OEDX-20, OEDX-21, OEDX-22: planning the merge posts the announcement at once, with the
    # severity and the date and no details.
    at(PLANNED)
    report = schedule.schedule_release(
        report, FIRST_MERGE, reason="merge day", actor=sarina, override=True
    )
    report = schedule.plan_merge(report, FIRST_MERGE, reason="Monday afternoon", actor=sarina)
    run_worker()
    [first] = sink.received
    assert first["To"] == ANNOUNCEMENTS
    assert first["Subject"] == (
        "Openedx: a critical security fix will be merged on 2023-07-24 19:00 UTC"
    )
    for secret in (report.title, CVE, "CVSS:3.1"):
        assert secret not in text(first)
    # Issue 8 item 2: posting it meets the step's deadline, at the send time (OEDX-20).
    assert met_at(report, "security_announcement_posted") == PLANNED

    # The merge moves a day later: the list hears the new date at once.
    at(MOVED)
    report = schedule.schedule_release(
        report, MERGE, reason="reviewers away Monday", actor=sarina, override=True
    )
    report = schedule.plan_merge(report, MERGE, reason="Tuesday afternoon", actor=sarina)
    run_worker()
    assert len(sink.received) == 2
    assert "2023-07-25 19:00 UTC" in sink.received[1]["Subject"]
    assert met_at(report, "security_announcement_posted") == PLANNED  # met by the first
    report = transition(report, State.SCHEDULED, actor=sarina, reason="date set")

    # "Details will be published here after release" (OEDX-22).
    at(MERGE)
    report = schedule.record_fix_release(report, "2.5.1", released_at=MERGE, actor=sarina)
    report = transition(report, State.RELEASED, actor=sarina, reason="merged and backported")
    report = transition(report, State.PUBLISHED, actor=sarina, reason="advisory out")
    run_worker()
    assert sink.received[2]["Subject"] == f"Openedx: {CVE} fixed in redwood 2.5.1"
    assert report.title in text(sink.received[2])

    assert sent(report) == [
        (Kind.PRE_MERGE_NOTICE, Audience.ANNOUNCE_LIST, ANNOUNCEMENTS, PLANNED),
        (Kind.PRE_MERGE_NOTICE, Audience.ANNOUNCE_LIST, ANNOUNCEMENTS, MOVED),
        (Kind.RELEASE, Audience.ANNOUNCE_LIST, ANNOUNCEMENTS, MERGE),
    ]
    assert len(sink.received) == 3
