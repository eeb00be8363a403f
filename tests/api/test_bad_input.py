"""Bad input: each gets a clear 4xx naming the field, never a 500 and never a partial write."""

import json

import pytest

from tests.api.conftest import People
from vulndesk.desk.models import AuditEvent, Comment, Report

WRITES = [
    "/reports/emissary/1/transitions",
    "/reports/emissary/1/cvss",
    "/reports/emissary/1/affects",
    "/reports/emissary/1/comments",
]


@pytest.fixture
def untouched(people: People) -> object:
    """After the test, EMISSARY-1 and the audit log are as they were."""
    events = AuditEvent.objects.count()
    yield
    leak = Report.objects.get(pk=people.cast.leak.pk)
    assert (leak.state, leak.version, leak.cvss_vector) == ("received", 1, "")
    assert not leak.affects.exists()
    assert not Comment.objects.exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.usefixtures("untouched")
@pytest.mark.parametrize("path", WRITES)
@pytest.mark.parametrize("raw", ['{"to": ', "not json", '{"version": 1,}'])
def test_malformed_json_is_a_400(people: People, path: str, raw: str) -> None:
    response = people.alice.post_raw(path, raw)
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


@pytest.mark.usefixtures("untouched")
@pytest.mark.parametrize("path", WRITES)
def test_an_unknown_field_is_a_422_naming_it(people: People, path: str) -> None:
    payload = {"to": "triaging", "vector": "x", "body": "b", "version": 1, "admin": True}
    response = people.alice.post(path, payload)
    assert response.status_code == 422
    last = response.json()["errors"][-1]
    assert (last["code"], last["field"]) == ("extra_forbidden", "body.admin")


@pytest.mark.usefixtures("untouched")
@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/reports/emissary/1/transitions", {"to": "triaging", "version": "1"}, "body.version"),
        ("/reports/emissary/1/transitions", {"to": "triaging", "version": 1.5}, "body.version"),
        ("/reports/emissary/1/transitions", {"to": "nowhere", "version": 1}, "body.to"),
        ("/reports/emissary/1/transitions", {"to": "triaging"}, "body.version"),
        ("/reports/emissary/1/cvss", {"vector": 7, "version": 1}, "body.vector"),
        ("/reports/emissary/1/affects", {"status": "maybe", "version": 1}, "body.status"),
        ("/reports/emissary/1/affects", {"package": "a\x00b", "version": 1}, "body.package"),
        ("/reports/emissary/1/comments", {"body": ["list"]}, "body.body"),
        ("/reports/emissary/1/comments", [], "body"),
    ],
)
def test_a_wrong_type_is_a_422_with_the_field_path(
    people: People, path: str, payload: object, field: str
) -> None:
    response = people.alice.post(path, payload)
    assert response.status_code == 422
    assert response.json()["field"] == field


@pytest.mark.usefixtures("untouched")
@pytest.mark.parametrize("path", WRITES)
def test_a_body_over_1_mib_is_a_413(people: People, path: str) -> None:
    raw = json.dumps({"body": "x" * (1024 * 1024), "version": 1})
    response = people.alice.post_raw(path, raw)
    assert response.status_code == 413
    assert response.json() == {
        "code": "too_large",
        "message": "the request body is over 1 MiB; send less",
        "field": "body",
        "errors": [],
    }


@pytest.mark.usefixtures("untouched")
def test_an_unpaired_surrogate_is_refused_before_the_database_sees_it(people: People) -> None:
    response = people.alice.post_raw("/reports/emissary/1/comments", '{"body": "\\ud800"}')
    assert response.status_code == 422
    assert response.json()["field"] == "body.body"
