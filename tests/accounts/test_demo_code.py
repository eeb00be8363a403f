"""The demo login has a second factor with a public key; `vulndesk democode` prints its code."""

import re

import pytest
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.helpers import make_device
from tests.cli.helpers import vulndesk
from tests.desk.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_demo_login_signs_in_with_the_printed_password_and_code(client: Client) -> None:
    out = vulndesk("demo")
    login = re.search(r"^demo login: (\S+) / (\S+)$", out, re.MULTILINE)
    assert login is not None
    assert "`vulndesk democode` prints the current code" in out

    client.post(reverse("login"), {"username": login[1], "password": login[2]})
    assert client.get(reverse("report-list"))["Location"].startswith(reverse("two-factor-verify"))
    code = vulndesk("democode").strip()
    response = client.post(reverse("two-factor-verify"), {"code": code})

    assert re.fullmatch(r"[0-9]{6}", code)
    assert response.status_code == 302
    assert client.get(reverse("report-list")).status_code == 200


def test_the_printed_key_is_the_one_the_device_holds() -> None:
    out = vulndesk("demo")
    key = re.search(r"^demo second factor: key ([A-Z2-7]+) in any authenticator app", out, re.M)
    assert key is not None
    assert f"secret={key[1]}" in TOTPDevice.objects.get(user__username="demo").config_url
    vulndesk("demo")
    assert TOTPDevice.objects.filter(user__username="demo").count() == 1


def test_it_prints_no_code_for_a_demo_user_with_a_real_device() -> None:
    make_device(make_user("demo"))
    with pytest.raises(CommandError, match="no demo login here"):
        vulndesk("democode")
