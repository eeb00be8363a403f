"""Karmada end to end on a simulated clock: one report with a CVE from intake to publication,
the worker delivering to a real SMTP server on loopback, every message checked for its audience,
recipient and time against the document (KAR-33, KAR-34, KAR-36, KAR-43, KAR-44)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from time_machine import TimeMachineFixture

from tests.desk.factories import make_member, make_project, make_report, make_user
from tests.gitops.repos import released_repository
from tests.notify.sink import Sink, run_worker, text
from tests.scenarios.outcome import met_at, sent
from vulndesk.desk.demo import TRIAGE
from vulndesk.desk.models import AffectStatus, ReleaseLine
from vulndesk.desk.services import affects, distributors, reports, schedule
from vulndesk.desk.services.transitions import transition
from vulndesk.notify.models import OutboundEmail
from vulndesk.process.lifecycle import State

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2024, 6, 3, 9, tzinfo=UTC)
FIRST_DATE = datetime(2024, 6, 30, 12, tzinfo=UTC)  # KAR-33's example date
RELEASE_DATE = datetime(2024, 7, 2, 12, tzinfo=UTC)  # moved two days later
ANNOUNCE = "karmada-announce@example.org"
ACME = "security@acme.example"
GLOBEX = "psirt@globex.example"
CVE = "CVE-2024-39000"
MITIGATION = "Restrict the aggregated API server to the cluster network."
Kind, Audience = OutboundEmail.Kind, OutboundEmail.Audience


def received(sink: Sink) -> list[tuple[str, str]]:
    return [(message["To"], message["Subject"]) for message in sink.received]


def test_karmada_tells_distributors_ahead_and_again_when_the_date_moves(
    sink: Sink, time_machine: TimeMachineFixture, tmp_path: Path
) -> None:
    def at(moment: datetime) -> None:
        time_machine.move_to(moment, tick=False)

    at(T0)
    project = make_project(
        "karmada",
        repository_url=f"file://{released_repository(tmp_path / 'karmada', 'v1.9.1')}",
        # The document names no public announcement list; the project sets one.
        policy_overrides={"announcements": {"announce_list": ANNOUNCE}},
    )
    kim, dora, gil = make_user("kim"), make_user("dora"), make_user("gil")
    make_member(project, kim)
    terms = distributors.publish_terms(project, "Keep it private until the date.", actor=kim)
    acme = distributors.invite(project, organisation="Acme", email=ACME, member=dora, actor=kim)
    distributors.accept_terms(acme, digest=terms.digest, actor=dora)
    # KAR-36: Globex is on the list but has not accepted the terms: it is told nothing.
    distributors.invite(project, organisation="Globex", email=GLOBEX, member=gil, actor=kim)

    report = make_report(project, actor=kim)
    report = transition(report, State.TRIAGING, actor=kim, reason="looking")
    report = reports.score_report(report, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N", actor=kim)
    report = reports.record_triage(report, {**TRIAGE, "mitigation": MITIGATION}, actor=kim)
    report = transition(report, State.ACCEPTED, actor=kim, reason="reproduced")
    report = transition(report, State.FIXING, actor=kim, reason="on it")
    line = ReleaseLine.objects.create(project=project, name="1.9", status="supported")
    affects.add_affect(
        report,
        release_line=line,
        affected_range="<1.9.1",
        fixed_version="1.9.1",
        status=AffectStatus.FIXED,
        actor=kim,
    )
    report = schedule.assign_cve(report, CVE, actor=kim)
    at(T0 + timedelta(days=2))
    report = transition(report, State.FIX_READY, actor=kim, reason="fixed")

    # KAR-33, KAR-34: with a CVE and a fix, the advance notice goes within 1 to 4 weeks before
    # the date, here at once (the window opened on 2024-06-02), to the bound organisation only.
    at(T0 + timedelta(days=2, hours=1))
    report = schedule.schedule_release(report, FIRST_DATE, reason="KAR-33's date", actor=kim)
    run_worker()
    assert received(sink) == [(ACME, f"[EMBARGOED] {report.key}: {report.title}")]
    advance = text(sink.received[0])
    assert "Embargoed until 2024-06-30 12:00 UTC" in advance
    assert CVE in advance
    assert MITIGATION in advance
    # Issue 8 item 2: sending it meets the advance notice's deadline at the send time.
    assert met_at(report, "distributor_advance_notice") == T0 + timedelta(days=2, hours=1)

    # Issue 8 item 1: the date moves; whoever was told hears the new one at once, and the
    # 24-hour notice planned for the old date is superseded.
    at(T0 + timedelta(days=7))
    report = schedule.schedule_release(
        report, RELEASE_DATE, reason="a backport needs two more days", actor=kim
    )
    run_worker()
    assert len(sink.received) == 2
    assert "Embargoed until 2024-07-02 12:00 UTC" in text(sink.received[1])
    superseded = report.outbound_emails.get(
        kind=Kind.DISTRIBUTOR_24H_NOTICE, idempotency_key__endswith=FIRST_DATE.isoformat()
    )
    assert (superseded.state, superseded.sent_at) == ("superseded", None)
    assert superseded.replaced_by is not None
    assert superseded.replaced_by.planned_for == RELEASE_DATE
    report = transition(report, State.SCHEDULED, actor=kim, reason="date set")

    at(FIRST_DATE - timedelta(hours=24))  # the old 24-hour notice's time: nothing goes
    run_worker()
    assert len(sink.received) == 2

    # KAR-43: at least 24 hours before the release, with the date and the public messaging.
    at(RELEASE_DATE - timedelta(hours=24, minutes=1))
    run_worker()
    assert len(sink.received) == 2
    at(RELEASE_DATE - timedelta(hours=24))
    run_worker()
    assert received(sink)[2] == (ACME, f"[EMBARGOED] {report.key}: public on 2024-07-02 12:00 UTC")
    assert "upgrade 1.9 1.9.1" in text(sink.received[2])
    assert met_at(report, "distributor_release_notice") == RELEASE_DATE - timedelta(hours=24)

    # KAR-44: the public announcement, with versions, CVE, severity, once published.
    at(RELEASE_DATE)
    report = schedule.record_fix_release(report, "1.9.1", released_at=RELEASE_DATE, actor=kim)
    report = transition(report, State.RELEASED, actor=kim, reason="shipped")
    run_worker()
    assert len(sink.received) == 3  # released is not yet public
    at(RELEASE_DATE + timedelta(minutes=30))
    report = transition(report, State.PUBLISHED, actor=kim, reason="advisory out")
    run_worker()
    assert received(sink)[3] == (ANNOUNCE, f"Karmada: {CVE} fixed in 1.9 1.9.1")
    release = text(sink.received[3])
    for expected in ("CVSS 9.1 (critical)", "upgrade 1.9 1.9.1", MITIGATION):
        assert expected in release

    assert sent(report) == [
        (Kind.DISTRIBUTOR_NOTICE, Audience.DISTRIBUTORS, ACME, T0 + timedelta(days=2, hours=1)),
        (Kind.DISTRIBUTOR_NOTICE, Audience.DISTRIBUTORS, ACME, T0 + timedelta(days=7)),
        (Kind.DISTRIBUTOR_24H_NOTICE, Audience.DISTRIBUTORS, ACME, RELEASE_DATE - timedelta(1)),
        (Kind.RELEASE, Audience.ANNOUNCE_LIST, ANNOUNCE, RELEASE_DATE + timedelta(minutes=30)),
    ]
    assert not report.outbound_emails.filter(to=GLOBEX).exists()
