"""`PUT /reports/{project}/{number}/security-repository`: tie a report to the private remote its
fix branches live in (EMI-29, OEDX-16). The answer and the audit trail never show a password;
a remote git would run a command for, or read as an option, is a 422 at `remote`; a stale
version a 409; nothing is written when refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Api, People
from tests.gitops.repos import git
from vulndesk.desk.models import AuditEvent, Report

LEAK = "/reports/emissary/1"
REMOTE = "https://git.example.org/security/proxy.git"


def put(api: Api, data: dict[str, Any], path: str = LEAK) -> Any:
    return api.client.put(
        f"/api/v1{path}/security-repository", data, content_type="application/json"
    )


def footprint() -> tuple[Any, ...]:
    rows = Report.objects.order_by("pk").values_list("security_repository", "version")
    return AuditEvent.objects.count(), list(rows)


def test_emi29_the_fix_lead_links_the_private_repository(people: People) -> None:
    response = put(people.bob, {"remote": REMOTE, "version": 1}, "/reports/emissary/2")
    assert response.status_code == 200, response.json()
    assert response.json() == {"remote": REMOTE, "version": 2}
    event = AuditEvent.objects.order_by("-pk")[0]
    assert (event.action, str(event.actor), event.data) == (
        "fix.repository_linked",
        "bob",
        {"remote": REMOTE, "previous": ""},
    )
    assert Report.objects.get(number=2).security_repository == REMOTE


def test_a_local_repository_on_the_server_is_linked_too(people: People, tmp_path: Path) -> None:
    git(tmp_path, "init", "--quiet", "--bare")
    response = put(people.alice, {"remote": f" {tmp_path} ", "version": 1})
    assert response.status_code == 200, response.json()
    assert response.json()["remote"] == str(tmp_path)


def test_a_token_in_the_url_is_kept_but_never_shown(people: People) -> None:
    secret = "https://bot:ghp_s3cret@git.example.org/security/proxy.git"
    response = put(people.alice, {"remote": secret, "version": 1})
    assert response.status_code == 200, response.json()
    assert "ghp_s3cret" not in response.content.decode()
    assert "ghp_s3cret" not in str(AuditEvent.objects.order_by("-pk")[0].data)
    assert Report.objects.get(number=1).security_repository == secret


def test_linking_the_same_remote_again_changes_nothing(people: People) -> None:
    put(people.alice, {"remote": REMOTE, "version": 1})
    before = footprint()
    response = put(people.alice, {"remote": REMOTE, "version": 2})
    assert response.json() == {"remote": REMOTE, "version": 2}
    assert footprint() == before


@pytest.mark.parametrize(
    ("remote", "says"),
    [
        ("ext::sh -c touch% /tmp/pwned", "transport helper"),
        ("--upload-pack=touch /tmp/pwned", "option"),
        ("http://git.example.org/security/proxy.git", "scheme is refused"),
        ("/no/such/directory", "does not exist"),
        ("", "give the private repository"),
        ("proxy", "is not a remote"),
    ],
)
def test_a_refused_remote_is_a_422_at_remote(people: People, remote: str, says: str) -> None:
    before = footprint()
    response = put(people.alice, {"remote": remote, "version": 1})
    assert response.status_code == 422, response.json()
    assert response.json()["field"] == "body.remote"
    assert says in response.json()["message"]
    assert footprint() == before


def test_a_stale_version_is_a_409_with_the_report_as_it_is(people: People) -> None:
    before = footprint()
    response = put(people.alice, {"remote": REMOTE, "version": 9})
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    assert response.json()["current"]["version"] == 1
    assert footprint() == before


def test_who_may_link_it(people: People) -> None:
    before = footprint()
    data = {"remote": REMOTE, "version": 1}
    assert put(people.dave, data).status_code == 403  # the Fix Team writes the fix, not this
    assert put(people.alice_reader, data).json()["code"] == "read_only_token"
    assert put(people.charlie, data).status_code == 404
    assert put(people.bob, data).status_code == 404  # he leads EMISSARY-2, not this one
    assert put(people.anonymous, data).status_code == 401
    assert footprint() == before
