"""The reporter's side, followed end to end: messages both ways, files, and the credit line."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import sign_in
from tests.desk.cast import CRASH_TITLE, Cast, make_cast
from vulndesk.desk.models import Attachment, AuditEvent, Report, ReporterMessage
from vulndesk.desk.services.reporter import post_to_reporter
from vulndesk.desk.services.reporter_links import issue_reporter_link, revoke_reporter_link
from vulndesk.notify.models import OutboundEmail

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def cast(settings: LazySettings, tmp_path: Path) -> Cast:
    settings.DATA_DIR = tmp_path
    return make_cast()


@pytest.fixture
def token(cast: Cast) -> str:
    return issue_reporter_link(cast.crash, actor=cast.alice)[1]


def url(name: str, token: str) -> str:
    return reverse(name, kwargs={"token": token})


def team_page(cast: Cast) -> str:
    return reverse("report-detail", kwargs={"project": "emissary", "number": cast.crash.number})


def test_the_reporter_adds_information_and_a_file_the_team_can_open(
    client: Client, cast: Cast, token: str
) -> None:
    screenshot = SimpleUploadedFile("crash.png", PNG, content_type="image/png")
    response = client.post(
        url("reporter-message-add", token),
        {"body": "It also crashes with **two** headers.", "attachments": [screenshot]},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/r/{token}/#thread")
    assert response["Referrer-Policy"] == "same-origin"
    message = ReporterMessage.objects.get()
    assert (message.report, message.from_reporter, message.via) == (cast.crash, True, "link")
    [attachment] = message.attachments.all()
    assert (attachment.report, attachment.original_filename) == (cast.crash, "crash.png")
    assert attachment.path.read_bytes() == PNG
    event = AuditEvent.objects.filter(action="reporter.message_added").get()
    assert (event.report, event.actor, event.data["attachments"]) == (cast.crash, None, 1)

    html = client.get(url("reporter-report", token)).content.decode()
    assert "It also crashes with <strong>two</strong> headers." in html
    assert "crash.png" in html

    sign_in(client, cast.alice)
    team_html = client.get(team_page(cast)).content.decode()
    assert "It also crashes with <strong>two</strong> headers." in team_html
    download = reverse(
        "report-attachment",
        kwargs={"project": "emissary", "number": cast.crash.number, "pk": attachment.pk},
    )
    assert download in team_html
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
    # Always a download of opaque bytes, in a sandbox: never rendered as a page of the desk.
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="crash.png"'
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_refused_file_or_an_empty_message_adds_nothing_and_says_why(
    client: Client, token: str
) -> None:
    program = SimpleUploadedFile("tool.exe", b"MZ\x90\x00" + b"\x00" * 32)
    response = client.post(
        url("reporter-message-add", token), {"body": "see tool", "attachments": [program]}
    )
    assert response.status_code == 400
    assert "tool.exe is not plain text, PDF, PNG, JPEG or zip" in response.content.decode()
    assert "see tool" in response.content.decode()  # the words are kept for another try
    response = client.post(url("reporter-message-add", token), {"body": "  "})
    assert response.status_code == 400
    assert "Write a message or attach a file." in response.content.decode()
    assert not ReporterMessage.objects.exists()
    assert not Attachment.objects.exists()


def test_an_oversized_message_is_refused_unread(client: Client, token: str) -> None:
    response = client.post(
        url("reporter-message-add", token),
        {"body": "x"},
        headers={"content-length": str(40 * 2**20)},
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert not ReporterMessage.objects.exists()


def test_html_in_a_message_is_rendered_inert_on_both_sides(
    client: Client, cast: Cast, token: str
) -> None:
    client.post(
        url("reporter-message-add", token),
        {"body": "<script>alert(1)</script><img src=x onerror=alert(2)> plain"},
    )
    for html in (
        client.get(url("reporter-report", token)).content.decode(),
        (sign_in(client, cast.alice), client.get(team_page(cast)))[1].content.decode(),
    ):
        assert "<script>alert(1)" not in html
        assert "onerror" not in html
        assert "plain" in html


def test_the_teams_message_reaches_the_reporter_without_the_authors_name(
    client: Client, cast: Cast, token: str
) -> None:
    sign_in(client, cast.alice)
    response = client.post(
        reverse(
            "report-reporter-reply", kwargs={"project": "emissary", "number": cast.crash.number}
        ),
        {"body": "Thanks, confirmed. Which version did you test?"},
    )
    assert response.status_code == 302
    message = ReporterMessage.objects.get()
    assert (message.from_reporter, message.author, message.via) == (False, cast.alice, "desk")
    email = OutboundEmail.objects.get(message=message)
    assert (email.kind, email.to) == ("reporter_message", "dana@example.org")
    assert "Which version did you test?" in email.body
    client.logout()
    html = client.get(url("reporter-report", token)).content.decode()
    assert "Which version did you test?" in html
    assert "alice" not in html.replace("csrfmiddlewaretoken", "")


def test_only_those_who_speak_for_the_project_write_to_the_reporter(
    client: Client, cast: Cast
) -> None:
    """EMI-1: external communication is the security team's (and the Fix Lead's), not others'."""
    reply = reverse(
        "report-reporter-reply", kwargs={"project": "emissary", "number": cast.leak.number}
    )
    sign_in(client, cast.bob)  # Fix Lead of the crash report only
    assert client.post(reply, {"body": "hi"}).status_code == 404
    client.logout()
    sign_in(client, cast.rita)  # release manager: the report is embargoed
    assert client.post(reply, {"body": "hi"}).status_code == 404
    assert not ReporterMessage.objects.exists()


def test_each_message_is_mailed_once_and_the_thread_keeps_every_one(cast: Cast) -> None:
    first = post_to_reporter(cast.crash, author=cast.alice, body="one")
    second = post_to_reporter(cast.crash, author=cast.alice, body="two")
    mailed = OutboundEmail.objects.filter(kind="reporter_message").order_by("pk")
    assert [email.message for email in mailed] == [first, second]


def test_a_message_without_a_reporter_address_is_kept_but_not_mailed(cast: Cast) -> None:
    Report.objects.filter(pk=cast.crash.pk).update(reporter_email="")
    cast.crash.refresh_from_db()
    message = post_to_reporter(cast.crash, author=cast.alice, body="on your link")
    assert not OutboundEmail.objects.exists()
    event = AuditEvent.objects.get(action="reporter.message_sent")
    assert event.data == {"message": message.pk, "mailed": False}


@pytest.mark.parametrize(
    ("posted", "stored", "shown"),
    [
        ({"credit_kind": "name", "credit_name": " Dana  R. "}, ("name", "Dana R."), "Dana R."),
        ({"credit_kind": "handle", "credit_name": "@dana"}, ("handle", "@dana"), "@dana"),
        ({"credit_kind": "anonymous", "credit_name": "Dana"}, ("anonymous", ""), "anonymously"),
    ],
)  # fmt: skip
def test_the_reporter_chooses_the_credit_line(
    client: Client,
    cast: Cast,
    token: str,
    posted: dict[str, str],
    stored: tuple[str, str],
    shown: str,
) -> None:
    response = client.post(url("reporter-credit", token), posted)
    assert response.status_code == 302
    cast.crash.refresh_from_db()
    assert (cast.crash.credit_kind, cast.crash.credit_name) == stored
    assert cast.crash.version == 2  # a stale page elsewhere will not overwrite it
    assert shown in client.get(url("reporter-report", token)).content.decode()
    event = AuditEvent.objects.get(action="report.credit_set")
    assert (event.actor, event.data["kind"]) == (None, stored[0])


def test_a_name_credit_without_a_name_is_refused_with_the_reason(
    client: Client, cast: Cast, token: str
) -> None:
    response = client.post(url("reporter-credit", token), {"credit_kind": "handle"})
    assert response.status_code == 400
    assert "give the handle to print in the advisory" in response.content.decode()
    response = client.post(url("reporter-credit", token), {"credit_kind": "nickname"})
    assert response.status_code == 400
    cast.crash.refresh_from_db()
    assert (cast.crash.credit_kind, cast.crash.version) == ("", 1)


def test_the_team_sees_the_credit_and_the_channel(client: Client, cast: Cast, token: str) -> None:
    client.post(url("reporter-credit", token), {"credit_kind": "handle", "credit_name": "@dana"})
    sign_in(client, cast.alice)
    html = client.get(team_page(cast)).content.decode()
    assert "@dana" in html
    assert "Entered by the team" in html


def test_a_revoked_link_can_neither_read_nor_write(client: Client, cast: Cast) -> None:
    link, token = issue_reporter_link(cast.crash, actor=cast.alice)
    post_to_reporter(cast.crash, author=cast.alice, body="secret schedule talk")
    revoke_reporter_link(link, actor=cast.alice)
    response = client.get(url("reporter-report", token))
    assert response.status_code == 404
    assert "secret schedule talk" not in response.content.decode()
    assert client.post(url("reporter-message-add", token), {"body": "hi"}).status_code == 404
    response = client.post(url("reporter-credit", token), {"credit_kind": "anonymous"})
    assert response.status_code == 404
    assert ReporterMessage.objects.filter(from_reporter=True).count() == 0
    cast.crash.refresh_from_db()
    assert cast.crash.credit_kind == ""


def test_a_link_shows_its_own_thread_and_no_other(client: Client, cast: Cast, token: str) -> None:
    post_to_reporter(cast.leak, author=cast.alice, body="about the leak only")
    post_to_reporter(cast.crash, author=cast.alice, body="about the crash")
    html = client.get(url("reporter-report", token)).content.decode()
    assert "about the crash" in html
    assert CRASH_TITLE in html
    assert "about the leak only" not in html


def test_the_team_revokes_the_reporters_links_and_the_link_opens_nothing(
    client: Client, cast: Cast, token: str
) -> None:
    _, second = issue_reporter_link(cast.crash, actor=cast.alice)
    sign_in(client, cast.alice)
    assert "2 live" in client.get(team_page(cast)).content.decode()
    revoke = reverse(
        "report-reporter-links-revoke", kwargs={"project": "emissary", "number": cast.crash.number}
    )
    response = client.post(revoke)
    assert response.status_code == 302
    assert "none live" in client.get(team_page(cast)).content.decode()
    client.logout()
    for revoked in (token, second):
        assert client.get(url("reporter-report", revoked)).status_code == 404
    events = AuditEvent.objects.filter(action="reporter_link.revoked", actor=cast.alice)
    assert events.count() == 2
