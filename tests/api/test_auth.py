"""Personal API tokens: no token, a wrong, expired or revoked one → 401; a read-only token on a
write endpoint → 403; an object the owner may not see → 404, the same as one that does not exist.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from time_machine import TimeMachineFixture

from tests.api.conftest import T0, Api, People, token_for
from vulndesk.accounts.models import ApiToken, TokenScope
from vulndesk.accounts.tokens import revoke_token


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer vdt_not-a-real-token", "Basic x"])
def test_it_refuses_a_request_without_a_live_token(people: People, header: str | None) -> None:
    client = Api(None)
    if header is not None:
        client.client.defaults["HTTP_AUTHORIZATION"] = header
    response = client.get("/reports")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "code": "unauthenticated",
        "message": "send a live API token: Authorization: Bearer vdt_…",
        "field": None,
        "errors": [],
    }


def test_it_refuses_an_expired_token(people: People, time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(T0 + timedelta(days=31), tick=False)
    assert people.alice.get("/reports").status_code == 401


def test_it_refuses_a_revoked_token(people: People) -> None:
    raw = token_for(people.cast.alice)
    token = ApiToken.objects.get(hint=raw[:8])
    assert Api(raw).get("/reports").status_code == 200
    revoke_token(token, actor=people.cast.alice)
    assert Api(raw).get("/reports").status_code == 401


def test_a_deactivated_users_token_stops_working(people: People) -> None:
    raw = token_for(people.cast.alice)
    assert Api(raw).get("/reports").status_code == 200
    User.objects.filter(pk=people.cast.alice.pk).update(is_active=False)
    assert Api(raw).get("/reports").status_code == 401


def test_a_read_only_token_reads_but_may_not_write(people: People) -> None:
    assert people.alice_reader.get("/reports/emissary/1").status_code == 200
    response = people.alice_reader.post(
        "/reports/emissary/1/transitions", {"to": "triaging", "version": 1}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "read_only_token"
    people.cast.leak.refresh_from_db()
    assert people.cast.leak.state == "received"


def test_an_outsider_gets_the_same_404_as_for_a_report_that_does_not_exist(
    people: People,
) -> None:
    hidden = people.charlie.get("/reports/emissary/1")
    missing = people.charlie.get("/reports/emissary/999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


def test_it_records_when_a_token_was_last_used_at_most_once_a_minute(
    people: People, time_machine: TimeMachineFixture
) -> None:
    raw = token_for(people.cast.charlie, TokenScope.READ)
    token = ApiToken.objects.get(hint=raw[:8])
    assert token.last_used_at is None
    Api(raw).get("/reports")
    token.refresh_from_db()
    assert token.last_used_at == T0
    time_machine.move_to(T0 + timedelta(seconds=30), tick=False)
    Api(raw).get("/reports")
    token.refresh_from_db()
    assert token.last_used_at == T0
    time_machine.move_to(T0 + timedelta(seconds=61), tick=False)
    Api(raw).get("/reports")
    token.refresh_from_db()
    assert token.last_used_at == T0 + timedelta(seconds=61)
