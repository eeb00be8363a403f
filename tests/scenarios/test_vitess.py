"""Vitess end to end on a simulated clock: a report on a supported release and one on master
only, the worker delivering to a real SMTP server and a Slack-compatible webhook on loopback,
every message checked for its audience, recipient and time against the document (VIT-11,
VIT-20, VIT-21, VIT-23, VIT-24, VIT-25, VIT-27)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from time_machine import TimeMachineFixture

from tests.desk.factories import make_member, make_project, make_report, make_user
from tests.gitops.repos import released_repository
from tests.notify.sink import Sink, run_worker, text
from tests.notify.webhook import Hook, webhook_server
from tests.scenarios.outcome import met_at, sent
from vulndesk.desk.demo import TRIAGE
from vulndesk.desk.models import AffectStatus, Project, ReleaseLine, Report
from vulndesk.desk.services import affects, reports, schedule
from vulndesk.desk.services.transitions import transition
from vulndesk.notify.models import OutboundEmail
from vulndesk.process.lifecycle import State

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
RELEASE_DATE = datetime(2026, 11, 24, 16, tzinfo=UTC)
ANNOUNCE = "vitess-announce@googlegroups.com"
COURTESY = "vitess@googlegroups.com"
CVE = "CVE-2026-41000"
MITIGATION = "Set --queryserver-config-strict-table-acl on every vttablet."
Kind, Audience = OutboundEmail.Kind, OutboundEmail.Audience


@pytest.fixture
def hook() -> Iterator[Hook]:
    with webhook_server() as server:
        yield server


def fixed_report(project: Project, line: ReleaseLine, fixed: str, lead: User) -> Report:
    report = make_report(project, actor=lead)
    report = transition(report, State.TRIAGING, actor=lead, reason="looking")
    report = reports.score_report(
        report, "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N", actor=lead
    )
    report = reports.record_triage(report, {**TRIAGE, "mitigation": MITIGATION}, actor=lead)
    report = transition(report, State.ACCEPTED, actor=lead, reason="reproduced")
    report = transition(report, State.FIXING, actor=lead, reason="on it")
    affects.add_affect(
        report,
        release_line=line,
        affected_range=f"<{fixed}",
        fixed_version=fixed,
        status=AffectStatus.FIXED,
        actor=lead,
    )
    report = schedule.assign_cve(report, CVE, actor=lead)
    return transition(report, State.FIX_READY, actor=lead, reason="fixed")


def test_vitess_announces_a_supported_fix_and_a_master_only_fix(
    sink: Sink, hook: Hook, time_machine: TimeMachineFixture, tmp_path: Path
) -> None:
    def at(moment: datetime) -> None:
        time_machine.move_to(moment, tick=False)

    at(T0)
    repository = released_repository(tmp_path / "vitess", "v19.0.4", "v20.0.0")
    project = make_project(
        "vitess",
        repository_url=f"file://{repository}",
        # VIT-11's notice in Slack #developers: the document gives no webhook.
        policy_overrides={"announcements": {"courtesy_webhook": hook.url}},
    )
    sugu = make_user("sugu")
    make_member(project, sugu)
    supported = ReleaseLine.objects.create(project=project, name="19.0", status="supported")
    main = ReleaseLine.objects.create(project=project, name="main", status="development")

    at(T0 + timedelta(days=3))
    report = fixed_report(project, supported, "19.0.4", sugu)
    run_worker()
    assert sink.received == []  # VIT-20: a fix, but no Release Date to announce yet

    # VIT-21, VIT-23, VIT-24: by T0 + 7 d, vitess-announce hears that a fix is coming, when
    # (with its zone) and what to do until then; nothing embargoed goes anywhere (VIT-27).
    at(T0 + timedelta(days=4))
    report = schedule.schedule_release(report, RELEASE_DATE, reason="a Tuesday", actor=sugu)
    report = transition(report, State.SCHEDULED, actor=sugu, reason="date set")
    run_worker()
    [forthcoming] = sink.received
    assert forthcoming["To"] == ANNOUNCE
    body = text(forthcoming)
    assert "Release Date: 2026-11-24 16:00 UTC" in body
    assert "+00:00" in body
    assert MITIGATION in body
    assert report.title not in body
    assert CVE not in body
    # Issue 8 item 2: sending it meets the step's deadline, at the send time (VIT-21).
    assert met_at(report, "forthcoming_fix_announced") == T0 + timedelta(days=4)

    # VIT-25: the release email once the advisory is published, with the new release.
    at(RELEASE_DATE)
    report = schedule.record_fix_release(report, "19.0.4", released_at=RELEASE_DATE, actor=sugu)
    report = transition(report, State.RELEASED, actor=sugu, reason="shipped")
    report = transition(report, State.PUBLISHED, actor=sugu, reason="advisory out")
    run_worker()
    assert [m["To"] for m in sink.received] == [ANNOUNCE, ANNOUNCE]
    release = text(sink.received[1])
    assert sink.received[1]["Subject"] == f"Vitess: {CVE} fixed in 19.0 19.0.4"
    for expected in ("upgrade 19.0 19.0.4", CVE, "CVSS"):
        assert expected in release
    assert sent(report) == [
        (Kind.FORTHCOMING_FIX, Audience.ANNOUNCE_LIST, ANNOUNCE, T0 + timedelta(days=4)),
        (Kind.RELEASE, Audience.ANNOUNCE_LIST, ANNOUNCE, RELEASE_DATE),
    ]
    assert hook.received == []

    # VIT-10, VIT-11: a fix on master only is announced exactly twice, by a courtesy email and
    # a notice in Slack #developers, and by nothing else.
    at(RELEASE_DATE + timedelta(days=1))
    master_only = fixed_report(project, main, "20.0.0", sugu)
    master_only = schedule.schedule_release(
        master_only, RELEASE_DATE + timedelta(days=8), reason="next week", actor=sugu
    )
    master_only = transition(master_only, State.SCHEDULED, actor=sugu, reason="date set")
    run_worker()
    assert len(sink.received) == 2  # no forthcoming-fix notice for a master-only fix
    at(RELEASE_DATE + timedelta(days=8))
    master_only = schedule.record_fix_release(
        master_only, "20.0.0", released_at=RELEASE_DATE + timedelta(days=8), actor=sugu
    )
    master_only = transition(master_only, State.RELEASED, actor=sugu, reason="landed")
    master_only = transition(master_only, State.PUBLISHED, actor=sugu, reason="advisory out")
    run_worker()
    assert sink.received[2]["To"] == COURTESY
    assert "landed on the main branch only" in text(sink.received[2])
    [notice] = hook.received
    assert "landed on the main branch only" in notice["text"]
    assert sent(master_only) == [
        (Kind.COURTESY_NOTICE, Audience.ANNOUNCE_LIST, COURTESY, RELEASE_DATE + timedelta(days=8)),
        (Kind.COURTESY_NOTICE, Audience.ANNOUNCE_LIST, hook.url, RELEASE_DATE + timedelta(days=8)),
    ]
    assert len(sink.received) == 3
