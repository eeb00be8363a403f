"""Logging in and out of the desk. alice has an account; anyone may try."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.desk.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice() -> User:
    return make_user("alice")


def test_the_login_page_renders_a_form_with_a_csrf_token(client: Client) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    for field in ('name="username"', 'name="password"', 'name="csrfmiddlewaretoken"'):
        assert field in html


def test_it_logs_in_and_goes_to_the_dashboard(client: Client, alice: User) -> None:
    response = client.post(reverse("login"), {"username": "alice", "password": "password"})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


def test_it_goes_back_to_the_page_that_asked_for_a_login(client: Client, alice: User) -> None:
    wanted = reverse("report-detail", kwargs={"project": "emissary", "number": 1})
    response = client.post(
        reverse("login"), {"username": "alice", "password": "password", "next": wanted}
    )
    assert response["Location"] == wanted


def test_it_does_not_redirect_to_another_site_after_login(client: Client, alice: User) -> None:
    response = client.post(
        reverse("login"),
        {"username": "alice", "password": "password", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("dashboard")


def test_it_rejects_a_wrong_password(client: Client, alice: User) -> None:
    response = client.post(reverse("login"), {"username": "alice", "password": "guess"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("report-list")).status_code == 302


def test_a_logged_in_user_who_opens_the_login_page_goes_to_the_dashboard(
    client: Client, alice: User
) -> None:
    client.force_login(alice)
    response = client.get(reverse("login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


def test_logout_refuses_a_get(client: Client, alice: User) -> None:
    client.force_login(alice)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("report-list")).status_code == 200  # still logged in


def test_logout_by_post_ends_the_session_and_goes_to_the_login_page(
    client: Client, alice: User
) -> None:
    client.force_login(alice)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("report-list")).status_code == 302


def test_logout_needs_the_csrf_token(alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(reverse("logout")).status_code == 403
    assert client.get(reverse("report-list")).status_code == 200


def test_every_page_offers_logout_as_a_form_post(client: Client, alice: User) -> None:
    client.force_login(alice)
    html = client.get(reverse("report-list")).content.decode()
    assert f'<form method="post" action="{reverse("logout")}">' in html
