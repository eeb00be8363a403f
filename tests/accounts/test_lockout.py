"""Login lockout: five wrong passwords for one username from one address lock that pair out for
15 minutes; the page says until when."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from vulndesk.accounts.lockout import client_address

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
START = "2026-03-02 10:00:00Z"
ADDRESS = "198.51.100.7"


def attempt(client: Client, password: str, address: str = ADDRESS) -> int:
    response = client.post(
        LOGIN, {"username": "charlie", "password": password}, REMOTE_ADDR=address
    )
    return response.status_code


def fail_five_times(client: Client) -> list[int]:
    return [attempt(client, "guess") for _ in range(5)]


@time_machine.travel(START, tick=False)
def test_five_wrong_passwords_lock_the_login(client: Client, charlie: User) -> None:
    assert fail_five_times(client) == [200, 200, 200, 200, 429]


@time_machine.travel(START, tick=False)
def test_the_lockout_page_says_when_to_try_again(client: Client, charlie: User) -> None:
    fail_five_times(client)

    response = client.post(
        LOGIN, {"username": "charlie", "password": "password"}, REMOTE_ADDR=ADDRESS
    )

    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed logins" in html
    assert "locked until 2026-03-02 10:15 UTC (in 15\xa0minutes)" in html
    assert response["Retry-After"] == "900"


def test_the_right_password_is_refused_while_locked_and_works_after_the_cool_off(
    client: Client, charlie: User
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        fail_five_times(client)
        clock.shift(timedelta(minutes=14))

        assert attempt(client, "password") == 429
        assert "_auth_user_id" not in client.session

        clock.shift(timedelta(minutes=1, seconds=1))  # tries while locked do not extend it
        assert attempt(client, "password") == 302
        assert client.session["_auth_user_id"] == str(charlie.pk)


@time_machine.travel(START, tick=False)
def test_the_lockout_is_for_that_username_from_that_address_only(
    client: Client, charlie: User
) -> None:
    fail_five_times(client)
    assert attempt(client, "password", address="203.0.113.9") == 302


@time_machine.travel(START, tick=False)
def test_a_successful_login_clears_the_count(client: Client, charlie: User) -> None:
    for _ in range(4):
        attempt(client, "guess")
    assert attempt(client, "password") == 302
    client.post(reverse("logout"))

    assert [attempt(client, "guess") for _ in range(4)] == [200] * 4
    assert attempt(client, "password") == 302


@override_settings(PROXY_COUNT=1)
def test_behind_one_proxy_the_address_is_the_one_the_proxy_saw() -> None:
    request = RequestFactory().post(
        LOGIN, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.66, 198.51.100.7"
    )
    # 192.0.2.66 came from the client itself and could be anything.
    assert client_address(request) == "198.51.100.7"


def test_without_a_proxy_a_forwarded_for_header_is_ignored() -> None:
    request = RequestFactory().post(
        LOGIN, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.66"
    )
    assert client_address(request) == "198.51.100.7"
