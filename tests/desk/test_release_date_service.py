"""The Release Date service: proposing a date, refusing one that breaks the policy, overriding
with a reason, redating the deadlines and naming who must be told again.

alice is on Karmada's security team, bob is on its Fix Team for one report, charlie is nobody.
Time stands still at T0 (Saturday 2024-06-01 09:00 UTC).
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from time_machine import TimeMachineFixture

from tests.desk.factories import make_member, make_project, make_user
from vulndesk.desk.models import AuditEvent, Deadline, Distributor, DistributorNotice, Report
from vulndesk.desk.services.reports import create_report
from vulndesk.desk.services.schedule import (
    ReleaseDateRefused,
    assign_cve,
    people_to_retell,
    propose_release_date,
    schedule_release,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 6, 1, 9, tzinfo=UTC)
DAY = timedelta(days=1)


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
    filed = create_report(
        project,
        title="Token leak in the scheduler",
        description="",
        reporter_name="Dana Reporter",
        reporter_email="dana@example.org",
        actor=alice,
    )
    return assign_cve(filed, "CVE-2024-12345", actor=alice)


def notify(report: Report, slug: str, name: str, at: datetime) -> DistributorNotice:
    distributor, _ = Distributor.objects.get_or_create(
        slug=slug, defaults={"name": name, "email": f"security@{slug}.example"}
    )
    return DistributorNotice.objects.create(
        report=report, distributor=distributor, subject="Advance notice", body="…", sent_at=at
    )


def last_event(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).order_by("-seq").first() or pytest.fail(action)


def test_kar_33_the_proposal_is_7_days_out_until_distributors_are_told(report: Report) -> None:
    proposal = propose_release_date(report)
    assert proposal.at == T0 + 7 * DAY
    assert [reason.rule_ids for reason in proposal.reasons] == [("KAR-33", "KAR-34")]


def test_kar_33_a_notice_sent_already_counts_as_the_advance_notice(report: Report) -> None:
    notify(report, "distro", "Distro Inc.", T0 - 3 * DAY)
    assert propose_release_date(report).at == T0 + 4 * DAY


def test_kar_33_a_date_too_soon_is_refused_and_nothing_changes(report: Report, alice: User) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(ReleaseDateRefused) as refused:
        schedule_release(report, T0 + 2 * DAY, reason="the reporter wants it soon", actor=alice)
    assert [problem.rule_ids for problem in refused.value.problems] == [("KAR-33", "KAR-34")]
    assert "the earliest date is 2024-06-08 09:00 UTC" in str(refused.value)
    assert "or override them with a reason" in str(refused.value)
    report.refresh_from_db()
    assert (report.release_date, report.version, AuditEvent.objects.count()) == (None, 2, events)


def test_the_security_team_may_override_with_a_reason_and_it_is_audited(
    report: Report, alice: User
) -> None:
    soon = T0 + 2 * DAY
    report = schedule_release(
        report,
        soon,
        reason="actively exploited: KAR-32 lets us shorten",
        actor=alice,
        override=True,
    )
    assert report.release_date == soon
    data = last_event("report.release_date_set").data
    assert data["reason"] == "actively exploited: KAR-32 lets us shorten"
    assert len(data["overridden"]) == 1
    assert data["overridden"][0].startswith("the distributors' advance notice must go out")


def test_only_the_fix_lead_or_security_team_may_override(report: Report) -> None:
    bob, charlie = make_user("bob"), make_user("charlie")
    report.fix_team_members.create(user=bob, accepted_at=T0)
    for who in (bob, charlie):
        with pytest.raises(PermissionDenied, match="Fix Lead or the security team"):
            schedule_release(report, T0 + DAY, reason="sooner", actor=who, override=True)
    report.fix_lead = bob
    report.save()
    schedule_release(report, T0 + DAY, reason="sooner", actor=bob, override=True)


def test_the_proposed_date_is_accepted_as_it_is(report: Report, alice: User) -> None:
    proposal = propose_release_date(report)
    report = schedule_release(report, proposal.at, reason="the earliest allowed", actor=alice)
    assert report.release_date == proposal.at
    assert "overridden" not in last_event("report.release_date_set").data


def test_moving_the_date_redates_the_deadlines_and_names_who_to_tell_again(
    report: Report, alice: User
) -> None:
    first = T0 + 10 * DAY
    report = schedule_release(report, first, reason="agreed", actor=alice)
    assert "retell" not in last_event("report.release_date_set").data  # nobody told yet
    notify(report, "distro", "Distro Inc.", T0 + 2 * DAY)
    notify(report, "acme", "Acme Linux", T0 + 2 * DAY)
    notify(report, "distro", "Distro Inc.", T0 + 3 * DAY)

    moved = first + 5 * DAY
    report = schedule_release(report, moved, reason="the fix needs more review", actor=alice)
    due = dict(Deadline.objects.filter(report=report).values_list("name", "due_at"))
    assert due["distributor_release_notice"] == moved - DAY  # KAR-43, redated
    assert due["distributor_advance_notice"] == moved - 7 * DAY  # KAR-33, redated
    retell = last_event("report.release_date_set").data["retell"]
    assert [(r["name"], r["email"], len(r["notices"])) for r in retell] == [
        ("Acme Linux", "security@acme.example", 1),
        ("Distro Inc.", "security@distro.example", 2),
    ]


def test_people_to_retell_lists_each_organisation_told_once(report: Report) -> None:
    assert people_to_retell(report) == []
    first = notify(report, "distro", "Distro Inc.", T0 - 2 * DAY)
    second = notify(report, "distro", "Distro Inc.", T0 - DAY)
    (recipient,) = people_to_retell(report)
    assert (recipient.distributor, recipient.notices, recipient.last_sent_at) == (
        "distro",
        (first.pk, second.pk),
        T0 - DAY,
    )
