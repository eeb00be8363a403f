"""Every main page sends the strict Content-Security-Policy and runs clean in a real browser.

A CSP that the pages break shows up only in a browser: Chromium refuses the inline script or
style and says so on its console, which the `page` fixture collects in `browser_problems`.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, Response, expect

from tests.browser.conftest import Screenshot
from tests.browser.steps import authenticator_app, give_code, log_in
from tests.desk.cast import Cast, make_cast, publish


@pytest.fixture
def cast() -> Cast:
    cast = make_cast()
    # One advisory out, so the public pages show one.
    publish(cast.crash, cve_id="CVE-2026-0001")
    return cast


def directives(response: Response) -> dict[str, list[str]]:
    header = response.headers.get("content-security-policy", "")
    policy = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *sources = directive.split()
        policy[name] = sources
    return policy


def assert_strict_csp(response: Response | None) -> None:
    assert response is not None
    assert response.status == 200, f"{response.url} answered {response.status}"
    policy = directives(response)
    assert policy, f"{response.url} sent no Content-Security-Policy"
    # Our own origin only: no inline code, no eval, no other host, no framing.
    assert policy["default-src"] in (["'none'"], ["'self'"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    loose = [
        source
        for sources in policy.values()
        for source in sources
        if "unsafe" in source or "*" in source or source.startswith(("http:", "https:"))
    ]
    assert loose == [], f"{response.url} allows {loose}"


def test_the_main_pages_send_a_strict_csp_and_run_without_a_violation_or_error(
    page: Page, screenshot: Screenshot, cast: Cast, browser_problems: list[str]
) -> None:
    device = authenticator_app(cast.alice)
    assert_strict_csp(page.goto(reverse("login")))
    screenshot("login")
    log_in(page, "alice")
    expect(page.get_by_role("heading", name="Two-factor check")).to_be_visible()
    assert_strict_csp(page.goto(reverse("two-factor-verify")))
    screenshot("two-factor-check")
    give_code(page, device)
    expect(page.get_by_role("heading", name="My work")).to_be_visible()

    main_pages = {
        "dashboard": reverse("dashboard"),
        "report-list": reverse("report-list"),
        "report-page": cast.leak.get_absolute_url(),
        "project-settings": reverse("project-settings", args=["emissary"]),
        "advisories": reverse("advisory-list"),
        "advisory": reverse("advisory-detail", args=["emissary", cast.crash.number]),
    }
    for name, url in main_pages.items():
        assert_strict_csp(page.goto(url))
        expect(page.locator("main h1")).to_be_visible()
        screenshot(name)
    assert browser_problems == []


def test_the_browser_reports_a_csp_violation_when_a_page_has_one(
    page: Page, cast: Cast, browser_problems: list[str]
) -> None:
    """The check above could fail: an inline script on a desk page is refused, and noticed."""
    page.goto(reverse("advisory-list"))
    with page.expect_console_message(lambda message: message.type == "error"):
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.inlineScriptRan = true";
                document.body.append(script);
            }"""
        )
    assert page.evaluate("() => window.inlineScriptRan") is None
    assert len(browser_problems) == 1
    assert "violates the following Content Security Policy directive" in browser_problems[0]
