"""Enrolling an authenticator app: alice must, before any page; charlie may, and then must too."""

import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.helpers import code_for, sign_in, wrong_code
from vulndesk.desk.models import AuditEvent

pytestmark = pytest.mark.django_db

SETUP = reverse("two-factor-setup")


def pending(user: User) -> TOTPDevice:
    device: TOTPDevice = TOTPDevice.objects.get(user=user, confirmed=False)
    return device


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client) -> None:
    response = client.get(SETUP)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_alice_without_a_device_is_sent_to_set_one_up_after_the_password(
    client: Client, alice: User
) -> None:
    client.post(reverse("login"), {"username": "alice", "password": "password"})
    response = client.get(reverse("report-list"))
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next={reverse('report-list')}"


def test_the_page_shows_the_secret_as_text_and_as_an_inline_svg_qr_code(
    client: Client, alice: User
) -> None:
    client.force_login(alice)

    html = client.get(SETUP).content.decode()

    device = pending(alice)
    secret = re.search(r'<span class="secret">([A-Z2-7 ]+)</span>', html)
    assert secret is not None
    assert secret[1].replace(" ", "") in device.config_url
    assert '<svg width="' in html
    assert "<img" not in html
    # A reload shows the same key: the user may have scanned it already.
    assert secret[1] in client.get(SETUP).content.decode()
    assert TOTPDevice.objects.filter(user=alice).count() == 1


def test_the_first_right_code_confirms_the_device_and_verifies_the_session(
    client: Client, alice: User
) -> None:
    client.force_login(alice)
    client.get(SETUP)
    device = pending(alice)

    response = client.post(SETUP, {"code": code_for(device), "next": reverse("account")})

    assert response.status_code == 302
    assert response["Location"] == reverse("account")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("report-list")).status_code == 200
    event = AuditEvent.objects.get(action="two_factor.enrolled")
    assert (event.actor, event.data) == (alice, {"device": device.pk})


def test_a_wrong_code_leaves_the_device_unconfirmed_and_is_recorded(
    client: Client, alice: User
) -> None:
    client.force_login(alice)
    client.get(SETUP)
    device = pending(alice)

    response = client.post(SETUP, {"code": wrong_code(device)})

    assert response.status_code == 400
    assert "that code is wrong" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    event = AuditEvent.objects.get(action="two_factor.failed")
    assert event.data == {"device": device.pk, "step": "enrol", "reason": "wrong code"}
    assert client.get(reverse("report-list")).status_code == 302


@time_machine.travel("2026-03-02 10:00:05Z", tick=False)
def test_the_code_that_confirmed_the_device_cannot_sign_in_again(
    client: Client, alice: User
) -> None:
    client.force_login(alice)
    client.get(SETUP)
    code = code_for(pending(alice))
    client.post(SETUP, {"code": code})
    client.post(reverse("logout"))

    client.post(reverse("login"), {"username": "alice", "password": "password"})
    response = client.post(reverse("two-factor-verify"), {"code": code})

    assert response.status_code == 400


def test_a_password_alone_cannot_enrol_a_second_device(
    client: Client, alice: User, alice_device: TOTPDevice
) -> None:
    """Else a stolen password would be enough to swap in the thief's phone."""
    client.force_login(alice)

    response = client.get(SETUP)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor-verify"))
    assert client.post(SETUP, {"code": "123456"}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=alice)) == [alice_device]


def test_a_verified_user_with_a_device_is_sent_to_the_account_page(
    client: Client, alice: User
) -> None:
    sign_in(client, alice)
    response = client.get(SETUP)
    assert response.status_code == 302
    assert response["Location"] == reverse("account")


def test_charlie_may_set_up_a_device_and_then_owes_its_code_at_each_sign_in(
    client: Client, charlie: User
) -> None:
    client.force_login(charlie)
    assert client.get(reverse("report-list")).status_code == 200  # no role: not required
    client.get(SETUP)
    client.post(SETUP, {"code": code_for(pending(charlie))})
    client.post(reverse("logout"))

    client.post(reverse("login"), {"username": "charlie", "password": "password"})
    response = client.get(reverse("report-list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor-verify"))
