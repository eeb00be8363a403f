from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from vulndesk.desk.demo import demo_totp_device


class Command(BaseCommand):
    help = "Print the demo login's current two-factor code (only while it has the demo key)."

    def handle(self, *args: Any, **options: Any) -> None:
        device = demo_totp_device()
        if device is None:
            raise CommandError("there is no demo login here; `vulndesk demo` makes one")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
