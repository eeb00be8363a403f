"""The report list (filters, search, keyset pages) and one report in full."""

from datetime import timedelta

import pytest
from time_machine import TimeMachineFixture

from tests.api.conftest import T0, People
from tests.desk.cast import CRASH_TITLE, LEAK_TITLE, file_report
from tests.desk.factories import make_project
from vulndesk.desk.models import ReleaseLine, Report
from vulndesk.desk.services.affects import add_affect
from vulndesk.desk.services.reports import override_severity, score_report

CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def keys(response: object) -> list[str]:
    return [item["key"] for item in response.json()["items"]]  # type: ignore[attr-defined]


def test_the_list_shows_what_the_token_owner_may_see_newest_first(people: People) -> None:
    assert keys(people.alice.get("/reports")) == ["EMISSARY-2", "EMISSARY-1"]
    assert keys(people.bob.get("/reports")) == ["EMISSARY-2"]
    assert keys(people.dave.get("/reports")) == ["EMISSARY-1"]
    assert keys(people.charlie.get("/reports")) == []


def test_the_list_filters_by_state_severity_project_and_embargo(people: People) -> None:
    score_report(people.cast.leak, CRITICAL, actor=people.cast.alice)
    Report.objects.filter(pk=people.cast.crash.pk).update(state="fixing", published_at=T0)
    assert keys(people.alice.get("/reports", state="fixing")) == ["EMISSARY-2"]
    assert keys(people.alice.get("/reports", severity="critical")) == ["EMISSARY-1"]
    assert keys(people.alice.get("/reports", embargoed="true")) == ["EMISSARY-1"]
    assert keys(people.alice.get("/reports", embargoed="false")) == ["EMISSARY-2"]
    assert keys(people.alice.get("/reports", project="emissary")) == ["EMISSARY-2", "EMISSARY-1"]
    assert keys(people.alice.get("/reports", project="other")) == []


def test_the_severity_filter_follows_the_security_teams_override(people: People) -> None:
    """KAR-30: the override wins over the score's band."""
    project = make_project("karmada")
    people.cast.emissary.team_members.filter(user=people.cast.alice).update(project=project)
    report = file_report(project, "Override me", actor=people.cast.alice)
    report = score_report(report, CRITICAL, actor=people.cast.alice)
    override_severity(report, "low", reason="internal only", actor=people.cast.alice)
    assert keys(people.alice.get("/reports", severity="low")) == ["KARMADA-1"]
    assert keys(people.alice.get("/reports", severity="critical")) == []


def test_the_list_finds_overdue_reports(people: People, time_machine: TimeMachineFixture) -> None:
    time_machine.move_to(T0 + timedelta(days=2), tick=False)
    assert keys(people.alice.get("/reports", overdue="true")) == ["EMISSARY-2", "EMISSARY-1"]
    assert keys(people.alice.get("/reports", overdue="false")) == []


def test_the_search_looks_in_titles_and_keys(people: People) -> None:
    assert keys(people.alice.get("/reports", q="leaks access")) == ["EMISSARY-1"]
    assert keys(people.alice.get("/reports", q="emissary-2")) == ["EMISSARY-2"]
    assert keys(people.charlie.get("/reports", q="leaks")) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "lost"}, "query.state"),
        ({"severity": "huge"}, "query.severity"),
        ({"embargoed": "maybe"}, "query.embargoed"),
        ({"limit": "201"}, "query.limit"),
        ({"limit": "0"}, "query.limit"),
        ({"cursor": "bm90LWEtY3Vyc29y"}, "query.cursor"),
        ({"q": " ".join(["word"] * 11)}, "query.q"),
        ({"project": "no spaces"}, "query.project"),
    ],
)
def test_it_names_the_filter_it_cannot_take(
    people: People, params: dict[str, str], field: str
) -> None:
    response = people.alice.get("/reports", **params)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert response.json()["message"]


def test_pages_neither_repeat_nor_skip_a_report_when_new_ones_arrive(
    people: People, time_machine: TimeMachineFixture
) -> None:
    for hour in range(1, 6):
        time_machine.move_to(T0 + timedelta(hours=hour), tick=False)
        file_report(people.cast.emissary, f"Report {hour}", actor=people.cast.alice)
    first = people.alice.get("/reports", limit=3).json()
    assert [item["number"] for item in first["items"]] == [7, 6, 5]
    # Two reports arrive between pages: the next page goes on from where the first stopped.
    time_machine.move_to(T0 + timedelta(hours=9), tick=False)
    file_report(people.cast.emissary, "Late one", actor=people.cast.alice)
    file_report(people.cast.emissary, "Later one", actor=people.cast.alice)
    second = people.alice.get("/reports", limit=3, cursor=first["next"]).json()
    assert [item["number"] for item in second["items"]] == [4, 3, 2]
    third = people.alice.get("/reports", limit=3, cursor=second["next"]).json()
    assert [item["number"] for item in third["items"]] == [1]
    assert third["next"] is None


def test_reports_received_at_the_same_moment_page_by_id(people: People) -> None:
    """EMISSARY-1 and -2 were received at the same instant: the id breaks the tie."""
    first = people.alice.get("/reports", limit=1).json()
    second = people.alice.get("/reports", limit=1, cursor=first["next"]).json()
    assert [first["items"][0]["title"], second["items"][0]["title"]] == [CRASH_TITLE, LEAK_TITLE]


def test_the_detail_carries_version_embargo_handling_and_deadlines(people: People) -> None:
    detail = people.alice.get("/reports/emissary/1").json()
    assert detail["key"] == "EMISSARY-1"
    assert detail["version"] == 1
    assert detail["embargoed"] is True
    assert set(detail["handling"]) == {"slow_down", "semi_public", "release", "asap"}
    assert detail["deadlines"]["running"] == 4
    assert detail["deadlines"]["overdue"] == 0
    assert detail["deadlines"]["next_due_at"] == "2024-03-02T10:00:00+00:00"


def test_the_detail_is_a_404_for_outsiders_and_for_a_fix_team_of_another_report(
    people: People,
) -> None:
    assert people.charlie.get("/reports/emissary/1").status_code == 404
    assert people.bob.get("/reports/emissary/1").status_code == 404
    assert people.dave.get("/reports/emissary/2").status_code == 404
    assert people.bob.get("/reports/emissary/2").status_code == 200


def test_emi_17_the_detail_carries_the_release_plan(people: People) -> None:
    emissary = people.cast.emissary
    line = ReleaseLine.objects.create(project=emissary, name="1.13", latest_version="1.13.9")
    add_affect(people.cast.leak, release_line=line, actor=None)
    plan = people.alice.get("/reports/emissary/1").json()["release_plan"]
    assert plan["case"] == "supported"
    assert plan["patch_releases"] == [
        {"line": "1.13", "from_version": "1.13.9", "version": "1.13.10"}
    ]
    assert plan["release_blocker"] is True
    assert any("EMI-17" in reason for reason in plan["reasons"])
