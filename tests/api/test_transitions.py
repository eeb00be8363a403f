"""Moving a report: the process decides, a stale version is refused with the state as it is now,
and nothing is ever lost to a silent overwrite."""

from tests.api.conftest import People
from vulndesk.desk.models import AuditEvent


def test_the_security_team_moves_a_report(people: People) -> None:
    response = people.alice.post(
        "/reports/emissary/1/transitions", {"to": "triaging", "reason": "looking", "version": 1}
    )
    assert response.status_code == 200
    assert response.json()["state"] == "triaging"
    assert response.json()["version"] == 2
    event = AuditEvent.objects.filter(report=people.cast.leak).latest("seq")
    assert (event.action, event.data["reason"]) == ("report.transition", "looking")


def test_two_clients_edit_version_1_and_the_second_gets_409_with_the_current_state(
    people: People,
) -> None:
    first, second = people.alice, people.bob
    assert first.get("/reports/emissary/2").json()["version"] == 1
    assert second.get("/reports/emissary/2").json()["version"] == 1
    moved = first.post("/reports/emissary/2/transitions", {"to": "triaging", "version": 1})
    assert moved.status_code == 200
    late = second.post(
        "/reports/emissary/2/cvss",
        {"vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "version": 1},
    )
    assert late.status_code == 409
    conflict = late.json()
    assert conflict["code"] == "stale_version"
    assert conflict["field"] == "body.version"
    assert conflict["current"]["state"] == "triaging"
    assert conflict["current"]["version"] == 2
    assert conflict["current"]["cvss_vector"] == ""
    # The second client redoes its edit on the current version; both changes stand.
    redone = second.post(
        "/reports/emissary/2/cvss",
        {"vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "version": 2},
    )
    assert redone.status_code == 200
    assert (redone.json()["state"], redone.json()["severity"]) == ("triaging", "critical")


def test_a_transition_the_process_refuses_is_a_409_with_its_reason(people: People) -> None:
    events = AuditEvent.objects.count()
    response = people.alice.post("/reports/emissary/1/transitions", {"to": "closed", "version": 1})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "transition_refused"
    assert body["field"] == "body.to"
    assert "received" in body["message"]
    people.cast.leak.refresh_from_db()
    assert (people.cast.leak.state, people.cast.leak.version) == ("received", 1)
    assert AuditEvent.objects.count() == events


def test_a_fix_team_member_sees_the_report_but_may_not_move_it(people: People) -> None:
    assert people.dave.get("/reports/emissary/1").status_code == 200
    response = people.dave.post("/reports/emissary/1/transitions", {"to": "triaging", "version": 1})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_an_outsider_cannot_learn_the_report_exists_by_moving_it(people: People) -> None:
    response = people.charlie.post(
        "/reports/emissary/1/transitions", {"to": "triaging", "version": 1}
    )
    assert response.status_code == 404
    people.cast.leak.refresh_from_db()
    assert people.cast.leak.state == "received"
