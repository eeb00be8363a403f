"""Steps the stories share, done as a person does them: through the page, by visible labels."""

from django.contrib.auth.models import User
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

PASSWORD = "password"  # what tests.desk.factories.make_user gives everyone


def authenticator_app(user: User) -> TOTPDevice:
    """A confirmed TOTP device, as if `user` had set up their app on the account page."""
    device: TOTPDevice = TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=True
    )
    return device


def code_shown_now(device: TOTPDevice) -> str:
    """The six digits the user's app shows at this moment.

    django-otp refuses a code whose time step is not after the last one used (`last_t`), so
    compute the code when it is typed and use each device for one sign-in per story.
    """
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def log_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def give_code(page: Page, device: TOTPDevice) -> None:
    expect(page.get_by_role("heading", name="Two-factor check")).to_be_visible()
    page.get_by_label("Code").fill(code_shown_now(device))
    page.get_by_role("button", name="Verify").click()


def log_in_with_code(page: Page, username: str, device: TOTPDevice) -> None:
    log_in(page, username)
    give_code(page, device)
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
