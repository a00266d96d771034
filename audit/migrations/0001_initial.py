"""The audit tables. Created as managed models, then marked unmanaged so that Django's flush
never tries to empty them (their triggers, migration 0002, refuse it)."""

from django.db import migrations, models

GENESIS_HASH = "0" * 64


def create_head(apps, schema_editor):
    ChainHead = apps.get_model("audit", "ChainHead")
    ChainHead.objects.using(schema_editor.connection.alias).get_or_create(
        id=1,
        defaults={"seq": 0, "hash": GENESIS_HASH, "checkpoint_number": 0, "checkpoint_hash": GENESIS_HASH},
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("seq", models.BigIntegerField(primary_key=True, serialize=False)),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64, unique=True)),
                ("v", models.PositiveSmallIntegerField(default=1)),
                ("occurred_at", models.DateTimeField(db_index=True)),
                ("actor_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
                ("actor_username", models.CharField(blank=True, max_length=150)),
                ("actor_is_staff", models.BooleanField(default=False)),
                ("actor_roles", models.JSONField(default=list)),
                ("action", models.CharField(db_index=True, max_length=64)),
                ("outcome", models.CharField(default="ok", max_length=32)),
                ("target_type", models.CharField(blank=True, max_length=100)),
                ("target_ref", models.CharField(blank=True, db_index=True, max_length=100)),
                ("org_code", models.CharField(blank=True, db_index=True, max_length=40)),
                ("departement_code", models.CharField(blank=True, db_index=True, max_length=3)),
                ("scope", models.CharField(blank=True, max_length=200)),
                ("ip", models.CharField(blank=True, max_length=45)),
                ("user_agent", models.CharField(blank=True, max_length=256)),
                ("request_id", models.CharField(blank=True, max_length=64)),
                ("details", models.JSONField(default=dict)),
            ],
            options={
                "db_table": "audit_auditevent",
                "ordering": ["seq"],
                "verbose_name": "événement d'audit",
                "verbose_name_plural": "événements d'audit",
            },
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("number", models.BigIntegerField(primary_key=True, serialize=False)),
                ("size", models.BigIntegerField(db_index=True)),
                ("head_hash", models.CharField(max_length=64)),
                ("issued_at", models.DateTimeField(db_index=True)),
                ("prev", models.CharField(max_length=64)),
                ("reason", models.CharField(max_length=16)),
                ("signer", models.CharField(max_length=200)),
                ("note", models.TextField()),
            ],
            options={
                "db_table": "audit_auditcheckpoint",
                "ordering": ["number"],
                "verbose_name": "point de contrôle signé",
                "verbose_name_plural": "points de contrôle signés",
            },
        ),
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("seq", models.BigIntegerField(default=0)),
                ("hash", models.CharField(max_length=64)),
                ("checkpoint_number", models.BigIntegerField(default=0)),
                ("checkpoint_hash", models.CharField(max_length=64)),
                ("signer", models.CharField(blank=True, max_length=200)),
            ],
            options={"db_table": "audit_chainhead"},
        ),
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="auditevent",
            options={
                "managed": False,
                "ordering": ["seq"],
                "verbose_name": "événement d'audit",
                "verbose_name_plural": "événements d'audit",
            },
        ),
        migrations.AlterModelOptions(
            name="auditcheckpoint",
            options={
                "managed": False,
                "ordering": ["number"],
                "verbose_name": "point de contrôle signé",
                "verbose_name_plural": "points de contrôle signés",
            },
        ),
        migrations.AlterModelOptions(name="chainhead", options={"managed": False}),
    ]
