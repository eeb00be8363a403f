"""GET /api/v1/reports/SLUG/N/retrospective: the blameless retrospective (EMI-46 to EMI-49) as
Markdown in JSON, for the security team and the report's Fix Lead."""

from tests.api.conftest import People
from vulndesk.desk.models import AuditEvent


def test_the_security_team_reads_it_with_a_read_token(people: People) -> None:
    people.alice.post("/reports/emissary/1/transitions", {"to": "triaging", "version": 1})
    before = AuditEvent.objects.count()
    answer = people.alice_reader.get(
        "/reports/emissary/1/retrospective", introduced_by=["3f2a9c1", "ABCDEF0"]
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["key"] == "EMISSARY-1"
    markdown = body["markdown"]
    assert markdown.startswith("# Retrospective: EMISSARY-1: Admin token leaks into access logs\n")
    assert "moved from received to triaging | security team |" in markdown
    assert "- fix_team_formed (EMI-27): due" in markdown
    assert "Introduced by:\n\n- `3f2a9c1`\n- `abcdef0`\n" in markdown
    assert AuditEvent.objects.count() == before  # reading records nothing


def test_the_fix_lead_reads_their_report(people: People) -> None:
    assert people.bob.get("/reports/emissary/2/retrospective").status_code == 200


def test_a_fix_team_member_sees_the_report_but_not_its_retrospective(people: People) -> None:
    answer = people.dave.get("/reports/emissary/1/retrospective")
    assert answer.status_code == 403
    assert answer.json()["message"] == "you may see this report but not its retrospective"


def test_outsiders_and_the_anonymous_learn_nothing(people: People) -> None:
    assert people.charlie.get("/reports/emissary/1/retrospective").status_code == 404
    assert people.bob.get("/reports/emissary/1/retrospective").status_code == 404
    assert people.anonymous.get("/reports/emissary/1/retrospective").status_code == 401


def test_a_value_that_is_not_a_commit_is_refused_at_its_field(people: People) -> None:
    answer = people.alice.get("/reports/emissary/1/retrospective", introduced_by="main")
    assert answer.status_code == 422
    body = answer.json()
    assert body["field"] == "introduced_by"
    assert body["message"].startswith("'main' is not a commit id: give its hexadecimal SHA")
