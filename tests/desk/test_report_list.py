"""The report list: everyone sees the reports they may see, and no title of any other.

alice is on Emissary's security team, bob leads the fix of EMISSARY-2 only, charlie has no role,
rita is Emissary's release manager (published reports only), dora works for a distributor.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from time_machine import TimeMachineFixture

from tests.accounts.helpers import sign_in
from tests.desk.cast import CRASH_TITLE, LEAK_TITLE, Cast, file_report, make_cast, publish
from tests.desk.factories import make_member, make_project, make_user
from vulndesk.desk.models import Deadline, Report, TeamRole
from vulndesk.desk.services import deadlines
from vulndesk.desk.services.transitions import transition
from vulndesk.desk.views.lists import PAGE_SIZE
from vulndesk.process.lifecycle import State

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def cast() -> Cast:
    return make_cast()


def html_rows(html: str) -> str:
    return html.split("<tbody>", 1)[1]


def list_html(client: Client, user: User, query: str = "") -> str:
    sign_in(client, user)
    response = client.get(reverse("report-list") + query)
    assert response.status_code == 200
    return response.content.decode()


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client, cast: Cast) -> None:
    response = client.get(reverse("report-list"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/reports/"


def test_alice_sees_every_report_of_her_project(client: Client, cast: Cast) -> None:
    html = list_html(client, cast.alice)
    for key, title in (("EMISSARY-1", LEAK_TITLE), ("EMISSARY-2", CRASH_TITLE)):
        assert key in html
        assert title in html
    assert f'href="{cast.leak.get_absolute_url()}"' in html


def test_alice_sees_the_next_deadline_of_each_report(client: Client, cast: Cast) -> None:
    # EMI-27: the Fix Team is formed within 24 hours of T0, for both reports.
    due = '<time datetime="2024-03-02T10:00:00+00:00">2024-03-02 10:00 UTC</time>'
    assert list_html(client, cast.alice).count(due) == 2


def test_the_next_deadline_skips_met_and_paused_ones(client: Client, cast: Cast) -> None:
    deadlines.meet(cast.leak, "fix_team_formed", actor=cast.alice)
    deadlines.pause(cast.crash, "fix_team_formed", reason="reporter asked", actor=cast.alice)
    html = list_html(client, cast.alice)
    assert "2024-03-02 10:00 UTC" not in html
    # EMI-30 and EMI-37: both reports' next open deadline is T0 + 7 days.
    assert html.count("2024-03-08 10:00 UTC") == 2


def test_a_report_with_no_open_deadline_shows_none(client: Client, cast: Cast) -> None:
    Deadline.objects.filter(report=cast.crash).update(met_at=T0)
    Deadline.objects.filter(report=cast.leak).delete()
    assert html_rows(list_html(client, cast.alice)).count("none") == 2


def test_charlie_sees_no_report_and_no_title(client: Client, cast: Cast) -> None:
    html = list_html(client, cast.charlie)
    assert "No reports you can see." in html
    for leaked in ("EMISSARY", LEAK_TITLE, CRASH_TITLE):
        assert leaked not in html


def test_bob_sees_only_the_report_he_leads(client: Client, cast: Cast) -> None:
    html = list_html(client, cast.bob)
    assert "EMISSARY-2" in html
    assert CRASH_TITLE in html
    assert "EMISSARY-1" not in html
    assert LEAK_TITLE not in html


def test_a_former_security_team_member_no_longer_sees_the_reports(
    client: Client, cast: Cast
) -> None:
    cast.alice.memberships.update(left_at=T0)
    html = list_html(client, cast.alice)
    assert LEAK_TITLE not in html
    assert CRASH_TITLE not in html


def test_the_state_filter_shows_only_reports_in_that_state(client: Client, cast: Cast) -> None:
    transition(cast.crash, State.TRIAGING, actor=cast.alice)
    html = list_html(client, cast.alice, "?state=triaging")
    assert CRASH_TITLE in html
    assert LEAK_TITLE not in html
    html = list_html(client, cast.alice, "?state=received")
    assert LEAK_TITLE in html
    assert CRASH_TITLE not in html


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?state=<b>nope</b>", "state"),
        ("?severity=urgent", "severity"),
        ("?embargoed=maybe", "embargoed"),
        ("?overdue=2", "overdue"),
        ("?project=vitess", "project"),
        ("?q=" + "+".join(["word"] * 11), "q"),
        ("?page=0", "page"),
        ("?page=99", "page"),
    ],
)
def test_a_filter_it_cannot_use_is_refused_with_a_400_naming_the_field(
    client: Client, cast: Cast, query: str, field: str
) -> None:
    sign_in(client, cast.alice)
    response = client.get(reverse("report-list") + query)
    assert response.status_code == 400
    html = response.content.decode()
    assert f"<strong>{field}</strong>:" in html
    assert LEAK_TITLE not in html
    assert "<b>nope</b>" not in html


def test_the_severity_filter_follows_the_security_teams_override(
    client: Client, cast: Cast
) -> None:
    Report.objects.filter(pk=cast.leak.pk).update(severity="high")
    Report.objects.filter(pk=cast.crash.pk).update(severity="high", severity_override="low")
    html = html_rows(list_html(client, cast.alice, "?severity=high"))
    assert LEAK_TITLE in html
    assert CRASH_TITLE not in html
    assert CRASH_TITLE in list_html(client, cast.alice, "?severity=low")


def test_the_embargoed_filter_and_mark(client: Client, cast: Cast) -> None:
    publish(cast.crash)
    html = html_rows(list_html(client, cast.alice, "?embargoed=yes"))
    assert LEAK_TITLE in html
    assert CRASH_TITLE not in html
    assert "embargoed</span>" in html
    html = html_rows(list_html(client, cast.alice, "?embargoed=no"))
    assert CRASH_TITLE in html
    assert LEAK_TITLE not in html
    assert "embargoed</span>" not in html


def test_the_overdue_filter_shows_reports_past_a_running_deadline(
    client: Client, cast: Cast, time_machine: TimeMachineFixture
) -> None:
    deadlines.meet(cast.crash, "fix_team_formed", actor=cast.alice)
    # EMI-27: the Fix Team is formed within 24 hours; a day and an hour later it is late.
    time_machine.move_to(T0 + timedelta(hours=25))
    html = html_rows(list_html(client, cast.alice, "?overdue=yes"))
    assert LEAK_TITLE in html
    assert CRASH_TITLE not in html
    html = html_rows(list_html(client, cast.alice, "?overdue=no"))
    assert CRASH_TITLE in html
    assert LEAK_TITLE not in html


def test_the_search_box_finds_words_and_keys(client: Client, cast: Cast) -> None:
    html = html_rows(list_html(client, cast.alice, "?q=crashes+proxy"))
    assert CRASH_TITLE in html
    assert LEAK_TITLE not in html
    html = html_rows(list_html(client, cast.alice, "?q=emissary-1"))
    assert LEAK_TITLE in html
    assert CRASH_TITLE not in html


def test_the_project_filter_offers_only_projects_of_reports_the_user_sees(
    client: Client, cast: Cast
) -> None:
    vitess = make_project("vitess")
    file_report(vitess, "Tablet crash", actor=None)
    alice_html = list_html(client, cast.alice)
    assert '<option value="emissary"' in alice_html
    assert '<option value="vitess"' not in alice_html
    assert CRASH_TITLE in html_rows(list_html(client, cast.alice, "?project=emissary"))


def test_the_filters_show_in_the_form_as_chosen(client: Client, cast: Cast) -> None:
    html = list_html(client, cast.alice, "?state=received&embargoed=yes&q=token")
    assert '<option value="received" selected>' in html
    assert '<option value="yes" selected>yes</option>' in html
    assert 'value="token"' in html
    for name in ("q", "state", "severity", "project", "embargoed", "overdue"):
        assert f'<label for="f-{name}">' in html


def test_pages_are_stable_and_keep_the_filters(client: Client, cast: Cast) -> None:
    for number in range(PAGE_SIZE + 3):
        Report.objects.create(
            project=cast.emissary,
            number=100 + number,
            title=f"Finding {number:03}",
            received_at=T0 - timedelta(days=1),  # same instant: the id breaks the tie
        )
    first = list_html(client, cast.alice, "?state=received")
    assert first.count("Finding ") == PAGE_SIZE - 2  # the two newest are the cast's reports
    assert 'href="?state=received&amp;page=2"' in first
    second = list_html(client, cast.alice, "?state=received&page=2")
    shown = set(re.findall(r"Finding \d+", first)) | set(re.findall(r"Finding \d+", second))
    assert len(shown) == PAGE_SIZE + 3
    # Newest first; among equal times the last filed comes first.
    assert first.index("Finding 052") < first.index("Finding 051")
    assert f"{PAGE_SIZE + 5} in all" in second


def test_a_release_manager_sees_published_reports_and_no_embargoed_title_key_or_count(
    client: Client, cast: Cast
) -> None:
    publish(cast.crash)
    html = list_html(client, cast.rita)
    assert CRASH_TITLE in html
    assert LEAK_TITLE not in html
    assert "EMISSARY-1<" not in html
    # Nothing on the page counts the embargoed report either.
    many = [file_report(cast.emissary, f"Embargoed {n}", actor=None) for n in range(PAGE_SIZE)]
    html = list_html(client, cast.rita)
    assert "in all" not in html  # one page: no count at all
    assert all(report.title not in html for report in many)


def test_a_distributor_sees_no_report(client: Client, cast: Cast) -> None:
    publish(cast.crash)
    html = list_html(client, cast.dora)
    assert "No reports you can see." in html
    assert "EMISSARY" not in html


def test_the_state_filter_does_not_widen_what_charlie_sees(client: Client, cast: Cast) -> None:
    assert LEAK_TITLE not in list_html(client, cast.charlie, "?state=received")


@pytest.mark.parametrize(
    ("preset", "maintainers_see_reports"),
    [
        pytest.param("envoy", True, id="EMI-2 envoy: the security team is all maintainers"),
        pytest.param("vitess", True, id="VIT-1 vitess: the maintainers handle the response"),
        pytest.param("karmada", False, id="KAR-2 karmada: the security team is its own list"),
    ],
)
def test_a_maintainer_sees_the_reports_only_where_the_roster_is_the_maintainers(
    client: Client, preset: str, maintainers_see_reports: bool
) -> None:
    project = make_project(preset, preset=preset)
    maintainer = make_user("maya")
    make_member(project, maintainer, TeamRole.MAINTAINER)
    file_report(project, "Crafted query takes the tablet down", actor=None)
    html = list_html(client, maintainer)
    assert ("Crafted query takes the tablet down" in html) is maintainers_see_reports


def test_a_maintainer_of_one_project_does_not_see_another_projects_reports(
    client: Client, cast: Cast
) -> None:
    vitess = make_project("vitess")
    maintainer = make_user("maya")
    make_member(vitess, maintainer, TeamRole.MAINTAINER)
    html = list_html(client, maintainer)
    assert LEAK_TITLE not in html


def test_the_report_list_is_never_cached(client: Client, cast: Cast) -> None:
    sign_in(client, cast.alice)
    cache_control = client.get(reverse("report-list"))["Cache-Control"]
    for directive in ("private", "no-cache", "no-store", "max-age=0"):
        assert directive in cache_control
