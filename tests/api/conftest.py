"""The cast of tests/desk (alice: Emissary's security team, bob: Fix Lead of EMISSARY-2 only,
charlie: no role), each with a personal API token, and a client that sends it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.desk.cast import Cast, make_cast
from tests.desk.factories import make_user
from vulndesk.accounts.models import TokenScope
from vulndesk.accounts.tokens import issue_token
from vulndesk.desk.models import FixTeamMember

T0 = datetime(2024, 3, 1, 10, tzinfo=UTC)  # a Friday
BASE = "/api/v1"


class Api:
    """A client of /api/v1 that sends one bearer token (or none)."""

    def __init__(self, raw: str | None) -> None:
        self.raw = raw
        headers = {"Authorization": f"Bearer {raw}"} if raw else {}
        self.client = Client(headers=headers)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(BASE + path, params)

    def post(self, path: str, data: Any) -> Any:
        return self.client.post(BASE + path, json.dumps(data), content_type="application/json")

    def post_raw(self, path: str, raw: bytes | str) -> Any:
        return self.client.post(BASE + path, raw, content_type="application/json")

    def delete(self, path: str, **params: Any) -> Any:
        query = "&".join(f"{name}={value}" for name, value in params.items())
        return self.client.delete(f"{BASE}{path}?{query}")


def token_for(user: User, scope: str = TokenScope.WRITE) -> str:
    return issue_token(user, name="tests", scope=scope, lifetime=timedelta(days=30))[1]


@dataclass(frozen=True)
class People:
    cast: Cast
    alice: Api  # write token
    alice_reader: Api  # read-only token
    bob: Api
    charlie: Api
    dave: Api  # on EMISSARY-1's Fix Team: sees it, records affects, comments; cannot triage
    anonymous: Api


@pytest.fixture
def people(db: None, time_machine: Any) -> People:
    time_machine.move_to(T0, tick=False)
    cast = make_cast()
    dave = make_user("dave")
    FixTeamMember.objects.create(report=cast.leak, user=dave, accepted_at=T0)
    return People(
        cast=cast,
        alice=Api(token_for(cast.alice)),
        alice_reader=Api(token_for(cast.alice, TokenScope.READ)),
        bob=Api(token_for(cast.bob)),
        charlie=Api(token_for(cast.charlie)),
        dave=Api(token_for(dave)),
        anonymous=Api(None),
    )
