"""What a report affects: the team and its Fix Team record it; each write carries the version."""

from tests.api.conftest import People
from vulndesk.desk.models import Affect, ReleaseLine


def test_a_fix_team_member_adds_lists_and_removes_an_affect(people: People) -> None:
    ReleaseLine.objects.create(project=people.cast.emissary, name="3.9")
    added = people.dave.post(
        "/reports/emissary/1/affects",
        {"release_line": "3.9", "affected_range": "<3.9.2", "fixed_version": "3.9.2", "version": 1},
    )
    assert added.status_code == 201
    affect = added.json()
    assert (affect["release_line"], affect["status"]) == ("3.9", "affected")
    assert people.dave.get("/reports/emissary/1/affects").json() == [affect]
    assert people.dave.get("/reports/emissary/1").json()["version"] == 2
    removed = people.dave.delete(f"/reports/emissary/1/affects/{affect['id']}", version=2)
    assert removed.status_code == 204
    assert people.dave.get("/reports/emissary/1/affects").json() == []


def test_a_stale_version_adds_nothing(people: People) -> None:
    people.alice.post("/reports/emissary/1/transitions", {"to": "triaging", "version": 1})
    response = people.alice.post("/reports/emissary/1/affects", {"package": "x", "version": 1})
    assert response.status_code == 409
    assert response.json()["current"]["version"] == 2
    assert not Affect.objects.exists()


def test_a_stale_version_removes_nothing(people: People) -> None:
    added = people.alice.post("/reports/emissary/1/affects", {"package": "x", "version": 1})
    response = people.alice.delete(f"/reports/emissary/1/affects/{added.json()['id']}", version=1)
    assert response.status_code == 409
    assert Affect.objects.count() == 1


def test_an_unknown_release_line_is_a_422_naming_it(people: People) -> None:
    response = people.alice.post(
        "/reports/emissary/1/affects", {"release_line": "9.9", "version": 1}
    )
    assert response.status_code == 422
    assert response.json()["field"] == "body.release_line"
    assert not Affect.objects.exists()


def test_an_affect_of_another_report_is_a_404(people: People) -> None:
    added = people.alice.post("/reports/emissary/2/affects", {"package": "x", "version": 1})
    response = people.alice.delete(f"/reports/emissary/1/affects/{added.json()['id']}", version=1)
    assert response.status_code == 404
    assert Affect.objects.count() == 1


def test_someone_who_only_sees_a_published_report_may_not_record_affects(
    people: People,
) -> None:
    response = people.charlie.post("/reports/emissary/1/affects", {"package": "x", "version": 1})
    assert response.status_code == 404
