"""Project pages: the list of projects, and the settings the security team changes.

alice is on Emissary's security team, rita is its release manager (she sees the project, may not
change it), bob leads one report's fix (no project), charlie has no role.
"""

import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.accounts.helpers import sign_in
from tests.desk.cast import Cast, make_cast
from tests.desk.factories import make_project
from vulndesk.desk.models import AuditEvent, Deadline, Project, ReleaseLine
from vulndesk.desk.services.projects import add_release_line, update_policy

pytestmark = pytest.mark.django_db

REDATE_TASK = "vulndesk.desk.tasks.redate_project_deadlines"
SHORTER_FIX = "timeline:\n  steps:\n    fix_developed:\n      within: P3D\n"


@pytest.fixture
def cast() -> Cast:
    return make_cast()


def settings_url(slug: str = "emissary") -> str:
    return reverse("project-settings", kwargs={"slug": slug})


def post_policy(client: Client, user: User, preset: str, overrides: str) -> str:
    sign_in(client, user)
    response = client.post(settings_url(), {"preset": preset, "overrides": overrides})
    return f"{response.status_code} {response.content.decode()}"


def redates_enqueued() -> int:
    return DBTaskResult.objects.filter(task_path=REDATE_TASK).count()


def test_an_anonymous_visitor_is_sent_to_the_login_page(client: Client, cast: Cast) -> None:
    for url in (reverse("project-list"), settings_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_an_outsider_gets_not_found_and_a_team_member_who_may_not_change_it_forbidden(
    client: Client, cast: Cast
) -> None:
    for user in (cast.charlie, cast.bob, cast.dora):
        sign_in(client, user)
        assert client.get(settings_url()).status_code == 404
    sign_in(client, cast.rita)
    assert client.get(settings_url()).status_code == 403
    assert client.get(settings_url("no-such-project")).status_code == 404


def test_the_security_team_opens_the_settings(client: Client, cast: Cast) -> None:
    sign_in(client, cast.alice)
    response = client.get(settings_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="envoy" selected>envoy</option>' in html
    for label in ("Preset", "Overrides", "Name", "Branch", "Status", "Latest version"):
        assert f">{label}</label>" in html


def test_the_project_list_shows_the_projects_the_user_is_on_a_team_of(
    client: Client, cast: Cast
) -> None:
    make_project("vitess")
    sign_in(client, cast.alice)
    html = client.get(reverse("project-list")).content.decode()
    assert f'href="{settings_url()}"' in html
    assert "Vitess" not in html
    sign_in(client, cast.rita)
    html = client.get(reverse("project-list")).content.decode()
    assert "Emissary" in html
    assert f'href="{settings_url()}"' not in html
    for outsider in (cast.charlie, cast.bob):
        sign_in(client, outsider)
        html = client.get(reverse("project-list")).content.decode()
        assert "You are on no project's team." in html
        assert "Emissary" not in html


def test_changing_the_overrides_saves_audits_and_enqueues_the_redating(
    client: Client, cast: Cast
) -> None:
    answer = post_policy(client, cast.alice, "envoy", SHORTER_FIX)
    assert answer.startswith("302")
    project = Project.objects.get(pk=cast.emissary.pk)
    assert project.policy_overrides == {"timeline": {"steps": {"fix_developed": {"within": "P3D"}}}}
    event = AuditEvent.objects.get(action="project.policy_changed")
    assert event.actor == cast.alice
    assert event.project_id == project.pk
    assert event.data["after"]["overrides"] == project.policy_overrides
    task = DBTaskResult.objects.get(task_path=REDATE_TASK)
    assert task.args_kwargs["args"] == [project.pk]


def test_json_overrides_are_accepted_and_shown_back_as_yaml(client: Client, cast: Cast) -> None:
    overrides = {"severity": {"semi_public": {"cvss_below": 6.0}}}
    assert post_policy(client, cast.alice, "envoy", json.dumps(overrides)).startswith("302")
    assert Project.objects.get(pk=cast.emissary.pk).policy_overrides == overrides
    html = client.get(settings_url()).content.decode()
    assert "semi_public:\n    cvss_below: 6.0" in html


def test_switching_the_preset_is_audited_with_before_and_after(client: Client, cast: Cast) -> None:
    assert post_policy(client, cast.alice, "karmada", "").startswith("302")
    event = AuditEvent.objects.get(action="project.policy_changed")
    assert event.data["before"]["preset"] == "envoy"
    assert event.data["after"]["preset"] == "karmada"
    assert Project.objects.get(pk=cast.emissary.pk).preset == "karmada"


@pytest.mark.parametrize(
    ("preset", "overrides", "shown"),
    [
        pytest.param(
            "envoy",
            "timeline:\n  steps:\n    fix_developed:\n      within: three days\n",
            "timeline.steps.fix_developed.within: &#x27;three days&#x27; is not an ISO 8601",
            id="a bad value names its field path",
        ),
        pytest.param(
            "envoy", "severity:\n  slow_dwn: {}\n", "severity.slow_dwn: unknown field", id="typo"
        ),
        pytest.param("envoy", "timeline: [1, 2\n", "not valid YAML or JSON at line 2", id="yaml"),
        pytest.param("envoy", "- just\n- a list\n", "expected a mapping of fields", id="list"),
        pytest.param("nosuch", "", "Select a valid choice", id="unknown preset"),
    ],
)
def test_a_policy_that_does_not_load_is_refused_and_nothing_changes(
    client: Client, cast: Cast, preset: str, overrides: str, shown: str
) -> None:
    events = AuditEvent.objects.count()
    answer = post_policy(client, cast.alice, preset, overrides)
    assert answer.startswith("400")
    assert shown in answer
    assert "The policy was not saved" in answer
    project = Project.objects.get(pk=cast.emissary.pk)
    assert (project.preset, project.policy_overrides) == ("envoy", {})
    assert AuditEvent.objects.count() == events
    assert redates_enqueued() == 0


def test_saving_the_same_policy_records_and_enqueues_nothing(cast: Cast) -> None:
    events = AuditEvent.objects.count()
    update_policy(cast.emissary, preset="envoy", overrides={}, actor=cast.alice)
    assert AuditEvent.objects.count() == events
    assert redates_enqueued() == 0


def test_a_release_manager_cannot_change_the_policy(client: Client, cast: Cast) -> None:
    assert post_policy(client, cast.rita, "karmada", "").startswith("403")
    sign_in(client, cast.charlie)
    assert client.post(settings_url(), {"preset": "karmada"}).status_code == 404
    assert Project.objects.get(pk=cast.emissary.pk).preset == "envoy"


def add_line(client: Client, **fields: str) -> int:
    data = {"new-name": "1.13", "new-branch": "release/v1.13", "new-status": "supported"}
    data.update({f"new-{key}": value for key, value in fields.items()})
    url = reverse("release-line-add", kwargs={"slug": "emissary"})
    return client.post(url, data).status_code


def test_the_security_team_adds_a_release_line(client: Client, cast: Cast) -> None:
    sign_in(client, cast.alice)
    assert add_line(client, latest_version="1.13.4") == 302
    line = ReleaseLine.objects.get(project=cast.emissary)
    assert (line.name, line.branch, line.status, line.latest_version) == (
        "1.13",
        "release/v1.13",
        "supported",
        "1.13.4",
    )
    event = AuditEvent.objects.get(action="release_line.added")
    assert event.data["name"] == "1.13"
    assert 'value="1.13.4"' in client.get(settings_url()).content.decode()


def test_a_duplicate_or_blank_release_line_is_refused_naming_the_field(
    client: Client, cast: Cast
) -> None:
    sign_in(client, cast.alice)
    assert add_line(client) == 302
    response = client.post(
        reverse("release-line-add", kwargs={"slug": "emissary"}),
        {"new-name": "1.13", "new-status": "supported"},
    )
    assert response.status_code == 400
    assert "already has a release line named &#x27;1.13&#x27;" in response.content.decode()
    assert add_line(client, name="") == 400
    assert add_line(client, name="1.14", status="retired") == 400
    assert ReleaseLine.objects.count() == 1
    assert AuditEvent.objects.filter(action="release_line.added").count() == 1


def test_the_security_team_edits_a_release_line(client: Client, cast: Cast) -> None:
    line = add_release_line(cast.emissary, name="1.12", actor=cast.alice)
    sign_in(client, cast.alice)
    url = reverse("release-line-edit", kwargs={"slug": "emissary", "pk": line.pk})
    prefix = f"line{line.pk}"
    data = {f"{prefix}-name": "1.12", f"{prefix}-status": "unsupported"}
    assert client.post(url, data).status_code == 302
    line.refresh_from_db()
    assert line.status == "unsupported"
    event = AuditEvent.objects.get(action="release_line.changed")
    assert event.data["before"] == {"status": "supported"}


def test_release_lines_are_changed_only_through_their_own_project(
    client: Client, cast: Cast
) -> None:
    vitess = make_project("vitess")
    theirs = add_release_line(vitess, name="19.0", actor=None)
    sign_in(client, cast.alice)
    url = reverse("release-line-edit", kwargs={"slug": "emissary", "pk": theirs.pk})
    data = {f"line{theirs.pk}-name": "hijacked", f"line{theirs.pk}-status": "supported"}
    assert client.post(url, data).status_code == 404
    sign_in(client, cast.rita)
    assert add_line(client) == 403
    assert client.get(reverse("release-line-add", kwargs={"slug": "emissary"})).status_code == 405
    assert ReleaseLine.objects.filter(project=cast.emissary).count() == 0
    theirs.refresh_from_db()
    assert theirs.name == "19.0"


@pytest.mark.django_db(transaction=True)
def test_the_worker_redates_open_reports_after_a_policy_change(cast: Cast) -> None:
    """EMI-30 gives 7 days for the fix; the project's override makes it 3."""
    update_policy(cast.emissary, preset="envoy", overrides={}, actor=cast.alice)
    overrides = {"timeline": {"steps": {"fix_developed": {"within": "P3D"}}}}
    update_policy(cast.emissary, preset="envoy", overrides=overrides, actor=cast.alice)
    call_command("worker", "--batch", "--no-startup-delay", stdout=io.StringIO())
    due = Deadline.objects.get(report=cast.leak, name="fix_developed").due_at
    assert due is not None
    assert (due - cast.leak.received_at).days == 3
