"""Publishing through the API: the transitions endpoint refuses while a publication guard fails
and publishes anyway with `force` and a reason; a published advisory is withdrawn or revised."""

from datetime import timedelta

from tests.api.conftest import T0, People
from vulndesk.desk.models import AuditEvent, Report, StateChoices


def released(people: People) -> Report:
    """EMISSARY-2 released, its Release Date tomorrow (so the embargo guard fails today)."""
    report = people.cast.crash
    Report.objects.filter(pk=report.pk).update(
        state=StateChoices.RELEASED, release_date=T0 + timedelta(days=1)
    )
    report.refresh_from_db()
    return report


def test_publishing_before_the_release_date_is_a_409_naming_the_guard(people: People) -> None:
    report = released(people)
    response = people.alice.post(
        "/reports/emissary/2/transitions", {"to": "published", "version": report.version}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "transition_refused"
    assert response.json()["message"].startswith(
        "cannot publish: embargo: the embargo lasts until the Release Date, 2024-03-02"
    )


def test_a_forced_publish_without_a_reason_is_a_422_at_the_reason(people: People) -> None:
    report = released(people)
    response = people.alice.post(
        "/reports/emissary/2/transitions",
        {"to": "published", "version": report.version, "force": True},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "body.reason"
    assert Report.objects.get(pk=report.pk).published_at is None


def test_a_forced_publish_by_the_fix_lead_is_a_403(people: People) -> None:
    """bob leads the fix and may move the report, but overriding the guards is the team's."""
    report = released(people)
    response = people.bob.post(
        "/reports/emissary/2/transitions",
        {"to": "published", "version": report.version, "force": True, "reason": "exploited"},
    )
    assert response.status_code == 403
    assert Report.objects.get(pk=report.pk).published_at is None


def test_the_security_team_publishes_anyway_and_the_audit_lists_the_overridden_guard(
    people: People,
) -> None:
    report = released(people)
    response = people.alice.post(
        "/reports/emissary/2/transitions",
        {"to": "published", "version": report.version, "force": True, "reason": "exploited"},
    )
    assert response.status_code == 200
    assert response.json()["state"] == "published"
    event = AuditEvent.objects.filter(report=report).latest("seq")
    assert event.data["forced"] is True
    assert [p.split(":")[0] for p in event.data["overridden"]] == ["embargo"]


def test_a_published_advisory_is_revised_then_withdrawn(people: People) -> None:
    report = released(people)
    forced = {"to": "published", "version": report.version, "force": True, "reason": "exploited"}
    version = people.alice.post("/reports/emissary/2/transitions", forced).json()["version"]

    revised = people.alice.post(
        "/reports/emissary/2/revisions", {"summary": "Added the CWE.", "version": version}
    )
    assert revised.status_code == 200
    withdrawn = people.alice.post(
        "/reports/emissary/2/withdraw",
        {"reason": "Not a vulnerability.", "version": revised.json()["version"]},
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdrawn_reason"] == "Not a vulnerability."
    assert withdrawn.json()["withdrawn_at"] is not None
    actions = AuditEvent.objects.filter(report=report).order_by("-seq").values_list("action")
    assert [a for (a,) in actions[:2]] == ["advisory.withdrawn", "advisory.revised"]


def test_withdrawing_an_unpublished_report_is_a_422_and_bob_may_not_withdraw(
    people: People,
) -> None:
    refused = people.alice.post(
        "/reports/emissary/2/withdraw", {"reason": "Not a vulnerability.", "version": 1}
    )
    assert refused.status_code == 422
    assert "EMISSARY-2 is not published" in refused.json()["message"]
    forbidden = people.bob.post(
        "/reports/emissary/2/withdraw", {"reason": "Not a vulnerability.", "version": 1}
    )
    assert forbidden.status_code == 403
