"""Components through /api/v1 (FOLIO: every module has a responsible team): create, rename and
set owners as the security team; set a report's component, which proposes its Fix Team
(FOLIO-27) without showing them the report (FOLIO-28). Refusals are 422 at the field and write
nothing; outsiders get 404, the rest of the team 403, a read-only token 403."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api, People, token_for
from tests.desk.factories import make_project
from vulndesk.desk.models import AuditEvent, Component, Report

COMPONENTS = "/projects/emissary/components"
LEAK = "/reports/emissary/1"


def footprint() -> tuple[Any, ...]:
    return (
        AuditEvent.objects.count(),
        sorted(Component.objects.values_list("name", flat=True)),
        sorted(Component.objects.exclude(owners=None).values_list("owners__username", flat=True)),
        list(Report.objects.order_by("pk").values_list("component_id", "version")),
    )


def refused(api: Api, method: str, path: str, data: Any, status: int, field: str | None) -> str:
    """Send, check the refusal's status and field and that nothing was written; its message."""
    before = footprint()
    if method == "PATCH":
        response = api.client.patch(f"/api/v1{path}", data, content_type="application/json")
    else:
        response = api.post(path, data)
    assert response.status_code == status, response.json()
    assert response.json()["field"] == field
    assert footprint() == before
    return str(response.json()["message"])


def patch(api: Api, path: str, data: dict[str, Any]) -> Any:
    return api.client.patch(f"/api/v1{path}", data, content_type="application/json")


def create(people: People, name: str = "proxy", owners: list[str] | None = None) -> int:
    response = people.alice.post(COMPONENTS, {"name": name, "owners": owners or []})
    assert response.status_code == 201, response.json()
    return int(response.json()["id"])


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def test_the_security_team_creates_a_component_with_its_owners(people: People) -> None:
    response = people.alice.post(COMPONENTS, {"name": "proxy", "owners": ["dave", "bob", "dave"]})
    assert response.status_code == 201, response.json()
    made = response.json()
    assert (made["name"], made["owners"]) == ("proxy", ["bob", "dave"])
    created, owned = AuditEvent.objects.order_by("-pk")[:2][::-1]
    assert (created.action, created.data["name"]) == ("component.created", "proxy")
    assert (owned.action, owned.data["owners"]) == ("component.owners_set", ["bob", "dave"])
    rita = Api(token_for(people.cast.rita))  # the release manager sees the project's components
    assert rita.get(COMPONENTS).json() == [made]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "proxy"}, "body.name"),  # taken
        ({"name": "   "}, "body.name"),
        ({"name": ""}, "body.name"),
        ({"name": "auth", "owners": ["bob", "nobody"]}, "body.owners"),
        ({"name": "auth", "owners": "bob"}, "body.owners"),
        ({"name": "auth", "colour": "red"}, "body.colour"),
    ],
)
def test_a_bad_component_is_a_422_at_its_field_and_nothing_is_made(
    people: People, data: dict[str, Any], field: str
) -> None:
    create(people)
    refused(people.alice, "POST", COMPONENTS, data, 422, field)


def test_renaming_and_setting_owners_at_once(people: People) -> None:
    component = create(people, owners=["bob"])
    response = patch(
        people.alice, f"{COMPONENTS}/{component}", {"name": "edge", "owners": ["dave"]}
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"id": component, "name": "edge", "owners": ["dave"]}
    assert actions()[-2:] == ["component.renamed", "component.owners_set"]
    # A field left out stays; an empty list clears the owners.
    assert patch(people.alice, f"{COMPONENTS}/{component}", {"owners": []}).json()["owners"] == []
    assert Component.objects.get().name == "edge"


def test_a_refused_rename_leaves_the_owners_unchanged_too(people: People) -> None:
    create(people, name="edge")
    component = create(people, owners=["bob"])
    path = f"{COMPONENTS}/{component}"
    refused(people.alice, "PATCH", path, {"name": "edge", "owners": ["dave"]}, 422, "body.name")
    refused(people.alice, "PATCH", path, {"name": "core", "owners": ["nobody"]}, 422, "body.owners")


def test_only_the_security_team_changes_components(people: People) -> None:
    component = create(people)
    rita = Api(token_for(people.cast.rita))
    refused(rita, "POST", COMPONENTS, {"name": "auth"}, 403, None)
    refused(rita, "PATCH", f"{COMPONENTS}/{component}", {"name": "auth"}, 403, None)
    refused(people.alice_reader, "POST", COMPONENTS, {"name": "auth"}, 403, None)
    for outsider in (people.charlie, people.dave, people.bob):  # bob leads a fix, no more
        refused(outsider, "POST", COMPONENTS, {"name": "auth"}, 404, None)
        refused(outsider, "PATCH", f"{COMPONENTS}/{component}", {"name": "a"}, 404, None)
        assert outsider.get(COMPONENTS).status_code == 404


def test_another_projects_component_is_a_404(people: People) -> None:
    vitess = make_project("vitess")
    elsewhere = Component.objects.create(project=vitess, name="vtgate")
    refused(people.alice, "PATCH", f"{COMPONENTS}/{elsewhere.pk}", {"name": "x"}, 404, None)


# -- a report's component (FOLIO-27) ---------------------------------------------------------


def test_folio27_a_reports_component_proposes_its_owners_as_fix_team(people: People) -> None:
    component = create(people, owners=["bob", "dave"])
    response = people.alice.post(f"{LEAK}/component", {"component": component, "version": 1})
    assert response.status_code == 200, response.json()
    answer = response.json()
    assert answer["version"] == 2
    assert answer["component"] == {"id": component, "name": "proxy", "owners": ["bob", "dave"]}
    # dave is on EMISSARY-1's Fix Team already; bob is only proposed.
    assert answer["proposed_fix_team"] == [
        {"user": "bob", "on_fix_team": False},
        {"user": "dave", "on_fix_team": True},
    ]
    event = AuditEvent.objects.order_by("-pk")[0]
    assert (event.action, event.data) == (
        "report.component_set",
        {"component": "proxy", "before": None},
    )
    # FOLIO-28: owning the component shows bob nothing of the report.
    assert people.bob.get(LEAK).status_code == 404


def test_clearing_the_component_proposes_no_one(people: People) -> None:
    component = create(people, owners=["bob"])
    people.alice.post(f"{LEAK}/component", {"component": component, "version": 1})
    response = people.alice.post(f"{LEAK}/component", {"component": None, "version": 2})
    assert response.json() == {"version": 3, "component": None, "proposed_fix_team": []}


def test_a_stale_version_is_a_409_with_the_report_as_it_is(people: People) -> None:
    component = create(people)
    before = footprint()
    response = people.alice.post(f"{LEAK}/component", {"component": component, "version": 7})
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["current"]["version"]) == (
        "stale_version",
        1,
    )
    assert footprint() == before


@pytest.mark.parametrize(
    "data",
    [
        {"component": 999_999, "version": 1},
        {"component": "proxy", "version": 1},
        {"component": 0, "version": 1},
        {"version": 1},
    ],
)
def test_a_component_the_project_lacks_is_a_422(people: People, data: dict[str, Any]) -> None:
    create(people)
    refused(people.alice, "POST", f"{LEAK}/component", data, 422, "body.component")


def test_another_projects_component_is_refused_for_a_report(people: People) -> None:
    elsewhere = Component.objects.create(project=make_project("vitess"), name="vtgate")
    data = {"component": elsewhere.pk, "version": 1}
    assert "no component" in refused(
        people.alice, "POST", f"{LEAK}/component", data, 422, "body.component"
    )


def test_who_may_set_a_reports_component(people: People) -> None:
    component = create(people)
    data = {"component": component, "version": 1}
    refused(people.dave, "POST", f"{LEAK}/component", data, 403, None)  # Fix Team: sees it
    refused(people.alice_reader, "POST", f"{LEAK}/component", data, 403, None)
    refused(people.charlie, "POST", f"{LEAK}/component", data, 404, None)
    refused(people.bob, "POST", f"{LEAK}/component", data, 404, None)  # leads EMISSARY-2 only
    crash = people.bob.post("/reports/emissary/2/component", data)  # the one he leads
    assert crash.status_code == 200, crash.json()
