from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils import timezone


def audiences(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Messages to the reporter were sent to the reporter; the others to the team's people."""
    outbound = apps.get_model("notify", "OutboundEmail")
    outbound.objects.filter(kind__in=["acknowledgement", "reporter_message"]).update(
        audience="reporter"
    )
    outbound.objects.exclude(kind__in=["acknowledgement", "reporter_message"]).update(
        audience="team"
    )


class Migration(migrations.Migration):
    dependencies = [("notify", "0003_fix_team_invitation")]

    operations = [
        migrations.RemoveConstraint(model_name="outboundemail", name="notify_one_email_per_kind"),
        migrations.AddField(
            model_name="outboundemail",
            name="audience",
            field=models.CharField(
                choices=[
                    ("announce_list", "announce list"),
                    ("distributors", "distributors"),
                    ("team", "team"),
                    ("reporter", "reporter"),
                ],
                default="team",
                max_length=20,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(audiences, migrations.RunPython.noop),
        migrations.AddField(
            model_name="outboundemail",
            name="channel",
            field=models.CharField(
                choices=[("email", "email"), ("webhook", "webhook")], default="email", max_length=10
            ),
        ),
        migrations.AddField(
            model_name="outboundemail",
            name="url",
            field=models.URLField(
                blank=True, help_text="where a webhook is POSTed", max_length=2000
            ),
        ),
        migrations.AlterField(
            model_name="outboundemail",
            name="to",
            field=models.EmailField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name="outboundemail",
            name="idempotency_key",
            field=models.CharField(blank=True, max_length=200, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="outboundemail",
            name="send_after",
            field=models.DateTimeField(default=timezone.now),
        ),
        migrations.AddField(
            model_name="outboundemail",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="outboundemail",
            name="kind",
            field=models.CharField(
                choices=[
                    ("acknowledgement", "acknowledgement"),
                    ("reporter_message", "message to the reporter"),
                    ("already_public_alert", "already-public alert"),
                    ("fix_team_invitation", "Fix Team invitation"),
                    ("forthcoming_fix", "forthcoming-fix notice"),
                    ("distributor_notice", "distributor advance notice"),
                    ("distributor_24h_notice", "24-hour notice"),
                    ("pre_merge_notice", "pre-merge notice"),
                    ("release", "release announcement"),
                    ("courtesy_notice", "courtesy notice (main-only fix)"),
                    ("unsupported_notice", "notice for unsupported releases"),
                    ("retrospective", "retrospective"),
                ],
                max_length=40,
            ),
        ),
        migrations.AddConstraint(
            model_name="outboundemail",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind__in", ["acknowledgement", "already_public_alert"])),
                fields=("report", "kind"),
                name="notify_one_email_per_kind",
            ),
        ),
    ]
