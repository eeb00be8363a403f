"""FOLIO end to end on a simulated clock: the trusted list hears the workaround before any fix
(FOLIO-14, FOLIO-31) and, once the Release Date is set, the date; the release announcement
lists the fixed versions (FOLIO-36). The worker delivers to a real SMTP server on loopback and
every message is checked for its audience, recipient and time."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from time_machine import TimeMachineFixture

from tests.desk.factories import make_member, make_project, make_report, make_user
from tests.gitops.repos import released_repository
from tests.notify.sink import Sink, run_worker, text
from tests.scenarios.outcome import sent
from vulndesk.desk.demo import TRIAGE
from vulndesk.desk.models import AffectStatus, ReleaseLine
from vulndesk.desk.services import affects, distributors, notices, reports, schedule
from vulndesk.desk.services.transitions import transition
from vulndesk.notify.models import OutboundEmail
from vulndesk.process.lifecycle import State

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2025, 3, 3, 9, tzinfo=UTC)
RELEASE_DATE = datetime(2025, 3, 20, 15, tzinfo=UTC)
ANNOUNCE = "folio-announce@example.org"
HOSTING = "security@hosting.example"
WORKAROUND = "Block /erm/ at the proxy for anonymous users."
Kind, Audience = OutboundEmail.Kind, OutboundEmail.Audience


def test_folio_tells_the_trusted_list_the_date_and_announces_the_fixed_versions(
    sink: Sink, time_machine: TimeMachineFixture, tmp_path: Path
) -> None:
    def at(moment: datetime) -> None:
        time_machine.move_to(moment, tick=False)

    at(T0)
    project = make_project(
        "folio",
        repository_url=f"file://{released_repository(tmp_path / 'folio', 'v5.1.2')}",
        # The notes name no announcement list; the project sets one.
        policy_overrides={"announcements": {"announce_list": ANNOUNCE}},
    )
    craig, hana = make_user("craig"), make_user("hana")
    make_member(project, craig)
    terms = distributors.publish_terms(project, "Members keep notices private.", actor=craig)
    membership = distributors.invite(
        project, organisation="Hosting Co", email=HOSTING, member=hana, actor=craig
    )  # FOLIO-Q3: by invitation
    distributors.accept_terms(membership, digest=terms.digest, actor=hana)

    report = make_report(project, actor=craig)
    report = transition(report, State.TRIAGING, actor=craig, reason="looking")
    report = reports.score_report(
        report, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", actor=craig
    )
    report = reports.record_triage(report, {**TRIAGE, "mitigation": WORKAROUND}, actor=craig)
    report = transition(report, State.ACCEPTED, actor=craig, reason="reproduced")
    # FOLIO-31: the workaround reaches the trusted list before any fix, on the desk.
    at(T0 + timedelta(days=1))
    notices.send_notice(report, subject="Workaround", body=WORKAROUND, actor=craig)
    run_worker()
    assert sink.received == []  # the notice is read on the organisation's own page

    report = transition(report, State.FIXING, actor=craig, reason="on it")
    line = ReleaseLine.objects.create(project=project, name="Ramsons", status="supported")
    affects.add_affect(
        report,
        release_line=line,
        affected_range="<5.1.2",
        fixed_version="5.1.2",
        status=AffectStatus.FIXED,
        actor=craig,
    )
    at(T0 + timedelta(days=6))
    report = transition(report, State.FIX_READY, actor=craig, reason="fixed")

    # Issue 8 item 1: the organisation told of the report hears the Release Date at once.
    at(T0 + timedelta(days=7))
    report = schedule.schedule_release(report, RELEASE_DATE, reason="next release", actor=craig)
    report = transition(report, State.SCHEDULED, actor=craig, reason="date set")
    run_worker()
    [told] = sink.received
    assert told["To"] == HOSTING
    assert "Embargoed until 2025-03-20 15:00 UTC" in text(told)
    assert WORKAROUND in text(told)

    # FOLIO-34, FOLIO-36: released through a recorded fix release; the announcement lists it.
    at(RELEASE_DATE)
    report = schedule.record_fix_release(report, "5.1.2", released_at=RELEASE_DATE, actor=craig)
    report = transition(report, State.RELEASED, actor=craig, reason="shipped")
    report = transition(report, State.PUBLISHED, actor=craig, reason="full disclosure")
    run_worker()
    assert sink.received[1]["To"] == ANNOUNCE
    assert "Ramsons 5.1.2" in text(sink.received[1])

    assert sent(report) == [
        (Kind.DISTRIBUTOR_NOTICE, Audience.DISTRIBUTORS, HOSTING, T0 + timedelta(days=7)),
        (Kind.RELEASE, Audience.ANNOUNCE_LIST, ANNOUNCE, RELEASE_DATE),
    ]
    assert len(sink.received) == 2
