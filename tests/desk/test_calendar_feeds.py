"""Calendar feeds of Release Dates and deadlines (issue 8, item 7): need-to-know applies.

alice is on Emissary's security team; victor on Vitess's; rita is Emissary's release manager;
erin is on the Fix Team of one Emissary report; charlie has no role.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.accounts.helpers import sign_in
from tests.desk.factories import make_member, make_project, make_report, make_user
from vulndesk.accounts.models import CalendarFeed
from vulndesk.desk.models import AuditEvent, Deadline, Project, Report, TeamMember, TeamRole
from vulndesk.desk.services import fix_team
from vulndesk.desk.services.calendar_feeds import HISTORY, issue_feed, revoke_feed
from vulndesk.desk.services.transitions import transition
from vulndesk.lib.tokens import new_token
from vulndesk.process.lifecycle import State

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
RELEASE = datetime(2026, 3, 12, 16, tzinfo=UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def emissary() -> Project:
    return make_project("emissary", preset="envoy")


@pytest.fixture
def vitess() -> Project:
    return make_project("vitess")


@pytest.fixture
def alice(emissary: Project) -> User:
    return make_member(emissary, make_user("alice"), TeamRole.SECURITY_TEAM).user


@pytest.fixture
def victor(vitess: Project) -> User:
    return make_member(vitess, make_user("victor"), TeamRole.SECURITY_TEAM).user


@pytest.fixture
def smuggling(emissary: Project) -> Report:
    """Embargoed, scheduled for release."""
    return make_report(
        emissary,
        title="Header smuggling, via chunked; encoding",
        state="scheduled",
        release_date=RELEASE,
        fixed_version="1.2.3",
        fix_released_at=T0,
    )


@pytest.fixture
def vitess_report(vitess: Project) -> Report:
    return make_report(vitess, title="Vitess secret zq9 overflow", release_date=RELEASE)


def feed_url(raw: str, project: Project | None = None) -> str:
    if project is None:
        return reverse("calendar-feed", kwargs={"token": raw})
    return reverse("project-calendar-feed", kwargs={"slug": project.slug, "token": raw})


def events(client: Client, url: str) -> dict[str, icalendar.Component]:
    """The feed's events by summary, after checking it is a private, parseable calendar."""
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def test_a_feed_holds_release_dates_and_deadlines_with_rule_quote_and_status(
    client: Client, alice: User, smuggling: Report
) -> None:
    _, raw = issue_feed(alice)
    found = events(client, feed_url(raw))
    release = found["EMISSARY-1 Release Date: Header smuggling, via chunked; encoding"]
    assert release.decoded("DTSTART") == RELEASE
    assert release["UID"] == f"report-{smuggling.pk}-release-date@testserver"
    assert str(release["URL"]) == "http://testserver/reports/emissary/1/"
    deadline = Deadline.objects.get(report=smuggling, name="fix_team_formed")
    assert deadline.due_at is not None
    event = found["EMISSARY-1 deadline: fix team formed (due)"]
    assert event.decoded("DTSTART") == deadline.due_at
    description = str(event["DESCRIPTION"])
    assert f"Rule {deadline.rule_id}: {deadline.quote}" in description
    assert "Status: due" in description


def test_met_and_missed_deadlines_say_so(client: Client, alice: User, smuggling: Report) -> None:
    """A deadline met late reads as missed, with when it was met (EMI-12: missed ones warn)."""
    deadline = Deadline.objects.get(report=smuggling, name="fix_team_formed")
    assert deadline.due_at is not None
    late = deadline.due_at + timedelta(hours=3)
    Deadline.objects.filter(pk=deadline.pk).update(met_at=late)
    _, raw = issue_feed(alice)
    summary = f"EMISSARY-1 deadline: fix team formed (missed: met late, {late:%Y-%m-%d %H:%M} UTC)"
    assert summary in events(client, feed_url(raw))
    Deadline.objects.filter(pk=deadline.pk).update(met_at=None, due_at=T0 - timedelta(hours=1))
    assert "EMISSARY-1 deadline: fix team formed (missed: overdue)" in events(client, feed_url(raw))


def test_an_embargoed_report_of_another_project_never_appears(
    client: Client, alice: User, smuggling: Report, vitess_report: Report
) -> None:
    _, raw = issue_feed(alice)
    body = client.get(feed_url(raw)).content.decode()
    assert "EMISSARY-1 Release Date" in body
    assert "VITESS" not in body
    assert "zq9" not in body


def test_a_project_feed_shows_only_that_projects_reports(
    client: Client,
    alice: User,
    vitess: Project,
    emissary: Project,
    smuggling: Report,
    vitess_report: Report,
) -> None:
    make_member(vitess, alice, TeamRole.SECURITY_TEAM)
    _, everything = issue_feed(alice)
    _, only_vitess = issue_feed(alice, project=vitess)
    assert any(s.startswith("VITESS-1") for s in events(client, feed_url(everything)))
    found = events(client, feed_url(only_vitess, vitess))
    assert "VITESS-1 Release Date: Vitess secret zq9 overflow" in found
    assert not any(s.startswith("EMISSARY") for s in found)
    # The address names its project: the same secret elsewhere is nothing.
    assert client.get(feed_url(only_vitess, emissary)).status_code == 404
    assert client.get(feed_url(only_vitess)).status_code == 404
    assert client.get(feed_url(everything, vitess)).status_code == 404


def test_a_release_managers_project_feed_shows_published_reports_only(
    client: Client, emissary: Project, smuggling: Report
) -> None:
    rita = make_member(emissary, make_user("rita"), TeamRole.RELEASE_MANAGER).user
    published = make_report(
        emissary, title="Old leak", release_date=T0, published_at=T0, state="published"
    )
    _, raw = issue_feed(rita, project=emissary)
    body = client.get(feed_url(raw, emissary)).content.decode()
    assert f"{published.key} Release Date: Old leak" in body
    assert "Header smuggling" not in body
    assert smuggling.key + " " not in body


def test_a_fix_team_member_loses_the_reports_events_at_release(
    client: Client, alice: User, smuggling: Report
) -> None:
    """The Emissary rule: access ends for the Fix Team at release, and so do its events."""
    erin = make_user("erin")
    fix_team.accept(fix_team.invite(smuggling, actor=alice, username="erin"), user=erin)
    _, raw = issue_feed(erin)
    assert "EMISSARY-1 Release Date: Header smuggling, via chunked; encoding" in events(
        client, feed_url(raw)
    )
    transition(smuggling, State.RELEASED, actor=alice)
    assert events(client, feed_url(raw)) == {}


def test_a_member_who_leaves_the_team_loses_the_project_feed(
    client: Client, alice: User, emissary: Project, smuggling: Report
) -> None:
    _, raw = issue_feed(alice, project=emissary)
    assert events(client, feed_url(raw, emissary))
    TeamMember.objects.filter(user=alice).update(left_at=timezone.now())
    assert client.get(feed_url(raw, emissary)).status_code == 404


def test_a_revoked_wrong_or_inactive_owners_token_is_a_plain_404(
    client: Client, alice: User, smuggling: Report
) -> None:
    feed, raw = issue_feed(alice)
    assert client.get(feed_url(raw)).status_code == 200
    assert client.get(feed_url(new_token("vdc")[0])).status_code == 404
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert client.get(feed_url(raw)).status_code == 404
    User.objects.filter(pk=alice.pk).update(is_active=True)
    revoke_feed(feed, actor=alice)
    response = client.get(feed_url(raw))
    assert response.status_code == 404
    assert b"EMISSARY" not in response.content


def test_a_moved_release_date_keeps_its_uid_so_clients_update_the_event(
    client: Client, alice: User, smuggling: Report
) -> None:
    _, raw = issue_feed(alice)
    summary = "EMISSARY-1 Release Date: Header smuggling, via chunked; encoding"
    before = events(client, feed_url(raw))[summary]
    Report.objects.filter(pk=smuggling.pk).update(release_date=RELEASE + timedelta(days=2))
    after = events(client, feed_url(raw))[summary]
    assert after["UID"] == before["UID"]
    assert after.decoded("DTSTART") == RELEASE + timedelta(days=2)


def test_old_events_drop_out_of_the_feed(client: Client, alice: User, emissary: Project) -> None:
    make_report(emissary, title="Long ago", release_date=T0 - HISTORY - timedelta(hours=1))
    make_report(emissary, title="Lately", release_date=T0 - HISTORY + timedelta(hours=1))
    _, raw = issue_feed(alice)
    found = events(client, feed_url(raw))
    assert "EMISSARY-2 Release Date: Lately" in found
    assert not any("Long ago" in summary for summary in found)


def test_a_feed_is_only_issued_for_a_project_its_owner_is_on(alice: User, vitess: Project) -> None:
    with pytest.raises(ValueError, match="you are on no team of vitess"):
        issue_feed(alice, project=vitess)
    assert CalendarFeed.objects.count() == 0


def test_a_feed_costs_the_same_queries_however_many_reports_it_holds(
    client: Client, alice: User, emissary: Project
) -> None:
    """Calendar apps poll every few minutes: no query per report or per deadline."""
    _, raw = issue_feed(alice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(feed_url(raw)).status_code == 200
        return len(captured)

    make_report(emissary, title="First", release_date=RELEASE)
    few = queries()
    for n in range(8):
        make_report(emissary, title=f"More {n}", release_date=RELEASE, planned_merge_at=RELEASE)
    assert len(events(client, feed_url(raw))) > 9 * 2
    assert queries() == few


# -- the account page ------------------------------------------------------------------------

FEEDS = reverse("calendar-feeds")


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client, alice: User) -> None:
    feed, _ = issue_feed(alice)
    revoke = reverse("calendar-feed-revoke", kwargs={"feed_id": feed.pk})
    for response in (client.get(FEEDS), client.post(FEEDS, {}), client.post(revoke)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert CalendarFeed.objects.get().revoked_at is None


def test_alice_creates_a_feed_subscribes_and_revokes_it(
    client: Client, alice: User, emissary: Project, smuggling: Report
) -> None:
    sign_in(client, alice)
    assert "Manage calendar feeds" in client.get(reverse("account")).content.decode()
    response = client.post(FEEDS, {"project": emissary.pk})
    assert response.status_code == 201
    html = response.content.decode()
    start = html.index('id="calendar-url">') + len('id="calendar-url">')
    url = html[start : html.index("</p>", start)]
    assert url.startswith("http://testserver/projects/emissary/calendar/vdc_")
    feed = CalendarFeed.objects.get()
    assert (feed.user, feed.project) == (alice, emissary)
    assert AuditEvent.objects.filter(action="calendar_feed.issued").count() == 1

    calendar_client = Client()  # a calendar app: no session, only the address
    assert "EMISSARY-1" in calendar_client.get(url).content.decode()

    listing = client.get(FEEDS).content.decode()
    assert f"/projects/emissary/calendar/{feed.hint}….ics" in listing
    assert url.rsplit("/", 1)[1] not in listing  # the secret is shown once only
    revoke = reverse("calendar-feed-revoke", kwargs={"feed_id": feed.pk})
    assert client.post(revoke).status_code == 302
    assert calendar_client.get(url).status_code == 404
    assert AuditEvent.objects.filter(action="calendar_feed.revoked").count() == 1


def test_charlie_cannot_revoke_alices_feed_or_feed_a_project_he_is_not_on(
    client: Client, alice: User, emissary: Project
) -> None:
    feed, _ = issue_feed(alice)
    sign_in(client, make_user("charlie"))
    assert feed.hint not in client.get(FEEDS).content.decode()
    revoke = reverse("calendar-feed-revoke", kwargs={"feed_id": feed.pk})
    assert client.post(revoke).status_code == 404
    assert CalendarFeed.objects.get().revoked_at is None
    response = client.post(FEEDS, {"project": emissary.pk})
    assert response.status_code == 400
    assert "choose one of the projects you are on a team of" in response.content.decode()
    assert CalendarFeed.objects.count() == 1


def test_an_operator_sees_feeds_in_the_admin_without_their_digest_and_revokes_one(
    client: Client, alice: User, smuggling: Report
) -> None:
    """A leaked address is cut off by an operator too."""
    feed, raw = issue_feed(alice)
    sign_in(client, User.objects.create_superuser("root", "root@example.org", "password"))
    listing = client.get(reverse("admin:accounts_calendarfeed_changelist")).content.decode()
    assert feed.hint in listing
    page = client.get(reverse("admin:accounts_calendarfeed_change", args=[feed.pk]))
    assert feed.digest not in page.content.decode()
    assert client.get(reverse("admin:accounts_calendarfeed_add")).status_code == 403
    response = client.post(
        reverse("admin:accounts_calendarfeed_changelist"),
        {"action": "revoke", "_selected_action": [feed.pk]},
    )
    assert response.status_code == 302
    assert Client().get(feed_url(raw)).status_code == 404


def test_the_admins_list_of_feeds_is_read_in_the_same_queries_however_many_projects_it_names(
    client: Client, alice: User
) -> None:
    """A project feed's project is read with the feed (it may be none), not one query a row."""
    sign_in(client, User.objects.create_superuser("root", "root@example.org", "password"))
    listing = reverse("admin:accounts_calendarfeed_changelist")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(listing).status_code == 200
        return len(captured)

    issue_feed(alice)
    few = queries()
    for slug in ["karmada", "vitess", "folio"]:
        project = make_project(slug)
        make_member(project, alice)
        issue_feed(alice, project=project)
    assert queries() == few
