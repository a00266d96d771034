"""Only the indexes that queries use (PostgreSQL): the unique index and the pattern index on the
random `hash` values go (nothing looks an event up by its hash; the chain and the tree check
it), and so do the pattern indexes on columns only compared for equality and the plain index on
`action`, whose pattern index also answers equality. 13 indexes become 7. SQLite is left as it
is (its unique index is part of the table)."""

from django.db import migrations, models

def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE audit_auditevent DROP CONSTRAINT IF EXISTS audit_auditevent_hash_key"
        )
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'audit_auditevent' AND ("
            " indexname LIKE 'audit_auditevent_hash%%_like'"
            " OR (indexname LIKE 'audit_auditevent_action%%' AND indexname NOT LIKE '%%_like')"
            " OR indexname LIKE 'audit_auditevent_target_ref%%_like'"
            " OR indexname LIKE 'audit_auditevent_org_code%%_like'"
            " OR indexname LIKE 'audit_auditevent_departement_code%%_like')"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE audit_auditevent ADD CONSTRAINT audit_auditevent_hash_key UNIQUE (hash)"
        )
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS audit_auditevent_action_plain ON audit_auditevent (action)"
        )


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_redactions")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="hash",
                    field=models.CharField(max_length=64),
                ),
            ],
        ),
    ]
