"""Operators see every API token in the admin, never its digest, and may revoke it there."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.accounts.helpers import sign_in
from vulndesk.accounts.models import ApiToken
from vulndesk.accounts.tokens import issue_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(charlie: User) -> ApiToken:
    return issue_token(charlie, name="ci", scope="read", lifetime=timedelta(days=2))[0]


@pytest.fixture
def operator(client: Client) -> Client:
    root = User.objects.create_superuser("root", "root@example.org", "password")
    return sign_in(client, root)


def test_staff_who_are_not_operators_do_not_see_tokens(
    client: Client, charlie: User, token: ApiToken
) -> None:
    charlie.is_staff = True
    charlie.save()
    sign_in(client, charlie)
    assert client.get(reverse("admin:accounts_apitoken_changelist")).status_code == 403


def test_an_operator_sees_the_token_but_not_its_digest(operator: Client, token: ApiToken) -> None:
    listing = operator.get(reverse("admin:accounts_apitoken_changelist"))
    assert listing.status_code == 200
    assert token.hint in listing.content.decode()
    page = operator.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert page.status_code == 200
    assert token.digest not in page.content.decode()
    assert operator.get(reverse("admin:accounts_apitoken_add")).status_code == 403


def test_an_operator_revokes_a_token(operator: Client, token: ApiToken) -> None:
    response = operator.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
