"""Personal API tokens: `Authorization: Bearer vdt_…`; write endpoints need a write token."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from vulndesk.accounts.models import ApiToken
from vulndesk.api.errors import ApiError

# Recording every use would turn each read into a write; once a minute still tells an owner
# which tokens are alive.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenAuth(HttpBearer):
    def __init__(self, *, write: bool) -> None:
        super().__init__()
        self.write = write

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        now = timezone.now()
        found = ApiToken.find(token, now)
        if found is None:
            return None
        if found.last_used_at is None or found.last_used_at < now - LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        if self.write and not found.can_write:
            raise ApiError(403, "read_only_token", "this token may only read; use a write token")
        return found


read_token = TokenAuth(write=False)
write_token = TokenAuth(write=True)
