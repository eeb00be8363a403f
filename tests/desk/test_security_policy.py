"""Each project's published process: its SECURITY.md page and file, and security.txt (RFC 9116)
for the project and for the whole desk."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from tests.desk.factories import make_project
from vulndesk.desk.models import Project, ReleaseLine

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
FORM_AND_MAIL = {"intake": {"channels": ["email", "web_form"]}}

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def karmada() -> Project:
    project = make_project(
        "karmada", policy_overrides=FORM_AND_MAIL, security_email="security@karmada.example.org"
    )
    ReleaseLine.objects.create(project=project, name="1.10", status="supported")
    ReleaseLine.objects.create(project=project, name="1.9", status="unsupported")
    return project


def fields(text: str) -> list[tuple[str, str]]:
    """The file's fields in order, checking RFC 9116's syntax on the way."""
    assert text.endswith("\n")  # every line, the last too, ends with a newline
    found = []
    for line in text.splitlines():
        name, separator, value = line.partition(": ")
        assert separator, line
        assert name, line
        assert value, line
        found.append((name, value))
    return found


def security_txt(client: Client, url: str) -> list[tuple[str, str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    found = fields(response.content.decode())
    names = [name for name, _ in found]
    assert names.count("Expires") == 1
    assert names.count("Canonical") == 1
    assert "Contact" in names
    values = dict(found)
    expires = datetime.fromisoformat(values["Expires"])
    assert T0 < expires <= T0 + timedelta(days=365)
    assert values["Canonical"] == f"http://testserver{url}"
    assert values["Preferred-Languages"] == "en"
    return found


def test_a_project_s_security_txt_names_its_channels_policy_and_advisories(
    client: Client, karmada: Project
) -> None:
    make_project("folio", security_email="security@folio.org")  # another project's channels
    url = reverse("project-security-txt", args=["karmada"])
    found = security_txt(client, url)
    contacts = [value for name, value in found if name == "Contact"]
    assert contacts == [
        "mailto:security@karmada.example.org",
        f"http://testserver{reverse('report-new', args=['karmada'])}",
    ]
    values = dict(found)
    policy = reverse("project-security-policy", args=["karmada"])
    assert values["Policy"] == f"http://testserver{policy}"
    assert (
        values["Acknowledgments"] == f"http://testserver{reverse('advisory-list')}?project=karmada"
    )
    assert client.get(policy).status_code == 200
    assert client.get(values["Acknowledgments"]).status_code == 200


def test_the_desk_s_security_txt_names_every_project_s_channels(
    client: Client, karmada: Project
) -> None:
    make_project("folio", security_email="security@folio.org")
    found = security_txt(client, reverse("security-txt"))
    contacts = [value for name, value in found if name == "Contact"]
    assert "mailto:security@folio.org" in contacts
    assert "mailto:security@karmada.example.org" in contacts
    assert dict(found)["Acknowledgments"] == f"http://testserver{reverse('advisory-list')}"


def test_no_security_txt_points_nowhere(client: Client) -> None:
    """RFC 9116 requires a Contact: a project that opens no channel (Karmada's preset names
    none, KAR-12) has no file, and neither has a desk where no project does."""
    make_project("karmada")
    for name, args, says in (
        ("project-security-txt", ["karmada"], "Karmada takes no reports here yet.\n"),
        ("security-txt", [], "No project takes reports here yet.\n"),
    ):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 404
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content.decode() == says
    assert client.get(reverse("project-security-txt", args=["nosuch"])).status_code == 404


def test_the_security_policy_page_renders_the_project_s_security_md(
    client: Client, karmada: Project
) -> None:
    """KAR-20, KAR-33, KAR-34: the page states Karmada's own numbers, under the strict CSP."""
    response = client.get(reverse("project-security-policy", args=["karmada"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Security policy: Karmada</h1>" in html
    assert "A fix is developed within 7 days of the report reaching the security team." in html
    assert "at least 7 days, and at most 28 days, before the public disclosure date" in html
    assert "<td>1.10</td>\n<td>yes</td>" in html
    form = f"http://testserver{reverse('report-new', args=['karmada'])}"
    assert f'<a href="{form}" rel="noopener noreferrer nofollow">{form}</a>' in html
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy or "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "<style" not in html
    assert " style=" not in html
    assert "<script>" not in html


def test_security_md_is_served_as_a_markdown_file(client: Client, karmada: Project) -> None:
    response = client.get(reverse("project-security-md", args=["karmada"]))
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("# Security policy: Karmada\n")
    assert "- Email <security@karmada.example.org>" in text
    assert client.get(reverse("project-security-md", args=["nosuch"])).status_code == 404


def test_security_md_points_distributors_at_the_list_s_page(
    client: Client, karmada: Project
) -> None:
    """KAR-36: distributors read the requirements and apply on the list's page."""
    text = client.get(reverse("project-security-md", args=["karmada"])).content.decode()
    page = f"http://testserver{reverse('distributors-join', args=['karmada'])}"
    assert f"The embargo terms every member accepts and where to apply: <{page}>." in text
    vitess = make_project("vitess")
    text = client.get(reverse("project-security-md", args=[vitess.slug])).content.decode()
    assert "/distributors/" not in text  # VIT-27: no list, nothing to point at


def test_the_report_page_links_each_project_s_security_policy(
    client: Client, karmada: Project
) -> None:
    html = client.get(reverse("how-to-report")).content.decode()
    assert f'href="{reverse("project-security-policy", args=["karmada"])}"' in html
