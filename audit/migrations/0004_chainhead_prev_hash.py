"""ChainHead.prev_hash, for the one-statement append on PostgreSQL (the table is unmanaged,
so the column is added by hand)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_exports")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE audit_chainhead ADD COLUMN prev_hash varchar(64) NOT NULL DEFAULT ''",
            "ALTER TABLE audit_chainhead DROP COLUMN prev_hash",
        ),
        migrations.AddField(
            model_name="chainhead",
            name="prev_hash",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
    ]
