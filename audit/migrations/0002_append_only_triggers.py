"""Triggers refusing UPDATE, DELETE (and TRUNCATE on PostgreSQL) on the audit tables."""

from django.db import migrations

from audit import triggers


def create(apps, schema_editor):
    connection = schema_editor.connection
    triggers.execute(connection, triggers.create_statements(connection.vendor))


def drop(apps, schema_editor):
    connection = schema_editor.connection
    triggers.execute(connection, triggers.drop_statements(connection.vendor))


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
