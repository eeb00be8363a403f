"""Scoring a report with a CVSS vector; a bad vector names the metric and writes nothing."""

import pytest

from tests.api.conftest import People
from vulndesk.desk.models import AuditEvent

V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def test_the_security_team_scores_a_report_with_cvss_4(people: People) -> None:
    response = people.alice.post("/reports/emissary/1/cvss", {"vector": V4, "version": 1})
    assert response.status_code == 200
    detail = response.json()
    assert (detail["cvss_version"], detail["cvss_score"], detail["severity"]) == (
        "4.0",
        9.3,
        "critical",
    )
    assert detail["version"] == 2


@pytest.mark.parametrize(
    ("vector", "named"),
    [
        ("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV:X"),
        ("CVSS:4.0/AV:N", "AC"),
        ("not a vector", "CVSS"),
    ],
)
def test_a_bad_vector_is_a_422_on_body_vector_naming_the_metric(
    people: People, vector: str, named: str
) -> None:
    events = AuditEvent.objects.count()
    response = people.alice.post("/reports/emissary/1/cvss", {"vector": vector, "version": 1})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_vector"
    assert response.json()["field"] == "body.vector"
    assert named in response.json()["message"]
    people.cast.leak.refresh_from_db()
    assert (people.cast.leak.cvss_vector, people.cast.leak.version) == ("", 1)
    assert AuditEvent.objects.count() == events


def test_a_fix_team_member_may_not_score(people: People) -> None:
    response = people.dave.post("/reports/emissary/1/cvss", {"vector": V4, "version": 1})
    assert response.status_code == 403
