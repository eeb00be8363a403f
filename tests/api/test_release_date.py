"""`GET /reports/{project}/{number}/release-date/proposal` and `POST .../release-date`.

EMISSARY-1 was disclosed at T0 (Friday 2024-03-01 10:00 UTC): EMI-40 wants the fix released
within 21 days, by 2024-03-22 10:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.api.conftest import People
from vulndesk.desk.models import AuditEvent, Report

LEAK = "/reports/emissary/1"
EMI_40_DEADLINE = "2024-03-22T10:00:00Z"


def footprint() -> tuple[Any, ...]:
    rows = Report.objects.order_by("pk").values_list("release_date", "version")
    return AuditEvent.objects.count(), list(rows)


def test_the_team_who_may_view_reads_the_proposal(people: People) -> None:
    for who in (people.alice_reader, people.dave):
        response = who.get(f"{LEAK}/release-date/proposal")
        assert response.status_code == 200, response.json()
        data = response.json()
        assert data["key"] == "EMISSARY-1"
        assert datetime.fromisoformat(data["release_date"]) == datetime(2024, 3, 1, 10, tzinfo=UTC)
        assert data["feasible"] is True
        assert (
            data["reasons"][0]["text"] == "no rule of the policy holds the release later than now"
        )
    assert people.charlie.get(f"{LEAK}/release-date/proposal").status_code == 404
    assert people.anonymous.get(f"{LEAK}/release-date/proposal").status_code == 401


def test_emi_40_a_date_past_the_deadline_is_refused_with_422_naming_the_rule(
    people: People,
) -> None:
    before = footprint()
    data = {"release_date": "2024-03-25T16:00:00Z", "reason": "after the holidays", "version": 1}
    response = people.alice.post(f"{LEAK}/release-date", data)
    assert response.status_code == 422, response.json()
    body = response.json()
    assert (body["code"], body["field"]) == ("release_date_refused", "body.release_date")
    (error,) = body["errors"]
    assert error["code"] == "fix_released"
    assert "(EMI-40): the latest date is 2024-03-22 10:00 UTC" in error["message"]
    assert footprint() == before


def test_emi_40_the_security_team_may_override_with_a_reason(people: People) -> None:
    data = {
        "release_date": "2024-03-25T16:00:00Z",
        "reason": "the reporter agreed to wait for the holidays",
        "override": True,
        "version": 1,
    }
    response = people.alice.post(f"{LEAK}/release-date", data)
    assert response.status_code == 200, response.json()
    assert response.json()["release_date"].startswith("2024-03-25T16:00:00")
    event = AuditEvent.objects.order_by("-pk")[0]
    assert event.action == "report.release_date_set"
    assert "(EMI-40)" in event.data["overridden"][0]


def test_a_date_that_meets_every_rule_is_set(people: People) -> None:
    data = {"release_date": EMI_40_DEADLINE, "reason": "agreed", "version": 1}
    response = people.alice.post(f"{LEAK}/release-date", data)
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2


def test_the_fix_team_may_not_set_the_date_and_outsiders_learn_nothing(people: People) -> None:
    data = {"release_date": EMI_40_DEADLINE, "reason": "agreed", "version": 1}
    assert people.dave.post(f"{LEAK}/release-date", data).status_code == 403
    assert people.charlie.post(f"{LEAK}/release-date", data).status_code == 404
    assert people.alice_reader.post(f"{LEAK}/release-date", data).status_code == 403


def test_a_date_without_its_zone_is_refused_at_its_field(people: People) -> None:
    data = {"release_date": "2024-03-20T16:00:00", "reason": "agreed", "version": 1}
    response = people.alice.post(f"{LEAK}/release-date", data)
    assert response.status_code == 422
    assert response.json()["field"] == "body.release_date"
