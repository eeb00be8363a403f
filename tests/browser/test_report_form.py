"""Rosa, with no account, reports a vulnerability through the public form with a file attached."""

import re
from pathlib import Path

from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshot
from tests.desk.factories import make_member, make_project, make_user
from vulndesk.desk.models import Attachment, Report
from vulndesk.desk.services.reporter import post_to_reporter
from vulndesk.desk.services.reporter_links import issue_reporter_link
from vulndesk.desk.services.reports import create_report

FORM = {"intake": {"channels": ["web_form"]}}


def test_a_reporter_files_a_report_with_a_file_and_gets_the_key_and_private_link(
    page: Page, screenshot: Screenshot, browser_problems: list[str], tmp_path: Path
) -> None:
    make_project("emissary", preset="envoy", policy_overrides=FORM)
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


def test_the_reporter_follows_the_report_adds_a_file_and_answers_the_team(
    page: Page, screenshot: Screenshot, browser_problems: list[str], tmp_path: Path
) -> None:
    project = make_project("emissary", preset="envoy")
    alice = make_user("alice")
    make_member(project, alice)
    report = create_report(
        project,
        title="Path traversal in the static handler",
        description="Requests with `..%2f` escape the web root.",
        reporter_name="Rosa",
        reporter_email="rosa@example.org",
        actor=None,
    )
    _, token = issue_reporter_link(report, actor=None)
    post_to_reporter(report, author=alice, body="Confirmed. Does **1.3** have it too?")
    log = tmp_path / "server-log.txt"
    log.write_text("GET /static/..%2f..%2fetc/passwd 200\n")

    page.goto(reverse("reporter-report", kwargs={"token": token}))
    expect(page.get_by_role("heading", name=f"{report.key}: {report.title}")).to_be_visible()
    expect(page.locator(".from-team")).to_contain_text("Does 1.3 have it too?")
    page.get_by_role("textbox", name="Message").fill("Yes, 1.3.9 too; the log is attached.")
    page.get_by_label("Attachments").set_input_files(log)
    page.get_by_role("button", name="Send to the team").click()
    expect(page.get_by_role("status")).to_contain_text("Your message was added")
    expect(page.locator(".from-reporter")).to_contain_text("Yes, 1.3.9 too")
    expect(page.locator(".from-reporter")).to_contain_text("server-log.txt")

    page.get_by_label("Credit me by").select_option("handle")
    page.get_by_label("Name or handle").fill("@rosa")
    page.get_by_role("button", name="Save credit line").click()
    expect(page.locator(".credit-line")).to_have_text("@rosa")
    screenshot("reporter-thread")

    report.refresh_from_db()
    assert (report.credit_kind, report.credit_name) == ("handle", "@rosa")
    [attachment] = Attachment.objects.filter(message__report=report)
    assert attachment.path.read_text() == log.read_text()
    assert browser_problems == []
