"""Rosa, with no account, reports a vulnerability through the public form with a file attached."""

import re
from pathlib import Path

from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshot
from tests.desk.factories import make_project
from vulndesk.desk.models import Attachment, Report


def test_a_reporter_files_a_report_with_a_file_and_gets_the_key_and_private_link(
    page: Page, screenshot: Screenshot, browser_problems: list[str], tmp_path: Path
) -> None:
    make_project("emissary", preset="envoy")
    proof = tmp_path / "proof.txt"
    proof.write_text("curl -v http://localhost:8080/static/..%2fetc/passwd\n")

    page.goto(reverse("advisory-list"))
    page.get_by_role("link", name="Report a vulnerability").click()
    page.get_by_role("link", name="Emissary").click()
    expect(page.get_by_role("heading", name="Report a vulnerability in Emissary")).to_be_visible()
    page.get_by_label("Title").fill("Path traversal in the static handler")
    page.get_by_label("Description").fill("Requests with `..%2f` escape the web root.")
    page.get_by_label("Affected version").fill("1.4.2")
    page.get_by_label("Steps to reproduce").fill("1. Start the server\n2. Run proof.txt")
    page.get_by_label("Your name").fill("Rosa")
    page.get_by_label("Your email").fill("rosa@example.org")
    page.get_by_label("Attachments").set_input_files(proof)
    # A person never sees the honeypot, so never fills it.
    expect(page.get_by_label("Leave this empty")).not_to_be_in_viewport()
    screenshot("filled")
    page.get_by_role("button", name="Send report").click()

    expect(page.get_by_role("heading", name="Thank you for your report")).to_be_visible()
    report = Report.objects.get()
    expect(page.locator(".report-key")).to_have_text(report.key)
    expect(page.locator(".reporter-link")).to_have_text(re.compile(r"/r/vdr"))
    screenshot("thank-you")
    attachment = Attachment.objects.get(report=report)
    assert (attachment.original_filename, attachment.content_type) == ("proof.txt", "text/plain")
    assert browser_problems == []
