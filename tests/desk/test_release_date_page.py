"""The report page's Release Date section: the proposed date with its rules, "Use this date",
and the form, which shows each rule a refused date breaks (KAR-33, KAR-43).

alice is on Karmada's security team; dave is on the report's Fix Team and may read it only.
Time stands still at Saturday 2024-06-01 09:00 UTC.
"""

from datetime import UTC, datetime
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from time_machine import TimeMachineFixture

from tests.accounts.helpers import sign_in
from tests.desk.factories import make_member, make_project, make_report, make_user
from vulndesk.desk.models import AuditEvent, Report

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 6, 1, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(T0, tick=False)


@pytest.fixture
def report() -> Report:
    return make_report(make_project("karmada", preset="karmada"), cve_id="CVE-2024-12345")


@pytest.fixture
def alice(client: Client, report: Report) -> User:
    user = make_user("alice")
    make_member(report.project, user)
    sign_in(client, user)
    return user


def page(client: Client, report: Report) -> str:
    return unescape(client.get(report.get_absolute_url()).content.decode())


def post(client: Client, report: Report, **data: str) -> str:
    url = reverse("report-release-date", kwargs={"project": "karmada", "number": report.number})
    response = client.post(url, {"version": str(report.version), **data}, follow=True)
    return unescape(response.content.decode())


def test_kar_33_the_page_proposes_a_date_with_the_rules_behind_it(
    client: Client, alice: User, report: Report
) -> None:
    html = page(client, report)
    assert "2024-06-08 09:00 UTC, the earliest date the policy allows" in html
    assert "at least 7 days before the release and has not been sent yet (KAR-33, KAR-34)" in html
    assert "The Private Distributors List will be given advance notification" in html
    assert ">Use this date</button>" in html


def test_use_this_date_sets_the_proposed_date(client: Client, alice: User, report: Report) -> None:
    html = post(
        client,
        report,
        release_date="2024-06-08T09:00",
        reason="the earliest date the policy allows",
    )
    assert "KARMADA-1's Release Date is 2024-06-08 09:00 UTC." in html
    report.refresh_from_db()
    assert report.release_date == datetime(2024, 6, 8, 9, tzinfo=UTC)


def test_kar_33_a_refused_date_shows_the_rules_on_the_form(
    client: Client, alice: User, report: Report
) -> None:
    html = post(client, report, release_date="2024-06-03T16:00", reason="the reporter asked")
    assert (
        "the distributors' advance notice must go out at least 7 days before the release and "
        "has not been sent yet (KAR-33, KAR-34): the earliest date is 2024-06-08 09:00 UTC"
    ) in html
    assert 'value="the reporter asked"' in html  # the input is kept
    report.refresh_from_db()
    assert report.release_date is None


def test_the_override_sets_it_and_the_audit_names_the_rules(
    client: Client, alice: User, report: Report
) -> None:
    post(
        client,
        report,
        release_date="2024-06-03T16:00",
        reason="actively exploited",
        override="on",
    )
    report.refresh_from_db()
    assert report.release_date == datetime(2024, 6, 3, 16, tzinfo=UTC)
    event = AuditEvent.objects.filter(action="report.release_date_set").get()
    assert "(KAR-33, KAR-34)" in event.data["overridden"][0]


def test_the_fix_team_sees_no_proposal_and_may_not_set_the_date(
    client: Client, report: Report
) -> None:
    dave = make_user("dave")
    report.fix_team_members.create(user=dave, accepted_at=T0)
    sign_in(client, dave)
    assert "Use this date" not in page(client, report)
    url = reverse("report-release-date", kwargs={"project": "karmada", "number": report.number})
    data = {"version": "1", "release_date": "2024-06-10T16:00", "reason": "x"}
    assert client.post(url, data).status_code == 403
    sign_in(client, make_user("charlie"))
    assert client.post(url, data).status_code == 404


def test_a_date_set_on_a_stale_page_is_refused_with_a_conflict_keeping_the_input(
    client: Client, alice: User, report: Report
) -> None:
    """Someone changed the report meanwhile: nothing is overwritten, the form shows it as now."""
    Report.objects.filter(pk=report.pk).update(version=report.version + 1)
    url = reverse("report-release-date", kwargs={"project": "karmada", "number": report.number})
    data = {
        "version": str(report.version),
        "release_date": "2024-06-10T16:00",
        "reason": "the reporter asked",
    }
    response = client.post(url, data)
    assert response.status_code == 409
    html = unescape(response.content.decode())
    assert 'value="the reporter asked"' in html
    assert f'name="version" value="{report.version + 1}"' in html
    report.refresh_from_db()
    assert report.release_date is None
