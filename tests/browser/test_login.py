"""alice, on Emissary's security team, signs in with her password and her authenticator app."""

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import Screenshot
from tests.browser.steps import authenticator_app, code_shown_now, log_in
from tests.desk.factories import make_member, make_project, make_user
from vulndesk.desk.models import TeamRole


@pytest.fixture
def alice() -> User:
    alice = make_user("alice")
    make_member(make_project("emissary", preset="envoy"), alice, TeamRole.SECURITY_TEAM)
    return alice


def test_a_security_team_member_logs_in_with_a_totp_code(
    page: Page,
    screenshot: Screenshot,
    live_server: LiveServer,
    alice: User,
    browser_problems: list[str],
) -> None:
    device = authenticator_app(alice)
    page.goto(reverse("login"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    screenshot("login")

    log_in(page, "alice")
    expect(page).to_have_url(re.compile(re.escape(reverse("two-factor-verify"))))
    expect(page.get_by_role("heading", name="Two-factor check")).to_be_visible()
    screenshot("two-factor-check")

    page.get_by_label("Code").fill(code_shown_now(device))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(live_server.url + reverse("dashboard"))
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    screenshot("dashboard")
    assert browser_problems == []
    # The code is spent: django-otp remembers its time step and refuses it from now on.
    device.refresh_from_db()
    assert device.last_t > 0


def test_the_password_alone_opens_no_page_to_a_security_team_member(
    page: Page, alice: User
) -> None:
    authenticator_app(alice)
    log_in(page, "alice")
    expect(page.get_by_role("heading", name="Two-factor check")).to_be_visible()
    for name in ("dashboard", "report-list"):
        page.goto(reverse(name))
        expect(page.get_by_role("heading", name="Two-factor check")).to_be_visible()
