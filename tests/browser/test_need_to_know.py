"""An engineer on one report's Fix Team sees that report and nothing of the others.

dave is on the Fix Team of EMISSARY-2 ("Crafted header crashes the proxy") and nothing else;
EMISSARY-1 ("Admin token leaks into access logs") is embargoed and none of his business.
"""

import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshot
from tests.browser.steps import log_in
from tests.desk.cast import CRASH_TITLE, LEAK_TITLE, Cast, make_cast
from tests.desk.factories import make_user
from vulndesk.desk.models import FixTeamMember


@pytest.fixture
def cast() -> Cast:
    return make_cast()


@pytest.fixture
def dave(cast: Cast) -> User:
    dave = make_user("dave")
    FixTeamMember.objects.create(
        report=cast.crash, user=dave, invited_by=cast.alice, accepted_at=timezone.now()
    )
    return dave


def test_a_fix_team_member_sees_only_their_report_on_the_dashboard_and_in_the_list(
    page: Page, screenshot: Screenshot, cast: Cast, dave: User, browser_problems: list[str]
) -> None:
    log_in(page, "dave")
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    mine = page.get_by_role("region", name="Reports I lead or fix")
    expect(mine.get_by_role("listitem").filter(has_text=CRASH_TITLE)).to_be_visible()
    expect(page.get_by_text("1 report in all.")).to_be_visible()
    screenshot("dashboard")
    assert LEAK_TITLE not in page.content()

    page.get_by_role("link", name="Reports", exact=True).click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name=CRASH_TITLE)).to_be_visible()
    screenshot("report-list")
    assert LEAK_TITLE not in page.content()
    # Searching for the other report's words finds nothing either.
    page.get_by_label("Search").fill("token leaks")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No reports you can see match these filters.")).to_be_visible()
    assert LEAK_TITLE not in page.content()
    assert browser_problems == []


def test_a_fix_team_member_gets_not_found_for_another_report(
    page: Page, screenshot: Screenshot, cast: Cast, dave: User
) -> None:
    log_in(page, "dave")
    response = page.goto(cast.leak.get_absolute_url())
    assert response is not None
    assert response.status == 404
    expect(page.locator("body")).to_contain_text(re.compile("not found", re.IGNORECASE))
    screenshot("another-report")
    assert LEAK_TITLE not in page.content()
    # The same page a made-up number gets: nothing tells dave that EMISSARY-1 exists.
    not_found = page.content()
    made_up = page.goto(cast.leak.get_absolute_url().replace("/1/", "/999/"))
    assert made_up is not None
    assert made_up.status == 404
    assert page.content() == not_found
