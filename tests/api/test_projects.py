"""Projects and their release lines: a team member sees their projects, no one else does."""

from tests.api.conftest import People
from vulndesk.desk.models import ReleaseLine


def test_a_team_member_lists_their_projects(people: People) -> None:
    response = people.alice.get("/projects")
    assert response.status_code == 200
    assert [project["slug"] for project in response.json()] == ["emissary"]


def test_someone_on_no_team_sees_no_project(people: People) -> None:
    assert people.charlie.get("/projects").json() == []
    assert people.charlie.get("/projects/emissary").status_code == 404
    assert people.charlie.get("/projects/emissary/release-lines").status_code == 404


def test_a_project_lists_its_release_lines(people: People) -> None:
    ReleaseLine.objects.create(project=people.cast.emissary, name="3.9", branch="release/v3.9")
    ReleaseLine.objects.create(project=people.cast.emissary, name="3.10", status="development")
    assert people.alice.get("/projects/emissary").json()["preset"] == "envoy"
    lines = people.alice.get("/projects/emissary/release-lines").json()
    assert [(line["name"], line["status"]) for line in lines] == [
        ("3.10", "development"),
        ("3.9", "supported"),
    ]
