"""A report's deadlines (with the rule and sentence each comes from) and its audit timeline."""

from tests.api.conftest import People


def test_the_deadlines_carry_their_rule_and_status(people: People) -> None:
    deadlines = people.alice.get("/reports/emissary/1/deadlines").json()
    first = deadlines[0]
    assert (first["name"], first["rule"], first["status"]) == ("fix_team_formed", "EMI-27", "due")
    assert first["quote"]


def test_the_audit_timeline_lists_the_reports_events_in_order(people: People) -> None:
    people.alice.post("/reports/emissary/1/transitions", {"to": "triaging", "version": 1})
    events = people.alice.get("/reports/emissary/1/audit").json()
    assert [event["action"] for event in events] == ["report.created", "report.transition"]
    assert events[1]["actor"] == "alice"
    assert events[1]["data"]["to"] == "triaging"


def test_an_outsider_sees_neither(people: People) -> None:
    assert people.charlie.get("/reports/emissary/1/deadlines").status_code == 404
    assert people.charlie.get("/reports/emissary/1/audit").status_code == 404
