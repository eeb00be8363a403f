"""Embargo breaks: recording who broke it and how, and the Fix Lead's or security team's call
(KAR-37), releasing now (KAR-38) or keeping the date.

alice is on Karmada's security team, bob is on the report's Fix Team, charlie is nobody; Acme is
an approved distributor bound by the embargo terms and already sent the advance notice.
Time stands still at T0 (Monday 2024-06-03 09:05 UTC); the Release Date is two weeks out.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from time_machine import TimeMachineFixture

from tests.desk.factories import make_member, make_project, make_report, make_user
from vulndesk.desk.models import AuditEvent, Deadline, Distributor, DistributorNotice, Report
from vulndesk.desk.models.distributor import (
    DistributorMembership,
    DistributorTerms,
    MembershipState,
)
from vulndesk.desk.services.embargo_break import (
    EmbargoBreakError,
    advice,
    decide,
    record_break,
)
from vulndesk.notify.models import OutboundEmail

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 6, 3, 9, 5, tzinfo=UTC)
RELEASE = datetime(2024, 6, 17, 12, tzinfo=UTC)
ACME = "security@acme.example"
TEAM = "cncf-karmada-security@lists.cncf.io"


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> TimeMachineFixture:
    time_machine.move_to(T0, tick=False)
    return time_machine


@pytest.fixture
def alice() -> User:
    return make_user("alice")


@pytest.fixture
def report(alice: User) -> Report:
    project = make_project("karmada", preset="karmada")
    make_member(project, alice)
    report = make_report(
        project,
        cve_id="CVE-2024-12345",
        release_date=RELEASE,
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
        report=report, distributor=acme, subject="Advance notice", body="…",
        sent_at=T0 - timedelta(days=1),
    )  # fmt: skip
    return report


def leaked(report: Report, actor: User, how: str = "Acme shipped the patched package") -> None:
    record_break(
        report, how=how, by_whom="Acme", source_url="https://mirror.example/pkg", actor=actor
    )


def last_event(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).order_by("-seq").first() or pytest.fail(action)


def test_kar_37_a_break_is_recorded_with_who_how_and_where_and_audited(
    report: Report, alice: User
) -> None:
    leaked(report, alice)
    (brk,) = report.embargo_breaks.all()
    assert (brk.by_whom, brk.how, brk.source_url) == (
        "Acme",
        "Acme shipped the patched package",
        "https://mirror.example/pkg",
    )
    assert (brk.decided, brk.recorded_by, brk.recorded_at) == (False, alice, T0)
    data = last_event("report.embargo_broken").data
    assert data == {
        "break": brk.pk,
        "how": "Acme shipped the patched package",
        "by_whom": "Acme",
        "source_url": "https://mirror.example/pkg",
    }


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"how": " ", "by_whom": "Acme"}, "how: say how"),
        ({"how": "a blog post", "by_whom": ""}, "by_whom: say who"),
        ({"how": "a blog post", "by_whom": "Acme", "source_url": "ftp://x"}, "source_url:"),
    ],
)
def test_a_break_without_its_facts_is_refused_naming_the_field(
    report: Report, alice: User, fields: dict[str, str], error: str
) -> None:
    with pytest.raises(EmbargoBreakError, match=error):
        record_break(report, actor=alice, **fields)
    assert not report.embargo_breaks.exists()


def test_kar_37_a_second_break_waits_for_the_decision_on_the_first(
    report: Report, alice: User
) -> None:
    leaked(report, alice)
    with pytest.raises(EmbargoBreakError, match="awaits a decision: decide it first"):
        leaked(report, alice, "a second leak")


def test_only_the_fix_lead_or_security_team_records_and_decides(
    report: Report, alice: User
) -> None:
    bob, charlie = make_user("bob"), make_user("charlie")
    report.fix_team_members.create(user=bob, accepted_at=T0)
    for who in (bob, charlie):
        with pytest.raises(PermissionDenied):
            leaked(report, who)
    leaked(report, alice)
    for who in (bob, charlie):
        with pytest.raises(PermissionDenied):
            decide(report, "keep_date", actor=who, reason="minor")
    report.fix_lead = bob
    report.save()
    decide(report, "keep_date", actor=bob, reason="only a hint, no details")


def test_kar_37_a_decision_needs_a_damage_assessment_and_a_break(
    report: Report, alice: User
) -> None:
    with pytest.raises(EmbargoBreakError, match="no embargo break waiting for a decision"):
        decide(report, "release_now", actor=alice, reason="leaked")
    leaked(report, alice)
    with pytest.raises(EmbargoBreakError, match="reason: assess the damage"):
        decide(report, "release_now", actor=alice, reason="  ")
    with pytest.raises(EmbargoBreakError, match="choice: 'later'"):
        decide(report, "later", actor=alice, reason="leaked")  # type: ignore[arg-type]
    assert not report.embargo_breaks.get().decided


def test_kar_38_karmada_advises_releasing_now_at_the_next_quarter_hour(report: Report) -> None:
    found = advice(report)
    assert found.guidance.default == "release_now"
    assert found.guidance.rule_ids == ("KAR-37", "KAR-38")
    assert found.release_now_at == datetime(2024, 6, 3, 9, 15, tzinfo=UTC)


def test_kar_38_releasing_now_moves_the_date_collapses_the_schedule_and_tells_everyone(
    report: Report, alice: User
) -> None:
    leaked(report, alice)
    brk = decide(report, "release_now", actor=alice, reason="the patch is public on a mirror")
    report.refresh_from_db()
    now_slot = datetime(2024, 6, 3, 9, 15, tzinfo=UTC)
    assert report.release_date == now_slot
    assert (brk.release_date_before, brk.release_date_after) == (RELEASE, now_slot)
    # KAR-32: the lead time is waived, so the 24-hour notice is due now, not a day ago.
    notice = Deadline.objects.get(report=report, name="distributor_release_notice")
    assert (notice.due_at, notice.asap) == (T0, True)
    moved = last_event("report.release_date_set").data
    assert moved["reason"] == "embargo break: the patch is public on a mirror"
    assert moved["overridden"]  # the lead times it waived are on the record
    sent = OutboundEmail.objects.filter(report=report, kind=OutboundEmail.Kind.EMBARGO_BREAK)
    assert sorted((e.audience, e.to) for e in sent) == [("distributors", ACME), ("team", TEAM)]
    by_to = {e.to: e for e in sent}
    assert "2024-06-03 09:15 UTC" in by_to[ACME].body
    assert "Acme shipped" not in by_to[ACME].body  # who broke it is the team's to know
    assert "Acme shipped the patched package" in by_to[TEAM].body
    assert all(e.send_after == T0 for e in sent)
    decided = last_event("report.embargo_break_decided").data
    assert decided["decision"] == "release_now"
    assert sorted(decided["queued"]) == sorted(e.pk for e in sent)
    assert decided["release_date_after"] == now_slot.isoformat()


def test_each_break_has_its_own_notices(report: Report, alice: User) -> None:
    leaked(report, alice)
    decide(report, "release_now", actor=alice, reason="a mirror has it")
    leaked(report, alice, "a blog post")
    decide(report, "release_now", actor=alice, reason="now a blog too")
    keys = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.EMBARGO_BREAK).values_list(
        "idempotency_key", flat=True
    )
    assert len(set(keys)) == 4


def test_kar_37_keeping_the_date_changes_nothing_but_the_record(
    report: Report, alice: User
) -> None:
    leaked(report, alice)
    version = Report.objects.get(pk=report.pk).version
    brk = decide(report, "keep_date", actor=alice, reason="only the title leaked")
    report.refresh_from_db()
    assert (report.release_date, report.version) == (RELEASE, version)
    assert (brk.decision, brk.decision_reason, brk.decided_by) == (
        "keep_date",
        "only the title leaked",
        alice,
    )
    assert not OutboundEmail.objects.filter(kind=OutboundEmail.Kind.EMBARGO_BREAK).exists()
    assert last_event("report.embargo_break_decided").data["decision"] == "keep_date"


def test_a_published_report_has_no_embargo_to_break(report: Report, alice: User) -> None:
    Report.objects.filter(pk=report.pk).update(published_at=T0)
    with pytest.raises(EmbargoBreakError, match="no embargo to break"):
        leaked(report, alice)


def test_a_break_left_undecided_until_publication_can_only_keep_the_date(
    report: Report, alice: User
) -> None:
    leaked(report, alice)
    Report.objects.filter(pk=report.pk).update(published_at=T0)
    with pytest.raises(EmbargoBreakError, match="published already: there is nothing to release"):
        decide(report, "release_now", actor=alice, reason="too late")
    assert decide(report, "keep_date", actor=alice, reason="published meanwhile").decided
