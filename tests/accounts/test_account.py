"""The account page: whether the second factor is on, and how many API tokens are live."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import sign_in
from vulndesk.accounts.tokens import issue_token

pytestmark = pytest.mark.django_db

ACCOUNT = reverse("account")


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client) -> None:
    response = client.get(ACCOUNT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_alice_sees_her_second_factor_is_on_and_her_live_tokens(
    client: Client, alice: User
) -> None:
    issue_token(alice, name="ci", scope="read", lifetime=timedelta(days=2))
    sign_in(client, alice)

    html = client.get(ACCOUNT).content.decode()

    assert "on: Authenticator app" in html
    assert "1 active" in html
    assert reverse("api-tokens") in html


def test_charlie_sees_it_is_off_with_a_way_to_turn_it_on(client: Client, charlie: User) -> None:
    sign_in(client, charlie)

    html = client.get(ACCOUNT).content.decode()

    assert "off" in html
    assert "required for your role" not in html
    assert reverse("two-factor-setup") in html
    assert "0 active" in html
