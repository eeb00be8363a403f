"""The operator's view: set up projects, release lines and teams; look at the rest.

Reports, deadlines and the audit log change only through the services (one transaction, one
audit event each), so the admin shows them read-only rather than offer a side door.
"""

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group, User
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from vulndesk.desk import access
from vulndesk.desk.models import (
    Affect,
    AuditEvent,
    Backport,
    BackportStep,
    Comment,
    Deadline,
    DeadlinePause,
    Dependent,
    DependentBranch,
    Distributor,
    DistributorNotice,
    FixTeamMember,
    Package,
    Project,
    ReleaseLine,
    Report,
    TeamMember,
)
from vulndesk.desk.services import audit
from vulndesk.desk.tasks import redate_project_deadlines


def is_operator(request: HttpRequest) -> bool:
    return access.is_operator(request.user)


class OperatorAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Embargoed reports are need-to-know: the admin is for operators (superusers) alone, and
    model permissions granted to other staff are no way around the access rules."""

    # Django 5.2 warns unless the scheme a bare "example.org" gets is chosen explicitly; the
    # read-only pages build their forms too.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_operator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_operator(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_operator(request) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_operator(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_operator(request) and super().has_delete_permission(request, obj)


class AuditedAdmin(OperatorAdmin):
    """Setup changes (policy overrides, team membership) belong in the audit log too."""

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            self.after_save(obj, form, change)
            # Last in the transaction: it holds the audit chain's lock until the commit.
            self._record(request, obj, "change" if change else "add", sorted(form.changed_data))

    def after_save(self, obj: Any, form: ModelForm[Any], change: bool) -> None:
        """What else a saved change sets going, in its transaction."""

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            self._record(request, obj, "delete", [])
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                self._record(request, obj, "delete", [])
            super().delete_queryset(request, queryset)

    def _record(
        self, request: HttpRequest, obj: models.Model, verb: str, fields: list[str]
    ) -> None:
        audit.record(
            f"admin.{obj._meta.model_name}.{verb}",
            actor=request.user if isinstance(request.user, User) else None,
            project=obj if isinstance(obj, Project) else getattr(obj, "project", None),
            data={"object": str(obj), "id": obj.pk, "fields": fields},
        )


class ReadOnlyAdmin(OperatorAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(AuditedAdmin):
    list_display = ["slug", "name", "preset", "security_email"]
    search_fields = ["slug", "name"]

    # A project's audit events and reports protect it; the button could only ever fail.
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def after_save(self, obj: Any, form: ModelForm[Any], change: bool) -> None:
        if change and {"preset", "policy_overrides"} & set(form.changed_data):
            # A new policy redates every open report; the worker does it, not the request.
            # Enqueued in this transaction: the task exists exactly if the change does.
            redate_project_deadlines.enqueue(obj.pk)


@admin.register(ReleaseLine)
class ReleaseLineAdmin(AuditedAdmin):
    list_display = ["project", "name", "branch", "status", "latest_version"]
    list_filter = ["status", "project"]
    list_select_related = ["project"]


@admin.register(TeamMember)
class TeamMemberAdmin(AuditedAdmin):
    list_display = ["project", "user", "role", "joined_at", "left_at", "rotation_order"]
    list_filter = ["role", "project"]
    list_select_related = ["project", "user"]
    autocomplete_fields = ["user"]


class AffectInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Affect
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "state", "severity", "disclosure_level", "received_at"]
    list_filter = ["state", "severity", "disclosure_level", "project"]
    list_select_related = ["project"]
    search_fields = ["title"]
    date_hierarchy = "received_at"
    inlines = [AffectInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        # Operators see every report today; asking the access module keeps it so by one rule.
        return access.reports_visible_to(request.user).select_related("project")


@admin.register(FixTeamMember)
class FixTeamMemberAdmin(ReadOnlyAdmin):
    list_display = ["report", "user", "invited_at", "accepted_at", "ended_at"]
    list_select_related = ["report__project", "user"]


@admin.register(Distributor)
class DistributorAdmin(AuditedAdmin):
    list_display = ["slug", "name", "email"]
    filter_horizontal = ["members"]


@admin.register(DistributorNotice)
class DistributorNoticeAdmin(ReadOnlyAdmin):
    list_display = ["subject", "distributor", "report", "sent_at", "acknowledged_at"]
    list_select_related = ["distributor", "report__project"]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    list_display = ["report", "author", "created_at"]
    list_select_related = ["report__project", "author"]


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = ["report", "name", "rule_id", "due_at", "met_at", "asap", "advisory"]
    list_filter = ["asap", "advisory"]
    list_select_related = ["report__project"]


@admin.register(DeadlinePause)
class DeadlinePauseAdmin(ReadOnlyAdmin):
    list_display = ["deadline", "started_at", "ended_at", "created_by"]
    list_select_related = ["deadline", "created_by"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "created_at", "actor_label", "action", "project", "report"]
    list_filter = ["action"]
    list_select_related = ["project", "report__project"]
    search_fields = ["actor_label", "action"]
    ordering = ["-seq"]


@admin.register(Package)
class PackageAdmin(AuditedAdmin):
    list_display = ["name", "project", "ecosystem", "repository", "tag_pattern", "main_branch"]
    list_filter = ["ecosystem", "project"]
    list_select_related = ["project"]


@admin.register(Dependent)
class DependentAdmin(AuditedAdmin):
    list_display = ["name", "project", "repository", "private_remote"]
    list_filter = ["project"]
    list_select_related = ["project"]


@admin.register(DependentBranch)
class DependentBranchAdmin(AuditedAdmin):
    list_display = ["dependent", "branch", "release_line", "pin_files"]
    list_select_related = ["dependent", "release_line"]


# Plans and their steps change through the backport service alone (audited, under the lock).
@admin.register(Backport)
class BackportAdmin(ReadOnlyAdmin):
    list_display = ["report", "package", "compatibility", "planned_at", "job"]
    list_select_related = ["report__project", "package"]


@admin.register(BackportStep)
class BackportStepAdmin(ReadOnlyAdmin):
    list_display = ["backport", "position", "step_id", "kind", "status", "updated_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["backport__package"]


# Django's own user and group admins get the same gate and the same audit trail: staff who
# could tick "superuser" on their own account would be a way round need-to-know.
admin.site.unregister(User)
admin.site.unregister(Group)


if TYPE_CHECKING:
    UserAdminBase = auth_admin.UserAdmin[User]
else:  # ModelAdmin is generic only to the type checker
    UserAdminBase = auth_admin.UserAdmin


@admin.register(User)
class OperatorUserAdmin(AuditedAdmin, UserAdminBase):
    pass


@admin.register(Group)
class OperatorGroupAdmin(AuditedAdmin, auth_admin.GroupAdmin):
    pass
