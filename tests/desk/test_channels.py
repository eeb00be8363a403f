"""The ways in: each project opens the channels its policy names (FOLIO-11, FOLIO-Q1), and one
public page and security.txt list them, changing as the policy does (FOLIO-12)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from tests.desk.factories import make_project
from vulndesk.desk.models import Project

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)
FORM_AND_MAIL = {"intake": {"channels": ["email", "web_form"]}}

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(T0, tick=False)]


@pytest.fixture
def folio() -> Project:
    return make_project("folio", security_email="security@folio.org")


def form_url(project: Project) -> str:
    return reverse("report-new", kwargs={"project": project.slug})


def test_folio_11_12_the_page_lists_every_open_channel(client: Client, folio: Project) -> None:
    html = client.get(reverse("how-to-report")).content.decode()
    assert f'href="{form_url(folio)}"' in html
    assert 'href="mailto:security@folio.org"' in html
    assert client.get(form_url(folio)).status_code == 200


def test_folio_12_closing_a_channel_updates_the_page_and_closes_the_form(
    client: Client, folio: Project
) -> None:
    folio.policy_overrides = {"intake": {"channels": ["email"]}}
    folio.save()
    html = client.get(reverse("how-to-report")).content.decode()
    assert form_url(folio) not in html
    assert "mailto:security@folio.org" in html
    response = client.get(form_url(folio))
    assert response.status_code == 404
    assert "does not take reports through a form here" in response.content.decode()
    assert "mailto:security@folio.org" in response.content.decode()  # where to go instead
    assert client.post(form_url(folio), {"title": "x"}).status_code == 404


def test_mail_is_a_channel_only_with_an_address_to_take_it(client: Client) -> None:
    """The Emissary preset names email (EMI-3) but no address: the project must give one."""
    emissary = make_project("emissary", preset="envoy")
    assert not emissary.intake_channels().any
    assert "Emissary" not in client.get(reverse("how-to-report")).content.decode()
    emissary.security_email = "security@emissary.example.org"
    emissary.save()
    assert (
        "mailto:security@emissary.example.org"
        in client.get(reverse("how-to-report")).content.decode()
    )


def test_vit_3_the_page_says_where_an_already_public_vulnerability_goes(client: Client) -> None:
    make_project("vitess", policy_overrides=FORM_AND_MAIL, security_email="security@vitess.io")
    html = client.get(reverse("how-to-report")).content.decode()
    assert 'Already public? Tell <a href="mailto:cncf-vitess-maintainers@lists.cncf.io">' in html


def test_security_txt_points_at_the_same_channels(client: Client, folio: Project) -> None:
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    fields = [line.split(": ", 1) for line in response.content.decode().splitlines()]
    contacts = [value for name, value in fields if name == "Contact"]
    assert contacts == ["mailto:security@folio.org", f"http://testserver{form_url(folio)}"]
    values = dict(fields)
    expires = datetime.fromisoformat(values["Expires"])
    assert T0 < expires <= T0 + timedelta(days=365)  # RFC 9116: less than a year ahead
    assert values["Canonical"] == "http://testserver/.well-known/security.txt"
    assert values["Policy"] == f"http://testserver{reverse('how-to-report')}"
