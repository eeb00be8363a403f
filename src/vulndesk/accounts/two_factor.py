"""The second factor: who must give one, enrolling an authenticator app, checking its codes.

A code is checked with the device row locked, so two requests racing with one code cannot both
pass: django-otp remembers the last time step used and refuses it and every earlier one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from vulndesk.desk.access import needs_two_factor
from vulndesk.desk.services import audit

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

DEVICE_NAME = "Authenticator app"


@dataclass(frozen=True)
class CodeCheck:
    device: TOTPDevice | None  # the device that took the code; None if it was refused
    retry_at: datetime | None = None  # set when refused unheard: too many wrong codes

    @property
    def problem(self) -> str:
        if self.retry_at is not None:
            return (
                "too many wrong codes: wait until "
                f"{self.retry_at:%H:%M:%S} UTC, then enter the code your app shows then"
            )
        return "that code is wrong or was used already: enter the code your app shows now"


def must_verify(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Signed in, not yet past the second factor this session, and one is required or set up.

    Anyone who set up an authenticator app gives its code, required or not: a second factor
    that could be skipped would protect nothing.
    """
    if not user.is_authenticated or getattr(user, "otp_device", None) is not None:
        return False
    return needs_two_factor(user) or bool(user_has_device(user, confirmed=True))


def confirmed_device(user: User) -> TOTPDevice | None:
    device: TOTPDevice | None = (
        TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    )
    return device


def pending_device(user: User) -> TOTPDevice:
    """The device being enrolled: the same one on every visit, so a reload keeps the secret
    the user may have scanned already."""
    device: TOTPDevice | None = (
        TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    )
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def verify(user: User, device: TOTPDevice, code: str) -> CodeCheck:
    """Check a code from the user's confirmed device."""
    return _check(user, device, code, step="verify")


def enrol(user: User, device: TOTPDevice, code: str) -> CodeCheck:
    """Confirm a pending device with its first code; from now on the user gives its codes."""
    return _check(user, device, code, step="enrol")


def _check(user: User, device: TOTPDevice, code: str, *, step: str) -> CodeCheck:
    with transaction.atomic():
        locked: TOTPDevice = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        allowed, refusal = locked.verify_is_allowed()
        if allowed and locked.verify_token(code):
            if step == "enrol":
                locked.confirmed = True
                locked.save(update_fields=["confirmed"])
                audit.record("two_factor.enrolled", actor=user, data={"device": locked.pk})
            return CodeCheck(locked)
        reason = "wrong code" if allowed else "throttled"
        audit.record(
            "two_factor.failed",
            actor=user,
            data={"device": locked.pk, "step": step, "reason": reason},
        )
    return CodeCheck(None, retry_at=None if allowed else refusal["locked_until"])
