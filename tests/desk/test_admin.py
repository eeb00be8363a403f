"""The operator's admin: setup is editable and audited, history is read-only."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.desk.factories import make_member, make_project, make_report, make_user
from vulndesk.desk.models import AuditEvent, Project, TeamMember
from vulndesk.desk.services import audit

pytestmark = pytest.mark.django_db
DESK_MODELS = [m for m in admin.site._registry if m._meta.app_label == "desk"]


@pytest.mark.parametrize("model", DESK_MODELS, ids=lambda m: m.__name__)
def test_every_desk_model_has_a_working_changelist(admin_client: Client, model: type) -> None:
    make_report(make_project())
    url = reverse(f"admin:desk_{model._meta.model_name}_changelist")  # type: ignore[attr-defined]
    assert admin_client.get(url).status_code == 200


def test_audit_events_can_be_viewed_but_not_added_changed_or_deleted(
    admin_client: Client,
) -> None:
    make_report(make_project())
    event = AuditEvent.objects.get()
    change = reverse("admin:desk_auditevent_change", args=[event.pk])
    assert admin_client.get(change).status_code == 200
    assert admin_client.post(change, {"action": "forged"}).status_code == 403
    assert admin_client.get(reverse("admin:desk_auditevent_add")).status_code == 403
    delete = reverse("admin:desk_auditevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert audit.verify_chain() == []


def test_reports_are_read_only_in_the_admin(admin_client: Client) -> None:
    report = make_report(make_project())
    change = reverse("admin:desk_report_change", args=[report.pk])
    assert admin_client.post(change, {"state": "closed"}).status_code == 403
    report.refresh_from_db()
    assert report.state == "received"


def test_changing_a_projects_policy_overrides_in_the_admin_is_audited(
    admin_client: Client,
) -> None:
    project = make_project("karmada")
    response = admin_client.post(
        reverse("admin:desk_project_change", args=[project.pk]),
        {
            "slug": "karmada",
            "name": "Karmada",
            "preset": "karmada",
            "policy_overrides": '{"severity": {"semi_public": {"cvss_below": 6.0}}}',
            "security_email": "",
            "repository_url": "",
            "main_branch": "main",
            "test_command": "",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.policy().severity.semi_public.cvss_below == 6.0
    event = AuditEvent.objects.get()
    assert (event.action, event.actor_label, event.project) == (
        "admin.project.change",
        "admin",
        project,
    )
    assert event.data["fields"] == ["policy_overrides"]


def test_projects_cannot_be_deleted_in_the_admin(admin_client: Client) -> None:
    project = make_project()
    delete = reverse("admin:desk_project_delete", args=[project.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Project.objects.filter(pk=project.pk).exists()


def test_removing_team_members_with_the_bulk_action_is_audited(admin_client: Client) -> None:
    project = make_project()
    members = [make_member(project, make_user(name)) for name in ("alice", "bob")]
    response = admin_client.post(
        reverse("admin:desk_teammember_changelist"),
        {"action": "delete_selected", "_selected_action": [m.pk for m in members], "post": "yes"},
    )
    assert response.status_code == 302
    assert not TeamMember.objects.exists()
    removed = AuditEvent.objects.filter(action="admin.teammember.delete", project=project)
    assert sorted(e.data["id"] for e in removed) == sorted(m.pk for m in members)
