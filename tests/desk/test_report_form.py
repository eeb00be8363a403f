"""The public report form: anyone files a report with files; bad input and robots file nothing."""

import hashlib
import io
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import LazySettings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.accounts.helpers import sign_in
from tests.desk.factories import make_member, make_project, make_user
from vulndesk.desk.models import Attachment, AuditEvent, Deadline, Project, Report, ReporterLink
from vulndesk.desk.services.attachments import MAX_ATTACHMENT_BYTES
from vulndesk.notify.models import OutboundEmail

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
SCRIPT = "<script>alert('owned')</script>"

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def project() -> Project:
    # The Emissary preset names mail only (EMI-3); this project opens the form too.
    return make_project(
        "emissary", preset="envoy", policy_overrides={"intake": {"channels": ["email", "web_form"]}}
    )


@pytest.fixture
def store(settings: LazySettings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path / "attachments"


def form_url(project: Project) -> str:
    return reverse("report-new", kwargs={"project": project.slug})


def fields(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Path traversal in the static handler",
        "description": "Requests with `..%2f` escape the web root.",
        "affected_versions": "1.4.2",
        "steps_to_reproduce": "1. Start the server\n2. curl /static/..%2fetc/passwd",
        "reporter_name": "Rosa",
        "reporter_email": "rosa@example.org",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def text_file(name: str = "poc.txt", content: bytes = b"curl -v http://localhost/\n") -> Any:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def zip_file() -> Any:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("exploit.py", "print('hello')\n")
    return SimpleUploadedFile("poc.zip", buffer.getvalue(), content_type="application/zip")


def nothing_written(store: Path) -> bool:
    return (
        not Report.objects.exists()
        and not Attachment.objects.exists()
        and not ReporterLink.objects.exists()
        and not (store.exists() and any(store.iterdir()))
    )


def test_the_choice_page_links_to_each_projects_form(client: Client, project: Project) -> None:
    response = client.get(reverse("how-to-report"))
    assert response.status_code == 200
    assert f'href="{form_url(project)}"' in response.content.decode()


def test_the_form_has_a_label_for_every_field(client: Client, project: Project) -> None:
    html = client.get(form_url(project)).content.decode()
    for label in (
        "Title",
        "Description",
        "Affected version",
        "Steps to reproduce",
        "Your name",
        "Your email",
        "This is already public",
        "Where it is public",
        "Attachments",
    ):
        assert f"{label}:</label>" in html or f">{label}</label>" in html, label
    assert 'enctype="multipart/form-data"' in html


def test_a_report_with_files_is_filed_and_the_private_link_shown_once(
    client: Client, project: Project, store: Path
) -> None:
    response = client.post(
        form_url(project), fields(attachments=[text_file(), zip_file()]), REMOTE_ADDR="192.0.2.7"
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    report = Report.objects.get()
    html = response.content.decode()
    assert report.key in html
    assert "will acknowledge it" in html
    link = next(part for part in html.split('"') if part.startswith("/r/vdr"))
    assert client.get(link).status_code == 200
    assert report.title == "Path traversal in the static handler"
    assert report.affected_versions == "1.4.2"
    assert report.description.startswith("Requests with `..%2f` escape the web root.")
    assert "## Steps to reproduce\n\n1. Start the server" in report.description
    assert (report.reporter_name, report.reporter_email) == ("Rosa", "rosa@example.org")
    assert not report.is_publicly_disclosed
    stored = {a.original_filename: a for a in Attachment.objects.filter(report=report)}
    assert {name: a.content_type for name, a in stored.items()} == {
        "poc.txt": "text/plain",
        "poc.zip": "application/zip",
    }
    content = (store / stored["poc.txt"].sha256).read_bytes()
    assert content == b"curl -v http://localhost/\n"
    assert stored["poc.txt"].sha256 == hashlib.sha256(content).hexdigest()
    assert stored["poc.txt"].size == len(content)
    event = AuditEvent.objects.get(action="report.created")
    assert event.data["channel"] == "form"


def test_the_reporter_is_owed_an_acknowledgement_that_the_worker_sends(
    client: Client, project: Project, store: Path
) -> None:
    Project.objects.filter(pk=project.pk).update(security_email="security@emissary.example")
    client.post(form_url(project), fields(), REMOTE_ADDR="192.0.2.7")
    report = Report.objects.get()
    email = OutboundEmail.objects.get(report=report)
    assert (email.kind, email.to, email.sent_at) == ("acknowledgement", "rosa@example.org", None)
    assert email.reply_to.startswith("security+vdm_")
    assert email.reply_to.endswith("@emissary.example")
    assert report.key in email.subject
    queued = DBTaskResult.objects.get()
    assert queued.task_path.endswith("send_outbound_email")
    assert queued.args_kwargs["args"] == [email.pk]


def test_without_a_security_address_the_acknowledgement_has_no_reply_address(
    client: Client, project: Project, store: Path
) -> None:
    client.post(form_url(project), fields(), REMOTE_ADDR="192.0.2.7")
    assert OutboundEmail.objects.get().reply_to == ""


def test_script_in_the_description_is_stored_as_written_and_never_executed(
    client: Client, project: Project, store: Path
) -> None:
    response = client.post(form_url(project), fields(description=f"Look: {SCRIPT}"))
    assert response.status_code == 200
    assert SCRIPT not in response.content.decode()
    report = Report.objects.get()
    assert report.description.startswith(f"Look: {SCRIPT}")
    alice = make_user("alice")
    make_member(project, alice)
    page = sign_in(client, alice).get(report.get_absolute_url()).content.decode()
    assert "Look:" in page
    assert SCRIPT not in page


@pytest.mark.parametrize(
    ("upload", "said"),
    [
        (SimpleUploadedFile("tool.txt", b"MZ\x90\x00\x03\x00", "text/plain"), "tool.txt is not"),
        (SimpleUploadedFile("shot.png", b"just text, not a PNG\n", "image/png"), "shot.png is not"),
        (SimpleUploadedFile("page.html", b"<html></html>", "text/html"), "page.html is not"),
        (
            SimpleUploadedFile("big.txt", b"a" * (MAX_ATTACHMENT_BYTES + 1), "text/plain"),
            "big.txt is larger than 5 MiB",
        ),
    ],
    ids=["executable-claiming-text", "text-claiming-png", "html", "over-5-mib"],
)
def test_a_refused_file_is_named_next_to_the_field_and_nothing_is_stored(
    client: Client, project: Project, store: Path, upload: Any, said: str
) -> None:
    response = client.post(form_url(project), fields(attachments=[text_file(), upload]))
    assert response.status_code == 400
    html = response.content.decode()
    assert said in html
    assert html.index(said) > html.index('name="attachments"')
    assert nothing_written(store)


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"title": "   "}, 'id="id_title"'),
        ({"reporter_email": "rosa at example"}, "Enter a valid email address."),
        ({"already_public": "on"}, "Give the link where it is already public."),
        (
            {"already_public": "on", "public_disclosure_url": "javascript:alert(1)"},
            "Enter a valid URL",
        ),
    ],
    ids=["no-title", "bad-email", "public-without-link", "public-bad-link"],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(
    client: Client, project: Project, store: Path, changes: dict[str, str], said: str
) -> None:
    response = client.post(form_url(project), fields(**changes))
    assert response.status_code == 400
    html = response.content.decode()
    assert said in html
    assert "Nothing was filed" in html
    assert nothing_written(store)


def test_an_oversized_body_is_a_413_and_writes_nothing(
    client: Client, project: Project, store: Path
) -> None:
    response = client.post(form_url(project), fields(description="x" * (2 * 1024 * 1024)))
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert nothing_written(store)


def test_a_filled_honeypot_answers_like_success_and_files_nothing(
    client: Client, project: Project, store: Path
) -> None:
    response = client.post(form_url(project), fields(website="http://cheap-pills.example"))
    assert response.status_code == 200
    assert "Thank you for your report" in response.content.decode()
    assert nothing_written(store)


def test_the_honeypot_is_hidden_by_the_stylesheet_not_inline(
    client: Client, project: Project
) -> None:
    html = client.get(form_url(project)).content.decode()
    assert '<div class="honeypot" aria-hidden="true">' in html
    assert "style=" not in html


def test_an_address_may_file_five_reports_an_hour(
    client: Client, project: Project, store: Path
) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        for minute in range(5):
            clock.move_to(T0 + timedelta(minutes=minute))
            answer = client.post(form_url(project), fields(), REMOTE_ADDR="192.0.2.7")
            assert answer.status_code == 200
        refused = client.post(form_url(project), fields(), REMOTE_ADDR="192.0.2.7")
        assert refused.status_code == 429
        assert refused["Retry-After"] == str(56 * 60)
        assert "Try again after 2024-03-01 11:00 UTC" in refused.content.decode()
        assert Report.objects.count() == 5
        other = client.post(form_url(project), fields(), REMOTE_ADDR="198.51.100.1")
        assert other.status_code == 200
        clock.move_to(T0 + timedelta(hours=1, seconds=1))
        again = client.post(form_url(project), fields(), REMOTE_ADDR="192.0.2.7")
        assert again.status_code == 200
    assert Report.objects.count() == 7


def test_emi_4_an_already_public_report_starts_on_the_asap_path(
    client: Client, project: Project, store: Path
) -> None:
    """EMI-4/EMI-14: on the envoy preset an unscored public report has every timeline due now."""
    url = "https://github.com/emissary/emissary/issues/99"
    response = client.post(
        form_url(project), fields(already_public="on", public_disclosure_url=url)
    )
    assert response.status_code == 200
    report = Report.objects.get()
    assert (report.public_disclosure_at, report.public_disclosure_url) == (T0, url)
    assert report.handling().asap
    running = Deadline.objects.running().filter(report=report)
    assert running.exists()
    assert not running.filter(due_at__gt=T0).exists()
    assert "policy makes every timeline as soon as possible" in response.content.decode()


def test_the_public_link_is_not_kept_when_the_box_is_not_ticked(
    client: Client, project: Project, store: Path
) -> None:
    client.post(form_url(project), fields(public_disclosure_url="https://example.org/x"))
    report = Report.objects.get()
    assert (report.public_disclosure_at, report.public_disclosure_url) == (None, "")


def test_an_unknown_project_is_a_404(client: Client) -> None:
    assert client.get(reverse("report-new", kwargs={"project": "nope"})).status_code == 404


@pytest.mark.usefixtures("store")
def test_folio_q6_a_published_third_party_vulnerability_starts_on_the_public_path(
    client: Client, project: Project
) -> None:
    upstream = "https://www.postgresql.org/support/security/CVE-2024-0985/"
    response = client.post(
        form_url(project), fields(third_party="on", public_disclosure_url=upstream)
    )
    assert response.status_code == 200
    report = Report.objects.get()
    assert (report.third_party, report.public_disclosure_url) == (True, upstream)
    assert report.public_disclosure_at == T0
    assert report.channel == "form"
    assert "handles it on the public path" in response.content.decode()


@pytest.mark.usefixtures("store")
def test_a_third_party_report_without_its_link_is_refused(client: Client, project: Project) -> None:
    response = client.post(form_url(project), fields(third_party="on"))
    assert response.status_code == 400
    assert "Give the link where it is already public." in response.content.decode()
    assert not Report.objects.exists()


@pytest.mark.usefixtures("store")
def test_the_reporter_may_give_the_credit_line_with_the_report(
    client: Client, project: Project
) -> None:
    client.post(form_url(project), fields(credit_kind="handle", credit_name=" @rosa "))
    report = Report.objects.get()
    assert (report.credit_kind, report.credit_name) == ("handle", "@rosa")
    response = client.post(form_url(project), fields(credit_kind="name", title="Another"))
    assert response.status_code == 400
    assert "give the name to print in the advisory" in response.content.decode()
    assert Report.objects.count() == 1
