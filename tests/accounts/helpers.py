"""Signing in with a second factor in tests, the way the verify page does it."""

from django.contrib.auth.models import User
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from vulndesk.desk.access import needs_two_factor


def make_device(user: User, *, confirmed: bool = True) -> TOTPDevice:
    device: TOTPDevice = TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=confirmed
    )
    return device


def code_for(device: TOTPDevice) -> str:
    """The code the user's authenticator app shows now (time-machine moves "now")."""
    device.refresh_from_db()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(code_for(device)) + 1) % 1_000_000:06d}"


def sign_in(client: Client, user: User) -> Client:
    """Signed in, with the second factor verified in this session where one is needed."""
    client.force_login(user)
    if needs_two_factor(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or make_device(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
