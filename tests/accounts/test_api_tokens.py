"""Personal API tokens: charlie lists, creates and revokes his own; alice's are not his."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.accounts.helpers import sign_in
from vulndesk.accounts.models import ApiToken, TokenScope
from vulndesk.accounts.tokens import issue_token
from vulndesk.desk.models import AuditEvent
from vulndesk.lib.tokens import digest

pytestmark = pytest.mark.django_db

TOKENS = reverse("api-tokens")
NEW = {"name": "release script", "scope": "write", "lifetime": 30}


def revoke_url(token: ApiToken) -> str:
    return reverse("api-token-revoke", kwargs={"token_id": token.pk})


def raw_token(html: str) -> str:
    start = html.index('<p class="raw-token" id="raw-token">') + len(
        '<p class="raw-token" id="raw-token">'
    )
    return html[start : html.index("</p>", start)]


@pytest.fixture
def alices_token(alice: User) -> ApiToken:
    token, _ = issue_token(alice, name="alice's laptop", scope="read", lifetime=timedelta(days=7))
    return token


def test_an_anonymous_visitor_is_sent_to_the_login_page(
    client: Client, alices_token: ApiToken
) -> None:
    for response in (
        client.get(TOKENS),
        client.post(TOKENS, NEW),
        client.post(revoke_url(alices_token)),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert ApiToken.objects.count() == 1
    assert ApiToken.objects.get().revoked_at is None


def test_charlie_neither_sees_nor_revokes_alices_token(
    client: Client, charlie: User, alices_token: ApiToken
) -> None:
    sign_in(client, charlie)
    assert "alice&#x27;s laptop" not in client.get(TOKENS).content.decode()
    assert client.post(revoke_url(alices_token)).status_code == 404
    alices_token.refresh_from_db()
    assert alices_token.revoked_at is None


@time_machine.travel("2026-03-02 10:00:00Z", tick=False)
def test_a_new_token_is_shown_once_and_stored_only_as_its_digest(
    client: Client, charlie: User
) -> None:
    sign_in(client, charlie)

    response = client.post(TOKENS, NEW)

    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    raw = raw_token(response.content.decode())
    token = ApiToken.objects.get(user=charlie)
    assert (token.name, token.scope) == ("release script", TokenScope.WRITE)
    assert token.expires_at == timezone.now() + timedelta(days=30)
    assert token.digest == digest(raw)
    assert raw.startswith(token.hint)
    assert raw not in str(model_to_dict(token).values())
    assert ApiToken.find(raw, timezone.now()) == token
    listing = client.get(TOKENS).content.decode()
    assert token.hint in listing
    assert raw not in listing
    assert AuditEvent.objects.filter(action="token.issued", actor=charlie).exists()


def test_the_list_shows_each_tokens_facts(client: Client, charlie: User) -> None:
    with time_machine.travel("2026-03-02 10:00:00Z", tick=False):
        used, _ = issue_token(charlie, name="ci", scope="write", lifetime=timedelta(days=2))
        ApiToken.objects.filter(pk=used.pk).update(last_used_at=timezone.now())
        issue_token(charlie, name="old laptop", scope="read", lifetime=timedelta(days=1))
    with time_machine.travel("2026-03-03 12:00:00Z", tick=False):
        sign_in(client, charlie)

        html = client.get(TOKENS).content.decode()

    for fact in (
        "ci",
        used.hint,
        "Read and write",
        "2026-03-02 10:00",
        "2026-03-04 10:00",
        "active",
        "old laptop",
        "Read only",
        "never",
        "expired",
    ):
        assert fact in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("lifetime", 367, "at most 366 days"),
        ("lifetime", 0, "at least one day"),
        ("lifetime", "soon", "Enter a whole number"),
        ("name", "  ", "This field is required"),
        ("scope", "admin", "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_makes_no_token(
    client: Client, charlie: User, field: str, value: object, message: str
) -> None:
    sign_in(client, charlie)

    response = client.post(TOKENS, {**NEW, field: value})

    assert response.status_code == 400
    assert f"{field}: " in response.content.decode()
    assert message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_takes_a_post_and_the_token_stops_working(client: Client, charlie: User) -> None:
    token, raw = issue_token(charlie, name="ci", scope="read", lifetime=timedelta(days=2))
    sign_in(client, charlie)
    assert client.get(revoke_url(token)).status_code == 405

    response = client.post(revoke_url(token))

    assert response.status_code == 302
    assert response["Location"] == TOKENS
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiToken.find(raw, timezone.now()) is None
    assert "revoked " in client.get(TOKENS).content.decode()
    assert AuditEvent.objects.filter(action="token.revoked", data={"token": token.pk}).exists()


def test_revoking_needs_the_csrf_token(charlie: User) -> None:
    token, _ = issue_token(charlie, name="ci", scope="read", lifetime=timedelta(days=2))
    client = sign_in(Client(enforce_csrf_checks=True), charlie)
    assert client.post(revoke_url(token)).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_alice_must_give_her_code_before_making_a_token(client: Client, alice: User) -> None:
    client.force_login(alice)
    assert client.post(TOKENS, NEW).status_code == 302
    assert not ApiToken.objects.exists()
    sign_in(client, alice)
    assert client.post(TOKENS, NEW).status_code == 201
