"""Send a user who owes a second factor to give it before any page.

Runs after django-otp's OTPMiddleware, which tells whether this session is verified. The pages
that lead to verification (log in, the two-factor pages, log out) stay open, as do static files
and the API, which authenticates each request with a token and answers 401 itself.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from django_otp import user_has_device

from vulndesk.accounts.two_factor import must_verify

OPEN_PAGES = ("login", "logout", "two-factor-verify", "two-factor-setup")
OPEN_PREFIXES = ("/api/", f"/{settings.STATIC_URL.lstrip('/')}")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not self.is_open(request.path_info) and must_verify(request.user):
            step = "two-factor-verify" if user_has_device(request.user) else "two-factor-setup"
            return redirect_to_login(request.get_full_path(), reverse(step))
        return self.get_response(request)

    @staticmethod
    def is_open(path: str) -> bool:
        return path.startswith(OPEN_PREFIXES) or path in {reverse(name) for name in OPEN_PAGES}
