"""`POST /reports/{project}/{number}/fix-exception` (VIT-12): a report affecting unsupported
lines only gets no fix unless the team records an exception and why; any other report is
refused with the service's reason, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import People
from vulndesk.desk.models import AuditEvent, ReleaseLine, Report
from vulndesk.desk.services.affects import add_affect

LEAK = "/reports/emissary/1"


@pytest.fixture
def unsupported_only(people: People) -> Report:
    """EMISSARY-1 affects 1.12 only, which the latest-minor rule leaves unsupported (EMI-16)."""
    for name, latest in (("1.12", "1.12.6"), ("1.13", "1.13.9")):
        ReleaseLine.objects.create(
            project=people.cast.emissary, name=name, status="supported", latest_version=latest
        )
    line = ReleaseLine.objects.get(name="1.12")
    report = add_affect(people.cast.leak, release_line=line, actor=None).report
    report.refresh_from_db()
    return report


def footprint() -> tuple[Any, ...]:
    rows = Report.objects.order_by("pk").values_list("fix_exception_reason", "version")
    return AuditEvent.objects.count(), list(rows)


def test_vit12_the_exception_is_recorded_and_the_fix_is_issued(
    people: People, unsupported_only: Report
) -> None:
    plan = people.alice.get(LEAK).json()["release_plan"]
    assert (plan["case"], plan["fix_issued"]) == ("unsupported_only", False)
    data = {"reason": "exploited in the wild", "version": unsupported_only.version}
    response = people.alice.post(f"{LEAK}/fix-exception", data)
    assert response.status_code == 200, response.json()
    detail = response.json()
    assert detail["release_plan"]["fix_issued"] is True
    assert detail["version"] == unsupported_only.version + 1
    event = AuditEvent.objects.order_by("-pk")[0]
    assert (event.action, str(event.actor), event.data["fix_exception_reason"]) == (
        "report.fix_exception_recorded",
        "alice",
        "exploited in the wild",
    )


def test_vit12_a_report_on_a_supported_line_needs_no_exception(people: People) -> None:
    before = footprint()
    response = people.alice.post(f"{LEAK}/fix-exception", {"reason": "because", "version": 1})
    assert response.status_code == 422, response.json()
    assert response.json()["message"] == (
        "EMISSARY-1 does not affect unsupported lines only: its fix needs no exception"
    )
    assert response.json()["field"] is None
    assert footprint() == before


@pytest.mark.parametrize(
    ("data", "status", "field"),
    [
        ({"reason": "  ", "version": 0}, 422, "body.version"),
        ({"reason": "   "}, 422, "body.version"),
        ({"version": 2}, 422, "body.reason"),
        ({"reason": "\x00", "version": 2}, 422, "body.reason"),
        ({"reason": "   ", "version": 2}, 422, "body.reason"),
        ({"reason": "exploited", "version": 1}, 409, "body.version"),
    ],
)
def test_bad_or_stale_input_is_refused_at_its_field(
    people: People, unsupported_only: Report, data: dict[str, Any], status: int, field: str
) -> None:
    before = footprint()
    response = people.alice.post(f"{LEAK}/fix-exception", data)
    assert response.status_code == status, response.json()
    assert response.json()["field"] == field
    assert footprint() == before


def test_who_may_record_it(people: People, unsupported_only: Report) -> None:
    before = footprint()
    data = {"reason": "exploited", "version": unsupported_only.version}
    assert people.dave.post(f"{LEAK}/fix-exception", data).status_code == 403  # Fix Team
    assert people.alice_reader.post(f"{LEAK}/fix-exception", data).status_code == 403
    assert people.charlie.post(f"{LEAK}/fix-exception", data).status_code == 404
    assert people.anonymous.post(f"{LEAK}/fix-exception", data).status_code == 401
    assert footprint() == before
