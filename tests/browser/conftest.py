"""A real Chromium against a live vulndesk, for the stories only a browser can tell.

The live server is pytest-django's `live_server`: a threaded WSGI server in this process, on
loopback, reading the test database through transactions of its own (so every browser test uses
`transactional_db`). Chromium is Debian's, launched once for the package; each test gets a fresh
context (no cookies), a page that answers only from the live server, and a list of whatever the
browser complained about (console errors, uncaught exceptions, CSP refusals, off-host requests).
"""

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    Route,
    ViewportSize,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium reaches for update and sync hosts this machine cannot see.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# A laptop screen, which the desk must be readable on.
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
# A page that has not answered in 5 s is broken, not slow: fail fast instead of Playwright's 30 s.
TIMEOUT_MS = 5_000

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"

Screenshot = Callable[[str], Path]


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an asyncio loop in this thread and leaves it marked as running
    # while the test body runs, so Django's guard against the ORM inside a coroutine refuses
    # every query, the database flush between tests included (SynchronousOnlyOperation). The
    # guard protects nothing here: the loop only turns while the test waits inside a Playwright
    # call, and nothing on it touches Django, so no two queries interleave on a connection.
    # (The async API would wrap every query of every test in sync_to_async for no gain.) So allow
    # it for exactly as long as Playwright runs: package scope ends it before the next package.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def browser_problems() -> list[str]:
    """What the browser complained about during the test; the `page` fixture fills it."""
    return []


@pytest.fixture
def page(browser: Browser, live_server: LiveServer, browser_problems: list[str]) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)

    def only_the_live_server(route: Route, request: Request) -> None:
        if request.url.startswith(live_server.url + "/"):
            route.continue_()
        else:
            browser_problems.append(f"request off the live server: {request.url}")
            route.abort()

    def console(message: ConsoleMessage) -> None:
        # Chromium reports a CSP refusal as a console error; warnings (e.g. about the autocomplete
        # attribute) are advice, not faults.
        if message.type == "error":
            browser_problems.append(f"console error on {message.location['url']}: {message.text}")

    context.route("**/*", only_the_live_server)
    tab = context.new_page()
    tab.on("console", console)
    tab.on("pageerror", lambda error: browser_problems.append(f"uncaught {error.name}: {error}"))
    yield tab
    context.close()


def file_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text).strip("-")


@pytest.fixture
def screenshot(page: Page, request: pytest.FixtureRequest) -> Screenshot:
    """`screenshot("step")` saves the page as test-output/screenshots/<test>/<nn>-<step>.png."""
    folder = SCREENSHOTS / file_name(request.node.name)
    # Last run's pictures go, so the folder shows this run's steps and nothing stale.
    shutil.rmtree(folder, ignore_errors=True)
    taken: list[Path] = []

    def take(step: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{len(taken) + 1:02d}-{file_name(step)}.png"
        page.screenshot(path=path, full_page=True)
        taken.append(path)
        return path

    return take
