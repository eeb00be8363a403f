"""Issue and revoke personal API tokens; the raw token exists only in `issue_token`'s answer."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from vulndesk.accounts.models import TOKEN_PREFIX, ApiToken, TokenScope
from vulndesk.desk.services import audit
from vulndesk.lib.tokens import new_token

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MIN_LIFETIME = timedelta(days=1)
MAX_LIFETIME = timedelta(days=366)


def issue_token(
    user: User, *, name: str, scope: TokenScope | str, lifetime: timedelta
) -> tuple[ApiToken, str]:
    """A new token and its raw value, which is shown to the user once and never stored."""
    if not name.strip():
        raise ValueError("name: give the token a name that says what it is for")
    if not MIN_LIFETIME <= lifetime <= MAX_LIFETIME:
        raise ValueError(f"lifetime: a token lives from one day to {MAX_LIFETIME.days} days")
    raw, token_digest = new_token(TOKEN_PREFIX)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name.strip(),
            digest=token_digest,
            hint=raw[: len(TOKEN_PREFIX) + 5],
            scope=TokenScope(scope),
            expires_at=timezone.now() + lifetime,
        )
        audit.record(
            "token.issued",
            actor=user,
            data={"token": token.pk, "name": token.name, "scope": token.scope},
        )
    return token, raw


def revoke_token(token: ApiToken, *, actor: User) -> None:
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if updated:
            audit.record("token.revoked", actor=actor, data={"token": token.pk})
