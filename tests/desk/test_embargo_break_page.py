"""The report page's Embargo break section: record a break, see the policy's guidance beside the
two decisions, and decide (KAR-37, KAR-38).

alice is on Karmada's security team; dave is on the report's Fix Team and may read it only.
Time stands still at Monday 2024-06-03 09:05 UTC; the Release Date is two weeks out.
"""

from datetime import UTC, datetime
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from time_machine import TimeMachineFixture

from tests.accounts.helpers import sign_in
from tests.desk.factories import make_member, make_project, make_report, make_user
from vulndesk.desk.models import EmbargoBreak, FixTeamMember, Report

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 6, 3, 9, 5, tzinfo=UTC)
RELEASE = datetime(2024, 6, 17, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(T0, tick=False)


@pytest.fixture
def report() -> Report:
    project = make_project("karmada", preset="karmada")
    return make_report(project, cve_id="CVE-2024-12345", release_date=RELEASE, state="scheduled")


@pytest.fixture
def alice(client: Client, report: Report) -> User:
    user = make_user("alice")
    make_member(report.project, user)
    sign_in(client, user)
    return user


def page(client: Client, report: Report) -> str:
    return unescape(client.get(report.get_absolute_url()).content.decode())


def post(client: Client, name: str, report: Report, **data: str) -> tuple[int, str]:
    url = reverse(name, kwargs={"project": "karmada", "number": report.number})
    report.refresh_from_db()
    response = client.post(url, {"version": str(report.version), **data}, follow=True)
    return response.status_code, unescape(response.content.decode())


BREAK = {"how": "Acme shipped the patched package", "by_whom": "Acme"}


def test_kar_37_a_break_is_recorded_and_shown_waiting_for_a_decision(
    client: Client, alice: User, report: Report
) -> None:
    assert "No embargo break recorded." in page(client, report)
    status, html = post(client, "report-embargo-break", report, **BREAK)
    assert status == 200
    assert "The embargo break on KARMADA-1 is recorded." in html
    assert "broken by <strong>Acme</strong>: Acme shipped the patched package" in html
    assert "Waiting for a decision." in html
    assert ">Record the break</button>" not in html  # one break at a time


def test_kar_38_the_guidance_leans_to_releasing_now_beside_both_buttons(
    client: Client, alice: User, report: Report
) -> None:
    post(client, "report-embargo-break", report, **BREAK)
    html = page(client, report)
    assert "The policy's guidance: <strong>release now</strong>: " in html
    assert "when in doubt, push forward" in html
    assert "(KAR-37, KAR-38)" in html
    assert "Releasing now sets the Release Date to 2024-06-03 09:15 UTC" in html
    assert 'value="release_now" class="primary">Release now</button>' in html
    assert 'value="keep_date">Keep the date</button>' in html


def test_kar_38_release_now_moves_the_date_and_says_so(
    client: Client, alice: User, report: Report
) -> None:
    post(client, "report-embargo-break", report, **BREAK)
    status, html = post(
        client, "report-embargo-decision", report, choice="release_now", reason="public mirror"
    )
    assert status == 200
    assert "KARMADA-1: release now: the Release Date is 2024-06-03 09:15 UTC." in html
    assert "Decided: release now" in html
    report.refresh_from_db()
    assert report.release_date == datetime(2024, 6, 3, 9, 15, tzinfo=UTC)


def test_kar_37_a_decision_without_a_damage_assessment_keeps_what_was_typed(
    client: Client, alice: User, report: Report
) -> None:
    post(client, "report-embargo-break", report, **BREAK)
    status, html = post(client, "report-embargo-decision", report, choice="keep_date")
    assert status == 400
    assert "This field is required." in html
    assert not EmbargoBreak.objects.get().decided


def test_a_bad_address_is_refused_at_its_field_keeping_the_rest(
    client: Client, alice: User, report: Report
) -> None:
    status, html = post(
        client, "report-embargo-break", report, **BREAK, source_url="not a url at all"
    )
    assert status == 400
    assert "Enter a valid URL." in html
    assert "Acme shipped the patched package</textarea>" in html
    assert not EmbargoBreak.objects.exists()


def test_the_fix_team_sees_no_section_and_may_not_post(client: Client, report: Report) -> None:
    dave = make_user("dave")
    FixTeamMember.objects.create(report=report, user=dave, accepted_at=timezone.now())
    sign_in(client, dave)
    assert 'id="embargo-break"' not in page(client, report)
    status, _ = post(client, "report-embargo-break", report, **BREAK)
    assert status == 403


def test_a_decision_with_no_break_waiting_says_so(
    client: Client, alice: User, report: Report
) -> None:
    status, html = post(
        client, "report-embargo-decision", report, choice="release_now", reason="leaked"
    )
    assert status == 400
    assert "KARMADA-1 has no embargo break waiting for a decision: record it first" in html


def test_kar_38_an_undecided_break_makes_the_release_date_section_propose_now(
    client: Client, alice: User, report: Report
) -> None:
    assert "After the break" not in page(client, report)
    post(client, "report-embargo-break", report, **BREAK)
    html = page(client, report)
    assert (
        "2024-06-03 09:15 UTC: the embargo was broken and the policy pushes forward "
        "(KAR-37, KAR-38)"
    ) in html
    post(client, "report-embargo-decision", report, choice="keep_date", reason="a hint only")
    assert "After the break" not in page(client, report)
