"""The second step of signing in: alice, on a security team, gives her authenticator's code."""

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import User
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.helpers import code_for, wrong_code
from vulndesk.desk.models import AuditEvent

pytestmark = pytest.mark.django_db

VERIFY = reverse("two-factor-verify")


def log_in(client: Client, username: str) -> str:
    """The password step, through the login page; returns where it sent the browser."""
    response = client.post(reverse("login"), {"username": username, "password": "password"})
    assert response.status_code == 302
    return str(response["Location"])


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client) -> None:
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_user_without_a_device_is_sent_to_set_one_up(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.get(VERIFY, {"next": "/reports/"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('two-factor-setup')}?next=/reports/"


def test_after_the_password_alice_must_give_a_code_before_any_page(
    client: Client, alice: User, alice_device: TOTPDevice
) -> None:
    landing = log_in(client, "alice")

    for page in (landing, reverse("report-list"), reverse("account"), reverse("admin:index")):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(f"{VERIFY}?next="), page
    form = client.get(VERIFY)
    assert form.status_code == 200
    assert '<label for="id_code">Code</label>' in form.content.decode()


def test_the_right_code_verifies_the_session_and_goes_on_to_the_page_asked_for(
    client: Client, alice: User, alice_device: TOTPDevice
) -> None:
    log_in(client, "alice")

    response = client.post(VERIFY, {"code": code_for(alice_device), "next": "/reports/"})

    assert response.status_code == 302
    assert response["Location"] == "/reports/"
    assert client.get(reverse("report-list")).status_code == 200
    assert client.get(reverse("account")).status_code == 200


def test_it_takes_the_code_with_the_space_apps_show(
    client: Client, alice: User, alice_device: TOTPDevice
) -> None:
    log_in(client, "alice")
    code = code_for(alice_device)
    response = client.post(VERIFY, {"code": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 302
    assert response["Location"] == resolve_url(settings.LOGIN_REDIRECT_URL)


def test_it_does_not_redirect_to_another_site_after_the_code(
    client: Client, alice: User, alice_device: TOTPDevice
) -> None:
    log_in(client, "alice")
    response = client.post(
        VERIFY, {"code": code_for(alice_device), "next": "https://evil.example/"}
    )
    assert response["Location"] == resolve_url(settings.LOGIN_REDIRECT_URL)


@time_machine.travel("2026-03-02 10:00:05Z", tick=False)
def test_it_rejects_a_used_totp_code(client: Client, alice: User, alice_device: TOTPDevice) -> None:
    code = code_for(alice_device)
    log_in(client, "alice")
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post(reverse("logout"))

    log_in(client, "alice")
    response = client.post(VERIFY, {"code": code})

    assert response.status_code == 400
    assert "wrong or was used already" in response.content.decode()
    assert client.get(reverse("report-list")).status_code == 302


def test_a_wrong_code_is_refused_and_recorded_in_the_audit_trail(
    client: Client, alice: User, alice_device: TOTPDevice
) -> None:
    log_in(client, "alice")

    response = client.post(VERIFY, {"code": wrong_code(alice_device)})

    assert response.status_code == 400
    assert client.get(reverse("report-list")).status_code == 302
    event = AuditEvent.objects.get(action="two_factor.failed")
    assert event.actor == alice
    assert event.data == {"device": alice_device.pk, "step": "verify", "reason": "wrong code"}
    assert event.report is None
    assert event.project_id is None


def test_wrong_codes_make_the_next_try_wait(
    client: Client, alice: User, alice_device: TOTPDevice
) -> None:
    log_in(client, "alice")
    with time_machine.travel("2026-03-02 10:00:05Z", tick=False) as clock:
        client.post(VERIFY, {"code": wrong_code(alice_device)})

        throttled = client.post(VERIFY, {"code": code_for(alice_device)})
        assert throttled.status_code == 429
        assert "too many wrong codes: wait until 10:00:06 UTC" in throttled.content.decode()
        assert AuditEvent.objects.filter(data__reason="throttled").count() == 1

        clock.shift(1)
        client.post(VERIFY, {"code": wrong_code(alice_device)})
        clock.shift(1)  # the second wrong code doubled the wait
        assert client.post(VERIFY, {"code": code_for(alice_device)}).status_code == 429
        clock.shift(1)
        assert client.post(VERIFY, {"code": code_for(alice_device)}).status_code == 302


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef"])
def test_a_code_that_is_not_six_digits_is_refused_naming_the_field(
    client: Client, alice: User, alice_device: TOTPDevice, code: str
) -> None:
    log_in(client, "alice")
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 400
    assert 'id="code-error"' in response.content.decode()
    assert not AuditEvent.objects.filter(action="two_factor.failed").exists()
