"""A reminder's dispatch schedule gets its own column and index, and the indexes that every
write of the send cycle paid for without a query needing them go (see Reminder)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sharing", "0004_secure_channel_ref_shape"),
    ]

    operations = [
        migrations.AddField(
            model_name="reminder",
            name="next_attempt_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunSQL(
            "UPDATE sharing_reminder SET next_attempt_at = send_after",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="reminder",
            name="next_attempt_at",
            field=models.DateTimeField(),
        ),
        migrations.RemoveIndex(
            model_name="reminder",
            name="reminder_owed_idx",
        ),
        migrations.RemoveIndex(
            model_name="reminder",
            name="reminder_user_idx",
        ),
        migrations.AlterField(
            model_name="reminder",
            name="organization",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.organization",
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="notification",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="sharing.notification",
            ),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(
                condition=models.Q(("status__in", ["pending", "sending"])),
                fields=["next_attempt_at", "id"],
                name="reminder_dispatch_idx",
            ),
        ),
    ]
