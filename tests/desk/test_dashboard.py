"""The dashboard: my running deadlines (overdue first), the reports I fix, and the totals.

alice is on Emissary's security team, bob leads the fix of EMISSARY-2 only, charlie has no role,
rita is Emissary's release manager (published reports only), dora works for a distributor.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from time_machine import TimeMachineFixture

from tests.accounts.helpers import sign_in
from tests.desk.cast import CRASH_TITLE, LEAK_TITLE, Cast, make_cast, publish
from tests.desk.factories import make_user
from vulndesk.desk.models import DistributorNotice, FixTeamMember, Report
from vulndesk.desk.services import deadlines
from vulndesk.desk.services.transitions import transition
from vulndesk.process.lifecycle import State

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def cast() -> Cast:
    return make_cast()


def dashboard_html(client: Client, user: User) -> str:
    sign_in(client, user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, heading_id: str) -> str:
    return html.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client, cast: Cast) -> None:
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_charlie_sees_an_empty_dashboard_with_no_title_key_or_count(
    client: Client, cast: Cast
) -> None:
    html = dashboard_html(client, cast.charlie)
    assert "No deadline is running on a report you can see." in html
    assert "You lead no open report and are on no Fix Team." in html
    assert "No reports you can see." in html
    for leaked in ("EMISSARY", LEAK_TITLE, CRASH_TITLE, "in all"):
        assert leaked not in html


def test_alice_sees_each_deadline_with_its_report_and_the_rule_behind_it(
    client: Client, cast: Cast
) -> None:
    html = section(dashboard_html(client, cast.alice), "deadlines-heading")
    # EMI-27: the Fix Team is formed within 24 hours, for both reports.
    assert html.count("2024-03-02 10:00 UTC") == 2
    assert "<strong>EMI-27</strong>" in html
    assert "within the first 24 hours of disclosure" in html
    assert f'<a href="{cast.leak.get_absolute_url()}">EMISSARY-1</a> {LEAK_TITLE}' in html


def test_overdue_deadlines_come_first_then_the_soonest_due(
    client: Client, cast: Cast, time_machine: TimeMachineFixture
) -> None:
    deadlines.meet(cast.crash, "fix_team_formed", actor=cast.alice)
    time_machine.move_to(T0 + timedelta(hours=25))
    html = section(dashboard_html(client, cast.alice), "deadlines-heading")
    rows = html.split("<tr>")[2:]
    assert '<span class="overdue">overdue</span>' in rows[0]
    assert "EMISSARY-1" in rows[0]
    assert "fix_team_formed" in rows[0]
    assert all("overdue</span>" not in row for row in rows[1:])
    due_dates = [row.split('datetime="', 1)[1][:25] for row in rows]
    assert due_dates == sorted(due_dates)


def test_met_paused_and_concluded_deadlines_are_not_listed(client: Client, cast: Cast) -> None:
    deadlines.meet(cast.leak, "fix_team_formed", actor=cast.alice)
    deadlines.pause(cast.leak, "fix_developed", reason="waiting on the reporter", actor=cast.alice)
    transition(cast.crash, State.TRIAGING, actor=cast.alice)
    transition(cast.crash, State.REJECTED, actor=cast.alice, reason="works as designed")
    html = section(dashboard_html(client, cast.alice), "deadlines-heading")
    assert "EMISSARY-2" not in html
    assert "fix_team_formed" not in html
    assert "fix_developed" not in html
    assert "forthcoming_fix_announced" in html


def test_bob_sees_the_report_he_leads_and_nothing_of_the_other(client: Client, cast: Cast) -> None:
    html = dashboard_html(client, cast.bob)
    fixes = section(html, "fixes-heading")
    assert f"EMISSARY-2</a> {CRASH_TITLE}" in fixes
    assert "(Fix Lead)" in fixes
    assert "EMISSARY-2" in section(html, "deadlines-heading")
    assert "EMISSARY-1" not in html
    assert LEAK_TITLE not in html
    assert "1 report in all." in html


def test_an_active_fix_team_member_sees_their_report_and_an_invited_one_does_not(
    client: Client, cast: Cast
) -> None:
    fiona, gus = make_user("fiona"), make_user("gus")
    FixTeamMember.objects.create(
        report=cast.leak, user=fiona, invited_by=cast.alice, accepted_at=timezone.now()
    )
    FixTeamMember.objects.create(report=cast.leak, user=gus, invited_by=cast.alice)
    fixes = section(dashboard_html(client, fiona), "fixes-heading")
    assert f"EMISSARY-1</a> {LEAK_TITLE}" in fixes
    assert "(Fix Lead)" not in fixes
    assert LEAK_TITLE not in dashboard_html(client, gus)


def test_the_counts_are_by_state_and_effective_severity(client: Client, cast: Cast) -> None:
    Report.objects.filter(pk=cast.leak.pk).update(severity="medium", severity_override="high")
    html = section(dashboard_html(client, cast.alice), "counts-heading")
    head = '<th scope="col">State</th>' + "".join(
        f'<th scope="col">{band}</th>'
        for band in ("critical", "high", "medium", "low", "none", "unscored")
    )
    assert head in html
    zero = '<td><span class="muted">0</span></td>'
    # The override wins (KAR-30): high, not medium; the other report is not scored yet.
    assert f'<th scope="row">Received</th>{zero}<td>1</td>{zero * 3}<td>1</td>' in html
    assert "2 reports in all." in html


def test_a_release_manager_counts_only_published_reports(client: Client, cast: Cast) -> None:
    publish(cast.crash)
    html = dashboard_html(client, cast.rita)
    assert "1 report in all." in html
    assert '<th scope="row">Published</th>' in html
    assert '<th scope="row">Received</th>' not in html
    assert LEAK_TITLE not in html
    assert "EMISSARY-1" not in html


def test_a_distributor_sees_no_report(client: Client, cast: Cast) -> None:
    publish(cast.crash)
    html = dashboard_html(client, cast.dora)
    assert "EMISSARY" not in html
    assert "No reports you can see." in html


def test_a_distributor_sees_the_notices_waiting_for_its_acknowledgement(
    client: Client, cast: Cast
) -> None:
    waiting = DistributorNotice.objects.create(
        report=cast.leak, distributor=cast.debian, subject="Advance notice", body="soon"
    )
    DistributorNotice.objects.create(
        report=cast.crash,
        distributor=cast.debian,
        subject="Already read",
        body="done",
        acknowledged_at=timezone.now(),
    )
    html = section(dashboard_html(client, cast.dora), "notices-heading")
    assert (
        f'href="{reverse("notice-detail", kwargs={"pk": waiting.pk})}">Advance notice</a>' in html
    )
    assert "Already read" not in html
    assert LEAK_TITLE not in html
    # The security team reads notices on their own page; its dashboard has no such section.
    assert 'id="notices-heading"' not in dashboard_html(client, cast.alice)


def test_the_nav_offers_notices_to_distributors_only(client: Client, cast: Cast) -> None:
    notices = f'href="{reverse("notice-list")}"'
    assert notices in dashboard_html(client, cast.dora)
    assert notices not in dashboard_html(client, cast.alice)
    html = dashboard_html(client, cast.alice)
    assert 'aria-current="page">Dashboard</a>' in html
    assert f'href="{reverse("advisory-list")}"' in html


def test_the_dashboard_is_never_cached(client: Client, cast: Cast) -> None:
    sign_in(client, cast.alice)
    assert "no-store" in client.get(reverse("dashboard"))["Cache-Control"]
