"""After an embargo break, releasing now (KAR-38) tells each organisation told of the report and
the team by mail, through the worker and a real SMTP server on loopback, once each."""

from datetime import UTC, datetime, timedelta

import pytest
from time_machine import TimeMachineFixture

from tests.desk.factories import make_member, make_project, make_report, make_user
from tests.notify.sink import Sink, run_worker, text
from vulndesk.desk.models import Distributor, DistributorNotice
from vulndesk.desk.models.distributor import (
    DistributorMembership,
    DistributorTerms,
    MembershipState,
)
from vulndesk.desk.services.embargo_break import decide, record_break

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2024, 6, 3, 9, 5, tzinfo=UTC)
ACME = "security@acme.example"
TEAM = "cncf-karmada-security@lists.cncf.io"


def test_kar_38_releasing_now_mails_the_distributors_told_and_the_team_once(
    sink: Sink, time_machine: TimeMachineFixture
) -> None:
    time_machine.move_to(T0, tick=True)
    project = make_project("karmada", preset="karmada")
    alice = make_user("alice")
    make_member(project, alice)
    report = make_report(
        project,
        cve_id="CVE-2024-12345",
        release_date=datetime(2024, 6, 17, 12, tzinfo=UTC),
        fix_ready_at=T0 - timedelta(days=2),
        state="scheduled",
    )
    acme = Distributor.objects.create(slug="acme", name="Acme", email=ACME)
    terms = DistributorTerms.objects.create(
        project=project, version=1, text="Keep it quiet.", digest="0" * 64
    )
    DistributorMembership.objects.create(
        project=project, distributor=acme, state=MembershipState.APPROVED, terms=terms
    )
    DistributorNotice.objects.create(
        report=report, distributor=acme, subject="Advance notice", body="…", sent_at=T0
    )
    record_break(report, how="Acme's mirror has the patch", by_whom="Acme", actor=alice)
    decide(report, "release_now", actor=alice, reason="the patch is public")

    run_worker()
    run_worker()
    sent = [mail for mail in sink.received if "embargo broken" in mail["Subject"]]
    assert sorted(mail["To"] for mail in sent) == [TEAM, ACME]
    by_to = {mail["To"]: text(mail) for mail in sent}
    assert "The Release Date moves from 2024-06-17 12:00 UTC to 2024-06-03 09:15 UTC" in by_to[ACME]
    assert "Acme's mirror" not in by_to[ACME]
    assert "Why: the patch is public" in by_to[TEAM]
