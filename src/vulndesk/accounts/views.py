"""The account pages: the second factor (verify, enrol), the account summary, API tokens."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import TYPE_CHECKING

import django_otp
import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vulndesk.accounts import two_factor
from vulndesk.accounts.forms import CalendarFeedForm, CodeForm, TokenForm
from vulndesk.accounts.models import ApiToken, CalendarFeed
from vulndesk.accounts.tokens import issue_token, revoke_token
from vulndesk.desk.access import needs_two_factor, projects_visible_to
from vulndesk.desk.services.calendar_feeds import issue_feed, revoke_feed

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_otp.plugins.otp_totp.models import TOTPDevice


def signed_in_user(request: HttpRequest) -> User:
    """The user of a view behind @login_required."""
    user: User = request.user  # type: ignore[assignment]
    return user


def next_url(request: HttpRequest) -> str:
    """Where the user was going before the second factor; never another site."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def code_page(
    request: HttpRequest,
    template: str,
    form: CodeForm,
    check: two_factor.CodeCheck | None,
    **ctx: object,
) -> HttpResponse:
    """The form again, saying what was wrong: 429 while throttled, 400 for a bad code."""
    if check is not None:
        form.add_error("code", check.problem)
    status = 429 if check and check.retry_at else 400 if form.is_bound else 200
    context = {"form": form, "next": next_url(request), **ctx}
    return render(request, template, context, status=status)


@never_cache
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    device = two_factor.confirmed_device(user)
    if device is None:
        return redirect_to_login(next_url(request), resolve_url("two-factor-setup"))
    form = CodeForm(request.POST or None)
    check = None
    if form.is_valid():
        check = two_factor.verify(user, device, form.cleaned_data["code"])
        if check.device is not None:
            django_otp.login(request, check.device)
            return redirect(next_url(request))
    return code_page(request, "accounts/two_factor_verify.html", form, check)


@never_cache
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if two_factor.confirmed_device(user) is not None:
        # One device each; replacing it is an operator's job, so a stolen password cannot.
        return redirect("account" if user.otp_device else "two-factor-verify")  # type: ignore[attr-defined]
    device = two_factor.pending_device(user)
    form = CodeForm(request.POST or None)
    check = None
    if form.is_valid():
        check = two_factor.enrol(user, device, form.cleaned_data["code"])
        if check.device is not None:
            django_otp.login(request, check.device)
            return redirect(next_url(request))
    return code_page(
        request,
        "accounts/two_factor_setup.html",
        form,
        check,
        secret=readable_secret(device),
        qr_code=qr_svg(device),
    )


def readable_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps take it typed in: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    svg = segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)
    # segno writes only the QR's geometry (its path data), none of the text it encodes.
    return mark_safe(svg)  # noqa: S308


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    context = {
        "device": two_factor.confirmed_device(user),
        "required": needs_two_factor(user),
        "active_tokens": ApiToken.objects.usable(timezone.now()).filter(user=user).count(),
        "active_feeds": CalendarFeed.objects.filter(user=user, revoked_at=None).count(),
    }
    return render(request, "accounts/account.html", context)


@never_cache
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = TokenForm(request.POST or None)
    if form.is_valid():
        data = form.cleaned_data
        token, raw = issue_token(
            user, name=data["name"], scope=data["scope"], lifetime=timedelta(days=data["lifetime"])
        )
        # The only time the raw token exists: on this page, which is never cached.
        return render(
            request, "accounts/api_token_created.html", {"token": token, "raw": raw}, status=201
        )
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")
    context = {"form": form, "tokens": tokens, "now": timezone.now()}
    return render(
        request, "accounts/api_tokens.html", context, status=400 if form.is_bound else 200
    )


@require_POST
@login_required
def revoke_api_token(request: HttpRequest, token_id: int) -> HttpResponse:
    user = signed_in_user(request)
    token = get_object_or_404(ApiToken, pk=token_id, user=user)
    revoke_token(token, actor=user)
    return redirect("api-tokens")


@never_cache
@login_required
def calendar_feeds(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = CalendarFeedForm(request.POST or None, projects=projects_visible_to(user))
    if request.method == "POST" and form.is_valid():
        feed, raw = issue_feed(user, project=form.cleaned_data["project"])
        # The only time the secret address exists: on this page, which is never cached.
        return render(
            request,
            "accounts/calendar_feed_created.html",
            {"feed": feed, "url": absolute_url(request, feed_path(feed, raw))},
            status=201,
        )
    feeds = CalendarFeed.objects.filter(user=user).select_related("project").order_by("-created_at")
    # Only the start of each secret is kept, so a listed address shows that and no more.
    shown = [(feed, feed_path(feed, feed.hint).removesuffix(".ics") + "….ics") for feed in feeds]
    context = {"form": form, "feeds": shown}
    return render(
        request, "accounts/calendar_feeds.html", context, status=400 if form.is_bound else 200
    )


def absolute_url(request: HttpRequest, path: str) -> str:
    """The address calendar clients reach this desk at: the configured one, else this request's."""
    return settings.BASE_URL + path if settings.BASE_URL else request.build_absolute_uri(path)


def feed_path(feed: CalendarFeed, token: str) -> str:
    if feed.project is None:
        return reverse("calendar-feed", kwargs={"token": token})
    return reverse("project-calendar-feed", kwargs={"slug": feed.project.slug, "token": token})


@require_POST
@login_required
def revoke_calendar_feed(request: HttpRequest, feed_id: int) -> HttpResponse:
    user = signed_in_user(request)
    feed = get_object_or_404(CalendarFeed, pk=feed_id, user=user)
    revoke_feed(feed, actor=user)
    return redirect("calendar-feeds")
