"""`GET|POST /reports/{project}/{number}/embargo-break` and `POST …/embargo-break/decision`
(KAR-37, KAR-38).

EMISSARY-1 was disclosed at T0 (Friday 2024-03-01 10:00 UTC); its policy states no
embargo-break rule, so the guidance leans nowhere and the security team chooses.
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import People
from vulndesk.desk.models import AuditEvent, EmbargoBreak, Report

LEAK = "/reports/emissary/1"
BREAK = {"how": "a vendor shipped the fix", "by_whom": "Acme", "source_url": "https://x.example/"}


def footprint() -> tuple[Any, ...]:
    rows = Report.objects.order_by("pk").values_list("release_date", "version")
    return AuditEvent.objects.count(), EmbargoBreak.objects.count(), list(rows)


def test_kar_37_the_security_team_records_a_break_and_reads_the_guidance(people: People) -> None:
    response = people.alice.post(f"{LEAK}/embargo-break", BREAK)
    assert response.status_code == 200, response.json()
    data = response.json()
    (brk,) = data["breaks"]
    assert (brk["how"], brk["by_whom"], brk["recorded_by"]) == (BREAK["how"], "Acme", "alice")
    assert data["pending"] == brk["id"]
    assert data["guidance"]["default"] is None
    assert "states no embargo-break rule" in data["guidance"]["text"]
    assert data["guidance"]["release_now_at"].startswith("2024-03-01T10:00:00")
    read = people.alice_reader.get(f"{LEAK}/embargo-break")
    assert read.status_code == 200
    assert read.json()["breaks"][0]["id"] == brk["id"]


def test_kar_38_releasing_now_moves_the_date_and_answers_with_the_decision(
    people: People,
) -> None:
    people.alice.post(f"{LEAK}/embargo-break", BREAK)
    decision = {"choice": "release_now", "reason": "the fix is public", "version": 1}
    response = people.alice.post(f"{LEAK}/embargo-break/decision", decision)
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["pending"] is None
    (brk,) = data["breaks"]
    assert (brk["decision"], brk["decided_by"]) == ("release_now", "alice")
    assert brk["release_date_after"].startswith("2024-03-01T10:00:00")
    assert data["release_date"].startswith("2024-03-01T10:00:00")


def test_bad_input_is_a_422_at_its_field_and_changes_nothing(people: People) -> None:
    before = footprint()
    response = people.alice.post(f"{LEAK}/embargo-break", {**BREAK, "source_url": "ftp://x"})
    assert response.status_code == 422
    assert response.json()["field"] == "body.source_url"
    response = people.alice.post(
        f"{LEAK}/embargo-break/decision", {"choice": "keep_date", "reason": "x", "version": 1}
    )
    assert response.status_code == 422
    assert "no embargo break waiting for a decision: record it first" in response.json()["message"]
    response = people.alice.post(
        f"{LEAK}/embargo-break/decision", {"choice": "later", "reason": "x", "version": 1}
    )
    assert (response.status_code, response.json()["field"]) == (422, "body.choice")
    assert footprint() == before


def test_a_stale_version_is_a_409_with_the_report_as_it_is(people: People) -> None:
    people.alice.post(f"{LEAK}/embargo-break", BREAK)
    decision = {"choice": "keep_date", "reason": "only a hint", "version": 7}
    response = people.alice.post(f"{LEAK}/embargo-break/decision", decision)
    assert response.status_code == 409
    assert response.json()["current"]["version"] == 1
    assert not EmbargoBreak.objects.get().decided


def test_only_the_fix_lead_or_security_team_may_and_outsiders_learn_nothing(
    people: People,
) -> None:
    before = footprint()
    assert people.dave.post(f"{LEAK}/embargo-break", BREAK).status_code == 403
    assert people.dave.get(f"{LEAK}/embargo-break").status_code == 403
    assert people.alice_reader.post(f"{LEAK}/embargo-break", BREAK).status_code == 403
    assert people.charlie.post(f"{LEAK}/embargo-break", BREAK).status_code == 404
    assert people.anonymous.get(f"{LEAK}/embargo-break").status_code == 401
    assert footprint() == before
