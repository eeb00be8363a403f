"""Which pages wait for the second factor: all of them, except the way to give it."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.helpers import sign_in
from vulndesk.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def unverified(client: Client, alice: User, alice_device: TOTPDevice) -> Client:
    """alice after the password step, before the code."""
    client.force_login(alice)
    return client


@pytest.mark.parametrize(
    "page", ["report-list", "account", "api-tokens", "admin:index", "admin:auth_user_changelist"]
)
def test_every_page_waits_for_the_code(unverified: Client, page: str) -> None:
    response = unverified.get(reverse(page), {"q": "x"})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("two-factor-verify")
    assert parse_qs(location.query) == {"next": [f"{reverse(page)}?q=x"]}


def test_a_form_post_waits_for_the_code_and_changes_nothing(unverified: Client) -> None:
    response = unverified.post(reverse("api-tokens"), {"name": "x", "scope": "read", "lifetime": 1})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()


def test_the_way_to_give_the_code_stays_open(unverified: Client) -> None:
    assert unverified.get(reverse("two-factor-verify")).status_code == 200
    assert unverified.get(reverse("login")).status_code == 302  # signed in: on to the desk
    response = unverified.post(reverse("logout"))
    assert response["Location"] == reverse("login")


def test_static_files_and_the_api_are_not_redirected(unverified: Client) -> None:
    static = unverified.get("/static/desk/desk.css")
    static.close()
    assert static.status_code == 200
    # The API authenticates each request by token and answers for itself.
    response = unverified.get("/api/v1/reports")
    assert not (response.status_code == 302 and "two-factor" in response["Location"])


def test_a_user_who_owes_nothing_is_not_redirected(client: Client, charlie: User) -> None:
    client.force_login(charlie)
    assert client.get(reverse("report-list")).status_code == 200


def test_an_anonymous_visitor_goes_to_the_login_page_not_the_code(client: Client) -> None:
    response = client.get(reverse("report-list"))
    assert response["Location"].startswith(reverse("login"))


def test_a_verified_session_reaches_every_page(client: Client, alice: User) -> None:
    sign_in(client, alice)
    assert client.get(reverse("report-list")).status_code == 200
    assert client.get(reverse("account")).status_code == 200


def test_an_operator_owes_the_code_too(client: Client) -> None:
    root = User.objects.create_superuser("root", "root@example.org", "password")
    client.force_login(root)
    response = client.get(reverse("admin:index"))
    assert response["Location"].startswith(reverse("two-factor-setup"))
    sign_in(client, root)
    assert client.get(reverse("admin:index")).status_code == 200
