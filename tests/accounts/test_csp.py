"""The Content-Security-Policy: one strict policy on every page. `check --deploy` does not ask
for one, so this test does."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.helpers import make_device, sign_in

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as HttpResponse

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
}
# What a strict policy blocks, so what no page of ours may rely on.
INLINE_CODE = re.compile(r"<style|\sstyle=|<script(?![^>]*\ssrc=)|\son[a-z]+=", re.IGNORECASE)


def policy(response: HttpResponse) -> dict[str, list[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";"))
    return {name: sources for name, *sources in directives}


def login_page(client: Client) -> HttpResponse:
    return client.get(reverse("login"))


def lockout_page(client: Client) -> HttpResponse:
    User.objects.create_user("eve", password="password")
    for _ in range(5):
        response = client.post(reverse("login"), {"username": "eve", "password": "guess"})
    return response


def desk_page(client: Client) -> HttpResponse:
    return sign_in(client, User.objects.get(username="alice")).get(reverse("report-list"))


def admin_page(client: Client) -> HttpResponse:
    root = User.objects.create_superuser("root", "root@example.org", "password")
    return sign_in(client, root).get(reverse("admin:index"))


def verify_page(client: Client) -> HttpResponse:
    alice = User.objects.get(username="alice")
    make_device(alice)
    client.force_login(alice)
    return client.get(reverse("two-factor-verify"))


def setup_page(client: Client) -> HttpResponse:
    client.force_login(User.objects.get(username="alice"))
    return client.get(reverse("two-factor-setup"))


def account_page(client: Client) -> HttpResponse:
    return sign_in(client, User.objects.get(username="alice")).get(reverse("account"))


def token_pages(client: Client) -> HttpResponse:
    sign_in(client, User.objects.get(username="alice"))
    assert client.get(reverse("api-tokens")).status_code == 200
    data = {"name": "release script", "scope": "read", "lifetime": 30}
    return client.post(reverse("api-tokens"), data)


PAGES: list[Callable[[Client], HttpResponse]] = [
    login_page,
    lockout_page,
    desk_page,
    admin_page,
    verify_page,
    setup_page,
    account_page,
    token_pages,
]


@pytest.mark.parametrize("page", PAGES, ids=[page.__name__ for page in PAGES])
def test_every_page_carries_the_strict_policy(
    client: Client, alice: User, page: Callable[[Client], HttpResponse]
) -> None:
    response = page(client)
    assert response.status_code in {200, 201, 429}
    assert policy(response) == POLICY


@pytest.mark.parametrize(
    "page",
    [lockout_page, verify_page, setup_page, account_page, token_pages],
    ids=["lockout", "verify", "setup", "account", "tokens"],
)
def test_the_account_pages_need_no_inline_script_or_style(
    client: Client, alice: User, page: Callable[[Client], HttpResponse]
) -> None:
    html = page(client).content.decode()
    assert INLINE_CODE.findall(html) == []


def test_the_qr_code_is_drawn_in_the_page_not_loaded(client: Client, alice: User) -> None:
    html = setup_page(client).content.decode()
    assert "<svg" in html
    assert "<img" not in html
    assert not TOTPDevice.objects.filter(user__username="alice", confirmed=True).exists()
