"""The admin is the operator's: staff with model permissions get no way round need-to-know,
and a policy that would not load is refused before it breaks the project's pages."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.desk.factories import make_project, make_report, make_user
from vulndesk.desk.models import AuditEvent, Deadline, Project

pytestmark = pytest.mark.django_db


def test_staff_with_view_permissions_cannot_read_embargoed_reports_in_the_admin(
    client: Client,
) -> None:
    make_report(make_project("emissary", preset="envoy"))
    dave = make_user("dave")
    dave.is_staff = True
    dave.save()
    dave.user_permissions.set(
        Permission.objects.filter(codename__in=["view_report", "view_auditevent", "view_project"])
    )
    client.force_login(dave)
    for model in ("report", "auditevent", "project"):
        assert client.get(reverse(f"admin:desk_{model}_changelist")).status_code == 403
    assert b"SQL injection" not in client.get(reverse("admin:index")).content


def test_a_policy_override_that_does_not_validate_is_refused_with_the_field_path(
    admin_client: Client,
) -> None:
    project = make_project("karmada", preset="karmada")
    url = reverse("admin:desk_project_change", args=[project.pk])
    form = {"slug": "karmada", "name": "Karmada", "preset": "karmada"}
    response = admin_client.post(
        url, form | {"policy_overrides": '{"severity": {"slow_down": {"cvss_below": "high"}}}'}
    )
    assert response.status_code == 200  # the form again, with the error
    assert "severity.slow_down.cvss_below" in response.content.decode()
    project.refresh_from_db()
    assert project.policy_overrides == {}


def test_an_unknown_preset_is_refused_naming_the_presets(admin_client: Client) -> None:
    project = make_project("karmada", preset="karmada")
    url = reverse("admin:desk_project_change", args=[project.pk])
    form = {"slug": "karmada", "name": "Karmada", "preset": "nosuch", "policy_overrides": "{}"}
    response = admin_client.post(url, form)
    assert "unknown preset" in response.content.decode()
    assert Project.objects.get(pk=project.pk).preset == "karmada"


@pytest.mark.django_db(transaction=True)  # the worker closes its connection when done
def test_changing_the_policy_has_the_worker_redate_the_open_reports_deadlines(
    admin_client: Client,
) -> None:
    project = make_project("vitess", preset="vitess")
    report = make_report(project)
    before = Deadline.objects.get(report=report, name="fix_developed").due_at
    assert before is not None
    url = reverse("admin:desk_project_change", args=[project.pk])
    overrides = '{"timeline": {"steps": {"fix_developed": {"within": "P3D"}}}}'
    form = {
        "slug": "vitess",
        "name": "Vitess",
        "preset": "vitess",
        "policy_overrides": overrides,
        "main_branch": "main",
        "test_command": "",
    }
    assert admin_client.post(url, form).status_code == 302
    # The request only enqueued the work: the dates move when the worker runs.
    assert Deadline.objects.get(report=report, name="fix_developed").due_at == before
    call_command("worker", "--batch", "--no-startup-delay", stdout=io.StringIO())
    after = Deadline.objects.get(report=report, name="fix_developed").due_at
    assert after is not None
    assert (before - report.received_at).days == 7  # VIT-15 as the document has it
    assert (after - report.received_at).days == 3  # the project's own number
    assert AuditEvent.objects.filter(action="admin.project.change").exists()


def test_staff_who_may_change_users_cannot_make_themselves_superuser(client: Client) -> None:
    dave = make_user("dave")
    dave.is_staff = True
    dave.save()
    dave.user_permissions.set(Permission.objects.filter(codename__in=["change_user", "view_user"]))
    client.force_login(dave)
    url = reverse("admin:auth_user_change", args=[dave.pk])
    assert client.get(url).status_code == 403
    client.post(url, {"username": "dave", "is_staff": "on", "is_superuser": "on"})
    dave.refresh_from_db()
    assert not dave.is_superuser


def test_an_operator_granting_superuser_is_on_the_audit_trail(admin_client: Client) -> None:
    erin = make_user("erin")
    url = reverse("admin:auth_user_change", args=[erin.pk])
    form = {
        "username": "erin", "is_active": "on", "is_superuser": "on",
        "date_joined_0": "2024-03-01", "date_joined_1": "10:00:00",
    }  # fmt: skip
    assert admin_client.post(url, form).status_code == 302
    event = AuditEvent.objects.get(action="admin.user.change")
    assert "is_superuser" in event.data["fields"]
    assert event.actor_label == "admin"
